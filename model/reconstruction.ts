/**
 * The reconstruction layer of the first denoising autoencoder: sigmoid outputs over all V input terms with
 * cross-entropy against the clean binary input.
 *
 * Reconstructing all V outputs is what makes a text autoencoder expensive, so by default it is sampled
 * (Dauphin, Glorot & Bengio 2011): per example, every term that is active in the clean or the corrupted
 * input is reconstructed, plus the inactive terms among `negatives` terms drawn uniformly without
 * replacement once per mini-batch, each weighted by |inactive| / |inactive drawn|. Given how many of its
 * inactive terms were drawn, those are a uniform subset of them, so the weighted sum is an unbiased
 * estimate of the full cost; sharing the draw across the batch keeps the decoder rows touched per step few.
 * The work no longer grows with V. `negatives = 'all'` reconstructs every term exactly.
 *
 * Row j of `weights` holds [R_j (H values), c_j]: the decoder weights and bias of output term j, so one
 * row-sparse gradient covers both.
 *
 * The weights and row gradients live in the decoder's kernel arena. With WebAssembly kernels an example's
 * logits and gradient are two SIMD kernel calls over all H units (decode_logits, decode_backward); the
 * TypeScript path visits only the active units of h instead.
 */
import type { CsrBatch } from '../data/vectorizer.js';
import { sigmoid, sigmoidCrossEntropy } from './activations.js';
import { ArenaScratch, createArena, type Arena } from './kernels/arena.js';
import { carryRows, glorotLimit, type RowGradient } from './layers.js';
import type { Rng } from './rng.js';

export type Negatives = number | 'all';

export class SparseReconstruction {
  readonly arena: Arena;
  readonly weights: Float32Array;
  readonly width: number;
  private readonly slot: Int32Array;
  private readonly mark: Uint8Array;
  /** Scratch: the active units of one example's code, and their values. */
  private readonly active: Int32Array;
  private readonly activeValues: Float32Array;
  /** The kernels' operands in the arena (float slots 0 h, 1 dh, 2 z, 3 dz; int slots 0 ids, 1 slots). */
  private readonly scratch: ArenaScratch;
  /** The row gradient of a cost without gradients: never written. */
  private readonly idle: RowGradient = { rows: new Int32Array(0), count: 0, values: new Float32Array(0) };

  constructor(readonly vocab: number, readonly hidden: number, rng: Rng, arena: Arena = createArena()) {
    this.arena = arena;
    this.scratch = new ArenaScratch(arena);
    this.width = hidden + 1;
    this.weights = arena.floats(vocab * this.width);
    const limit = glorotLimit(hidden, vocab);
    for (let j = 0; j < vocab; j++) for (let k = 0; k < hidden; k++) this.weights[j * this.width + k] = (2 * rng.uniform() - 1) * limit;
    this.slot = new Int32Array(vocab).fill(-1);
    this.mark = new Uint8Array(vocab);
    this.active = new Int32Array(hidden);
    this.activeValues = new Float32Array(hidden);
  }

