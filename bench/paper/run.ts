/**
 * Run one reproduction job: vectorise with the shared vocabulary, pretrain its stack (if any) on the train
 * texts of both datasets plus unlabeled hotel reviews (never dev or test texts), then fine-tune and evaluate
 * each task. Every task's result is written to `<out>/<task id>.json` as soon as it is known, so an
 * interrupted run resumes where it stopped.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { csrRows, toCsr, type CsrBatch } from '../../data/vectorizer.js';
import { getBackend } from '../../model/backend.js';
import { computeMetrics, predictSet, type LabeledSet, type Metrics } from '../../model/evaluate.js';
import { fineTune, type FineTuneOptions } from '../../model/finetune.js';
import { Network } from '../../model/network.js';
import { pretrain, type LayerReport } from '../../model/pretrain.js';
import type { Progress } from '../../model/progress.js';
import { Rng } from '../../model/rng.js';
import { DOMAINS, hotels, load, sharedVectorizer, type DatasetName, type LabeledReview } from '../corpora.js';
import { L1, type Job, type Task } from './experiments.js';

export interface TaskResult {
  task: Task;
  job: { id: string; activation: string; width: number; seed: number };
  layers: number[];
  train: number;
  finetuning: FineTuneOptions & { bestEpoch: number; epochsRun: number; examplesPerSecond: number; history: { epoch: number; loss: number; devRmse?: number }[] };
  dev: Metrics;
  test: Metrics;
  /** Amazon: test metrics per product domain. */
  domains?: Record<string, Metrics>;
  seconds: number;
}

export interface JobResult {
  job: Omit<Job, 'tasks'>;
  pretrainTexts: number;
  pretraining: LayerReport[];
  seconds: number;
}

const log = (msg: string): void => console.error(`${new Date().toISOString().slice(11, 19)} ${msg}`);

