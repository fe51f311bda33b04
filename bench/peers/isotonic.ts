/**
 * Isotonic (monotone non-decreasing) regression by pool-adjacent-violators, for mapping a lexicon score to
 * stars. Same fit as scikit-learn's IsotonicRegression(increasing=True, out_of_bounds='clip'): equal scores
 * are pooled first, predictions interpolate linearly between the fitted points and clip outside them.
 */
export interface IsotonicFit {
  /** Distinct training scores, increasing. */
  x: Float64Array;
  /** Fitted value at each x, non-decreasing. */
  y: Float64Array;
}

export function fitIsotonic(scores: ArrayLike<number>, targets: ArrayLike<number>): IsotonicFit {
  if (scores.length !== targets.length || scores.length === 0) throw new Error(`fitIsotonic: ${scores.length} scores, ${targets.length} targets`);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  // distinct x with the mean target and weight of its ties
  const xs: number[] = [];
  const sums: number[] = [];
  const weights: number[] = [];
  for (const i of order) {
    const last = xs.length - 1;
    if (last >= 0 && xs[last] === scores[i]) {
      sums[last] += targets[i];
      weights[last] += 1;
    } else {
      xs.push(scores[i]);
      sums.push(targets[i]);
      weights.push(1);
    }
  }
  // blocks of consecutive points: [start, end) with their pooled sum and weight
  const start: number[] = [];
  const sum: number[] = [];
  const weight: number[] = [];
  for (let k = 0; k < xs.length; k++) {
    start.push(k);
    sum.push(sums[k]);
    weight.push(weights[k]);
    while (sum.length > 1 && sum[sum.length - 2] / weight[weight.length - 2] > sum[sum.length - 1] / weight[weight.length - 1]) {
      const s = sum.pop()!;
      const w = weight.pop()!;
      start.pop();
      sum[sum.length - 1] += s;
      weight[weight.length - 1] += w;
    }
  }
  const y = new Float64Array(xs.length);
  for (let b = 0; b < start.length; b++) {
    const end = b + 1 < start.length ? start[b + 1] : xs.length;
    y.fill(sum[b] / weight[b], start[b], end);
  }
  return { x: Float64Array.from(xs), y };
}

export function predictIsotonic(fit: IsotonicFit, score: number): number {
  const { x, y } = fit;
  const n = x.length;
  if (!(score > x[0])) return y[0];
  if (score >= x[n - 1]) return y[n - 1];
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid] <= score) lo = mid;
    else hi = mid;
  }
  return y[lo] + ((y[hi] - y[lo]) * (score - x[lo])) / (x[hi] - x[lo]);
}
