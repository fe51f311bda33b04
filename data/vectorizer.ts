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

  constructor(readonly vocabulary: Vocabulary, options: Partial<VectorizerOptions> = {}) {
    this.options = { tokenizer: { ...DEFAULT_TOKENIZER, ...options.tokenizer }, weighting: options.weighting ?? 'binary' };
    this.scratch = new Float32Array(vocabulary.size);
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
    const ids: number[] = [];
    for (const term of terms) {
      const id = this.vocabulary.id(term);
      if (id === undefined) continue;
      if (this.scratch[id] === 0) ids.push(id);
      this.scratch[id] += 1;
    }
    const indices = Int32Array.from(ids).sort();
    const values = new Float32Array(indices.length);
    const binary = this.options.weighting === 'binary';
    for (let i = 0; i < indices.length; i++) {
      const id = indices[i];
      values[i] = binary ? 1 : this.scratch[id];
      this.scratch[id] = 0;
    }
    return { indices, values };
  }

  batch(texts: readonly string[]): CsrBatch {
    return toCsr(texts.map((t) => this.vectorize(t)), this.dimension);
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
  for (let i = 0; i < rows.length; i++) nnz += source.indptr[rows[i] + 1] - source.indptr[rows[i]];
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