  /**
   * Summed (estimated) cross-entropy over the batch. With `grad`, also adds d(cost)/dh · `scale` into dh and
   * fills the decoder's row gradient (times `scale`). Zero activations contribute nothing to the outputs or
   * to the decoder gradient, so only the active units of h are visited (rectifier codes are mostly zeros);
   * with `grad.activeOnly` dh may also be left alone where h = 0, which is exact when the encoder is a
   * rectifier (its derivative there is 0). Returns with `grad.rows` possibly replaced by a bigger gradient.
   */
  cost(clean: CsrBatch, corrupted: CsrBatch, h: Float32Array, negatives: Negatives, rng: Rng | null,
       grad: { dh: Float32Array; rows: RowGradient; scale: number; activeOnly?: boolean } | null): number {
    const H = this.hidden;
    const W = this.width;
    const R = this.weights;
    const shared = negatives === 'all' ? null : this.drawShared(Math.min(negatives, this.vocab), rng);
    let rows = grad?.rows ?? this.idle;
    if (grad) {
      // Room for every possible target up front (one allocation rather than a chain of doublings).
      const nnz = clean.indptr[clean.rows] - clean.indptr[0] + corrupted.indptr[corrupted.rows] - corrupted.indptr[0];
      const bound = Math.min(this.vocab, nnz + (shared ? shared.length : this.vocab));
      if (!this.arena.reaches(rows.values) || rows.rows.length < bound) rows = this.regrow(rows, Math.max(bound, rows.rows.length));
    }
    rows.count = 0;
    const simd = this.arena.kind === 'wasm';
    const hk = simd ? this.scratch.staged(0, h, clean.rows * H) : h;
    const dhk = simd && grad ? this.scratch.staged(1, grad.dh, clean.rows * H) : null;
    const targets: number[] = [];
    const weights: number[] = [];
    const labels: number[] = [];
    const active = this.active;
    const hv = this.activeValues;
    let total = 0;
    for (let b = 0; b < clean.rows; b++) {
      targets.length = weights.length = labels.length = 0;
      this.collectTargets(clean, corrupted, b, shared, rng, targets, weights, labels);
      const ho = b * H;
      if (simd) {
        const n = targets.length;
        const ids = this.scratch.ints(0, n);
        ids.set(targets);
        const z = this.scratch.floats(2, n);
        this.arena.kernels.decodeLogits(z, R, W, ids, n, hk, ho, H);
        const dz = grad ? this.scratch.floats(3, n) : z;
        const slots = this.scratch.ints(1, n);
        for (let q = 0; q < n; q++) {
          total += weights[q] * sigmoidCrossEntropy(z[q], labels[q]);
          if (!grad) continue;
          dz[q] = weights[q] * (sigmoid(z[q]) - labels[q]) * grad.scale;
          const j = targets[q];
          if (this.slot[j] < 0) {
            if (rows.count >= rows.rows.length) rows = this.regrow(rows, rows.rows.length * 2);
            this.slot[j] = rows.count;
            rows.rows[rows.count] = j;
            rows.values.fill(0, rows.count * W, (rows.count + 1) * W);
            rows.count++;
          }
          slots[q] = this.slot[j];
        }
        if (grad) this.arena.kernels.decodeBackward(dhk!, ho, rows.values, slots, R, W, ids, dz, n, hk, ho, H);
        continue;
      }
      let na = 0;
      for (let k = 0; k < H; k++) {
        const v = h[ho + k];
        if (v !== 0) { active[na] = k; hv[na++] = v; }
      }
      const sparse = na < 0.6 * H;
      const denseDh = !!grad && !grad.activeOnly;
      for (let q = 0; q < targets.length; q++) {
        const j = targets[q];
        const ro = j * W;
        let z = R[ro + H];
        if (sparse) {
          for (let a = 0; a < na; a++) z += R[ro + active[a]] * hv[a];
        } else {
          let k = 0;
          for (; k + 3 < H; k += 4) z += R[ro + k] * h[ho + k] + R[ro + k + 1] * h[ho + k + 1] + R[ro + k + 2] * h[ho + k + 2] + R[ro + k + 3] * h[ho + k + 3];
          for (; k < H; k++) z += R[ro + k] * h[ho + k];
        }
        const w = weights[q];
        total += w * sigmoidCrossEntropy(z, labels[q]);
        if (!grad) continue;
        const dz = w * (sigmoid(z) - labels[q]) * grad.scale;
        if (this.slot[j] < 0) {
          if (rows.count >= rows.rows.length) rows = this.regrow(rows, rows.rows.length * 2);
          this.slot[j] = rows.count;
          rows.rows[rows.count] = j;
          rows.values.fill(0, rows.count * W, (rows.count + 1) * W);
          rows.count++;
        }
        const go = this.slot[j] * W;
        const dh = grad.dh;
        const gv = rows.values;
        if (sparse) {
          for (let a = 0; a < na; a++) {
            const k = active[a];
            gv[go + k] += dz * hv[a];
            if (!denseDh) dh[ho + k] += dz * R[ro + k];
          }
          if (denseDh) for (let k = 0; k < H; k++) dh[ho + k] += dz * R[ro + k];
        } else {
          for (let m = 0; m < H; m++) {
            dh[ho + m] += dz * R[ro + m];
            gv[go + m] += dz * h[ho + m];
          }
        }
        gv[go + H] += dz;
      }
    }
    for (let i = 0; i < rows.count; i++) this.slot[rows.rows[i]] = -1;
    if (grad) {
      grad.rows = rows;
      if (dhk && dhk !== grad.dh) grad.dh.set(dhk.subarray(0, clean.rows * H));
    }
    return total;
  }

