/**
 * Vectoriser: text → sparse vector over the vocabulary (sorted term ids + values; binary presence by
 * default, as in the paper), and a batch → CSR arrays. Unknown terms are dropped; an empty vector is valid.
 */
import { DEFAULT_TOKENIZER, tokenize, type TokenizerOptions } from './tokenize.js';
import type { Vocabulary } from './vocabulary.js';

export interface SparseVector {
  /** Term ids, strictly increasing. */
  indices: Int32Array;
  values: Float32Array;
}

/** Compressed sparse rows: row r holds indices/values[indptr[r] .. indptr[r+1]). */
export interface CsrBatch {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

export type Weighting = 'binary' | 'count';

export interface VectorizerOptions {
  tokenizer: TokenizerOptions;
  weighting: Weighting;
}

export class Vectorizer {
  readonly options: VectorizerOptions;
  /** Scratch count per term id, reset after each text (keeps vectorising allocation-light). */
  private readonly scratch: Float32Array;
  /** Scratch list of the distinct term ids seen in the current text (at most one per vocabulary term). */
  private readonly seen: Int32Array;

  constructor(readonly vocabulary: Vocabulary, options: Partial<VectorizerOptions> = {}) {
    this.options = { tokenizer: { ...DEFAULT_TOKENIZER, ...options.tokenizer }, weighting: options.weighting ?? 'binary' };
    this.scratch = new Float32Array(vocabulary.size);
    this.seen = new Int32Array(vocabulary.size);
  }

  get dimension(): number {
    return this.vocabulary.size;
  }

  /** Term ids present in the text (sorted, unique). */
  termIds(text: string): Int32Array {
    return this.vectorize(text).indices;
  }

  vectorize(text: string): SparseVector {
    return this.fromTerms(tokenize(text, this.options.tokenizer));
  }

  /** Vector of already-tokenised terms. */
  fromTerms(terms: readonly string[]): SparseVector {
    const n = this.collect(terms);
    const indices = this.seen.slice(0, n);
    const values = new Float32Array(n);
    this.drain(n, indices, values, 0);
    return { indices, values };
  }

  /** Same as toCsr(texts.map(vectorize)), written straight into the CSR arrays. */
  batch(texts: readonly string[]): CsrBatch {
    const indptr = new Int32Array(texts.length + 1);
    let indices = new Int32Array(Math.max(16, texts.length * 64));
    let values = new Float32Array(indices.length);
    let nnz = 0;
    for (let r = 0; r < texts.length; r++) {
      const n = this.collect(tokenize(texts[r], this.options.tokenizer));
      if (nnz + n > indices.length) {
        const capacity = Math.max(2 * indices.length, nnz + n);
        const grownIndices = new Int32Array(capacity);
        grownIndices.set(indices.subarray(0, nnz));
        const grownValues = new Float32Array(capacity);
        grownValues.set(values.subarray(0, nnz));
        indices = grownIndices;
        values = grownValues;
      }
      this.drain(n, indices, values, nnz);
      nnz += n;
      indptr[r + 1] = nnz;
    }
    return { rows: texts.length, cols: this.dimension, indptr, indices: indices.slice(0, nnz), values: values.slice(0, nnz) };
  }

  /** Count the terms into `scratch`; leaves the n distinct ids sorted in seen[0..n) and returns n. */
  private collect(terms: readonly string[]): number {
    const { scratch, seen, vocabulary } = this;
    let n = 0;
    for (let i = 0; i < terms.length; i++) {
      const id = vocabulary.id(terms[i]);
      if (id === undefined) continue;
      if (scratch[id] === 0) seen[n++] = id;
      scratch[id] += 1;
    }
    seen.subarray(0, n).sort();
    return n;
  }

  /** Write the n collected ids and their values at `offset`, and reset `scratch` for the next text. */
  private drain(n: number, indices: Int32Array, values: Float32Array, offset: number): void {
    const { scratch, seen } = this;
    const binary = this.options.weighting === 'binary';
    for (let i = 0; i < n; i++) {
      const id = seen[i];
      indices[offset + i] = id;
      values[offset + i] = binary ? 1 : scratch[id];
      scratch[id] = 0;
    }
  }
}

/** Pack sparse vectors into one CSR batch. */
export function toCsr(vectors: readonly SparseVector[], cols: number): CsrBatch {
  const indptr = new Int32Array(vectors.length + 1);
  for (let r = 0; r < vectors.length; r++) indptr[r + 1] = indptr[r] + vectors[r].indices.length;
  const indices = new Int32Array(indptr[vectors.length]);
  const values = new Float32Array(indptr[vectors.length]);
  for (let r = 0; r < vectors.length; r++) {
    indices.set(vectors[r].indices, indptr[r]);
    values.set(vectors[r].values, indptr[r]);
  }
  return { rows: vectors.length, cols, indptr, indices, values };
}

/** Select rows of a CSR batch (e.g. a shuffled mini-batch). */
export function csrRows(source: CsrBatch, rows: ArrayLike<number>): CsrBatch {
  let nnz = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (!Number.isInteger(r) || r < 0 || r >= source.rows) throw new RangeError(`csrRows: row ${r} out of range [0, ${source.rows})`);
    nnz += source.indptr[r + 1] - source.indptr[r];
  }
  const indptr = new Int32Array(rows.length + 1);
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  for (let i = 0; i < rows.length; i++) {
    const start = source.indptr[rows[i]];
    const end = source.indptr[rows[i] + 1];
    indices.set(source.indices.subarray(start, end), indptr[i]);
    values.set(source.values.subarray(start, end), indptr[i]);
    indptr[i + 1] = indptr[i] + end - start;
  }
  return { rows: rows.length, cols: source.cols, indptr, indices, values };
}
