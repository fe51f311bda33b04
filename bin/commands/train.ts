/**
 * `rectify train`: labeled files and/or the store's reviews → trained model → a bundle directory
 * (--out) and/or a new active version in the store (--register).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ModelVersion, ReviewStore } from '../../data/store.js';
import { saveBundle } from '../../model/bundle.js';
import { defaultDbPath, registerModel, trainingDataFromStore } from '../../model/registry.js';
import { trainModel, type Review } from '../../model/train.js';
import { CancelledRun, CliError, UsageError } from '../errors.js';
import { checkInputs, readLabeled, readTexts, SkipReport } from '../inputs.js';
import type { InputOptions } from '../options.js';
import { progressView } from '../progress.js';
import { cancelOnSignals } from '../signals.js';
import { metricsTable } from '../tables.js';
import { buildConfig, type ModelOptions } from '../train-config.js';

export interface TrainOptions extends InputOptions, ModelOptions {
  data?: string[];
  unlabeled?: string[];
  dev?: string;
  fromStore?: boolean;
  out?: string;
  register?: boolean;
  activate: boolean;
  db?: string;
  name?: string;
  json?: boolean;
  verbose?: boolean;
}

export async function runTrain(opts: TrainOptions): Promise<void> {
  const data = opts.data ?? [];
  const unlabeledFiles = opts.unlabeled ?? [];
  if (!opts.out && !opts.register) throw new UsageError('say where the model goes: --out DIR (a bundle directory) and/or --register (a new version in the store)');
  if (data.length === 0 && !opts.fromStore) throw new UsageError('nothing to train on: give --data FILE ... and/or --from-store');
  const config = buildConfig(opts);
  await checkInputs([...data, ...unlabeledFiles, ...(opts.dev ? [opts.dev] : [])]);
  const dbPath = opts.db ?? defaultDbPath();
  if (opts.fromStore && !existsSync(dbPath)) throw new CliError(`${dbPath}: no review store; import reviews first with \`rectify import FILE --db ${dbPath}\``);
  if (!opts.verbose) process.env.RECTIFY_QUIET_BACKEND ??= '1';

  const view = progressView({ tty: process.stderr.isTTY === true && !opts.json, verbose: opts.verbose === true });
  const cancel = cancelOnSignals('cancelling training');
  let store: ReviewStore | undefined;
  try {
    view.note('reading training data');
    const skips = new SkipReport(false);
    const train: Review[] = await readLabeled(data, opts, skips);
    const dev = opts.dev ? await readLabeled([opts.dev], opts, skips) : undefined;
    const fileTexts = await readTexts(unlabeledFiles, opts, skips);
    let unlabeled: Iterable<string> = fileTexts;
    if (opts.fromStore || opts.register) {
      const { ReviewStore } = await import('../../data/store.js');
      store = ReviewStore.open(dbPath);
    }
    if (opts.fromStore) {
      const fromStore = trainingDataFromStore(store!);
      for (const r of fromStore.train) train.push(r);
      const storeTexts = fromStore.unlabeled;
      unlabeled = { *[Symbol.iterator]() { yield* fileTexts; yield* storeTexts; } };
    }
    const summary = skips.summary();
    if (summary) process.stderr.write(`${summary}\n`);
    if (train.length === 0) throw new CliError(`no labeled reviews to train on${opts.fromStore ? ` (the store ${dbPath} has none)` : ''}`);
    if (dev !== undefined && dev.length === 0) throw new CliError(`${opts.dev}: no labeled reviews for the dev set`);
    if (cancel.signal.aborted) throw new CancelledRun('training cancelled');
    view.note(`training on ${train.length} labeled reviews${dev ? `, ${dev.length} dev` : ''}${unlabeledFiles.length || opts.fromStore ? ' plus unlabeled texts' : ''}`);

    const { model, report } = await trainModel({ train, dev, unlabeled }, config, { signal: cancel.signal, onProgress: (p) => view.onProgress(p) });
    view.stop();
    const inputs = { data: data.map((f) => resolve(f)), unlabeled: unlabeledFiles.map((f) => resolve(f)), dev: opts.dev ? resolve(opts.dev) : null, fromStore: opts.fromStore === true ? dbPath : null };
    const training = { ...report, dev: undefined, inputs };
    const metrics = report.dev ?? null;
    // saving is quick and atomic; a signal from here on is not a reason to throw the trained model away
    cancel.dispose();
    let out: string | null = null;
    if (opts.out) {
      await saveBundle(opts.out, model, { training, metrics });
      out = resolve(opts.out);
    }
    let version: ModelVersion | null = null;
    if (opts.register) version = await registerModel(store!, { name: opts.name, model, training, metrics, activate: opts.activate });
    model.release();

    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ metrics, report, out, version: version && { name: version.name, version: version.version, path: version.path, active: version.active } })}\n`);
      return;
    }
    const d = report.data;
    const lines = [
      `trained in ${report.seconds.toFixed(1)} s on the ${report.backend} backend: layers ${report.config.layers.join(',') || 'none'}, `
        + `${d.train} train / ${d.dev} dev / ${d.unlabeled} unlabeled reviews, vocabulary ${d.vocabulary}, best epoch ${report.finetuning.bestEpoch}`,
    ];
    if (metrics) lines.push('', 'dev set', metricsTable(metrics));
    else lines.push('', 'no dev set (fewer than 10 labeled reviews and no --dev): no metrics');
    lines.push('');
    if (out) lines.push(`saved model to ${out}`);
    if (version) lines.push(`registered ${version.name}@${version.version}${version.active ? ' (active)' : ''} in ${dbPath}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  } catch (err) {
    view.stop();
    if (err instanceof Error && err.name === 'CancelledError') throw new CancelledRun('training cancelled; nothing was saved');
    throw err;
  } finally {
    cancel.dispose();
    store?.close();
  }
}
