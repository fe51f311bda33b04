/**
 * The two linear layer types of the network, each with one forward and one backward pass.
 *  - SparseLinear: sparse bag-of-words input → dense units. Our own kernel: the forward pass reads only the
 *    rows of the input's non-zeros; the backward pass produces gradients for exactly those rows.
 *  - DenseLinear: dense units → dense units through the dense backend.
 */
import type { CsrBatch } from '../data/vectorizer.js';
import type { Backend, DenseWeights } from './backend.js';
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
  /** Row t holds the weights from input term t to every unit: [inDim, outDim]. */
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  /** Slot of each term in the current row gradient (-1: untouched). */
  private readonly slot: Int32Array;

  constructor(readonly inDim: number, readonly outDim: number, rng?: Rng) {
    this.weights = new Float32Array(inDim * outDim);
    this.bias = new Float32Array(outDim);
    this.slot = new Int32Array(inDim).fill(-1);
    if (rng) rng.fillUniform(this.weights, glorotLimit(inDim, outDim));
  }

  /** out[b, :] = bias + Σ_t x[b, t] · W[t, :] */
  forward(x: CsrBatch, out: Float32Array): void {
    const H = this.outDim;
    const offsets = this.offsets(x.indptr[x.rows] - x.indptr[0]);
    for (let b = 0; b < x.rows; b++) {
      const start = x.indptr[b];
      const n = x.indptr[b + 1] - start;
      for (let q = 0; q < n; q++) offsets[q] = x.indices[start + q] * H;
      out.set(this.bias, b * H);
      sumRows(out, b * H, this.weights, offsets, n, H, x.values, start);
    }
  }

  /**
   * Gradients from dz [B, outDim]: the rows of W touched by the batch and the bias. Each touched row is the
   * (weighted) sum of the dz rows of the examples that contain its term, gathered through a column index.
   */
  backward(x: CsrBatch, dz: Float32Array, grad: RowGradient, gradBias: Float32Array): RowGradient {
    const H = this.outDim;
    const first = x.indptr[0];
    const nnz = x.indptr[x.rows] - first;
    // Assign a slot to every distinct term, and count its occurrences.
    let count = 0;
    const counts = this.scratchInt(nnz + 1, 0);
    for (let p = first; p < first + nnz; p++) {
      const t = x.indices[p];
      if (this.slot[t] < 0) {
        if (count >= grad.rows.length) grad = growRowGradient(grad, H);
        this.slot[t] = count;
        grad.rows[count++] = t;
      }
    }
    grad.count = count;
    counts.fill(0, 0, count + 1);
    for (let p = first; p < first + nnz; p++) counts[this.slot[x.indices[p]] + 1]++;
    for (let s = 0; s < count; s++) counts[s + 1] += counts[s];
    // Column lists: for slot s, entries [counts[s], counts[s+1]) hold dz row offsets and input values.
    const offsets = this.offsets(nnz);
    const weights = this.scratchValues(nnz);
    const fill = this.scratchInt(count, 1);
    fill.set(counts.subarray(0, count));
    for (let b = 0; b < x.rows; b++) {
      for (let p = x.indptr[b]; p < x.indptr[b + 1]; p++) {
        const q = fill[this.slot[x.indices[p]]]++;
        offsets[q] = b * H;
        weights[q] = x.values[p];
      }
    }
    for (let s = 0; s < count; s++) {
      sumRows(grad.values, s * H, dz, offsets.subarray(counts[s]), counts[s + 1] - counts[s], H, weights, counts[s], true);
    }
    gradBias.fill(0);
    for (let b = 0; b < x.rows; b++) for (let j = 0; j < H; j++) gradBias[j] += dz[b * H + j];
    for (let i = 0; i < count; i++) this.slot[grad.rows[i]] = -1;
    return grad;
  }

  private ints: Int32Array[] = [new Int32Array(0), new Int32Array(0), new Int32Array(0)];
  private floats = new Float32Array(0);

  private scratchInt(size: number, which: number): Int32Array {
    if (this.ints[which].length < size) this.ints[which] = new Int32Array(size * 2);
    return this.ints[which];
  }
  private offsets(size: number): Int32Array {
    return this.scratchInt(size, 2);
  }
  private scratchValues(size: number): Float32Array {
    if (this.floats.length < size) this.floats = new Float32Array(size * 2);
    return this.floats;
  }
}

/**
 * dst[d .. d+H) (+)= Σ_q v[vo+q] · src[offsets[q] .. offsets[q]+H) over q < n: accumulates, or overwrites when
 * `assign` (then dst need not be cleared first). Binary inputs (all v = 1) take the unrolled path that adds
 * four rows per pass over dst: this kernel is the sparse layer's whole cost.
 */
export function sumRows(dst: Float32Array, d: number, src: Float32Array, offsets: Int32Array, n: number, H: number,
                        v: Float32Array, vo: number, assign = false): void {
  if (assign && n === 0) {
    dst.fill(0, d, d + H);
    return;
  }
  let binary = true;
  for (let q = 0; q < n; q++) if (v[vo + q] !== 1) binary = false;
  let q = 0;
  if (!binary) {
    if (assign) {
      const w = offsets[0];
      const c = v[vo];
      for (let j = 0; j < H; j++) dst[d + j] = c * src[w + j];
      q = 1;
    }
    for (; q < n; q++) {
      const w = offsets[q];
      const c = v[vo + q];
      for (let j = 0; j < H; j++) dst[d + j] += c * src[w + j];
    }
    return;
  }
  if (assign) {
    // The first one to four rows overwrite dst.
    const w0 = offsets[0];
    if (n >= 4) {
      const w1 = offsets[1], w2 = offsets[2], w3 = offsets[3];
      for (let j = 0; j < H; j++) dst[d + j] = src[w0 + j] + src[w1 + j] + src[w2 + j] + src[w3 + j];
      q = 4;
    } else if (n === 3) {
      const w1 = offsets[1], w2 = offsets[2];
      for (let j = 0; j < H; j++) dst[d + j] = src[w0 + j] + src[w1 + j] + src[w2 + j];
      return;
    } else if (n === 2) {
      const w1 = offsets[1];
      for (let j = 0; j < H; j++) dst[d + j] = src[w0 + j] + src[w1 + j];
      return;
    } else {
      for (let j = 0; j < H; j++) dst[d + j] = src[w0 + j];
      return;
    }
  }
  for (; q + 3 < n; q += 4) {
    const w0 = offsets[q], w1 = offsets[q + 1], w2 = offsets[q + 2], w3 = offsets[q + 3];
    for (let j = 0; j < H; j++) dst[d + j] += src[w0 + j] + src[w1 + j] + src[w2 + j] + src[w3 + j];
  }
  for (; q < n; q++) {
    const w = offsets[q];
    for (let j = 0; j < H; j++) dst[d + j] += src[w + j];
  }
}

export function emptyRowGradient(width: number, capacity = 256): RowGradient {
  return { rows: new Int32Array(capacity), count: 0, values: new Float32Array(capacity * width) };
}

/** A row gradient with twice the capacity, holding the same rows. */
export function growRowGradient(grad: RowGradient, width: number): RowGradient {
  const bigger = emptyRowGradient(width, Math.max(16, grad.rows.length * 2));
  bigger.rows.set(grad.rows);
  bigger.values.set(grad.values);
  bigger.count = grad.count;
  return bigger;
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
