/**
 * `rectify score`: stream records from files or stdin, score them in batches (on worker threads when
 * there are several cores), and write one output line per input record, in order, as results arrive.
 * Memory stays flat: at most a few batches are in flight, and reading waits while output is blocked.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { RecordError } from '../../data/records.js';
import { CancelledRun, UsageError } from '../errors.js';
import { checkInputs, readMany, SkipReport } from '../inputs.js';
import { chooseModel, describeSource } from '../model-source.js';
import type { InputOptions } from '../options.js';
import { Sink } from '../output.js';
import { csvFormatter, jsonlFormatter, type Formatter, type Item } from '../score/format.js';
import { defaultJobs, inProcessScorer, workerScorer, type BatchResult, type Scorer } from '../score/scorer.js';
import { cancelOnSignals } from '../signals.js';

export interface ScoreOptions extends InputOptions {
  model?: string;
  db?: string;
  name?: string;
  out?: string;
  outputFormat: 'jsonl' | 'csv' | 'tsv';
  explain?: boolean;
  top: number;
  batchSize: number;
  jobs?: number;
  backend?: string;
  verbose?: boolean;
}

/** A partly filled batch is sent on after this long without new input (interactive / slow pipes). */
const IDLE_FLUSH_MS = 100;
/** Below this many input bytes (~1,500 Yelp-length reviews) scoring runs in the main thread. */
const SMALL_INPUT = 1 << 20;

export async function runScore(files: string[], opts: ScoreOptions): Promise<void> {
  const inputs = files.length > 0 ? files : ['-'];
  if (files.length === 0 && process.stdin.isTTY) {
    throw new UsageError('no input: give FILE ... or pipe reviews into stdin (see rectify score --help)');
  }
  if (opts.out !== undefined && inputs.some((f) => f !== '-' && resolve(f) === resolve(opts.out!))) throw new UsageError(`--out ${opts.out} is also an input file`);
  await checkInputs(inputs);
  if (!opts.verbose) process.env.RECTIFY_QUIET_BACKEND ??= '1';
  const source = chooseModel(opts);
  if (opts.verbose) process.stderr.write(`rectify: scoring with ${describeSource(source)}\n`);

  const started = performance.now();
  const cancel = cancelOnSignals('stopping');
  const top = opts.explain ? opts.top : 0;
  const jobs = opts.jobs ?? (await smallInput(inputs) ? 1 : defaultJobs());
  let scorer: Scorer | undefined;
  let sink: Sink | undefined;
  const skips = new SkipReport(false);
  try {
    scorer = jobs > 1
      ? await workerScorer({ dir: source.dir, backend: opts.backend, top }, jobs)
      : await inProcessScorer({ dir: source.dir, backend: opts.backend, top });
    if (cancel.signal.aborted) throw new CancelledRun();
    sink = await Sink.open(opts.out);
    const formatter = opts.outputFormat === 'jsonl' ? jsonlFormatter() : csvFormatter(opts.outputFormat === 'tsv' ? '\t' : ',', top > 0);
    const n = await pipeline(inputs, opts, scorer, sink, formatter, skips, cancel.signal);
    await sink.commit();
    const summary = skips.summary(' (each has an output line with an "error" field)');
    if (summary) process.stderr.write(`${summary}\n`);
    if (opts.verbose || (process.stderr.isTTY && sink.toFile)) {
      const seconds = (performance.now() - started) / 1000;
      process.stderr.write(`rectify: scored ${n} reviews in ${seconds.toFixed(1)} s (${Math.round(n / seconds)}/s${scorer.workers ? `, ${scorer.workers} workers` : ''})${opts.out ? ` → ${opts.out}` : ''}\n`);
    }
  } catch (err) {
    await sink?.abort();
    throw err;
  } finally {
    cancel.dispose();
    await scorer?.close();
  }
}

/**
 * Inputs small enough that starting worker threads (each loads the model and its backend) would cost
 * more than it saves: regular files under SMALL_INPUT bytes in all. stdin is never "small".
 */
async function smallInput(inputs: string[]): Promise<boolean> {
  let bytes = 0;
  for (const path of inputs) {
    if (path === '-') return false;
    const s = await stat(path);
    if (!s.isFile()) return false;
    bytes += s.size;
  }
  return bytes < SMALL_INPUT;
}

/** Read → batch → score → write, in order. Returns the number of reviews scored. */
async function pipeline(
  inputs: string[], opts: ScoreOptions, scorer: Scorer, sink: Sink, formatter: Formatter,
  skips: SkipReport, signal: AbortSignal,
): Promise<number> {
  let pending: Item[] = [];
  let pendingRecords = 0;
  let scored = 0;
  const onSkip = (error: RecordError) => {
    skips.onSkip(error);
    if (opts.onError === 'skip') pending.push({ error });
  };
  const maxInFlight = Math.max(2, scorer.workers * 2);
  const inFlight: Promise<void>[] = [];
  let written: Promise<void> = Promise.resolve();

  /** Send the pending items on: scoring starts now, writing waits for every earlier batch. */
  const dispatch = async () => {
    const items = pending;
    const texts: string[] = [];
    for (const item of items) if ('record' in item) texts.push(item.record.text);
    pending = [];
    pendingRecords = 0;
    scored += texts.length;
    const result: Promise<BatchResult> = texts.length > 0 ? scorer.score(texts) : Promise.resolve({ predictions: [] });
    result.catch(() => {}); // awaited below, in order; this only keeps an early failure from being "unhandled"
    written = written.then(async () => {
      const r = await result;
      await sink.write(formatter.format(items, r.predictions, r.terms));
    });
    written.catch(() => {});
    inFlight.push(written);
    while (inFlight.length >= maxInFlight) await inFlight.shift();
  };

  // Waiting for the next record can be interrupted by a cancel or by the idle timer. Each wait races
  // `next` with a fresh promise (racing one long-lived promise would pile up a reaction per record).
  let interrupt: ((why: 'abort' | 'idle') => void) | undefined;
  const onAbort = () => interrupt?.('abort');
  signal.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  let idle = false;
  const records = readMany(inputs, opts, 'ignore', onSkip)[Symbol.asyncIterator]();
  let next = records.next();
  next.catch(() => {}); // raced below; this only keeps a late failure after an early exit from being "unhandled"
  try {
    for (;;) {
      if (pending.length > 0 && timer === undefined) {
        timer = setTimeout(() => {
          idle = true;
          interrupt?.('idle');
        }, IDLE_FLUSH_MS);
      }
      const step = signal.aborted ? 'abort' as const : idle ? 'idle' as const
        : await Promise.race([next, new Promise<'abort' | 'idle'>((resolve) => (interrupt = resolve))]);
      interrupt = undefined;
      if (step === 'abort') throw new CancelledRun('scoring cancelled');
      if (step === 'idle') {
        idle = false;
        timer = undefined;
        if (pending.length > 0) await dispatch();
        continue;
      }
      if (step.done) break;
      next = records.next();
      next.catch(() => {});
      pending.push({ record: step.value });
      if (++pendingRecords >= opts.batchSize) {
        clearTimeout(timer);
        timer = undefined;
        idle = false;
        await dispatch();
      }
    }
    clearTimeout(timer);
    if (pending.length > 0) await dispatch();
    await written;
    await sink.write(formatter.end());
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
  if (signal.aborted) throw new CancelledRun('scoring cancelled');
  return scored;
}
