/**
 * The real review datasets the reproduction and peer benchmarks read (never copied into the repo):
 * yelp-10k (1–5 stars) and blitzer-mdsd (Amazon, 4 domains, stars 1/2/4/5) with fixed train/dev/test
 * splits, and unlabeled OpinRank hotel reviews for pretraining. The root is `RECTIFY_DATA`, else
 * `../shared/data` beside the package.
 *
 * One vocabulary serves every benchmark: the 5,000 most frequent terms (document frequency ≥ 2) over the
 * labeled *train* texts of both datasets, so pretrained stacks, peers' binary features and the shipped
 * model all see the same inputs, and no dev or test text shapes it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_TOKENIZER, tokenize } from '../data/tokenize.js';
import { Vectorizer } from '../data/vectorizer.js';
import { VocabularyBuilder, type Vocabulary } from '../data/vocabulary.js';
import type { Metrics } from '../model/evaluate.js';
import { packageRoot } from '../model/package.js';
import type { RatingModel } from '../model/predictor.js';

export type Split = 'train' | 'dev' | 'test';
export type DatasetName = 'yelp' | 'amazon';
export const DOMAINS = ['books', 'dvd', 'electronics', 'kitchen'] as const;
export type Domain = (typeof DOMAINS)[number];

export interface LabeledReview {
  text: string;
  rating: number;
  /** Amazon only: the product domain. */
  domain?: Domain;
}

export function dataRoot(): string {
  const root = process.env.RECTIFY_DATA ?? join(packageRoot(), '..', 'shared', 'data');
  if (!existsSync(root)) throw new Error(`datasets not found at ${root}: set RECTIFY_DATA to the folder holding yelp-10k/, blitzer-mdsd/ and unlabeled-opinrank-hotels/`);
  return root;
}

export function splitPath(dataset: DatasetName, split: Split): string {
  return dataset === 'yelp' ? join(dataRoot(), 'yelp-10k', `${split}.jsonl`) : join(dataRoot(), 'blitzer-mdsd', 'splits', `${split}.jsonl`);
}

function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).map((l, i) => {
    try {
      return JSON.parse(l) as T;
    } catch (err) {
      throw new Error(`${path}:${i + 1}: ${(err as Error).message}`);
    }
  });
}

const cache = new Map<string, LabeledReview[]>();

export function load(dataset: DatasetName, split: Split): LabeledReview[] {
  const key = `${dataset}/${split}`;
  let rows = cache.get(key);
  if (!rows) {
    rows = readJsonl<{ text: string; rating: number; domain?: Domain }>(splitPath(dataset, split)).map((r) => ({ text: r.text, rating: r.rating, ...(r.domain ? { domain: r.domain } : {}) }));
    cache.set(key, rows);
  }
  return rows;
}

/** Unlabeled hotel review texts, at most `limit` (in file order: part-0, part-1, part-2). */
export function hotels(limit = Infinity): string[] {
  const texts: string[] = [];
  for (const part of ['part-0', 'part-1', 'part-2']) {
    if (texts.length >= limit) break;
    for (const r of readJsonl<{ text: string }>(join(dataRoot(), 'unlabeled-opinrank-hotels', `${part}.jsonl`))) {
      if (texts.length >= limit) break;
      texts.push(r.text);
    }
  }
  return texts;
}

let shared: Vocabulary | undefined;

/** The benchmarks' one vocabulary (see the header). */
export function sharedVocabulary(): Vocabulary {
  if (!shared) {
    const builder = new VocabularyBuilder();
    for (const r of [...load('yelp', 'train'), ...load('amazon', 'train')]) builder.add(tokenize(r.text, DEFAULT_TOKENIZER));
    shared = builder.build({ size: 5000, minDf: 2 });
  }
  return shared;
}

export function sharedVectorizer(): Vectorizer {
  return new Vectorizer(sharedVocabulary(), { tokenizer: DEFAULT_TOKENIZER, weighting: 'binary' });
}

/** A trained model's metrics on labeled reviews. */
export function metricsOn(model: RatingModel, reviews: readonly LabeledReview[]): Metrics {
  return model.evaluate(reviews.map((r) => r.text), reviews.map((r) => r.rating));
}
