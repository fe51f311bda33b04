/**
 * Training jobs: one at a time, each in a worker thread so the main thread keeps serving predictions.
 * Job records live in the store: a job left queued/running by a dead process is marked failed at
 * startup (recover). When a job succeeds, its bundle is registered as the next version and, if the
 * activation rule says so, becomes active in the store and in the model holder in one synchronous step.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { JobStatus, ReviewStore, TrainingJob } from '../data/store.js';
import { newBundleDir, packageRoot, registerBundle } from '../model/registry.js';
import type { TrainConfig } from '../model/train.js';
import { decideActivation } from './activation.js';
import { conflict, HttpError, notFound, unavailable } from './errors.js';
import type { AppMetrics } from './metrics.js';
import type { ModelHolder, ServedModel } from './model-holder.js';
import { trainingPlan, type ActivationPolicy, type TrainingJobRequest } from './schemas.js';
import type { FromWorker, JobProgress, WorkerInput } from './worker-protocol.js';

/** dist/server/training-worker.js: beside this file when compiled; from the package when run as .ts (vitest). */
export function defaultWorkerScript(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(dirname(here), 'training-worker.js');
  return join(packageRoot(), 'dist', 'server', 'training-worker.js');
}

export interface JobManagerOptions {
  store: ReviewStore;
  holder: ModelHolder;
  metrics: AppMetrics;
  log: (line: string) => void;
  workerScript?: string;
  /** How long a cancelled worker may take to stop before it is terminated. Default 10 s. */
  cancelGraceMs?: number;
  /** Nice value of the training thread (Linux); default 10. */
  nice?: number;
}

interface Running {
  id: number;
  name: string;
  policy: ActivationPolicy;
  /** The resolved training config, stored with the version so it can be retrained alike. */
  config: TrainConfig;
  worker: Worker;
  bundleDir: string;
  baselineDir?: string;
  progress: JobProgress;
  lastWrite: number;
  cancelReason?: string;
  /** A 'done' message arrived: registration is under way, exit no longer means failure. */
  finishing: boolean;
  finished: boolean;
  done: Promise<void>;
  resolve: () => void;
  killTimer?: NodeJS.Timeout;
}

const now = () => new Date().toISOString();

export class JobManager {
  private current: Running | undefined;
  private closed = false;
  private readonly script: string;

  constructor(private readonly o: JobManagerOptions) {
    this.script = o.workerScript ?? defaultWorkerScript();
  }

  /** Mark jobs left queued/running by a previous process as failed; returns how many. */
  recover(): number {
    return this.o.store.failInterruptedJobs('interrupted: the server stopped while this job was running; the previous model stays active');
  }

  runningId(): number | undefined {
    return this.current?.id;
  }

  start(body: TrainingJobRequest): TrainingJob {
    if (this.closed) throw unavailable('shutting_down', 'the server is shutting down');
    const busy = this.current?.id ?? this.o.store.activeJob()?.id;
    if (busy !== undefined) {
      throw conflict('job_running', `training job ${busy} is still running: wait for it (GET /v1/training-jobs/${busy}) or cancel it (DELETE /v1/training-jobs/${busy})`, { job_id: busy });
    }
    if (this.o.store.countReviews({ labeled: true }) === 0) {
      throw conflict('no_training_data', 'the store has no labeled reviews: add some with POST /v1/reviews (a "rating" from 1 to 5) first');
    }
    if (!existsSync(this.script)) throw new HttpError(500, 'worker_missing', `the training worker ${this.script} is missing: run npm run build`);
    const { request, config } = trainingPlan(body);
    const { store } = this.o;
    const job = store.createJob({ modelName: request.model, options: request });
    const bundleDir = newBundleDir(store, request.model);
    const served = this.o.holder.peek(request.model);
    const input: WorkerInput = { dbPath: store.path, jobId: job.id, modelName: request.model, config, bundleDir, baselineDir: served?.dir, nice: this.o.nice };
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    let worker: Worker;
    try {
      worker = new Worker(this.script, { workerData: input });
    } catch (err) {
      store.updateJob(job.id, { status: 'failed', error: `the training worker could not start: ${(err as Error).message}` });
      throw err;
    }
    const run: Running = {
      id: job.id, name: request.model, policy: request.activate, config, worker, bundleDir, baselineDir: served?.dir,
      progress: { phase: 'starting', updated_at: now() }, lastWrite: 0, finishing: false, finished: false, done, resolve,
    };
    this.current = run;
    worker.on('message', (m: FromWorker) => this.guard(run, () => this.onMessage(run, m)));
    worker.on('error', (err) => this.guard(run, () => this.finish(run, 'failed', { error: `training failed: ${err.message}` })));
    worker.on('exit', (code) => this.guard(run, () => {
      if (run.finished || run.finishing) return;
      if (run.cancelReason) this.finish(run, 'cancelled', { error: run.cancelReason });
      else this.finish(run, 'failed', { error: `the training worker stopped unexpectedly (exit code ${code})` });
    }));
    this.o.metrics.jobsStarted.inc();
    return store.updateJob(job.id, { status: 'running', progress: run.progress });
  }

  /** The job record, with the live progress of the running job. */
  get(id: number): TrainingJob | undefined {
    const job = this.o.store.getJob(id);
    if (job && this.current?.id === id) job.progress = this.current.progress;
    return job;
  }

