/**
 * fastText supervised peer: word bigrams (-wordNgrams 2), labels __label__1..5, one thread and a fixed seed
 * (reproducible); rating = expected star over `predict-prob <model> <file> 5`. The (epoch, lr) grid is
 * tuned on dev RMSE; the chosen model, trained on train only, predicts test.
 *
 * Text is rectify's normalisation (NFKC, lower case, HTML stripped) with punctuation split off as tokens,
 * the usual preprocessing for fastText. Prediction time is the marginal cost per review: the time for
 * the test file minus the time for a one-review file (which is the process start and model load, kept as
 * notes.loadMs).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalize } from '../../data/normalize.js';
import type { LabeledReview } from '../corpora.js';
import type { Corpus, PeerRun, TuningPoint } from './report.js';
import { run } from './tools.js';

/** lr 0.1 lost at every epoch count on both datasets in the first full run, and cost a third of the time. */
export const FASTTEXT_GRID = { epoch: [5, 10, 20], lr: [0.25, 0.5] };
/** Hash buckets for the bigrams: the default 2,000,000 makes an 800 MB model file per grid point. */
const FIXED = { wordNgrams: 2, dim: 100, bucket: 200000, minCount: 1, loss: 'softmax', thread: 1, seed: 1 };

const PUNCT = /([.,!?;:()"])/g;

export function fasttextText(text: string): string {
  return normalize(text).replace(PUNCT, ' $1 ').split(/\s+/).filter(Boolean).join(' ');
}

/** Expected star of each line of predict-prob output; the train mean where fastText gives no label. */
export function expectedStars(output: string, rows: number, fallback: number): Float64Array {
  const lines = output.split('\n');
  const ratings = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const parts = (lines[i] ?? '').trim().split(/\s+/).filter(Boolean);
    let sum = 0;
    let mass = 0;
    for (let k = 0; k + 1 < parts.length; k += 2) {
      const star = Number(parts[k].replace('__label__', ''));
      const p = Number(parts[k + 1]);
      sum += star * p;
      mass += p;
    }
    ratings[i] = mass > 0 ? sum / mass : fallback;
  }
  return ratings;
}

function rmse(predicted: ArrayLike<number>, reviews: readonly LabeledReview[]): number {
  let se = 0;
  for (let i = 0; i < reviews.length; i++) se += (predicted[i] - reviews[i].rating) ** 2;
  return Math.sqrt(se / reviews.length);
}

export function fasttextPeer(bin: string, corpus: Corpus, outDir: string): PeerRun {
  const base = join(outDir, `fasttext-${corpus.dataset}`);
  const trainFile = `${base}-train.txt`;
  const trainPrepStart = performance.now();
  writeFileSync(trainFile, corpus.train.map((r) => `__label__${r.rating} ${fasttextText(r.text)}\n`).join(''));
  const trainPrepSeconds = (performance.now() - trainPrepStart) / 1000;
  const textFile = (split: 'dev' | 'test', reviews: readonly LabeledReview[]): string => {
    const file = `${base}-${split}.txt`;
    writeFileSync(file, reviews.map((r) => `${fasttextText(r.text)}\n`).join(''));
    return file;
  };
  const devFile = textFile('dev', corpus.dev);
  const mean = corpus.train.reduce((s, r) => s + r.rating, 0) / corpus.train.length;
  const predict = (model: string, file: string, rows: number) => {
    const r = run(bin, ['predict-prob', model, file, '5']);
    return { ratings: expectedStars(r.stdout, rows, mean), seconds: r.seconds };
  };

  const tuning: TuningPoint[] = [];
  let best: { dev: number; epoch: number; lr: number; model: string; seconds: number } | undefined;
  for (const epoch of FASTTEXT_GRID.epoch) {
    for (const lr of FASTTEXT_GRID.lr) {
      const output = `${base}-e${epoch}-lr${lr}`;
      const args = ['supervised', '-input', trainFile, '-output', output, '-epoch', String(epoch), '-lr', String(lr), '-verbose', '0',
        ...Object.entries(FIXED).flatMap(([k, v]) => [`-${k}`, String(v)])];
      const trained = run(bin, args);
      const dev = rmse(predict(`${output}.bin`, devFile, corpus.dev.length).ratings, corpus.dev);
      tuning.push({ params: { epoch, lr }, dev });
      if (!best || dev < best.dev) {
        if (best) rmSync(best.model, { force: true });
        best = { dev, epoch, lr, model: `${output}.bin`, seconds: trained.seconds };
      } else {
        rmSync(`${output}.bin`, { force: true });
      }
    }
  }
  const chosen = best!;

  const prepStart = performance.now();
  const testFile = textFile('test', corpus.test);
  const prepSeconds = (performance.now() - prepStart) / 1000;
  const oneFile = `${base}-one.txt`;
  writeFileSync(oneFile, `${fasttextText(corpus.test[0].text)}\n`);
  let full = Infinity;
  let one = Infinity;
  let ratings: Float64Array | undefined;
  for (let rep = 0; rep < 2; rep++) {
    const p = predict(chosen.model, testFile, corpus.test.length);
    ratings = p.ratings;
    full = Math.min(full, p.seconds);
    one = Math.min(one, run(bin, ['predict-prob', chosen.model, oneFile, '5']).seconds);
  }
  const marginalMs = (Math.max(0, full - one) * 1000) / Math.max(1, corpus.test.length - 1);
  return {
    peer: 'fasttext',
    ratings: ratings!,
    trainSeconds: trainPrepSeconds + chosen.seconds,
    predictMsPer1000: marginalMs * 1000 + (prepSeconds * 1e6) / corpus.test.length,
    params: { epoch: chosen.epoch, lr: chosen.lr, ...FIXED },
    devCriterion: 'rmse',
    tuning,
    notes: { loadMs: Number((one * 1000).toFixed(1)), wholeTestFileMs: Number((full * 1000).toFixed(1)) },
  };
}
