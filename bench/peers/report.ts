/**
 * What every peer hands back (test-set ratings, times, chosen hyperparameters, the dev scores behind the
 * choice), the metrics computed from it with model/evaluate.ts computeMetrics (per domain on Amazon), and
 * the markdown tables printed at the end.
 */
import { DOMAINS, type DatasetName, type Domain, type LabeledReview } from '../corpora.js';
import { computeMetrics } from '../../model/evaluate.js';

export type PeerName =
  | 'fasttext'
  | 'ridge-binary' | 'logreg-binary' | 'logreg-polarity-binary'
  | 'ridge-tfidf' | 'logreg-tfidf' | 'logreg-polarity-tfidf'
  | 'afinn' | 'vader' | 'natural';

export interface Corpus {
  dataset: DatasetName;
  train: LabeledReview[];
  dev: LabeledReview[];
  test: LabeledReview[];
}

export interface TuningPoint {
  params: Record<string, unknown>;
  /** The dev criterion (lower is better). */
  dev: number;
}

/** What a peer reports besides its predictions, kept as is in the results. */
export interface PeerFacts {
  peer: PeerName;
  /** Featurising the train texts and fitting the chosen configuration (shared vocabulary excluded). */
  trainSeconds: number;
  /** From raw test text to rating, per 1,000 reviews, with the model already loaded. */
  predictMsPer1000: number;
  params: Record<string, unknown>;
  devCriterion: string;
  tuning: TuningPoint[];
  /** Anything else worth keeping (e.g. fastText's model load time). */
  notes?: Record<string, unknown>;
}

export interface PeerRun extends PeerFacts {
  /** Predicted rating of every test review, in test order. */
  ratings: ArrayLike<number>;
  /** A polarity classifier: only polarity accuracy is meaningful (its rating is 1 + 4·P(positive)). */
  polarityOnly?: boolean;
}

export interface Scores {
  n: number;
  rmse: number | null;
  mae: number | null;
  accuracy: number | null;
  polarity_accuracy: number | null;
}

export interface PeerResult extends PeerFacts {
  dataset: DatasetName;
  metrics: Scores;
  perDomain?: Record<Domain, Scores>;
  /** Amazon: mean of the four domains' polarity accuracies. */
  meanDomainPolarityAccuracy?: number;
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

function scores(predicted: ArrayLike<number>, truth: ArrayLike<number>, polarityOnly: boolean): Scores {
  const m = computeMetrics(predicted, truth);
  const opt = (v: number): number | null => (polarityOnly || Number.isNaN(v) ? null : round(v, 4));
  return { n: m.n, rmse: opt(m.rmse), mae: opt(m.mae), accuracy: opt(m.accuracy), polarity_accuracy: Number.isNaN(m.polarity_accuracy) ? null : round(m.polarity_accuracy, 4) };
}

export function summarize(corpus: Corpus, r: PeerRun): PeerResult {
  const { test } = corpus;
  if (r.ratings.length !== test.length) throw new Error(`${r.peer} on ${corpus.dataset}: ${r.ratings.length} predictions for ${test.length} test reviews`);
  for (let i = 0; i < r.ratings.length; i++) if (!Number.isFinite(r.ratings[i])) throw new Error(`${r.peer} on ${corpus.dataset}: prediction ${i} is ${r.ratings[i]}`);
  const truth = test.map((t) => t.rating);
  const result: PeerResult = {
    dataset: corpus.dataset,
    peer: r.peer,
    metrics: scores(r.ratings, truth, !!r.polarityOnly),
    trainSeconds: round(r.trainSeconds, 3),
    predictMsPer1000: round(r.predictMsPer1000, 2),
    params: r.params,
    devCriterion: r.devCriterion,
    tuning: r.tuning.map((p) => ({ params: p.params, dev: round(p.dev, 4) })),
    ...(r.notes ? { notes: r.notes } : {}),
  };
  if (corpus.dataset === 'amazon') {
    const perDomain = {} as Record<Domain, Scores>;
    for (const d of DOMAINS) {
      const idx = test.flatMap((t, i) => (t.domain === d ? [i] : []));
      perDomain[d] = scores(idx.map((i) => r.ratings[i]), idx.map((i) => truth[i]), !!r.polarityOnly);
    }
    result.perDomain = perDomain;
    result.meanDomainPolarityAccuracy = round(DOMAINS.reduce((s, d) => s + perDomain[d].polarity_accuracy!, 0) / DOMAINS.length, 4);
  }
  return result;
}

const fmt = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined ? '–' : v.toFixed(digits));
const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : `${(100 * v).toFixed(1)}%`);
const paramsText = (p: Record<string, unknown>): string => Object.entries(p).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ');

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function markdown(results: PeerResult[]): string {
  const out: string[] = [];
  const yelp = results.filter((r) => r.dataset === 'yelp');
  if (yelp.length) {
    out.push('### yelp-10k (test, 1,000 reviews; tuned on dev)', '');
    out.push(table(
      ['peer', 'RMSE', 'MAE', 'accuracy', 'polarity acc.', 'train s', 'predict ms/1k', 'chosen'],
      yelp.map((r) => [r.peer, fmt(r.metrics.rmse), fmt(r.metrics.mae), pct(r.metrics.accuracy), pct(r.metrics.polarity_accuracy), fmt(r.trainSeconds, 2), fmt(r.predictMsPer1000, 1), paramsText(r.params)]),
    ), '');
  }
  const amazon = results.filter((r) => r.dataset === 'amazon');
  if (amazon.length) {
    out.push('### blitzer-mdsd Amazon (test, 4 × 400 reviews; one model on all 4 domains, tuned on dev)', '');
    out.push(table(
      ['peer', ...DOMAINS, 'mean polarity', 'RMSE', 'MAE', 'accuracy', 'train s', 'predict ms/1k', 'chosen'],
      amazon.map((r) => [r.peer, ...DOMAINS.map((d) => pct(r.perDomain?.[d].polarity_accuracy)), pct(r.meanDomainPolarityAccuracy), fmt(r.metrics.rmse), fmt(r.metrics.mae), pct(r.metrics.accuracy), fmt(r.trainSeconds, 2), fmt(r.predictMsPer1000, 1), paramsText(r.params)]),
    ), '');
  }
  return out.join('\n');
}
