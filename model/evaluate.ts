/**
 * Prediction over vectorised sets and the metrics users read: RMSE, MAE, exact-star accuracy, polarity
 * accuracy, confusion matrix and the share of exact zeros in every hidden layer.
 */
import { csrRows, type CsrBatch } from '../data/vectorizer.js';
import { STARS } from './heads.js';
import { State, type Network } from './network.js';

export interface LabeledSet {
  x: CsrBatch;
  /** True star rating (1..5) of each row. */
  ratings: Uint8Array;
}

export interface Predictions {
  ratings: Float32Array;
  /** [n, 5] probabilities of 1..5 stars. */
  distributions: Float32Array;
  /** Share of exact zeros in each hidden layer over these examples. */
  sparsity: number[];
}

export interface Metrics {
  n: number;
  rmse: number;
  mae: number;
  /** Share of examples whose rounded rating equals the true star. */
  accuracy: number;
  /** Over examples with a true rating other than 3: predicted rating > 3 iff true rating ≥ 4. */
  polarity_accuracy: number;
  polarity_n: number;
  /** confusion[true star − 1][rounded predicted star − 1]. */
  confusion: number[][];
  sparsity: number[];
}

export function range(start: number, end: number): Int32Array {
  const r = new Int32Array(end - start);
  for (let i = 0; i < r.length; i++) r[i] = start + i;
  return r;
}

/** Forward the whole set in batches. */
export function predictSet(net: Network, x: CsrBatch, batchSize = 256): Predictions {
  const state = new State(net, Math.min(batchSize, Math.max(1, x.rows)), false);
  const ratings = new Float32Array(x.rows);
  const distributions = new Float32Array(x.rows * STARS);
  const zeros = net.spec.layers.map(() => 0);
  const dist = new Float32Array(STARS);
  for (let start = 0; start < x.rows; start += state.capacity) {
    const end = Math.min(x.rows, start + state.capacity);
    const batch = csrRows(x, range(start, end));
    net.forward(batch, state);
    for (let b = 0; b < batch.rows; b++) {
      ratings[start + b] = net.head.predict(state.out, b, dist);
      distributions.set(dist, (start + b) * STARS);
    }
    net.spec.layers.forEach((width, l) => {
      const h = state.h[l];
      for (let i = 0; i < batch.rows * width; i++) if (h[i] === 0) zeros[l]++;
    });
  }
  const sparsity = net.spec.layers.map((width, l) => (x.rows ? zeros[l] / (x.rows * width) : 0));
  return { ratings, distributions, sparsity };
}

export function roundStar(rating: number): number {
  return Math.min(STARS, Math.max(1, Math.round(rating)));
}

export function computeMetrics(predicted: ArrayLike<number>, truth: ArrayLike<number>, sparsity: number[] = []): Metrics {
  const n = truth.length;
  let se = 0;
  let ae = 0;
  let exact = 0;
  let polar = 0;
  let polarN = 0;
  const confusion = Array.from({ length: STARS }, () => new Array<number>(STARS).fill(0));
  for (let i = 0; i < n; i++) {
    const y = truth[i];
    const p = predicted[i];
    se += (p - y) ** 2;
    ae += Math.abs(p - y);
    const star = roundStar(p);
    if (star === y) exact++;
    confusion[y - 1][star - 1]++;
    if (y !== 3) {
      polarN++;
      if (p > 3 === y >= 4) polar++;
    }
  }
  return {
    n,
    rmse: n ? Math.sqrt(se / n) : NaN,
    mae: n ? ae / n : NaN,
    accuracy: n ? exact / n : NaN,
    polarity_accuracy: polarN ? polar / polarN : NaN,
    polarity_n: polarN,
    confusion,
    sparsity,
  };
}

export function evaluate(net: Network, set: LabeledSet, batchSize = 256): Metrics {
  const p = predictSet(net, set.x, batchSize);
  return computeMetrics(p.ratings, set.ratings, p.sparsity);
}
