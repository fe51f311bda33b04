/**
 * Corruption for denoising autoencoders. Kept terms keep their value; salted terms get 1.
 *  - saltAndPepper, for the sparse binary input: each active term is switched off with probability ν/2
 *    (pepper) and, for each, an inactive term is switched on with probability ν/2 (salt). This is
 *    salt-and-pepper noise restricted so that the expected number of active terms stays the same: flipping
 *    ν/2 of all V inactive terms on would bury a 0.6%-dense review under random words.
 *  - zeroMask, for dense hidden activations: each value is set to 0 with probability ν.
 */
import type { CsrBatch } from '../data/vectorizer.js';
import type { Rng } from './rng.js';

export function saltAndPepper(x: CsrBatch, rate: number, rng: Rng): CsrBatch {
  const half = rate / 2;
  const indptr = new Int32Array(x.rows + 1);
  const indices: number[] = [];
  const values: number[] = [];
  const present = new Set<number>();
  const row = new Map<number, number>();
  for (let b = 0; b < x.rows; b++) {
    const start = x.indptr[b];
    const end = x.indptr[b + 1];
    present.clear();
    row.clear();
    for (let p = start; p < end; p++) present.add(x.indices[p]);
    let salt = 0;
    for (let p = start; p < end; p++) {
      if (rng.uniform() >= half) row.set(x.indices[p], x.values[p]);
      if (rng.uniform() < half) salt++;
    }
    for (let s = 0; s < salt && present.size < x.cols; s++) {
      let t: number;
      do t = rng.int(x.cols);
      while (present.has(t));
      present.add(t);
      row.set(t, 1);
    }
    for (const t of [...row.keys()].sort((a, c) => a - c)) {
      indices.push(t);
      values.push(row.get(t)!);
    }
    indptr[b + 1] = indices.length;
  }
  return { rows: x.rows, cols: x.cols, indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}

/** out = a with each of its first n values zeroed with probability `rate`. */
export function zeroMask(a: Float32Array, n: number, rate: number, rng: Rng, out: Float32Array): Float32Array {
  for (let i = 0; i < n; i++) out[i] = rng.uniform() < rate ? 0 : a[i];
  return out;
}
