/**
 * The two linear layer types of the network, each with one forward and one backward pass.
 *  - SparseLinear: sparse bag-of-words input → dense units. Our own kernel: the forward pass reads only the
 *    rows of the input's non-zeros; the backward pass produces gradients for exactly those rows. The row
 *    sums run in the kernels of model/kernels (WebAssembly SIMD, or TypeScript) over the layer's arena.
 *  - DenseLinear: dense units → dense units through the dense backend.
 */
import type { CsrBatch } from '../data/vectorizer.js';
import type { Backend, DenseWeights } from './backend.js';
import { ArenaScratch, createArena, type Arena } from './kernels/arena.js';
import type { Rng } from './rng.js';

/** Gradient of a row-sparse weight matrix: `rows` are the touched row ids, `values` [rows.length, width]. */
export interface RowGradient {
  rows: Int32Array;
  count: number;
  values: Float32Array;
}

/** Glorot/Xavier uniform limit: zero-mean weights, so about half the rectifiers are active at start. */
export function glorotLimit(fanIn: number, fanOut: number): number {
  return Math.sqrt(6 / (fanIn + fanOut));
}

export class SparseLinear {
  /** Where the weights, the row gradients and the kernels' scratch live (see kernels/arena.ts). */
  readonly arena: Arena;
  /** Row t holds the weights from input term t to every unit: [inDim, outDim]. */
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  /** Slot of each term in the current row gradient (-1: untouched). */
  private readonly slot: Int32Array;
  /** The kernels' operands, in the arena. Int slots: 0 counts, 1 fill, 2 offsets; float slots: 0 out, 1 values, 2 dz. */
  private readonly scratch: ArenaScratch;

  constructor(readonly inDim: number, readonly outDim: number, rng?: Rng, arena: Arena = createArena()) {
    this.arena = arena;
    this.scratch = new ArenaScratch(arena);
    this.weights = arena.floats(inDim * outDim);
    this.bias = arena.floats(outDim);
    this.slot = new Int32Array(inDim).fill(-1);
    if (rng) rng.fillUniform(this.weights, glorotLimit(inDim, outDim));
  }

  /** A row gradient for this layer, held where its kernels reach it. */
  emptyGradient(capacity = 256): RowGradient {
    const grad: RowGradient = { rows: new Int32Array(capacity), count: 0, values: new Float32Array(0) };
    grad.values = this.arena.floats(capacity * this.outDim, grad);
    return grad;
  }

  /** out[b, :] = bias + Σ_t x[b, t] · W[t, :] */
  forward(x: CsrBatch, out: Float32Array): void {
    const H = this.outDim;
    const first = x.indptr[0];
    const nnz = x.indptr[x.rows] - first;
    const offsets = this.scratch.ints(2, nnz);
    const values = this.scratch.floats(1, nnz);
    values.set(x.values.subarray(first, first + nnz));
    const dst = this.arena.reaches(out) ? out : this.scratch.floats(0, x.rows * H);
    const { kernels } = this.arena;
    for (let b = 0; b < x.rows; b++) {
      const start = x.indptr[b];
      const n = x.indptr[b + 1] - start;
      for (let q = 0; q < n; q++) offsets[q] = x.indices[start + q] * H;
      dst.set(this.bias, b * H);
      kernels.sumRows(dst, b * H, this.weights, offsets, n, H, values, start - first);
    }
    if (dst !== out) out.set(dst.subarray(0, x.rows * H));
  }

