/**
 * scikit-learn linear peers, run through bench/peers/linear.py (one process per peer, n_jobs=1, one BLAS
 * thread): ridge regression (clipped to [1, 5]), multinomial logistic regression (expected stars) and, on
 * Amazon, binary logistic regression for polarity. Features are (a) rectify's own binary top-5000
 * presence vectors from the shared Vectorizer, exported as svmlight files under bench/out/, or (b) TF-IDF
 * unigrams + bigrams that sklearn computes from the raw JSON Lines texts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CsrBatch, Vectorizer } from '../../data/vectorizer.js';
import { packageRoot } from '../../model/package.js';
import { splitPath, type Split } from '../corpora.js';
import type { Corpus, PeerName, PeerRun } from './report.js';
import { run } from './tools.js';

export type LinearModel = 'ridge' | 'logreg' | 'polarity';
export type Features = 'binary' | 'tfidf';

/** alpha for ridge, C for logistic regression; chosen on dev. */
export const LINEAR_GRIDS: Record<Features, Record<LinearModel, number[]>> = {
  binary: { ridge: [3, 10, 30, 100, 300], logreg: [0.01, 0.03, 0.1, 0.3, 1], polarity: [0.01, 0.03, 0.1, 0.3, 1] },
  tfidf: { ridge: [0.03, 0.1, 0.3, 1, 3], logreg: [3, 10, 30, 100], polarity: [3, 10, 30, 100, 300, 1000] },
};

export function peerName(model: LinearModel, features: Features): PeerName {
  return `${model === 'polarity' ? 'logreg-polarity' : model}-${features}` as PeerName;
}

function svmlight(x: CsrBatch, ratings: readonly number[]): string {
  const lines: string[] = [];
  for (let r = 0; r < x.rows; r++) {
    let line = String(ratings[r]);
    for (let k = x.indptr[r]; k < x.indptr[r + 1]; k++) line += ` ${x.indices[k]}:${x.values[k]}`;
    lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}

export interface BinaryExport {
  files: Record<Split, string>;
  /** Vectorising the train / test texts with the shared Vectorizer. */
  trainSeconds: number;
  testSeconds: number;
}

/** Vectorise every split with rectify's Vectorizer and write it as zero-based svmlight. */
export function exportBinary(vectorizer: Vectorizer, corpus: Corpus, outDir: string): BinaryExport {
  const files = {} as Record<Split, string>;
  const seconds = {} as Record<Split, number>;
  for (const split of ['train', 'dev', 'test'] as const) {
    const reviews = corpus[split];
    const t = performance.now();
    const x = vectorizer.batch(reviews.map((r) => r.text));
    seconds[split] = (performance.now() - t) / 1000;
    files[split] = join(outDir, `binary-${corpus.dataset}-${split}.svm`);
    writeFileSync(files[split], svmlight(x, reviews.map((r) => r.rating)));
  }
  return { files, trainSeconds: seconds.train, testSeconds: seconds.test };
}

interface LinearOutput {
  param: string;
  value: number;
  tuning: { value: number; dev: number }[];
  devCriterion: string;
  nFeatures: number;
  trainSeconds: number;
  predictSeconds: number;
  truth: number[];
  test: number[];
}

export function linearPeer(python: string, model: LinearModel, features: Features, corpus: Corpus, binary: BinaryExport): PeerRun {
  const files = features === 'binary' ? binary.files : { train: splitPath(corpus.dataset, 'train'), dev: splitPath(corpus.dataset, 'dev'), test: splitPath(corpus.dataset, 'test') };
  const script = join(packageRoot(), 'bench', 'peers', 'linear.py');
  const grid = LINEAR_GRIDS[features][model];
  const out = JSON.parse(run(python, [script, '--model', model, '--features', features, '--train', files.train, '--dev', files.dev, '--test', files.test, '--grid', grid.join(',')]).stdout) as LinearOutput;
  const peer = peerName(model, features);
  if (out.truth.length !== corpus.test.length || out.truth.some((y, i) => y !== corpus.test[i].rating)) {
    throw new Error(`${peer} on ${corpus.dataset}: linear.py read test ratings that differ from bench/corpora.ts load()`);
  }
  // binary features arrive vectorised: add the Vectorizer's time for the train / test texts
  const vectorizeTrain = features === 'binary' ? binary.trainSeconds : 0;
  const vectorizeTest = features === 'binary' ? binary.testSeconds : 0;
  return {
    peer,
    ratings: out.test,
    ...(model === 'polarity' ? { polarityOnly: true } : {}),
    trainSeconds: vectorizeTrain + out.trainSeconds,
    predictMsPer1000: ((vectorizeTest + out.predictSeconds) * 1e6) / corpus.test.length,
    params: {
      [out.param]: out.value,
      features: features === 'binary' ? 'binary presence, shared top-5000 vocabulary' : `tfidf 1-2-grams, min_df=2, sublinear_tf (${out.nFeatures} terms)`,
      ...(model === 'ridge' ? {} : { solver: 'lbfgs' }),
    },
    devCriterion: out.devCriterion,
    tuning: out.tuning.map((p) => ({ params: { [out.param]: p.value }, dev: p.dev })),
  };
}
