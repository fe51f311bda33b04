/**
 * Prometheus metrics on a per-app registry (several apps can live in one process, as in tests):
 * request counts and latency per route, predictions, training jobs, and the served model version.
 */
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ModelHolder } from './model-holder.js';

export interface AppMetrics {
  registry: Registry;
  middleware: RequestHandler;
  predictions: Counter<'model'>;
  jobsStarted: Counter;
  jobsFinished: Counter<'status'>;
  /** Record one forward pass of the prediction batcher. */
  observePass(reviews: number, seconds: number): void;
}

export function createMetrics(holder: ModelHolder, runningJob: () => number | undefined, defaults = true): AppMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (defaults) collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'], registers });
  const latency = new Histogram({
    name: 'http_request_duration_seconds', help: 'HTTP request latency by method and route', labelNames: ['method', 'route', 'status'], registers,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  const predictions = new Counter({ name: 'rectify_predictions_total', help: 'Reviews rated, by model', labelNames: ['model'], registers });
  const passSize = new Histogram({
    name: 'rectify_forward_pass_reviews', help: 'Reviews per forward pass (concurrent predict calls are batched together)', registers,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
  });
  const passTime = new Histogram({
    name: 'rectify_forward_pass_seconds', help: 'Duration of one forward pass', registers,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25],
  });
  const jobsStarted = new Counter({ name: 'rectify_training_jobs_started_total', help: 'Training jobs started', registers });
  const jobsFinished = new Counter({ name: 'rectify_training_jobs_finished_total', help: 'Training jobs finished, by final status', labelNames: ['status'], registers });
  new Gauge({
    name: 'rectify_training_job_running', help: 'Id of the running training job, 0 when none', registers,
    collect() {
      this.set(runningJob() ?? 0);
    },
  });
  new Gauge({
    name: 'rectify_model_version', help: 'Store version of the served model by name (0: a model outside the store)', labelNames: ['model', 'source'], registers,
    collect() {
      this.reset();
      for (const m of holder.all()) this.set({ model: m.name, source: m.source }, m.version ?? 0);
    },
  });
  new Gauge({
    name: 'rectify_model_loaded', help: 'Whether the default model is loaded (1) or not (0)', registers,
    collect() {
      this.set(holder.peek('default') ? 1 : 0);
    },
  });

  const middleware: RequestHandler = (req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      // the route pattern, never the raw URL: label values must stay few
      const route = (res.locals.route as string | undefined) ?? (req.route?.path ? String(req.route.path) : 'unmatched');
      const labels = { method: req.method, route, status: String(res.statusCode) };
      requests.inc(labels);
      latency.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };
  const observePass = (reviews: number, seconds: number) => {
    passSize.observe(reviews);
    passTime.observe(seconds);
  };
  return { registry, middleware, predictions, jobsStarted, jobsFinished, observePass };
}