  /** A row gradient for the decoder, held where its kernels reach it. */
  emptyGradient(capacity = 256): RowGradient {
    const grad: RowGradient = { rows: new Int32Array(capacity), count: 0, values: new Float32Array(0) };
    grad.values = this.arena.floats(capacity * this.width, grad);
    return grad;
  }

  /** A gradient in the arena with room for `capacity` rows, holding grad's rows and values. */
  private regrow(grad: RowGradient, capacity: number): RowGradient {
    return carryRows(grad, this.emptyGradient(Math.max(16, capacity)));
  }

  /** `n` distinct terms drawn uniformly for the whole batch. */
  private drawShared(n: number, rng: Rng | null): Int32Array {
    if (n <= 0) return new Int32Array(0);
    if (!rng) throw new Error('sampled reconstruction needs a random generator');
    const picked = new Int32Array(n);
    const { mark } = this;
    for (let s = 0; s < n; s++) {
      let j: number;
      do j = rng.int(this.vocab);
      while (mark[j] === 4);
      mark[j] = 4;
      picked[s] = j;
    }
    for (const j of picked) mark[j] = 0;
    return picked;
  }

  /** Example b's targets: its clean positives (label 1), corrupted-only terms (label 0), and negatives. */
  private collectTargets(clean: CsrBatch, corrupted: CsrBatch, b: number, shared: Int32Array | null, rng: Rng | null,
                         targets: number[], weights: number[], labels: number[]): void {
    const { mark } = this;
    let positives = 0;
    for (let p = clean.indptr[b]; p < clean.indptr[b + 1]; p++) {
      const j = clean.indices[p];
      mark[j] = 1;
      targets.push(j); weights.push(1); labels.push(1);
      positives++;
    }
    for (let p = corrupted.indptr[b]; p < corrupted.indptr[b + 1]; p++) {
      const j = corrupted.indices[p];
      if (mark[j] !== 0) continue;
      mark[j] = 2;
      targets.push(j); weights.push(1); labels.push(0);
      positives++;
    }
    if (shared === null) {
      for (let j = 0; j < this.vocab; j++) if (mark[j] === 0) { targets.push(j); weights.push(1); labels.push(0); }
    } else {
      const inactive = this.vocab - positives;
      let drawn = 0;
      for (const j of shared) if (mark[j] === 0) drawn++;
      if (drawn > 0) {
        const w = inactive / drawn;
        for (const j of shared) if (mark[j] === 0) { targets.push(j); weights.push(w); labels.push(0); }
      } else if (inactive > 0 && shared.length > 0 && rng) {
        // The batch draw missed this example's inactive terms entirely (only when V is tiny): draw its own,
        // so that the estimate stays unbiased in this case too.
        const n = shared.length;
        for (let s = 0; s < n; s++) {
          let j: number;
          do j = rng.int(this.vocab);
          while (mark[j] !== 0);
          targets.push(j); weights.push(inactive / n); labels.push(0);
        }
      }
    }
    for (let p = clean.indptr[b]; p < clean.indptr[b + 1]; p++) mark[clean.indices[p]] = 0;
    for (let p = corrupted.indptr[b]; p < corrupted.indptr[b + 1]; p++) mark[corrupted.indices[p]] = 0;
  }
}
