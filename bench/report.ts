/**
 * BENCHMARKS.md from the results of one run (bench/results/*.json): the reproduction tables, the peers
 * table, speed, and the charts (SVG in bench/results/charts/). Only the blocks between
 * `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` are replaced, so the prose around them stays.
 *
 *   npm run build && npm run bench:report
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Metrics } from '../model/evaluate.js';
import { packageRoot } from '../model/package.js';
import { DOMAINS, load, sharedVectorizer } from './corpora.js';
import type { JobResult, TaskResult } from './paper/run.js';
import { l1Chart, labelsChart, learningCurveChart, renderSvg, type CurvePoint } from './report/charts.js';
import { L1, L1_SWEEP, LABEL_SIZES } from './paper/experiments.js';

const root = packageRoot();
const results = join(root, 'bench', 'results');
const chartsDir = join(results, 'charts');
const readJson = <T>(path: string): T | undefined => (existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined);

const paperDir = join(results, 'paper');
const tasks = new Map<string, TaskResult>();
for (const f of existsSync(paperDir) ? readdirSync(paperDir) : []) if (f.endsWith('.json')) tasks.set(f.slice(0, -5), readJson<TaskResult>(join(paperDir, f))!);
const jobs = new Map<string, JobResult>();
for (const f of existsSync(join(paperDir, 'jobs')) ? readdirSync(join(paperDir, 'jobs')) : []) jobs.set(f.slice(0, -5), readJson<JobResult>(join(paperDir, 'jobs', f))!);

// ---- formatting
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => (v.length < 2 ? NaN : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)));
const pct = (v: number, d = 1) => `${(v * 100).toFixed(d)}%`;
function pm(values: number[], f: (v: number) => string): string {
  if (values.length === 0) return 'not run';
  return values.length === 1 ? `${f(values[0])} (1 seed)` : `${f(mean(values))} ± ${f(sd(values))} (${values.length} seeds)`;
}
const table = (head: string[], rows: string[][]) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
/** Results of the tasks named `<prefix>-s<seed>`, over whichever seeds finished. */
const seedsOf = (prefix: string) => [...tasks.entries()].filter(([id]) => new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-s\\d+$`).test(id)).map(([, t]) => t);
const overallSparsity = (m: Metrics) => (m.sparsity.length ? mean(m.sparsity) : NaN);

// ---- Table 2
/** Share of zeros in the binary input vectors of yelp-10k test (the paper's "99.4% (input)"). */
function inputSparsity(): number {
  const v = sharedVectorizer();
  const reviews = load('yelp', 'test');
  return 1 - reviews.reduce((n, r) => n + v.vectorize(r.text).indices.length, 0) / (reviews.length * v.vocabulary.size);
}

function table2(): string {
  const rows: [string, string, string, string][] = [
    ['no hidden layer (softmax regression)', 'yelp-softmax', '0.885 ± 0.006', '99.4% (input)'],
    ['rectifier, 1 layer', 'yelp-relu1-pre', '0.807 ± 0.004', '28.9% ± 0.2'],
    ['rectifier, 3 layers', 'yelp-relu3-pre', '0.746 ± 0.004', '53.9% ± 0.7'],
    ['tanh, 3 layers', 'yelp-tanh3-pre', '0.774 ± 0.008', '0.0%'],
    ['softplus, 3 layers', 'yelp-softplus3-pre', '(not reported)', ''],
    ['rectifier, 3 layers, no pretraining', 'yelp-relu3-nopre', '≥ 0.833', ''],
    ['rectifier, 1 layer × 5000 (paper width)', 'yelp-relu1-pre-w5000', '0.807 ± 0.004', '28.9% ± 0.2'],
    ['rectifier, 3 layers × 5000 (paper width)', 'yelp-relu3-pre-w5000', '0.746 ± 0.004', '53.9% ± 0.7'],
  ];
  return table(['network (yelp-10k test)', 'test RMSE', 'dev RMSE', 'MAE', 'polarity', 'exact zeros per layer', 'paper RMSE', 'paper sparsity'], rows.map(([name, prefix, paperRmse, paperSparsity]) => {
    const runs = seedsOf(prefix);
    const sparsity = runs.length && runs[0].test.sparsity.length
      ? runs[0].test.sparsity.map((_, l) => pct(mean(runs.map((r) => r.test.sparsity[l])))).join(' / ')
      : runs.length ? `${pct(inputSparsity())} (input)` : '';
    return [name, pm(runs.map((r) => r.test.rmse), (v) => v.toFixed(3)), pm(runs.map((r) => r.dev.rmse), (v) => v.toFixed(3)).replace(/ \(.*\)/, ''),
      runs.length ? mean(runs.map((r) => r.test.mae)).toFixed(3) : '', runs.length ? pct(mean(runs.map((r) => r.test.polarity_accuracy))) : '', sparsity, paperRmse, paperSparsity];
  }));
}

// ---- Amazon
function amazon(): string {
  const rows: [string, string][] = [
    ['softmax regression', 'amazon-softmax'],
    ['rectifier, 3 layers, pretrained', 'amazon-relu3-pre'],
    ['tanh, 3 layers, pretrained', 'amazon-tanh3-pre'],
    ['rectifier, 3 layers, no pretraining', 'amazon-relu3-nopre'],
  ];
  return table(['network (blitzer-mdsd test, polarity accuracy)', ...DOMAINS, 'mean of domains', 'test RMSE (stars)'], rows.map(([name, prefix]) => {
    const runs = seedsOf(prefix).filter((r) => r.domains);
    const perDomain = DOMAINS.map((d) => pm(runs.map((r) => r.domains![d].polarity_accuracy), (v) => pct(v, 2)).replace(/ \(.*\)/, ''));
    return [name, ...perDomain, pm(runs.map((r) => mean(DOMAINS.map((d) => r.domains![d].polarity_accuracy))), (v) => pct(v, 2)), pm(runs.map((r) => r.test.rmse), (v) => v.toFixed(3)).replace(/ \(.*\)/, '')];
  }));
}

// ---- L1 sweep
function l1Points() {
  const values = [...new Set([...L1_SWEEP, L1])].sort((a, b) => a - b);
  return values.flatMap((l1, order) => {
    const t = l1 === L1 ? tasks.get('yelp-relu3-pre-s1') : tasks.get(`yelp-relu3-pre-l1=${l1}-s1`);
    return t ? [{ l1: String(l1), order, rmse: t.test.rmse, dev: t.dev.rmse, sparsity: overallSparsity(t.test), layers: t.test.sparsity }] : [];
  });
}
const l1Table = () => table(['L1 coefficient', 'dev RMSE', 'test RMSE', 'exact zeros per layer', 'all layers'],
  l1Points().map((p) => [p.l1, p.dev.toFixed(3), p.rmse.toFixed(3), p.layers.map((s) => pct(s)).join(' / '), pct(p.sparsity)]));

// ---- labeled-data curve
function labelPoints() {
  const all = tasks.get('yelp-relu3-pre-s1')?.train ?? 8000;
  return [true, false].flatMap((pre) => [...LABEL_SIZES, all].flatMap((n) => {
    const id = n === all ? `yelp-relu3-${pre ? 'pre' : 'nopre'}-s1` : `yelp-relu3-${pre ? 'pre' : 'nopre'}-n=${n}-s1`;
    const t = tasks.get(id);
    return t ? [{ labels: t.train, rmse: t.test.rmse, pretraining: pre ? 'with pretraining' : 'without pretraining' }] : [];
  }));
}
function labelsTable(): string {
  const points = labelPoints();
  const sizes = [...new Set(points.map((p) => p.labels))].sort((a, b) => a - b);
  const at = (n: number, pre: string) => points.find((p) => p.labels === n && p.pretraining === pre)?.rmse;
  return table(['labeled reviews', 'with pretraining', 'without pretraining', 'difference'], sizes.map((n) => {
    const a = at(n, 'with pretraining');
    const b = at(n, 'without pretraining');
    return [n.toLocaleString('en'), a?.toFixed(3) ?? '', b?.toFixed(3) ?? '', a !== undefined && b !== undefined ? (a - b).toFixed(3) : ''];
  }));
}

function curvePoints(): CurvePoint[] {
  const named: [string, string][] = [
    ['rectifier 3 layers, pretrained', 'yelp-relu3-pre-s1'], ['rectifier 3 layers, no pretraining', 'yelp-relu3-nopre-s1'],
    ['rectifier 1 layer, pretrained', 'yelp-relu1-pre-s1'], ['tanh 3 layers, pretrained', 'yelp-tanh3-pre-s1'],
    ['softplus 3 layers, pretrained', 'yelp-softplus3-pre-s1'], ['softmax regression', 'yelp-softmax-s1'],
  ];
  return named.flatMap(([model, id]) => (tasks.get(id)?.finetuning.history ?? []).flatMap((h) => (h.devRmse === undefined ? [] : [{ epoch: h.epoch, devRmse: h.devRmse, model }])));
}

function pretrainingTable(): string {
  return table(['stack', 'texts', 'layer', 'reconstruction cross-entropy before → after (nats/review)', 'examples/s'],
    [...jobs.values()].sort((a, b) => a.job.id.localeCompare(b.job.id)).flatMap((j) => j.pretraining.map((p) =>
      [j.job.id, j.pretrainTexts.toLocaleString('en'), String(p.layer), `${p.errorBefore.toFixed(1)} → ${p.errorAfter.toFixed(1)}`, Math.round(p.examplesPerSecond).toLocaleString('en')])));
}

// ---- peers
interface PeerRow { dataset: string; peer: string; metrics: { rmse: number | null; mae: number | null; accuracy: number | null; polarity_accuracy: number }; perDomain?: Record<string, { polarity_accuracy: number }>; trainSeconds: number; predictMsPer1000: number; params?: unknown }
function peers(dataset: 'yelp' | 'amazon'): string {
  const file = readJson<{ results: PeerRow[] }>(join(results, 'peers.json'));
  const speed = readJson<{ model?: { predictReviewsPerSecond: number } }>(join(results, 'speed.json'));
  const rows: string[][] = [];
  const prefixes = [
    ['rectify: rectifier 3 × 1000, pretrained', 'relu3-pre'], ['rectify: rectifier 1 × 1000, pretrained', 'relu1-pre'], ['rectify: tanh 3 × 1000, pretrained', 'tanh3-pre'],
    ['rectify: rectifier 3 × 1000, no pretraining', 'relu3-nopre'], ['rectify: softmax regression', 'softmax'],
  ].map(([name, suffix]) => [name, `${dataset}-${suffix}`]);
  const predictMs = speed?.model ? (1e6 / speed.model.predictReviewsPerSecond).toFixed(0) : '';
  for (const [name, prefix] of prefixes) {
    const runs = seedsOf(prefix);
    if (!runs.length) continue;
    const m = (f: (x: Metrics) => number) => mean(runs.map((r) => f(r.test)));
    const pretrainSeconds = runs[0].task.pretrained ? jobs.get(runs[0].job.id)?.seconds ?? 0 : 0;
    const polarity = dataset === 'amazon' ? mean(runs.map((r) => mean(DOMAINS.map((d) => r.domains![d].polarity_accuracy)))) : m((x) => x.polarity_accuracy);
    rows.push([`**${name}** (${runs.length === 1 ? '1 seed' : `mean of ${runs.length} seeds`})`, m((x) => x.rmse).toFixed(3), m((x) => x.mae).toFixed(3), pct(m((x) => x.accuracy)), pct(polarity, 2),
      `${Math.round(mean(runs.map((r) => r.seconds)) + pretrainSeconds)}${pretrainSeconds ? ` (${Math.round(pretrainSeconds)} pretraining)` : ''}`, name.includes('softmax') ? '' : predictMs]);
  }
  const shipped = readJson<{ metrics: Record<string, Metrics> }>(join(results, 'default-model.json'));
  const key = dataset === 'yelp' ? 'yelp-10k test' : 'blitzer-mdsd test';
  if (shipped?.metrics[key]) {
    const s = shipped.metrics[key];
    const polarity = dataset === 'amazon' ? mean(DOMAINS.map((d) => shipped.metrics[`${key} ${d}`].polarity_accuracy)) : s.polarity_accuracy;
    rows.push(['**rectify: shipped default model** (both datasets)', s.rmse.toFixed(3), s.mae.toFixed(3), pct(s.accuracy), pct(polarity, 2), '', '']);
  }
  const polarityOf = (p: PeerRow) => (dataset === 'amazon' && p.perDomain ? mean(DOMAINS.map((d) => p.perDomain![d].polarity_accuracy)) : p.metrics.polarity_accuracy);
  const sorted = (file?.results ?? []).filter((r) => r.dataset === dataset)
    .sort((a, b) => (dataset === 'yelp' ? (a.metrics.rmse ?? Infinity) - (b.metrics.rmse ?? Infinity) : polarityOf(b) - polarityOf(a)));
  for (const p of sorted) {
    const polarity = polarityOf(p);
    // Polarity-only classifiers have no star rating: their RMSE, MAE and exact-star accuracy are null.
    const or = (v: number | null, f: (x: number) => string) => (v === null ? '–' : f(v));
    rows.push([p.peer, or(p.metrics.rmse, (v) => v.toFixed(3)), or(p.metrics.mae, (v) => v.toFixed(3)), or(p.metrics.accuracy, (v) => pct(v)), pct(polarity, 2), p.trainSeconds.toFixed(1), p.predictMsPer1000.toFixed(0)]);
  }
  return table(['model', 'RMSE', 'MAE', 'exact star', dataset === 'amazon' ? 'polarity (mean of domains)' : 'polarity', 'train s', 'predict ms / 1,000'], rows);
}

// ---- beyond the paper
function beyond(): string {
  const file = readJson<{ results: { variant: { id: string; labeled: string; bigrams: boolean; vocabSize: number; layers: number[]; pretrain: boolean }; dev?: Metrics; yelpTest: Metrics; amazonMeanPolarity: number; float16MB: number; seconds: number }[] }>(join(results, 'beyond.json'));
  if (!file) return '_not run yet: `npm run bench:beyond`_';
  return table(['labeled train data', 'inputs', 'hidden layers', 'pretraining', 'float16 size', 'dev RMSE', 'yelp-10k test RMSE', 'MAE', 'polarity', 'Amazon polarity (mean of domains)', 'train s'],
    file.results.map((r) => [r.variant.labeled === 'both' ? 'yelp + Amazon (13,600)' : 'yelp (8,000)', `${r.variant.bigrams ? 'uni+bigrams' : 'unigrams'}, ${r.variant.vocabSize.toLocaleString('en')}`,
      r.variant.layers.join(' × '), r.variant.pretrain ? 'yes' : 'no', `${r.float16MB.toFixed(1)} MB`, r.dev?.rmse.toFixed(3) ?? '', `**${r.yelpTest.rmse.toFixed(3)}**`, r.yelpTest.mae.toFixed(3),
      pct(r.yelpTest.polarity_accuracy), pct(r.amazonMeanPolarity, 2), Math.round(r.seconds).toString()]));
}

// ---- speed
function speed(): string {
  const s = readJson<Record<string, any>>(join(results, 'speed.json'));
  if (!s) return '_not run yet: `npm run bench:speed`_';
  const m = s.model;
  const rows: string[][] = [
    ['matrix multiply (backend ' + m.backend + ', [128,1000]×[1000,1000])', `${m.matmulGflops} GFLOP/s`, ''],
    ['fine-tuning, 3 × 1000, K = 5000, batch 128', `${m.finetuneExamplesPerSecond} examples/s (${pct(m.finetuneFractionOfPeak)} of the matMul peak)`, '≥ 800'],
    ...m.pretrainExamplesPerSecond.map((r: number, i: number) => [`pretraining layer ${i + 1} (sampled reconstruction)`, `${r} examples/s`, '≥ 500']),
    ['prediction from raw text, batched, one thread', `${m.predictReviewsPerSecond} reviews/s`, '≥ 4,000'],
    ['prediction, single review in process', `p50 ${m.singleReviewMs.p50} ms, p99 ${m.singleReviewMs.p99} ms`, 'p50 < 2 ms'],
    ['peak RSS (training + prediction, 3 × 1000)', `${m.peakRssMb} MB`, '< 500 MB'],
    ['vectorising (tokenise + top-5000 lookup)', `${s.text.reviewsPerSecond.toLocaleString('en')} reviews/s`, '≥ 20,000'],
    ...(['score', 'score3x1000'] as const).filter((k) => s[k]).flatMap((k) => s[k].runs.map((r: any) => [
      `\`rectify score\` (2 worker threads), ${k === 'score' ? 'shipped model' : '3 × 1000 model'}, ${r.lines.toLocaleString('en')} lines`,
      `${Math.round(r.perSecond).toLocaleString('en')} reviews/s, peak RSS ${Math.round(r.peakRssMb)} MB`, k === 'score' ? '≥ 3,000, < 400 MB' : '≥ 4,000 batched'])),
    ...(['httpShipped', 'http3x1000'] as const).flatMap((k) => {
      const h = s[k];
      const name = k === 'httpShipped' ? 'shipped model' : '3 × 1000 model';
      return [
        [`HTTP single review, 10 connections, ${name}`, `p50 ${h.single.p50_ms} ms, p99 ${h.single.p99_ms} ms, ${h.single.rps} req/s`, 'p50 < 5, p99 < 20 ms'],
        [`HTTP batch of 100 reviews, ${name}`, `p50 ${h.batch100.p50_ms} ms, p99 ${h.batch100.p99_ms} ms`, '< 50 ms'],
        [`HTTP single review while a training job runs, ${name}`, `p50 ${h.during_training.p50_ms} ms, p99 ${h.during_training.p99_ms} ms`, 'p99 < 50 ms'],
      ];
    }),
    ...(s.fasttext ?? []).map((f: any) => [`fastText on ${f.dataset} (same files, from bench:peers)`, `train ${f.trainSeconds.toFixed(1)} s, predict ${f.predictMsPer1000.toFixed(0)} ms / 1,000 reviews`, '']),
  ];
  return `Measured ${s.date.slice(0, 10)} with \`${s.command}\` on ${s.machine.cpus} × ${s.machine.model}, Node ${s.machine.node}.\n\n${table(['what', 'measured', 'target'], rows)}`;
}

