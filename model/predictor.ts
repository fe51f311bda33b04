/**
 * A rating model: the text pipeline and the network together, from raw review text to a rating.
 * predict() batches; explain() tells which terms moved a review's rating, by occlusion: the rating with
 * the review as written minus the rating with that one term removed (one batched forward pass).
 */
import { toCsr, type SparseVector, type Vectorizer } from '../data/vectorizer.js';
import { evaluate, type LabeledSet, type Metrics } from './evaluate.js';
import { STARS } from './heads.js';
import { State, type Network } from './network.js';

export type Label = 'positive' | 'neutral' | 'negative';

export interface Prediction {
  rating: number;
  distribution: number[];
  label: Label;
}

export interface Contribution {
  term: string;
  /** Rating with the term minus rating without it. */
  contribution: number;
}

export function labelFor(rating: number): Label {
  return rating >= 3.5 ? 'positive' : rating <= 2.5 ? 'negative' : 'neutral';
}

const round = (v: number, digits = 4) => Math.round(v * 10 ** digits) / 10 ** digits;

export class RatingModel {
  private readonly state: State;
  private readonly dist = new Float32Array(STARS);

  constructor(readonly vectorizer: Vectorizer, readonly net: Network, readonly batchSize = 128) {
    this.state = new State(net, batchSize, false);
    net.freeze();
  }

  predict(texts: readonly string[]): Prediction[] {
    return this.predictVectors(texts.map((t) => this.vectorizer.vectorize(t)));
  }

  predictVectors(vectors: readonly SparseVector[]): Prediction[] {
    const out: Prediction[] = [];
    for (let start = 0; start < vectors.length; start += this.batchSize) {
      const chunk = vectors.slice(start, start + this.batchSize);
      for (const rating of this.ratings(chunk)) out.push(rating);
    }
    return out;
  }

  private ratings(vectors: readonly SparseVector[]): Prediction[] {
    const x = toCsr(vectors, this.vectorizer.dimension);
    this.net.forward(x, this.state);
    const result: Prediction[] = [];
    for (let b = 0; b < x.rows; b++) {
      const rating = this.net.head.predict(this.state.out, b, this.dist);
      result.push({ rating: round(rating), distribution: Array.from(this.dist, (p) => round(p)), label: labelFor(rating) });
    }
    return result;
  }

  /** The `top` terms whose removal changes the rating most, largest effect first. */
  explain(text: string, top = 10): Contribution[] {
    const v = this.vectorizer.vectorize(text);
    const n = v.indices.length;
    if (n === 0) return [];
    const variants: SparseVector[] = [v];
    for (let i = 0; i < n; i++) {
      const keep = (_: number, k: number) => k !== i;
      variants.push({ indices: v.indices.filter(keep), values: v.values.filter(keep) });
    }
    const ratings: number[] = [];
    for (let start = 0; start < variants.length; start += this.batchSize) {
      const x = toCsr(variants.slice(start, start + this.batchSize), this.vectorizer.dimension);
      this.net.forward(x, this.state);
      for (let b = 0; b < x.rows; b++) ratings.push(this.net.head.predict(this.state.out, b, this.dist));
    }
    const terms = this.vectorizer.vocabulary.terms;
    return Array.from(v.indices, (id, i) => ({ term: terms[id], contribution: round(ratings[0] - ratings[i + 1]) }))
      .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || (a.term < b.term ? -1 : 1))
      .slice(0, top);
  }

  evaluate(texts: readonly string[], ratings: ArrayLike<number>): Metrics {
    const set: LabeledSet = { x: this.vectorizer.batch(texts), ratings: Uint8Array.from(ratings as ArrayLike<number>) };
    return evaluate(this.net, set);
  }

  release(): void {
    this.net.release();
  }
}
