/**
 * Output heads: turn the last layer's outputs into a rating, and score them against the true rating.
 *  - softmax (the paper's): 5 logits → p(1..5 stars); rating = Σ k·p(k); cost = −log p(true star).
 *  - linear: 1 output = the rating; cost = ½(output − rating)².
 */

export type HeadKind = 'softmax' | 'linear';
export const STARS = 5;

export interface Head {
  readonly kind: HeadKind;
  /** Outputs the last layer must produce. */
  readonly outputs: number;
  /** Summed cost over the batch; writes d(cost)/d(output) into grad (not divided by the batch). */
  loss(out: Float32Array, ratings: ArrayLike<number>, batch: number, grad: Float32Array | null): number;
  /** Expected rating of example b, and its distribution over 1..5 stars into dist[0..4]. */
  predict(out: Float32Array, b: number, dist: Float32Array): number;
}

/** Softmax of logits[o .. o+5) into p. */
function softmax(logits: Float32Array, o: number, p: Float32Array): void {
  let max = -Infinity;
  for (let k = 0; k < STARS; k++) max = Math.max(max, logits[o + k]);
  let sum = 0;
  for (let k = 0; k < STARS; k++) sum += p[k] = Math.exp(logits[o + k] - max);
  for (let k = 0; k < STARS; k++) p[k] /= sum;
}

export const softmaxHead: Head = {
  kind: 'softmax',
  outputs: STARS,
  loss(out, ratings, batch, grad) {
    const p = new Float32Array(STARS);
    let total = 0;
    for (let b = 0; b < batch; b++) {
      const o = b * STARS;
      softmax(out, o, p);
      const y = ratings[b] - 1;
      total -= Math.log(Math.max(p[y], 1e-30));
      if (grad) for (let k = 0; k < STARS; k++) grad[o + k] = p[k] - (k === y ? 1 : 0);
    }
    return total;
  },
  predict(out, b, dist) {
    softmax(out, b * STARS, dist);
    let rating = 0;
    for (let k = 0; k < STARS; k++) rating += (k + 1) * dist[k];
    return rating;
  },
};

export const linearHead: Head = {
  kind: 'linear',
  outputs: 1,
  loss(out, ratings, batch, grad) {
    let total = 0;
    for (let b = 0; b < batch; b++) {
      const e = out[b] - ratings[b];
      total += 0.5 * e * e;
      if (grad) grad[b] = e;
    }
    return total;
  },
  predict(out, b, dist) {
    // Clamp to the star range; the distribution splits the mass between the two nearest stars so that
    // its expected value is the rating.
    const rating = Math.min(STARS, Math.max(1, out[b]));
    dist.fill(0);
    const lo = Math.floor(rating);
    const frac = rating - lo;
    dist[lo - 1] += 1 - frac;
    if (frac > 0) dist[lo] += frac;
    return rating;
  },
};

export function headFor(kind: HeadKind): Head {
  if (kind === 'softmax') return softmaxHead;
  if (kind === 'linear') return linearHead;
  throw new Error(`unknown head "${kind}": expected softmax or linear`);
}
