/**
 * The training worker thread: reads the training data from the store (read-only connection), splits off
 * the dev set, trains, evaluates the previously served model on the same dev set, saves the bundle, and
 * reports progress. A {type:'cancel'} message aborts training (CancelledError) and the worker exits.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { ReviewStore } from '../data/store.js';
import { loadBundle, saveBundle } from '../model/bundle.js';
import { CancelledError, type Progress } from '../model/progress.js';
import { trainingDataFromStore } from '../model/registry.js';
import { splitDev, trainModel, type Review } from '../model/train.js';
import type { FromWorker, ToWorker, WorkerInput } from './worker-protocol.js';

const port = parentPort!;
const input = workerData as WorkerInput;
const controller = new AbortController();
const send = (message: FromWorker) => port.postMessage(message);

/**
 * Linux gives each thread its own nice value: lowering this one's lets the serving thread win the CPU
 * whenever both want it, so predictions stay fast while a job runs (elsewhere this is a no-op).
 */
function lowerPriority(nice: number): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, nice);
  } catch {
    // not Linux, or not permitted: train at normal priority
  }
}
lowerPriority(input.nice ?? 10);

port.on('message', (message: ToWorker) => {
  if (message?.type === 'cancel') controller.abort();
});

function onProgress(p: Progress): void {
  send({
    type: 'progress',
    progress: { phase: p.phase, epoch: p.epoch, epochs: p.epochs, batch: p.batch, batches: p.batches, loss: p.loss, examples_per_second: p.examplesPerSecond, dev_rmse: p.devRmse },
  });
}

async function baselineOn(dev: Review[]): Promise<{ rmse: number; n: number } | { error: string } | undefined> {
  if (!input.baselineDir || dev.length === 0) return undefined;
  try {
    const { model } = await loadBundle(input.baselineDir, { backend: input.config.backend });
    try {
      const metrics = model.evaluate(dev.map((r) => r.text), dev.map((r) => r.rating));
      return { rmse: metrics.rmse, n: metrics.n };
    } finally {
      model.release();
    }
  } catch (err) {
    return { error: (err as Error).message };
  }
}

async function run(): Promise<void> {
  send({ type: 'progress', progress: { phase: 'loading data' } });
  const store = ReviewStore.open(input.dbPath, { readonly: true });
  let trained: Awaited<ReturnType<typeof trainModel>>;
  let dev: Review[];
  try {
    const data = trainingDataFromStore(store);
    const split = splitDev(data.train, input.config.devFraction);
    dev = split.dev;
    trained = await trainModel({ train: split.train, dev, unlabeled: data.unlabeled }, input.config, { onProgress, signal: controller.signal });
  } finally {
    store.close();
  }
  try {
    if (controller.signal.aborted) throw new CancelledError();
    send({ type: 'progress', progress: { phase: 'evaluating' } });
    const baseline = await baselineOn(dev);
    if (controller.signal.aborted) throw new CancelledError();
    send({ type: 'progress', progress: { phase: 'saving' } });
    const { config, ...report } = trained.report;
    await saveBundle(input.bundleDir, trained.model, { training: config, metrics: report.dev ?? null });
    send({ type: 'done', report, baseline });
  } finally {
    trained.model.release();
  }
}

run().then(
  () => port.close(),
  (err: unknown) => {
    if (err instanceof CancelledError || controller.signal.aborted) send({ type: 'cancelled' });
    else send({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
    port.close();
  },
);