// ---- assemble
mkdirSync(chartsDir, { recursive: true });
await renderSvg(l1Chart(l1Points()), join(chartsDir, 'l1-sweep.svg'));
await renderSvg(labelsChart(labelPoints()), join(chartsDir, 'labels.svg'));
await renderSvg(learningCurveChart(curvePoints()), join(chartsDir, 'learning-curve.svg'));

const blocks: Record<string, string> = {
  table2: table2(),
  amazon: amazon(),
  l1: `${l1Table()}\n\n![L1 sweep](bench/results/charts/l1-sweep.svg)`,
  labels: `${labelsTable()}\n\n![RMSE against labeled reviews](bench/results/charts/labels.svg)`,
  curve: '![learning curves](bench/results/charts/learning-curve.svg)',
  pretraining: pretrainingTable(),
  'peers-yelp': peers('yelp'),
  'peers-amazon': peers('amazon'),
  beyond: beyond(),
  speed: speed(),
};
const path = join(root, 'BENCHMARKS.md');
let doc = existsSync(path) ? readFileSync(path, 'utf8') : Object.keys(blocks).map((k) => `<!-- generated:${k} -->\n<!-- /generated:${k} -->\n`).join('\n');
for (const [name, body] of Object.entries(blocks)) {
  const re = new RegExp(`<!-- generated:${name} -->[\\s\\S]*?<!-- /generated:${name} -->`);
  if (!re.test(doc)) throw new Error(`BENCHMARKS.md has no <!-- generated:${name} --> block`);
  doc = doc.replace(re, () => `<!-- generated:${name} -->\n${body}\n<!-- /generated:${name} -->`);
}
writeFileSync(path, doc);
console.error(`bench:report: updated ${path} from ${tasks.size} task results (${jobs.size} pretrained stacks)`);
