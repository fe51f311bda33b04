import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ReviewStore } from '../data/store.js';
import { packageRoot } from '../model/registry.js';
import { startServer } from '../server/index.js';
import { corpus, NEG, POS, serverFixture, TINY_JOB, waitForJob } from './helpers/server.js';

const fx = serverFixture();

describe('training jobs', () => {
  it('refuses unknown or invalid options', async () => {
    for (const [body, message] of [
      [{ epoch: 3 }, 'epoch: unknown field'],
      [{ layers: '16,16' }, 'layers: must be an array, got "16,16"'],
      [{ layers: [16, 0] }, 'layers[1]: must be at least 1, got 0'],
      [{ activate: 'sometimes' }, 'activate: must be one of "if-better", "always", "never", got "sometimes"'],
      [{ pretrain: 'yes' }, 'pretrain: must be true or false, got "yes"'],
    ] as const) {
      const res = await request(fx.app).post('/v1/training-jobs').send(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toBe(message);
    }
  });

  it('trains in a worker, registers the version, and keeps serving when asked not to activate', async () => {
    const res = await request(fx.app).post('/v1/training-jobs').send({ ...TINY_JOB, activate: 'never' });
    expect(res.status).toBe(202);
    expect(res.headers.location).toBe(`/v1/training-jobs/${res.body.id}`);
    expect(res.body.status).toBe('running');
    const job = await waitForJob(fx.app, res.body.id);
    expect(job.status).toBe('succeeded');
    expect(job.model_version).toBe(3);
    expect(job.metrics.dev.rmse).toBeGreaterThan(0);
    expect(job.activation).toMatchObject({ policy: 'never', activated: false });
    expect(job.activation.note).toMatch(/not activated: the job asked for activate "never"; dev RMSE .* \(evaluated on this job's dev set of \d+ reviews\); to serve it anyway: POST \/v1\/models\/default\/versions\/3:activate/);
    expect(job.progress.phase).toBe('done');
    expect((await fx.predict({ instances: [POS] })).body.model_version).toBe(1);
    const versions = (await request(fx.app).get('/v1/models/default')).body.versions;
    expect(versions.at(-1)).toMatchObject({ version: 3, active: false, job_id: job.id });
  });

  it('keeps answering predictions while a job runs, refuses a second job, and cancels', async () => {
    const res = await request(fx.app).post('/v1/training-jobs').send({ ...TINY_JOB, layers: [64, 64], epochs: 1000, patience: 1000, activate: 'always' });
    expect(res.status).toBe(202);
    const id = res.body.id;
    await waitForJob(fx.app, id, (j) => j.progress?.phase === 'finetune' && j.progress.epoch >= 2);
    const second = await request(fx.app).post('/v1/training-jobs').send(TINY_JOB);
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: 'job_running', job_id: id });
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      const p = await fx.predict({ instances: [POS, NEG] });
      expect(p.status).toBe(200);
      expect(p.body.model_version).toBe(1);
      expect(performance.now() - started).toBeLessThan(500);
    }
    const running = (await request(fx.app).get(`/v1/training-jobs/${id}`)).body;
    expect(running.status).toBe('running');
    expect(running.progress).toMatchObject({ phase: 'finetune', epochs: 1000 });
    expect(running.progress.examples_per_second).toBeGreaterThan(0);
    expect(running.progress.dev_rmse).toBeGreaterThan(0);
    const cancelled = await request(fx.app).delete(`/v1/training-jobs/${id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', error: 'cancelled by request', model_version: null });
    expect((await request(fx.app).delete(`/v1/training-jobs/${id}`)).status).toBe(409);
    expect((await request(fx.app).get('/v1/models/default')).body.versions).toHaveLength(3);
    expect((await fx.predict({ instances: [POS] })).body.model_version).toBe(1);
  });

  it('activates by dev RMSE on the same dev set: a worse model is kept back, a better one served', async () => {
    const bad = await request(fx.app).post('/v1/training-jobs').send({ ...TINY_JOB, layers: [2], epochs: 1, lr: 1e-5 });
    const badJob = await waitForJob(fx.app, bad.body.id);
    expect(badJob.status).toBe('succeeded');
    expect(badJob.activation.activated).toBe(false);
    expect(badJob.activation.note).toMatch(/^not activated: worse than the served model, dev RMSE [\d.]+ vs [\d.]+ of version 1 \(evaluated on this job's dev set/);
    expect(badJob.metrics.activation).toMatchObject({ basis: 'same dev set', baseline_version: 1 });
    expect(badJob.metrics.activation.candidate_rmse).toBeGreaterThan(badJob.metrics.activation.baseline_rmse);
    expect((await fx.predict({ instances: [POS] })).body.model_version).toBe(1);

    // serve the bad one, then a normal job beats it and replaces it
    await request(fx.app).post(`/v1/models/default/versions/${badJob.model_version}:activate`).expect(200);
    const good = await request(fx.app).post('/v1/training-jobs').send({ ...TINY_JOB, epochs: 8 });
    const goodJob = await waitForJob(fx.app, good.body.id);
    expect(goodJob.activation.activated, goodJob.activation.note).toBe(true);
    expect(goodJob.activation.note).toMatch(new RegExp(`^activated: dev RMSE [\\d.]+ vs [\\d.]+ of version ${badJob.model_version}`));
    expect((await fx.predict({ instances: [POS] })).body.model_version).toBe(goodJob.model_version);
    expect((await request(fx.app).get('/v1/models/default')).body.active_version).toBe(goodJob.model_version);
    const metrics = (await request(fx.app).get('/metrics')).text;
    expect(metrics).toMatch(/rectify_training_jobs_finished_total\{status="succeeded"\} 3/);
    expect(metrics).toMatch(/rectify_training_jobs_finished_total\{status="cancelled"\} 1/);
  });

  it('keeps several models by name: a job for "other" serves /v1/models/other:predict', async () => {
    expect((await fx.predict({ instances: [POS] }, '/v1/models/other:predict')).status).toBe(404);
    const res = await request(fx.app).post('/v1/training-jobs').send({ ...TINY_JOB, model: 'other' });
    const job = await waitForJob(fx.app, res.body.id);
    expect(job).toMatchObject({ model: 'other', model_version: 1, status: 'succeeded', activation: { activated: true, note: 'activated: no model was being served' } });
    const p = await fx.predict({ instances: [POS] }, '/v1/models/other:predict');
    expect(p.body).toMatchObject({ model: 'other', model_version: 1 });
    expect((await request(fx.app).get('/v1/models/other')).body.active_version).toBe(1);
    expect((await fx.predict({ instances: [POS] })).body.model).toBe('default');
    expect((await request(fx.app).post('/v1/training-jobs').send({ model: '../x' })).body.error.message).toMatch(/^model: must be a model name/);
  });

  it('lists jobs, and answers 404/400 for unknown or malformed ids', async () => {
    const list = await request(fx.app).get('/v1/training-jobs?limit=2');
    expect(list.body.jobs).toHaveLength(2);
    expect(list.body.running_job_id).toBeNull();
    expect((await request(fx.app).get('/v1/training-jobs/999')).status).toBe(404);
    expect((await request(fx.app).delete('/v1/training-jobs/999')).status).toBe(404);
    expect((await request(fx.app).get('/v1/training-jobs/abc')).status).toBe(400);
  });
});

describe('restart and shutdown', () => {
  it('marks a job left running by a dead process as failed and keeps the previous model', async () => {
    let active = 0;
    let jobId = 0;
    await fx.restart(() => {
      const store = ReviewStore.open(fx.db);
      active = store.activeModelVersion('default')!.version;
      jobId = store.createJob({ modelName: 'default', options: TINY_JOB }).id;
      store.updateJob(jobId, { status: 'running', progress: { phase: 'finetune', epoch: 3 } });
      store.close();
    });
    const job = { id: jobId };
    const after = (await request(fx.app).get(`/v1/training-jobs/${job.id}`)).body;
    expect(after.status).toBe('failed');
    expect(after.error).toMatch(/^interrupted/);
    expect(after.finished_at).not.toBeNull();
    expect((await request(fx.app).get('/readyz')).body.model_version).toBe(active);
    expect((await fx.predict({ instances: [POS] })).body.model_version).toBe(active);
    expect((await request(fx.app).post('/v1/training-jobs').send({ ...TINY_JOB, activate: 'never' })).status).toBe(202);
    await waitForJob(fx.app, job.id + 1);
  });

  it('startServer listens on loopback and, on close, finishes a request already in flight', async () => {
    const server = await startServer({ host: '127.0.0.1', port: 0, db: join(fx.dir, 'keyed', 'rectify.db'), apiKey: 'sesame', log: fx.log, app: { backend: 'ts', defaultMetrics: false } });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const body = JSON.stringify({ reviews: [{ text: 'sent while the server was closing', rating: 4 }] });
    const req = httpRequest(`${server.url}/v1/reviews`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: 'Bearer sesame' } });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
    });
    req.write(body.slice(0, 10));
    await new Promise((r) => setTimeout(r, 50));
    const closed = server.close();
    await new Promise((r) => setTimeout(r, 50));
    req.end(body.slice(10));
    expect(await response).toEqual({ status: 201, body: '{"inserted":1,"duplicates":0}' });
    await closed;
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it('startServer fails clearly when an explicit --model directory cannot be loaded', async () => {
    await expect(startServer({ host: '127.0.0.1', port: 0, db: join(fx.dir, 'bad-model', 'rectify.db'), modelDir: join(fx.dir, 'nowhere'), log: fx.log }))
      .rejects.toThrow(/no manifest.json/);
  });

  it('on SIGTERM stops, cancels the running job and closes the store', async () => {
    const sigDb = join(fx.dir, 'signal', 'rectify.db');
    const store = ReviewStore.open(sigDb);
    store.insertReviews(corpus.slice(0, 300));
    store.close();
    const script = join(fx.dir, 'serve.mjs');
    const index = pathToFileURL(join(packageRoot(), 'dist', 'server', 'index.js')).href;
    writeFileSync(script, `import { startServer } from ${JSON.stringify(index)};
const s = await startServer({ host: '127.0.0.1', port: 0, db: ${JSON.stringify(sigDb)}, handleSignals: true, log: (l) => console.error(l) });
console.log(s.url);\n`);
    const child = spawn(process.execPath, [script], { env: { ...process.env, RECTIFY_BACKEND: 'ts' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => resolve(String(d).trim()));
      child.on('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
    });
    const start = await fetch(`${url}/v1/training-jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...TINY_JOB, epochs: 1000, patience: 1000 }) });
    expect(start.status).toBe(202);
    const { id } = await start.json();
    for (let i = 0; i < 200; i++) {
      const job = await (await fetch(`${url}/v1/training-jobs/${id}`)).json();
      if (job.progress?.phase === 'finetune') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/SIGTERM: shutting down/);
    expect(stderr).toMatch(/stopped/);
    const after = ReviewStore.open(sigDb);
    expect(after.getJob(id)).toMatchObject({ status: 'cancelled', error: 'cancelled: the server shut down' });
    after.close();
  });
});
