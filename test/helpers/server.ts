/** Helpers for the HTTP server tests: a store with two small trained versions, an app on it, job polling. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll } from 'vitest';
import { ReviewStore } from '../../data/store.js';
import type { RatingModel } from '../../model/predictor.js';
import { registerModel } from '../../model/registry.js';
import { resolveConfig, trainModel } from '../../model/train.js';
import { createApp, type AppHandle } from '../../server/app.js';
import { syntheticReviews } from './corpus.js';

process.env.RECTIFY_QUIET_BACKEND = '1';
delete process.env.RECTIFY_API_KEY;

export const corpus = syntheticReviews(600, 7);
export const POS = 'great delicious amazing friendly perfect';
export const NEG = 'terrible rude awful cold worst';

/** A quick [16,16] model (ts backend, no pretraining); `over` tweaks the fine-tuning. */
export function trainSmall(over: { epochs?: number; lr?: number; seed?: number } = {}) {
  const config = resolveConfig({
    vocabSize: 200, layers: [16, 16], backend: 'ts', pretrain: false, seed: over.seed ?? 1,
    finetuning: { epochs: over.epochs ?? 6, batchSize: 32, lr: over.lr ?? 3e-3, patience: 3 },
  });
  return trainModel({ train: corpus.slice(0, 450), dev: corpus.slice(450, 550) }, config);
}

/** Options for a training job that finishes in well under a second. */
export const TINY_JOB = { layers: [16, 16], epochs: 4, pretrain: false, vocab_size: 200, backend: 'ts', batch_size: 32, lr: 0.003 } as const;

export interface Fixture {
  dir: string;
  db: string;
  logs: string[];
  log: (line: string) => void;
  handle: AppHandle;
  app: AppHandle['app'];
  /** Version 1 (active) of model "default"; version 2 is a weaker, inactive one. */
  modelA: RatingModel;
  /** Close the app, run `meanwhile` (the process is "down"), and create the app again on the same store. */
  restart(meanwhile?: () => void): Promise<void>;
  predict(body: unknown, path?: string): request.Test;
}

/** Registers beforeAll/afterAll hooks: a temp store with 500 labeled reviews and two versions, and an app on it. */
export function serverFixture(): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'rectify-server-'));
  const logs: string[] = [];
  const open = async () => {
    fx.handle = createApp({ db: fx.db, log: fx.log, backend: 'ts', defaultMetrics: false, watchMs: 100 });
    fx.app = fx.handle.app;
    await fx.handle.ready;
  };
  const fx = {
    dir, db: join(dir, 'main', 'rectify.db'), logs, log: (line: string) => void logs.push(line),
    async restart(meanwhile?: () => void) {
      await fx.handle.close();
      meanwhile?.();
      await open();
    },
    predict: (body: unknown, path = '/v1/models/default:predict') => request(fx.app).post(path).send(body as object),
  } as Fixture;
  beforeAll(async () => {
    const a = await trainSmall();
    const b = await trainSmall({ epochs: 2, seed: 2 });
    fx.modelA = a.model;
    const store = ReviewStore.open(fx.db);
    store.insertReviews(corpus.slice(0, 500));
    await registerModel(store, { model: a.model, training: a.report.config, metrics: a.report.dev, activate: true });
    await registerModel(store, { model: b.model, training: b.report.config, metrics: b.report.dev, activate: false });
    store.close();
    await open();
  });
  afterAll(async () => {
    if (process.env.SHOW_LOGS) console.log(logs.join('\n'));
    await fx.handle?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return fx;
}

export async function waitForJob(app: AppHandle['app'], id: number, until: (job: any) => boolean = (j) => !['queued', 'running'].includes(j.status), timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await request(app).get(`/v1/training-jobs/${id}`);
    if (res.status !== 200) throw new Error(`GET job ${id}: ${res.status} ${res.text}`);
    if (until(res.body)) return res.body;
    if (Date.now() > deadline) throw new Error(`job ${id} timed out: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