function writeJson(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 1)}\n`);
  renameSync(tmp, path);
}

function toSet(reviews: readonly LabeledReview[]): LabeledSet {
  const v = sharedVectorizer();
  return { x: toCsr(reviews.map((r) => v.vectorize(r.text)), v.vocabulary.size), ratings: Uint8Array.from(reviews, (r) => r.rating) };
}

const sets = new Map<string, LabeledSet>();
function set(dataset: DatasetName, split: 'train' | 'dev' | 'test'): LabeledSet {
  const key = `${dataset}/${split}`;
  if (!sets.has(key)) sets.set(key, toSet(load(dataset, split)));
  return sets.get(key)!;
}

function pretrainingTexts(hotelCount: number): CsrBatch {
  const v = sharedVectorizer();
  const texts = [...load('yelp', 'train'), ...load('amazon', 'train')].map((r) => r.text).concat(hotels(hotelCount));
  return toCsr(texts.map((t) => v.vectorize(t)), v.vocabulary.size);
}

/** The first `depth` hidden layers of `stack` (weights and scaling) under a freshly initialised head. */
function fromStack(stack: Network, depth: number, seed: number): Network {
  const width = stack.spec.layers[0];
  const net = new Network({ ...stack.spec, layers: new Array<number>(depth).fill(width) }, stack.backend, seed);
  net.input.weights.set(stack.input.weights);
  net.input.bias.set(stack.input.bias);
  for (let l = 0; l + 1 < depth; l++) {
    net.dense[l].weights.values.set(stack.dense[l].weights.values);
    net.dense[l].weights.commit();
    net.dense[l].bias.set(stack.dense[l].bias);
  }
  for (let l = 0; l < depth; l++) net.scaling[l] = { scale: stack.scaling[l].scale.slice(), shift: stack.scaling[l].shift.slice() };
  return net;
}

function subset(s: LabeledSet, rows: Int32Array): LabeledSet {
  return { x: csrRows(s.x, rows), ratings: Uint8Array.from(rows, (r) => s.ratings[r]) };
}

/** Fine-tuning schedule: the defaults (patience 2), with smaller batches, more epochs and more patience for tiny label sets. */
function schedule(task: Task, seed: number, trainSize: number): FineTuneOptions {
  // Softmax regression (no hidden layer) is convex and learns ~30x slower at the deep nets' lr 1e-4.
  if (task.depth === 0) return { epochs: 100, batchSize: 128, lr: 3e-3, l1: 0, seed, patience: 4 };
  const small = trainSize < 2000;
  return { epochs: small ? 60 : 20, batchSize: small ? 32 : 128, lr: 1e-4, l1: task.l1, seed, patience: small ? 6 : 2 };
}

async function runTask(task: Task, job: Job, stack: Network | undefined, outDir: string): Promise<void> {
  const path = join(outDir, `${task.id}.json`);
  if (existsSync(path)) return log(`${task.id}: done already`);
  const started = performance.now();
  let train = set(task.dataset, 'train');
  if (task.labels !== undefined) {
    const order = new Rng(job.seed).fork('labels').shuffle(new Int32Array(train.x.rows).map((_, i) => i));
    train = subset(train, order.subarray(0, task.labels));
  }
  const dev = set(task.dataset, 'dev');
  const test = set(task.dataset, 'test');
  const backend = await getBackend();
  const vocab = sharedVectorizer().vocabulary.size;
  const net = task.pretrained
    ? fromStack(stack!, task.depth, job.seed)
    : new Network({ inputDim: vocab, layers: new Array<number>(task.depth).fill(job.width), activation: job.activation, head: 'softmax' }, backend, job.seed);
  try {
    const options = schedule(task, job.seed, train.x.rows);
    const ft = await fineTune(net, train, dev, options, {
      reportEveryMs: 1e9,
      onProgress: (p: Progress) => { if (p.batch === p.batches) log(`${task.id}: epoch ${p.epoch} loss ${p.loss.toFixed(4)} dev ${p.devRmse?.toFixed(4) ?? '-'} (${Math.round(p.examplesPerSecond)} ex/s)`); },
    });
    const devP = predictSet(net, dev.x);
    const testP = predictSet(net, test.x);
    const result: TaskResult = {
      task,
      job: { id: job.id, activation: job.activation, width: job.width, seed: job.seed },
      layers: net.spec.layers,
      train: train.x.rows,
      finetuning: { ...options, bestEpoch: ft.bestEpoch, epochsRun: ft.history.length, examplesPerSecond: ft.examplesPerSecond, history: ft.history.map(({ epoch, loss, devRmse }) => ({ epoch, loss, devRmse })) },
      dev: computeMetrics(devP.ratings, dev.ratings, devP.sparsity),
      test: computeMetrics(testP.ratings, test.ratings, testP.sparsity),
      seconds: (performance.now() - started) / 1000,
    };
    if (task.dataset === 'amazon') {
      const reviews = load('amazon', 'test');
      result.domains = Object.fromEntries(DOMAINS.map((d) => {
        const rows = reviews.flatMap((r, i) => (r.domain === d ? [i] : []));
        return [d, computeMetrics(rows.map((i) => testP.ratings[i]), rows.map((i) => test.ratings[i]))];
      }));
    }
    writeJson(path, result);
    log(`${task.id}: test RMSE ${result.test.rmse.toFixed(4)} polarity ${(result.test.polarity_accuracy * 100).toFixed(2)}% sparsity ${result.test.sparsity.map((s) => (s * 100).toFixed(1)).join('/')} (${result.seconds.toFixed(0)} s)`);
  } finally {
    net.release();
  }
}

export async function runJob(job: Job, outDir: string, pretrainEpochs: number): Promise<void> {
  mkdirSync(join(outDir, 'jobs'), { recursive: true });
  const pending = job.tasks.filter((t) => !existsSync(join(outDir, `${t.id}.json`)));
  if (pending.length === 0) return log(`${job.id}: done already`);
  const started = performance.now();
  let stack: Network | undefined;
  try {
    if (job.pretrain) {
      const texts = pretrainingTexts(job.hotels);
      log(`${job.id}: pretraining 3 × ${job.width} ${job.activation} on ${texts.rows} texts`);
      stack = new Network({ inputDim: texts.cols, layers: [job.width, job.width, job.width], activation: job.activation, head: 'softmax' }, await getBackend(), job.seed);
      const pretraining = await pretrain(stack, texts, { epochs: pretrainEpochs, seed: job.seed, l1: L1 }, {
        reportEveryMs: 1e9,
        onProgress: (p: Progress) => { if (p.batch === p.batches) log(`${job.id}: ${p.phase} epoch ${p.epoch} cost ${p.loss.toFixed(3)} (${Math.round(p.examplesPerSecond)} ex/s)`); },
      });
      const { tasks: _tasks, ...rest } = job;
      const result: JobResult = { job: rest, pretrainTexts: texts.rows, pretraining, seconds: (performance.now() - started) / 1000 };
      writeJson(join(outDir, 'jobs', `${job.id}.json`), result);
      log(`${job.id}: pretrained in ${result.seconds.toFixed(0)} s: ${pretraining.map((r) => `layer ${r.layer} ${r.errorBefore.toFixed(1)}→${r.errorAfter.toFixed(1)}`).join(', ')}`);
    }
    for (const task of pending) await runTask(task, job, stack, outDir);
  } finally {
    stack?.release();
  }
}
