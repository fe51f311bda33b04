/**
 * The Express app, without listening: opens the store, marks jobs a dead process left running as
 * failed, starts loading the served model (`ready` settles when done) and mounts one router per resource.
 */
import express, { type Express } from 'express';
import { ReviewStore } from '../data/store.js';
import type { AppContext } from './context.js';
import { errorHandler, unmatchedRoute } from './errors.js';
import { JobManager } from './jobs.js';
import { createMetrics } from './metrics.js';
import { ModelHolder } from './model-holder.js';
import { healthRouter } from './routes/health.js';
import { modelsRouter } from './routes/models.js';
import { predictRouter } from './routes/predict.js';
import { reviewsRouter } from './routes/reviews.js';
import { trainingJobsRouter } from './routes/training-jobs.js';
import { DEFAULT_LIMITS, type Limits } from './schemas.js';
import { Serving } from './serving.js';

export interface AppConfig {
  /** SQLite file of the review store (created if missing). */
  db: string;
  /** Serve this bundle directory instead of the store's active version. */
  modelDir?: string;
  /** When set, write endpoints need `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Dense backend for serving (tensorflow | wasm | ts); RECTIFY_BACKEND or the fastest available otherwise. */
  backend?: string;
  log?: (line: string) => void;
  limits?: Partial<Limits>;
  /** Compiled training worker script; defaults to dist/server/training-worker.js. */
  workerScript?: string;
  /** How long a cancelled job may take to stop before its worker is terminated (ms). */
  cancelGraceMs?: number;
  /** Nice value of the training thread on Linux (default 10: predictions win the CPU over training). */
  trainingNice?: number;
  /** How often to check the store for versions activated elsewhere, e.g. by `rectify models activate` (ms; 0: never). Default 2000. */
  watchMs?: number;
  /** Include prom-client's process metrics (default true). */
  defaultMetrics?: boolean;
}

export interface AppHandle {
  app: Express;
  /** Settles once the startup model is loaded (or known to be absent); rejects if an explicit modelDir cannot be loaded. */
  ready: Promise<void>;
  context: AppContext;
  /** Cancel the running job, release the models and close the store. Idempotent. */
  close(): Promise<void>;
}

export function createApp(config: AppConfig): AppHandle {
  const log = config.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const limits: Limits = { ...DEFAULT_LIMITS, ...config.limits };
  const apiKey = config.apiKey || undefined;
  const store = ReviewStore.open(config.db);
  // the callbacks below run only once requests arrive, after everything here is initialised
  const holder = new ModelHolder(config.backend, (n, s) => metrics.observePass(n, s));
  const metrics = createMetrics(holder, () => jobs.runningId(), config.defaultMetrics ?? true);
  const jobs = new JobManager({ store, holder, metrics, log, workerScript: config.workerScript, cancelGraceMs: config.cancelGraceMs, nice: config.trainingNice });
  const failed = jobs.recover();
  if (failed > 0) log(`rectify serve: marked ${failed} interrupted training job${failed === 1 ? '' : 's'} as failed`);
  const serving = new Serving(store, holder, log);
  const context: AppContext = { store, holder, serving, jobs, metrics, limits, apiKey, log };

  let loaded = false;
  const ready = serving.loadInitial(config.modelDir).finally(() => (loaded = true));
  ready.catch(() => {}); // the caller observes it; do not crash on an unobserved rejection
  void ready.then(() => serving.watch(config.watchMs ?? 2000), () => {});

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(metrics.middleware);
  app.use(healthRouter(context, () => loaded));
  app.use(predictRouter(context));
  app.use(reviewsRouter(context));
  app.use(trainingJobsRouter(context));
  app.use(modelsRouter(context));
  app.use(unmatchedRoute);
  app.use(errorHandler(log, limits.bodyLimit));

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await ready.catch(() => {});
      serving.stop();
      try {
        await jobs.shutdown();
      } finally {
        holder.releaseAll();
        store.close();
      }
    })());
  return { app, ready, context, close };
}
