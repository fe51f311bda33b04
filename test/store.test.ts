import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../data/migrations.js';
import { ReviewStore, SCHEMA_VERSION, StoreError, contentHash, type NewReview } from '../data/store.js';

let dir: string;
let dbPath: string;
const open: ReviewStore[] = [];

function openStore(p = dbPath, opts?: { readonly?: boolean }): ReviewStore {
  const store = ReviewStore.open(p, opts);
  open.push(store);
  return store;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rectify-store-'));
  dbPath = path.join(dir, 'nested', 'deeper', 'rectify.db');
});

afterEach(() => {
  for (const s of open.splice(0)) s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('schema and migrations', () => {
  it('migrates an empty file to SCHEMA_VERSION with WAL, creating parent directories', () => {
    openStore().close();
    expect(fs.existsSync(dbPath)).toBe(true);
    const db = new Database(dbPath, { readonly: true });
    try {
      expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      expect(tables).toEqual(['model_versions', 'reviews', 'training_jobs']);
      const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").pluck().all();
      expect(indexes).toEqual(expect.arrayContaining(['reviews_rating', 'model_versions_one_active']));
    } finally {
      db.close();
    }
  });

  it('reopening is idempotent and keeps the data', () => {
    const a = openStore();
    a.insertReviews([{ text: 'good food', rating: 5 }]);
    a.close();
    const b = openStore();
    expect(b.countReviews()).toBe(1);
    b.close();
    const c = openStore();
    expect(c.countReviews()).toBe(1);
    expect(c.path).toBe(dbPath);
  });

  it('refuses a database with a newer schema version', () => {
    openStore().close();
    const db = new Database(dbPath);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const err = catchError(() => openStore());
    expect(err).toBeInstanceOf(StoreError);
    expect(err.message).toBe(
      `database schema version ${SCHEMA_VERSION + 1} is newer than this rectify supports (${SCHEMA_VERSION})`,
    );
    expect(catchError(() => openStore(dbPath, { readonly: true }))).toBeInstanceOf(StoreError);
  });

  it('opens read-only without writing, and refuses an unmigrated file read-only', () => {
    const w = openStore();
    w.insertReviews([{ text: 'x', rating: 3 }]);
    w.close();
    const r = openStore(dbPath, { readonly: true });
    expect(r.countReviews()).toBe(1);
    expect(() => r.insertReviews([{ text: 'y' }])).toThrow(/readonly/i);
    const emptyPath = path.join(dir, 'empty.db');
    new Database(emptyPath).close();
    expect(catchError(() => openStore(emptyPath, { readonly: true })).message).toMatch(/older than this rectify/);
  });
});

describe('reviews', () => {
  it('dedupes the same text across batches, within a batch, and after trim/NFC', () => {
    const s = openStore();
    expect(s.insertReviews([{ text: 'Great pizza', rating: 5 }])).toEqual({ inserted: 1, duplicates: 0 });
    expect(s.insertReviews([{ text: 'Great pizza', rating: 4 }])).toEqual({ inserted: 0, duplicates: 1 });
    expect(s.insertReviews([{ text: 'Slow service', rating: 2 }, { text: 'Slow service' }, { text: 'new one' }]))
      .toEqual({ inserted: 2, duplicates: 1 });
    expect(s.insertReviews([{ text: '  Great pizza\n\t' }])).toEqual({ inserted: 0, duplicates: 1 });
    // "café" composed (NFC) vs decomposed (NFD) is the same review
    expect(s.insertReviews([{ text: 'caf\u00e9' }, { text: 'cafe\u0301' }])).toEqual({ inserted: 1, duplicates: 1 });
    expect(s.countReviews()).toBe(4);
    expect(contentHash('  a b ')).toBe(contentHash('a b'));
    // the first copy wins and texts are stored trimmed
    const stored = [...s.iterateReviews()];
    expect(stored[0]).toMatchObject({ text: 'Great pizza', rating: 5 });
  });

  it('rolls back the whole batch when one item is bad, naming the item', () => {
    const s = openStore();
    s.insertReviews([{ text: 'already here', rating: 1 }]);
    const batch: NewReview[] = [
      { text: 'one', rating: 1 },
      { text: 'two', rating: 2 },
      { text: 'three', rating: 7 },
      { text: 'four', rating: 4 },
      { text: 'five', rating: 5 },
    ];
    const err = catchError(() => s.insertReviews(batch));
    expect(err).toBeInstanceOf(StoreError);
    expect(err.message).toBe('reviews[2].rating: must be an integer from 1 to 5, got 7');
    expect(s.countReviews()).toBe(1);
  });

  it.each([
    [{ text: '   ' }, /reviews\[0\]\.text: must be a non-empty string/],
    [{ text: 42 }, /reviews\[0\]\.text: must be a non-empty string, got 42/],
    [{ text: 'ok', rating: 3.5 }, /reviews\[0\]\.rating: .* got 3\.5/],
    [{ text: 'ok', rating: 0 }, /reviews\[0\]\.rating/],
    [{ text: 'ok', rating: '5' }, /reviews\[0\]\.rating: .* got "5"/],
    [{ text: 'ok', source: 3 }, /reviews\[0\]\.source/],
    [null, /reviews\[0\]: must be an object/],
  ])('rejects %j', (item, message) => {
    const s = openStore();
    expect(() => s.insertReviews([item as unknown as NewReview])).toThrow(message);
    expect(s.countReviews()).toBe(0);
  });

  it('stores unlabeled reviews and filters by label, with the batch source as default', () => {
    const s = openStore();
    s.insertReviews(
      [{ text: 'a', rating: 5 }, { text: 'b' }, { text: 'c', rating: null }, { text: 'd', rating: 1, source: 'api' }],
      { source: 'yelp.csv' },
    );
    expect(s.countReviews()).toBe(4);
    expect(s.countReviews({ labeled: true })).toBe(2);
    expect(s.countReviews({ labeled: false })).toBe(2);
    const all = [...s.iterateReviews()];
    expect(all.map((r) => [r.text, r.rating, r.source])).toEqual([
      ['a', 5, 'yelp.csv'], ['b', null, 'yelp.csv'], ['c', null, 'yelp.csv'], ['d', 1, 'api'],
    ]);
    expect(Number.isNaN(Date.parse(all[0].createdAt))).toBe(false);
  });

  it('iterateReviews streams in id order with labeled and afterId filters', () => {
    const s = openStore();
    const batch: NewReview[] = [];
    for (let i = 0; i < 1000; i++) batch.push({ text: `review ${i}`, rating: i % 3 === 0 ? null : (i % 5) + 1 });
    s.insertReviews(batch);
    const all = [...s.iterateReviews()];
    expect(all).toHaveLength(1000);
    expect(all.every((r, i) => i === 0 || r.id > all[i - 1].id)).toBe(true);
    expect(all.map((r) => r.text)).toEqual(batch.map((r) => r.text));

    const labeled = [...s.iterateReviews({ labeled: true })];
    expect(labeled).toHaveLength(s.countReviews({ labeled: true }));
    expect(labeled.every((r) => r.rating !== null)).toBe(true);
    const unlabeled = [...s.iterateReviews({ labeled: false })];
    expect(unlabeled).toHaveLength(334);
    expect(unlabeled.every((r, i) => r.rating === null && (i === 0 || r.id > unlabeled[i - 1].id))).toBe(true);

    const pivot = all[499].id;
    const after = [...s.iterateReviews({ afterId: pivot })];
    expect(after).toHaveLength(500);
    expect(after[0].id).toBe(all[500].id);
    expect([...s.iterateReviews({ afterId: pivot, labeled: false })].every((r) => r.id > pivot && r.rating === null)).toBe(true);
  });

  it('iterateReviews is lazy, supports nested iterations and early exit', () => {
    const s = openStore();
    s.insertReviews([{ text: 'x', rating: 1 }, { text: 'y', rating: 2 }, { text: 'z', rating: 3 }]);
    const it1 = s.iterateReviews();
    const first = it1.next();
    expect(first.value).toMatchObject({ text: 'x' });
    // a second iteration of the same query while the first is still open
    expect([...s.iterateReviews()].map((r) => r.text)).toEqual(['x', 'y', 'z']);
    it1.return?.();
    for (const r of s.iterateReviews()) if (r.text === 'x') break;
    // connection is free again for writes after the early exit
    expect(s.insertReviews([{ text: 'w' }]).inserted).toBe(1);
    expect(() => s.iterateReviews({ afterId: 1.5 })).toThrow(StoreError);
  });
});

describe('model versions', () => {
  it('numbers versions per name, activates, keeps one active and rolls back', () => {
    const s = openStore();
    const v1 = s.addModelVersion({ name: 'default', path: '/m/1', metrics: { mae: 0.9 }, options: { epochs: 3 }, activate: true });
    expect(v1).toMatchObject({ name: 'default', version: 1, path: '/m/1', metrics: { mae: 0.9 }, options: { epochs: 3 }, jobId: null, active: true });
    const v2 = s.addModelVersion({ name: 'default', path: '/m/2', metrics: { mae: 0.8 }, options: {} });
    expect(v2.version).toBe(2);
    expect(v2.active).toBe(false);
    expect(s.activeModelVersion('default')?.version).toBe(1);
    const other = s.addModelVersion({ name: 'other', path: '/o/1', metrics: null, options: null, activate: true });
    expect(other.version).toBe(1);

    const v3 = s.addModelVersion({ name: 'default', path: '/m/3', metrics: {}, options: {}, activate: true });
    expect(v3.version).toBe(3);
    expect(s.listModelVersions('default').map((v) => [v.version, v.active])).toEqual([[1, false], [2, false], [3, true]]);

    // rollback to v2
    expect(s.activateModelVersion('default', 2)).toMatchObject({ version: 2, active: true });
    expect(s.activeModelVersion('default')?.version).toBe(2);
    expect(s.listModelVersions('default').filter((v) => v.active)).toHaveLength(1);
    expect(s.activateModelVersion('default', 2).active).toBe(true); // re-activating is a no-op
    // other names untouched
    expect(s.activeModelVersion('other')?.version).toBe(1);

    expect(s.getModelVersion('default', 3)?.path).toBe('/m/3');
    expect(s.getModelVersion('default', 9)).toBeUndefined();
    expect(s.activeModelVersion('nope')).toBeUndefined();
    const err = catchError(() => s.activateModelVersion('default', 9));
    expect(err).toBeInstanceOf(StoreError);
    expect(err.message).toMatch(/default@9 not found/);
    expect(s.activeModelVersion('default')?.version).toBe(2);
  });

  it('the database itself refuses two active versions of one name', () => {
    const s = openStore();
    s.addModelVersion({ name: 'default', path: '/m/1', metrics: {}, options: {}, activate: true });
    s.addModelVersion({ name: 'default', path: '/m/2', metrics: {}, options: {} });
    s.close();
    const db = new Database(dbPath);
    try {
      expect(() => db.prepare("UPDATE model_versions SET active = 1 WHERE name = 'default'").run()).toThrow(/UNIQUE/);
    } finally {
      db.close();
    }
  });

  it('links versions to jobs and survives reopen', () => {
    const s = openStore();
    const job = s.createJob({ modelName: 'default', options: { epochs: 1 } });
    const v = s.addModelVersion({ name: 'default', path: '/m/1', metrics: { acc: 0.5 }, options: {}, jobId: job.id });
    expect(v.jobId).toBe(job.id);
    expect(() => s.addModelVersion({ name: 'default', path: '/m/x', metrics: {}, options: {}, jobId: 999 })).toThrow(/999 not found/);
    expect(() => s.addModelVersion({ name: '', path: '/m/x', metrics: {}, options: {} })).toThrow(StoreError);
    s.close();
    const again = openStore();
    expect(again.addModelVersion({ name: 'default', path: '/m/2', metrics: {}, options: {} }).version).toBe(2);
  });
});

describe('training jobs', () => {
  it('goes through its lifecycle', () => {
    const s = openStore();
    expect(s.activeJob()).toBeUndefined();
    const job = s.createJob({ modelName: 'default', options: { epochs: 5, layers: [64, 64] } });
    expect(job).toMatchObject({
      modelName: 'default', status: 'queued', options: { epochs: 5, layers: [64, 64] }, progress: null,
      metrics: null, modelVersion: null, error: null, activation: null, startedAt: null, finishedAt: null,
    });
    expect(s.activeJob()?.id).toBe(job.id);

    const running = s.updateJob(job.id, { status: 'running', progress: { epoch: 1, of: 5 } });
    expect(running.status).toBe('running');
    expect(running.startedAt).not.toBeNull();
    expect(running.progress).toEqual({ epoch: 1, of: 5 });
    expect(running.finishedAt).toBeNull();

    const done = s.updateJob(job.id, {
      status: 'succeeded', metrics: { mae: 0.7 }, modelVersion: 1, activation: 'not activated: worse than v0',
    });
    expect(done).toMatchObject({ status: 'succeeded', metrics: { mae: 0.7 }, modelVersion: 1, activation: 'not activated: worse than v0' });
    expect(done.finishedAt).not.toBeNull();
    expect(done.startedAt).toBe(running.startedAt);
    expect(s.activeJob()).toBeUndefined();
    expect(s.getJob(job.id)).toEqual(done);
    expect(s.getJob(12345)).toBeUndefined();

    expect(() => s.updateJob(12345, { status: 'running' })).toThrow(/training job 12345 not found/);
    expect(() => s.updateJob(job.id, { status: 'bogus' as never })).toThrow(/job\.status/);
    expect(s.updateJob(job.id, { startedAt: '2020-01-01T00:00:00.000Z' }).startedAt).toBe('2020-01-01T00:00:00.000Z');
  });

  it('lists newest first and prefers the running job as active', () => {
    const s = openStore();
    const a = s.createJob({ modelName: 'default', options: {} });
    const b = s.createJob({ modelName: 'default', options: {} });
    const c = s.createJob({ modelName: 'other', options: {} });
    expect(s.listJobs().map((j) => j.id)).toEqual([c.id, b.id, a.id]);
    expect(s.listJobs(2).map((j) => j.id)).toEqual([c.id, b.id]);
    expect(s.activeJob()?.id).toBe(a.id);
    s.updateJob(b.id, { status: 'running' });
    expect(s.activeJob()?.id).toBe(b.id);
    s.updateJob(a.id, { status: 'cancelled' });
    expect(s.getJob(a.id)?.finishedAt).not.toBeNull();
  });

  it('failInterruptedJobs fails queued and running jobs after a crash', () => {
    const s = openStore();
    const queued = s.createJob({ modelName: 'default', options: {} });
    const running = s.createJob({ modelName: 'default', options: {} });
    const ok = s.createJob({ modelName: 'default', options: {} });
    s.updateJob(running.id, { status: 'running' });
    s.updateJob(ok.id, { status: 'succeeded' });
    s.close(); // "crash"

    const after = openStore();
    expect(after.failInterruptedJobs('server restarted while the job was running')).toBe(2);
    for (const id of [queued.id, running.id]) {
      const j = after.getJob(id)!;
      expect(j.status).toBe('failed');
      expect(j.error).toBe('server restarted while the job was running');
      expect(j.finishedAt).not.toBeNull();
    }
    expect(after.getJob(ok.id)?.status).toBe('succeeded');
    expect(after.getJob(ok.id)?.error).toBeNull();
    expect(after.activeJob()).toBeUndefined();
    expect(after.failInterruptedJobs('again')).toBe(0);
  });
});
