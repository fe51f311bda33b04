/**
 * Speed and memory of the model on this machine: dense matrix-multiply peak of the backend, fine-tuning and
 * pretraining examples/s, prediction from raw text (batched reviews/s, single-review latency), peak RSS.
 * Defaults follow the issue: K = 5000, 3 × 1000 rectifiers, batch 128, on yelp-10k train texts.
 *
 *   npm run build && node dist/bench/model.js [--data FILE] [--layers 1000,1000,1000] [--backend wasm] [--json]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getBackend } from '../model/backend.js';
import { DenseLinear } from '../model/layers.js';
import { resolveConfig, trainModel } from '../model/train.js';
import { packageRoot } from '../model/registry.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: join(packageRoot(), '..', 'shared', 'data', 'yelp-10k', 'train.jsonl') },
    layers: { type: 'string', default: '1000,1000,1000' },
    backend: { type: 'string' },
    'batch-size': { type: 'string', default: '128' },
    limit: { type: 'string', default: '8000' },
  },
});

if (!existsSync(args.data!)) {
  console.error(`bench/model: ${args.data} not found (pass --data FILE with JSON Lines {"text","rating"})`);
  process.exit(1);
}
const reviews = readFileSync(args.data!, 'utf8').split('\n').filter(Boolean).slice(0, Number(args.limit)).map((l) => JSON.parse(l) as { text: string; rating: number });
const layers = args.layers!.split(',').map(Number);
const batchSize = Number(args['batch-size']);
const backend = await getBackend(args.backend);

// 1. matrix-multiply peak: the product fine-tuning does most, [batch, 1000] × [1000, 1000]
function matmulPeak(): number {
  const width = layers[0] || 1000;
  const layer = new DenseLinear(backend, width, width);
  const a = new Float32Array(batchSize * width).map(() => Math.random());
  const out = new Float32Array(batchSize * width);
  for (let i = 0; i < 3; i++) backend.forward(layer.weights, a, batchSize, out);
  const reps = 30;
  const t = performance.now();
  for (let i = 0; i < reps; i++) backend.forward(layer.weights, a, batchSize, out);
  const seconds = (performance.now() - t) / 1000;
  layer.release();
  return (2 * batchSize * width * width * reps) / seconds / 1e9;
}
const gflops = matmulPeak();

// 2. pretraining (1 epoch per layer, sampled reconstruction) and fine-tuning (1 epoch)
const config = resolveConfig({
  layers, backend: backend.name, devFraction: 0,
  pretraining: { epochs: 1, batchSize }, finetuning: { epochs: 1, batchSize },
});
const { model, report } = await trainModel({ train: reviews }, config);
const finetuneRate = report.finetuning.examplesPerSecond;
// FLOPs per training example in the dense layers: forward, input gradient (not for the first dense layer's
// input when it is the sparse layer — it is needed there too), weight gradient: 3 products of 2·in·out.
const widths = [...layers, 5];
let denseFlops = 0;
for (let l = 0; l + 1 < widths.length; l++) denseFlops += 3 * 2 * widths[l] * widths[l + 1];
const fraction = (finetuneRate * denseFlops) / (gflops * 1e9);

// 3. prediction from raw text
const texts = reviews.map((r) => r.text);
model.predict(texts.slice(0, 256));
let t = performance.now();
for (let i = 0; i < texts.length; i += 256) model.predict(texts.slice(i, i + 256));
const batchedRate = texts.length / ((performance.now() - t) / 1000);
const latencies: number[] = [];
for (let i = 0; i < 500; i++) {
  t = performance.now();
  model.predict([texts[i % texts.length]]);
  latencies.push(performance.now() - t);
}
latencies.sort((a, b) => a - b);
const single = { p50: latencies[250], p99: latencies[495] };
const peakRssMb = process.resourceUsage().maxRSS / 1024;

const result = {
  backend: backend.name,
  vocabulary: report.data.vocabulary,
  layers,
  batchSize,
  examples: reviews.length,
  meanActiveTerms: Number(report.data.meanActiveTerms.toFixed(1)),
  matmulGflops: Number(gflops.toFixed(2)),
  finetuneExamplesPerSecond: Math.round(finetuneRate),
  finetuneFractionOfPeak: Number(fraction.toFixed(3)),
  pretrainExamplesPerSecond: report.pretraining.map((p) => Math.round(p.examplesPerSecond)),
  predictReviewsPerSecond: Math.round(batchedRate),
  singleReviewMs: { p50: Number(single.p50.toFixed(3)), p99: Number(single.p99.toFixed(3)) },
  peakRssMb: Math.round(peakRssMb),
};
const rows: [string, string, string][] = [
  ['dense backend', backend.name, ''],
  ['matMul peak', `${result.matmulGflops} GFLOP/s`, ''],
  ['fine-tuning', `${result.finetuneExamplesPerSecond} ex/s`, '≥ 800'],
  ['  share of matMul peak', `${(fraction * 100).toFixed(1)} %`, ''],
  ...result.pretrainExamplesPerSecond.map((r, i) => [`pretraining layer ${i + 1}`, `${r} ex/s`, '≥ 500'] as [string, string, string]),
  ['prediction, batched', `${result.predictReviewsPerSecond} reviews/s`, '≥ 4,000'],
  ['prediction, single review', `p50 ${result.singleReviewMs.p50} ms, p99 ${result.singleReviewMs.p99} ms`, 'p50 < 2 ms'],
  ['peak RSS', `${result.peakRssMb} MB`, '< 500 MB'],
];
for (const [name, value, target] of rows) console.log(`${name.padEnd(28)} ${value.padEnd(34)} ${target}`);
console.log(JSON.stringify(result));
model.release();
