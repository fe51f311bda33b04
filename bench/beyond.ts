/**
 * Beyond the paper: what moves rectify past the peers on the same splits. The reproduction keeps the
 * paper's inputs (5,000 unigrams) and yelp's 8,000 labels; the peers that win use ~100k TF-IDF uni+bigrams.
 * This bench separates the two levers: more labeled reviews (training on both datasets' train splits) and
 * richer inputs (unigrams + bigrams, 30,000 terms), at a few widths, each tuned on dev (early stopping on
 * the dev splits of the datasets it trains on) and reported on test. Writes bench/results/beyond.json.
 *
 *   npm run build && npm run bench:beyond
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../model/package.js';
import { resolveConfig, trainModel, type TrainConfig } from '../model/train.js';
import { DOMAINS, hotels, load, metricsOn } from './corpora.js';

interface Variant {
  id: string;
  labeled: 'yelp' | 'both';
  bigrams: boolean;
  vocabSize: number;
  layers: number[];
  pretrain: boolean;
}

const VARIANTS: Variant[] = [
  { id: 'unigrams-5k-3x1000-both', labeled: 'both', bigrams: false, vocabSize: 5000, layers: [1000, 1000, 1000], pretrain: false },
  { id: 'bigrams-30k-1x1000-yelp', labeled: 'yelp', bigrams: true, vocabSize: 30000, layers: [1000], pretrain: false },
  { id: 'bigrams-30k-1x1000-both', labeled: 'both', bigrams: true, vocabSize: 30000, layers: [1000], pretrain: false },
  { id: 'bigrams-30k-3x128-both', labeled: 'both', bigrams: true, vocabSize: 30000, layers: [128, 128, 128], pretrain: false },
  { id: 'bigrams-20k-3x200-both', labeled: 'both', bigrams: true, vocabSize: 20000, layers: [200, 200, 200], pretrain: false },
  { id: 'bigrams-20k-3x200-both-pretrained', labeled: 'both', bigrams: true, vocabSize: 20000, layers: [200, 200, 200], pretrain: true },
];

const log = (msg: string): void => console.error(`${new Date().toISOString().slice(11, 19)} ${msg}`);
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1].split(',') : undefined;
const results: unknown[] = [];
for (const v of VARIANTS.filter((x) => !only || only.includes(x.id))) {
  const sets = v.labeled === 'both' ? ['yelp', 'amazon'] as const : ['yelp'] as const;
  const train = sets.flatMap((d) => load(d, 'train'));
  const dev = sets.flatMap((d) => load(d, 'dev'));
  const config: TrainConfig = resolveConfig({
    layers: v.layers, vocabSize: v.vocabSize, tokenizer: { bigrams: v.bigrams }, pretrain: v.pretrain, seed: 1,
    pretraining: { epochs: 1, l1: 3e-5 }, finetuning: { l1: 3e-5, patience: 2 },
  });
  log(`${v.id}: training on ${train.length} labeled reviews`);
  const { model, report } = await trainModel({ train, dev, unlabeled: v.pretrain ? hotels(20000) : undefined }, config);
  const amazon = load('amazon', 'test');
  const yelpTest = metricsOn(model, load('yelp', 'test'));
  const domains = Object.fromEntries(DOMAINS.map((d) => [d, metricsOn(model, amazon.filter((r) => r.domain === d))]));
  const params = report.data.vocabulary * v.layers[0] + v.layers.slice(1).reduce((n, w, i) => n + v.layers[i] * w, 0) + v.layers[v.layers.length - 1] * 5;
  results.push({ variant: v, dev: report.dev, yelpTest, amazonDomains: domains, amazonMeanPolarity: DOMAINS.reduce((n, d) => n + domains[d].polarity_accuracy, 0) / DOMAINS.length,
    parameters: params, float16MB: (params * 2) / 1e6, bestEpoch: report.finetuning.bestEpoch, seconds: report.seconds });
  log(`${v.id}: dev RMSE ${report.dev?.rmse.toFixed(4)}, yelp test RMSE ${yelpTest.rmse.toFixed(4)}, ${Math.round(report.seconds)} s`);
  model.release();
}
if (!only) writeFileSync(join(packageRoot(), 'bench', 'results', 'beyond.json'), `${JSON.stringify({ date: new Date().toISOString(), command: 'npm run bench:beyond', results }, null, 1)}\n`);