  /**
   * Ask the job to stop; resolves once it is cancelled or `waitMs` passes. Returns the job and whether
   * the cancellation was accepted (false when it had already finished).
   */
  async cancel(id: number, reason = 'cancelled by request', waitMs = 5000): Promise<{ job: TrainingJob; accepted: boolean }> {
    const job = this.o.store.getJob(id);
    if (!job) throw notFound(`training job ${id} not found`);
    const run = this.current;
    if (run?.id !== id) {
      if (job.status === 'queued' || job.status === 'running') {
        return { job: this.o.store.updateJob(id, { status: 'cancelled', error: reason }), accepted: true };
      }
      return { job, accepted: false };
    }
    if (!run.cancelReason) {
      run.cancelReason = reason;
      run.worker.postMessage({ type: 'cancel' });
      run.killTimer = setTimeout(() => void run.worker.terminate(), this.o.cancelGraceMs ?? 10_000);
      run.killTimer.unref();
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([run.done, new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
    return { job: this.get(id)!, accepted: true };
  }

  /** Refuse new jobs, cancel the running one and wait until it has stopped. */
  async shutdown(reason = 'cancelled: the server shut down'): Promise<void> {
    this.closed = true;
    const run = this.current;
    if (!run) return;
    await this.cancel(run.id, reason, (this.o.cancelGraceMs ?? 10_000) + 1000);
    if (!run.finished) {
      await run.worker.terminate();
      this.guard(run, () => this.finish(run, 'cancelled', { error: reason }));
    }
  }

  private guard(run: Running, fn: () => void | Promise<void>): void {
    Promise.resolve()
      .then(fn)
      .catch((err: Error) => {
        this.o.log(`rectify serve: training job ${run.id}: ${err.stack ?? err.message}`);
        if (!run.finished) {
          try {
            this.finish(run, 'failed', { error: `training failed: ${err.message}` });
          } catch {
            this.release(run);
          }
        }
      });
  }

  private onMessage(run: Running, m: FromWorker): void | Promise<void> {
    if (run.finished) return;
    switch (m.type) {
      case 'progress': {
        const prev = run.progress;
        const next: JobProgress = { ...m.progress, dev_rmse: m.progress.dev_rmse ?? prev.dev_rmse, updated_at: now() };
        run.progress = next;
        const t = Date.now();
        if (next.phase !== prev.phase || next.epoch !== prev.epoch || t - run.lastWrite >= 1000) {
          run.lastWrite = t;
          this.o.store.updateJob(run.id, { progress: next });
        }
        return;
      }
      case 'done':
        run.finishing = true;
        return this.register(run, m);
      case 'cancelled':
        return this.finish(run, 'cancelled', { error: run.cancelReason ?? 'cancelled' });
      case 'failed':
        return this.finish(run, 'failed', { error: `training failed: ${m.error}` });
    }
  }

  /** Register the trained bundle as the next version; activate it if the rule says so. */
  private async register(run: Running, m: Extract<FromWorker, { type: 'done' }>): Promise<void> {
    const { store, holder } = this.o;
    const decide = () => decideActivation({
      policy: run.policy, candidateRmse: m.report.dev?.rmse, devN: m.report.data.dev, current: holder.peek(run.name), baselineDir: run.baselineDir, baseline: m.baseline,
    });
    let decision = decide();
    let loaded: ServedModel | undefined;
    if (decision.activate) {
      // load (and checksum) the bundle only when it is going to be served
      loaded = await holder.load({ kind: 'store', dir: run.bundleDir, name: run.name }, m.report.dev ?? null);
      decision = decide(); // the served model may have been switched while loading
    }
    if (run.cancelReason) {
      loaded?.model.release();
      await rm(run.bundleDir, { recursive: true, force: true });
      return this.finish(run, 'cancelled', { error: run.cancelReason });
    }
    // From here to the end nothing awaits: the store activation and the swap happen together.
    const version = registerBundle(store, run.bundleDir, {
      name: run.name, metrics: m.report.dev ?? null, training: run.config, jobId: run.id, activate: decision.activate,
    });
    if (decision.activate && loaded) holder.swap({ ...loaded, version: version.version, inFlight: 0, retired: false });
    else loaded?.model.release();
    const note = decision.activate ? decision.note
      : `${decision.note}; to serve it anyway: POST /v1/models/${run.name}/versions/${version.version}:activate`;
    const { history, bestEpoch, examplesPerSecond } = m.report.finetuning;
    const metrics = {
      dev: m.report.dev ?? null, data: m.report.data, backend: m.report.backend, seconds: m.report.seconds,
      pretraining: m.report.pretraining, finetuning: { best_epoch: bestEpoch, examples_per_second: examplesPerSecond, history },
      activation: { activated: decision.activate, ...decision.comparison },
    };
    this.finish(run, 'succeeded', { metrics, modelVersion: version.version, activation: note, progress: { ...run.progress, phase: 'done', updated_at: now() } });
  }

  private finish(run: Running, status: JobStatus, patch: { error?: string; metrics?: unknown; modelVersion?: number; activation?: string; progress?: JobProgress }): void {
    if (run.finished) return;
    run.finished = true;
    try {
      if (patch.progress) run.progress = patch.progress;
      this.o.store.updateJob(run.id, { status, progress: run.progress, ...patch });
      this.o.metrics.jobsFinished.inc({ status });
      this.o.log(`rectify serve: training job ${run.id} ${status}${patch.error ? `: ${patch.error}` : ''}${patch.activation ? ` (${patch.activation})` : ''}`);
    } finally {
      this.release(run);
    }
  }

  private release(run: Running): void {
    run.finished = true;
    clearTimeout(run.killTimer);
    if (this.current === run) this.current = undefined;
    run.resolve();
    // a worker that finished its work exits by itself; make sure a stuck one does not linger
    setTimeout(() => void run.worker.terminate(), 2000).unref();
  }
}
