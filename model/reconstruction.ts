/**
 * The reconstruction layer of the first denoising autoencoder: sigmoid outputs over all V input terms with
 * cross-entropy against the clean binary input.
 *
 * Reconstructing all V outputs is what makes a text autoencoder expensive, so by default it is sampled
 * (Dauphin, Glorot & Bengio 2011): per example, every term that is active in the clean or the corrupted
 * input is reconstructed, plus `negatives` terms drawn uniformly (with replacement) from the inactive rest,
 * each weighted by |inactive| / negatives. The weighted sum is an unbiased estimate of the full cost, and the
 * work no longer grows with V. `negatives = 'all'` reconstructs every term exactly.
 *
 * Row j of `weights` holds [R_j (H values), c_j]: the decoder weights and bias of output term j, so one
 * row-sparse gradient covers both.
 */
import type { CsrBatch } from '../data/vectorizer.js';
import { sigmoid, sigmoidCrossEntropy } from './activations.js';
import { emptyRowGradient, glorotLimit, type RowGradient } from './layers.js';
import type { Rng } from './rng.js';

export type Negatives = number | 'all';

export class SparseReconstruction {
  readonly weights: Float32Array;
  readonly width: number;
  private readonly slot: Int32Array;
  private readonly mark: Uint8Array;

  constructor(readonly vocab: number, readonly hidden: number, rng: Rng) {
    this.width = hidden + 1;
    this.weights = new Float32Array(vocab * this.width);
    const limit = glorotLimit(hidden, vocab);
    for (let j = 0; j < vocab; j++) for (let k = 0; k < hidden; k++) this.weights[j * this.width + k] = (2 * rng.uniform() - 1) * limit;
    this.slot = new Int32Array(vocab).fill(-1);
    this.mark = new Uint8Array(vocab);
  }

  /**
   * Summed (estimated) cross-entropy over the batch. With `grad`, also adds d(cost)/dh · `scale` into dh and
   * fills the decoder's row gradient (times `scale`).
   */
  cost(clean: CsrBatch, corrupted: CsrBatch, h: Float32Array, negatives: Negatives, rng: Rng | null,
       grad: { dh: Float32Array; rows: RowGradient; scale: number } | null): number {
    const H = this.hidden;
    const W = this.width;
    const R = this.weights;
    let total = 0;
    let rows = grad?.rows ?? emptyRowGradient(W, 1);
    if (grad) rows.count = 0;
    const targets: number[] = [];
    const weightsOf: number[] = [];
    const labels: number[] = [];
    for (let b = 0; b < clean.rows; b++) {
      targets.length = weightsOf.length = labels.length = 0;
      this.collectTargets(clean, corrupted, b, negatives, rng, targets, weightsOf, labels);
      const ho = b * H;
      for (let q = 0; q < targets.length; q++) {
        const j = targets[q];
        const ro = j * W;
        let z = R[ro + H];
        for (let k = 0; k < H; k++) z += R[ro + k] * h[ho + k];
        const w = weightsOf[q];
        total += w * sigmoidCrossEntropy(z, labels[q]);
        if (!grad) continue;
        const dz = w * (sigmoid(z) - labels[q]) * grad.scale;
        if (this.slot[j] < 0) {
          if (rows.count >= rows.rows.length) rows = grow(rows, W);
          this.slot[j] = rows.count;
          rows.rows[rows.count] = j;
          rows.values.fill(0, rows.count * W, (rows.count + 1) * W);
          rows.count++;
        }
        const go = this.slot[j] * W;
        const { dh } = grad;
        for (let k = 0; k < H; k++) {
          dh[ho + k] += dz * R[ro + k];
          rows.values[go + k] += dz * h[ho + k];
        }
        rows.values[go + H] += dz;
      }
    }
    for (let i = 0; i < rows.count; i++) this.slot[rows.rows[i]] = -1;
    if (grad) grad.rows = rows;
    return total;
  }

  private collectTargets(clean: CsrBatch, corrupted: CsrBatch, b: number, negatives: Negatives, rng: Rng | null,
                         targets: number[], weights: number[], labels: number[]): void {
    const { mark } = this;
    for (let p = clean.indptr[b]; p < clean.indptr[b + 1]; p++) mark[clean.indices[p]] = 2;
    if (negatives === 'all') {
      for (let j = 0; j < this.vocab; j++) {
        targets.push(j);
        weights.push(1);
        labels.push(mark[j] === 2 ? 1 : 0);
      }
    } else {
      for (let p = corrupted.indptr[b]; p < corrupted.indptr[b + 1]; p++) if (mark[corrupted.indices[p]] === 0) mark[corrupted.indices[p]] = 1;
      let positives = 0;
      for (let p = clean.indptr[b]; p < clean.indptr[b + 1]; p++) positives++;
      for (let p = corrupted.indptr[b]; p < corrupted.indptr[b + 1]; p++) if (mark[corrupted.indices[p]] === 1) positives++;
      for (let p = clean.indptr[b]; p < clean.indptr[b + 1]; p++) { targets.push(clean.indices[p]); weights.push(1); labels.push(1); }
      for (let p = corrupted.indptr[b]; p < corrupted.indptr[b + 1]; p++) {
        const j = corrupted.indices[p];
        if (mark[j] === 1) { targets.push(j); weights.push(1); labels.push(0); mark[j] = 3; }
      }
      const inactive = this.vocab - positives;
      if (negatives > 0 && inactive > 0) {
        if (!rng) throw new Error('sampled reconstruction needs a random generator');
        const w = inactive / negatives;
        for (let s = 0; s < negatives; s++) {
          let j: number;
          do j = rng.int(this.vocab);
          while (mark[j] !== 0);
          targets.push(j); weights.push(w); labels.push(0);
        }
      }
      for (let p = corrupted.indptr[b]; p < corrupted.indptr[b + 1]; p++) mark[corrupted.indices[p]] = 0;
    }
    for (let p = clean.indptr[b]; p < clean.indptr[b + 1]; p++) mark[clean.indices[p]] = 0;
  }
}

function grow(rows: RowGradient, width: number): RowGradient {
  const bigger = emptyRowGradient(width, rows.rows.length * 2);
  bigger.rows.set(rows.rows);
  bigger.values.set(rows.values);
  bigger.count = rows.count;
  return bigger;
}
