/**
 * Train the default model that ships in models/default (served by `npm start`, used by `rectify score`
 * when no other model is given), reproducibly (fixed seed) from the shared datasets' train splits:
 *  - labeled: yelp-10k train + blitzer-mdsd train; early stopping on both dev splits;
 *  - unlabeled (pretraining only): OpinRank hotel reviews;
 *  - the configuration chosen by the measurements in BENCHMARKS.md (see below and models/MODEL_CARD.md), at
 *    a size that keeps float16 weights under 10 MB and single-review HTTP latency low.
 * The bundle is written with float16 weights, loaded back and evaluated *as stored*: its manifest holds the
 * test metrics of each dataset and of test/fixtures/model/reviews.jsonl (checked by test/default-model.test.ts).
 *
 *   npm run build && npm run train:default [-- --layers 128,128,128 --vocab-size 30000 --bigrams true --pretrain false
 *                                              --l1 3e-5 --hotels 20000 --out models/default]
 * The defaults are the shipped configuration, chosen on dev among the ≤ 10 MB variants of bench:beyond
 * (30,000 uni+bigrams, 3 × 128 rectifiers, no pretraining: pretraining raised dev RMSE there); L1 3e-5 is
 * the largest coefficient of the L1 sweep that costs nothing on yelp dev.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { loadBundle, saveBundle, type Manifest } from '../model/bundle.js';
import { packageRoot } from '../model/package.js';
import type { Progress } from '../model/progress.js';
import { resolveConfig, trainModel } from '../model/train.js';
import { DOMAINS, hotels, load, metricsOn, type LabeledReview } from './corpora.js';
import { writeModelCard } from './model-card.js';

const root = packageRoot();
const { values: args } = parseArgs({
  options: {
    layers: { type: 'string', default: '128,128,128' },
    'vocab-size': { type: 'string', default: '30000' },
    bigrams: { type: 'string', default: 'true' },
    pretrain: { type: 'string', default: 'false' },
    hotels: { type: 'string', default: '20000' },
    'pretrain-epochs': { type: 'string', default: '1' },
    l1: { type: 'string', default: '3e-5' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: join(root, 'models', 'default') },
  },
});

export const FIXTURE = join(root, 'test', 'fixtures', 'model', 'reviews.jsonl');

const log = (msg: string): void => console.error(`${new Date().toISOString().slice(11, 19)} ${msg}`);

const l1 = Number(args.l1);
const config = resolveConfig({
  layers: args.layers!.split(',').map(Number),
  vocabSize: Number(args['vocab-size']),
  tokenizer: { bigrams: args.bigrams !== 'false' },
  pretrain: args.pretrain !== 'false',
  seed: Number(args.seed),
  pretraining: { epochs: Number(args['pretrain-epochs']), l1 },
  finetuning: { l1, patience: 2 },
});
const train = [...load('yelp', 'train'), ...load('amazon', 'train')];
const dev = [...load('yelp', 'dev'), ...load('amazon', 'dev')];
const unlabeled = config.pretrain ? hotels(Number(args.hotels)) : [];
log(`training ${config.layers.join('×')} ${config.activation} on ${train.length} labeled + ${unlabeled.length} unlabeled reviews (dev ${dev.length})`);
const { model, report } = await trainModel({ train, dev, unlabeled }, config, {
  reportEveryMs: 1e9,
  onProgress: (p: Progress) => { if (p.batch === p.batches) log(`${p.phase} epoch ${p.epoch} cost ${p.loss.toFixed(4)}${p.devRmse ? ` dev RMSE ${p.devRmse.toFixed(4)}` : ''}`); },
});

// Store as float16, then measure the model exactly as it will be loaded.
const training = {
  config,
  data: {
    labeled: ['yelp-10k train', 'blitzer-mdsd train'], dev: ['yelp-10k dev', 'blitzer-mdsd dev'], unlabeled: unlabeled.length ? `OpinRank hotels, first ${unlabeled.length}` : 'none',
    counts: report.data,
  },
  pretraining: report.pretraining,
  finetuning: { bestEpoch: report.finetuning.bestEpoch, epochs: report.finetuning.history.length, examplesPerSecond: report.finetuning.examplesPerSecond },
  seconds: report.seconds,
  command: `npm run train:default -- ${process.argv.slice(2).map((a) => (a.startsWith(root) ? relative(root, a) : a)).join(' ')}`.replace(/ -- $/, ''),
};
await saveBundle(args.out!, model, { training }, 'float16');
model.release();
const stored = (await loadBundle(args.out!)).model;
const amazonTest = load('amazon', 'test');
const fixture = readFileSync(FIXTURE, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LabeledReview);
const metrics = {
  'yelp-10k test': metricsOn(stored, load('yelp', 'test')),
  'blitzer-mdsd test': metricsOn(stored, amazonTest),
  ...Object.fromEntries(DOMAINS.map((d) => [`blitzer-mdsd test ${d}`, metricsOn(stored, amazonTest.filter((r) => r.domain === d))])),
  fixture: metricsOn(stored, fixture),
};
const manifest: Manifest = await saveBundle(args.out!, stored, { training, metrics }, 'float16');
stored.release();
writeModelCard(join(root, 'models', 'MODEL_CARD.md'), manifest, args.out!);
writeFileSync(join(root, 'bench', 'results', 'default-model.json'), `${JSON.stringify({ training, metrics }, null, 1)}\n`);
for (const [name, m] of Object.entries(metrics)) log(`${name}: RMSE ${m.rmse.toFixed(4)} MAE ${m.mae.toFixed(4)} exact ${(m.accuracy * 100).toFixed(1)}% polarity ${(m.polarity_accuracy * 100).toFixed(2)}%`);
