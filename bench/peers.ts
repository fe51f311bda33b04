/**
 * The peers a user would pick instead of rectify, side by side on the same fixed splits: fastText with
 * bigrams, scikit-learn linear models (on rectify's binary top-5000 features and on TF-IDF 1–2-grams) and
 * three npm lexicon scorers mapped to stars by an isotonic fit. Everything is fitted on train, tuned on
 * dev and reported on test, with model/evaluate.ts computeMetrics. Amazon peers are trained once on all
 * four domains and scored per domain. Needs fastText and scikit-learn (never the product):
 * apt-get install fasttext python3-sklearn.
 *
 *   npm run build && npm run bench:peers [-- --dataset yelp,amazon] [--peers fasttext,ridge-tfidf,…] [--out FILE]
 *
 * Writes bench/results/peers.json (a filtered run writes bench/out/peers/peers.partial.json unless --out
 * is given) and prints markdown tables. Scratch files (fastText inputs and models, svmlight exports) go
 * to bench/out/peers/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../model/package.js';
import { load, sharedVectorizer, type DatasetName } from './corpora.js';
import { FASTTEXT_GRID, fasttextPeer } from './peers/fasttext.js';
import { LEXICONS, lexiconPeer } from './peers/lexicon.js';
import { markdown, summarize, type Corpus, type PeerName, type PeerResult, type PeerRun } from './peers/report.js';
import { exportBinary, LINEAR_GRIDS, linearPeer, peerName, type BinaryExport, type Features, type LinearModel } from './peers/sklearn.js';
import { findTools, type Tools } from './peers/tools.js';

const DATASETS: DatasetName[] = ['yelp', 'amazon'];
const LINEAR: [LinearModel, Features][] = [['ridge', 'binary'], ['logreg', 'binary'], ['polarity', 'binary'], ['ridge', 'tfidf'], ['logreg', 'tfidf'], ['polarity', 'tfidf']];
const ALL_PEERS: PeerName[] = ['fasttext', ...LINEAR.map(([m, f]) => peerName(m, f)), ...LEXICONS.map((l) => l.peer)];

const { values: args } = parseArgs({
  options: {
    dataset: { type: 'string', default: DATASETS.join(',') },
    peers: { type: 'string', default: ALL_PEERS.join(',') },
    out: { type: 'string' },
  },
});

function listOption<T extends string>(name: string, value: string, allowed: readonly T[]): T[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((s) => !allowed.includes(s as T));
  if (bad.length || !items.length) {
    console.error(`bench/peers: --${name} takes a comma-separated list of ${allowed.join(', ')} (got ${value})`);
    process.exit(2);
  }
  return items as T[];
}
const datasets = listOption('dataset', args.dataset!, DATASETS);
const peers = listOption('peers', args.peers!, ALL_PEERS);
const complete = datasets.length === DATASETS.length && peers.length === ALL_PEERS.length;

let tools: Tools;
try {
  tools = findTools();
} catch (err) {
  console.error(`bench/peers: ${(err as Error).message}`);
  process.exit(1);
}

const root = packageRoot();
const scratch = join(root, 'bench', 'out', 'peers');
mkdirSync(scratch, { recursive: true });
const outFile = args.out ?? (complete ? join(root, 'bench', 'results', 'peers.json') : join(scratch, 'peers.partial.json'));
const log = (msg: string) => process.stderr.write(`bench/peers: ${msg}\n`);
const started = performance.now();
const load0 = loadavg()[0];

let t = performance.now();
const vectorizer = sharedVectorizer();
log(`shared vocabulary: ${vectorizer.dimension} terms in ${((performance.now() - t) / 1000).toFixed(1)} s`);

const results: PeerResult[] = [];
for (const dataset of datasets) {
  const corpus: Corpus = { dataset, train: load(dataset, 'train'), dev: load(dataset, 'dev'), test: load(dataset, 'test') };
  log(`${dataset}: ${corpus.train.length} train, ${corpus.dev.length} dev, ${corpus.test.length} test`);
  let binary: BinaryExport | undefined;
  const want = (peer: PeerName) => peers.includes(peer) && (dataset === 'amazon' || !peer.startsWith('logreg-polarity'));
  const record = (make: () => PeerRun) => {
    t = performance.now();
    const r = summarize(corpus, make());
    results.push(r);
    log(`${dataset} ${r.peer}: rmse ${r.metrics.rmse ?? '–'}, polarity ${r.metrics.polarity_accuracy} (${((performance.now() - t) / 1000).toFixed(1)} s with tuning)`);
  };
  if (want('fasttext')) record(() => fasttextPeer(tools.fasttext, corpus, scratch));
  for (const [model, features] of LINEAR) {
    if (!want(peerName(model, features))) continue;
    if (features === 'binary') binary ??= exportBinary(vectorizer, corpus, scratch);
    record(() => linearPeer(tools.python, model, features, corpus, binary!));
  }
  for (const lexicon of LEXICONS) if (want(lexicon.peer)) record(() => lexiconPeer(lexicon, corpus));
}

const rel = (p: string) => relative(root, p);
const report = {
  machine: {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Number((totalmem() / 2 ** 30).toFixed(1)),
    os: `${platform()} ${release()}`,
    node: process.version,
    python: `${tools.python} (${tools.versions.python})`,
    sklearn: tools.versions.sklearn,
    fasttext: tools.versions.fasttext,
    loadAverageAtStart: Number(load0.toFixed(2)),
  },
  date: new Date().toISOString(),
  runSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  commands: [
    'npm run build',
    `npm run bench:peers${complete ? '' : ` -- --dataset ${datasets.join(',')} --peers ${peers.join(',')}`}`,
    `${tools.fasttext} supervised -input ${rel(scratch)}/fasttext-<dataset>-train.txt -output … -epoch {${FASTTEXT_GRID.epoch}} -lr {${FASTTEXT_GRID.lr}} -wordNgrams 2 -dim 100 -bucket 200000 -minCount 1 -loss softmax -thread 1 -seed 1`,
    `${tools.fasttext} predict-prob <model.bin> <file> 5`,
    `${tools.python} bench/peers/linear.py --model ridge|logreg|polarity --features binary|tfidf --train … --dev … --test … --grid <values> (grids: ${JSON.stringify(LINEAR_GRIDS)})`,
  ],
  protocol: {
    splits: 'fit on train, choose hyperparameters on dev (criterion per result: dev RMSE, or 1 − polarity accuracy for logreg-polarity-*), report on test; Amazon: one model on all 4 domains (5,600 train reviews), metrics per domain and overall',
    metrics: 'model/evaluate.ts computeMetrics on the test predictions: RMSE, MAE, accuracy = rounded rating equals the true star, polarity accuracy over true ratings ≠ 3 (predicted > 3 iff true ≥ 4); logreg-polarity-* rate 1 + 4·P(positive), so only polarity accuracy is reported (others null)',
    trainSeconds: 'featurising the train texts (rectify Vectorizer, TF-IDF, fastText preprocessing or lexicon scoring) + fitting the chosen configuration; the shared vocabulary and the tuning grid are not counted',
    predictMsPer1000: 'from raw test text to rating per 1,000 reviews, model in memory; fastText: marginal time of predict-prob (test file minus a one-review file; notes.loadMs is the process start + model load)',
    threads: 'one: fastText -thread 1, sklearn n_jobs=1 with OMP/OpenBLAS/MKL at 1 thread, lexicons in this Node process',
  },
  results,
};
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
console.log(markdown(results));
console.log(`\n${results.length} results in ${report.runSeconds} s → ${rel(outFile)}`);