  /**
   * Gradients from dz [B, outDim]: the rows of W touched by the batch and the bias. Each touched row is the
   * (weighted) sum of the dz rows of the examples that contain its term, gathered through a column index.
   * Returns the gradient to use from now on: `grad`, or a new one holding it (bigger, or in this layer's
   * arena).
   */
  backward(x: CsrBatch, dz: Float32Array, grad: RowGradient, gradBias: Float32Array): RowGradient {
    const H = this.outDim;
    const first = x.indptr[0];
    const nnz = x.indptr[x.rows] - first;
    // Room for every distinct term up front: one allocation instead of a chain of doublings, whose
    // left-behind blocks would stay resident in the arena.
    const bound = Math.min(this.inDim, nnz);
    if (!this.arena.reaches(grad.values) || grad.rows.length < bound) grad = this.regrow(grad, Math.max(bound, grad.rows.length));
    // Assign a slot to every distinct term, and count its occurrences.
    let count = 0;
    const counts = this.scratch.ints(0, nnz + 1);
    for (let p = first; p < first + nnz; p++) {
      const t = x.indices[p];
      if (this.slot[t] < 0) {
        if (count >= grad.rows.length) grad = this.regrow(grad, Math.max(16, grad.rows.length * 2));
        this.slot[t] = count;
        grad.rows[count++] = t;
      }
    }
    grad.count = count;
    counts.fill(0, 0, count + 1);
    for (let p = first; p < first + nnz; p++) counts[this.slot[x.indices[p]] + 1]++;
    for (let s = 0; s < count; s++) counts[s + 1] += counts[s];
    // Column lists: for slot s, entries [counts[s], counts[s+1]) hold dz row offsets and input values.
    const offsets = this.scratch.ints(2, nnz);
    const weights = this.scratch.floats(1, nnz);
    const fill = this.scratch.ints(1, count);
    fill.set(counts.subarray(0, count));
    for (let b = 0; b < x.rows; b++) {
      for (let p = x.indptr[b]; p < x.indptr[b + 1]; p++) {
        const q = fill[this.slot[x.indices[p]]]++;
        offsets[q] = b * H;
        weights[q] = x.values[p];
      }
    }
    const src = this.scratch.staged(2, dz, x.rows * H);
    const { kernels } = this.arena;
    for (let s = 0; s < count; s++) {
      kernels.sumRows(grad.values, s * H, src, offsets.subarray(counts[s]), counts[s + 1] - counts[s], H, weights, counts[s], true);
    }
    gradBias.fill(0);
    for (let b = 0; b < x.rows; b++) for (let j = 0; j < H; j++) gradBias[j] += dz[b * H + j];
    for (let i = 0; i < count; i++) this.slot[grad.rows[i]] = -1;
    return grad;
  }

  /** A gradient in this layer's arena with room for `capacity` rows, holding grad's rows and values. */
  private regrow(grad: RowGradient, capacity: number): RowGradient {
    return carryRows(grad, this.emptyGradient(capacity));
  }
}

/** `bigger` holding grad's rows and values (as many as fit), for a row gradient that outgrew its capacity. */
export function carryRows(grad: RowGradient, bigger: RowGradient): RowGradient {
  bigger.rows.set(grad.rows.subarray(0, Math.min(grad.rows.length, bigger.rows.length)));
  bigger.values.set(grad.values.subarray(0, Math.min(grad.values.length, bigger.values.length)));
  bigger.count = grad.count;
  return bigger;
}

export function emptyRowGradient(width: number, capacity = 256): RowGradient {
  return { rows: new Int32Array(capacity), count: 0, values: new Float32Array(capacity * width) };
}

export class DenseLinear {
  readonly weights: DenseWeights;
  readonly bias: Float32Array;

  constructor(private readonly backend: Backend, readonly inDim: number, readonly outDim: number, rng?: Rng) {
    this.weights = backend.createWeights(inDim, outDim);
    this.bias = new Float32Array(outDim);
    if (rng) {
      rng.fillUniform(this.weights.values, glorotLimit(inDim, outDim));
      this.weights.commit();
    }
  }

  /** out[B, out] = a · Wᵀ + bias */
  forward(a: Float32Array, batch: number, out: Float32Array): void {
    this.backend.forward(this.weights, a, batch, out);
    const H = this.outDim;
    for (let b = 0; b < batch; b++) for (let j = 0; j < H; j++) out[b * H + j] += this.bias[j];
  }

  /** Weight and bias gradients from dz; the input gradient into `da` unless it is null. */
  backward(a: Float32Array, dz: Float32Array, batch: number, gradW: Float32Array, gradBias: Float32Array, da: Float32Array | null): void {
    this.backend.gradient(dz, a, batch, this.inDim, this.outDim, gradW);
    const H = this.outDim;
    gradBias.fill(0);
    for (let b = 0; b < batch; b++) for (let j = 0; j < H; j++) gradBias[j] += dz[b * H + j];
    if (da) this.backend.backward(this.weights, dz, batch, da);
  }

  release(): void {
    this.backend.release(this.weights);
  }
}
