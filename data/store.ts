/**
 * The review store: one SQLite file (better-sqlite3, WAL) holding reviews,
 * training jobs and model versions. All methods are synchronous.
 */
import crypto from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION, migrate, newerSchemaMessage, schemaVersion } from './migrations.js';

export { SCHEMA_VERSION };

export interface NewReview { text: string; rating?: number | null; source?: string | null }
export interface StoredReview { id: number; text: string; rating: number | null; source: string | null; createdAt: string }
export interface ReviewFilter { labeled?: boolean; afterId?: number }
export interface ModelVersion {
  name: string; version: number; path: string; createdAt: string;
  metrics: any; options: any; jobId: number | null; active: boolean;
}
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
export interface TrainingJob {
  id: number; modelName: string; status: JobStatus; options: any; progress: any; metrics: any;
  modelVersion: number | null; error: string | null; activation: string | null;
  createdAt: string; startedAt: string | null; finishedAt: string | null;
}
export type JobPatch = Partial<{
  status: JobStatus; progress: unknown; metrics: unknown; modelVersion: number | null; error: string | null;
  activation: string | null; startedAt: string | null; finishedAt: string | null;
}>;

/** Bad input or a missing item. Messages name the offending item. */
export class StoreError extends Error {
  override name = 'StoreError';
}

/** sha256 (hex) of the text after trim + Unicode NFC: the dedupe key of a review. */
export function contentHash(text: string): string {
  return contentKey(text).toString('hex');
}

/** The same digest as raw bytes, as stored: a 32-byte key keeps the unique index half the size of hex. */
function contentKey(text: string): Buffer {
  const trimmed = text.trim();
  return sha256(ASCII.test(trimmed) ? trimmed : trimmed.normalize('NFC')); // ASCII is already NFC
}
const ASCII = /^[\x00-\x7f]*$/;
// crypto.hash (Node >= 20.12) is much cheaper than createHash for short inputs
const sha256: (s: string) => Buffer = typeof crypto.hash === 'function'
  ? (s) => crypto.hash('sha256', s, 'buffer') as Buffer
  : (s) => crypto.createHash('sha256').update(s).digest();

const now = (): string => new Date().toISOString();

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return Array.isArray(value) ? 'an array' : typeof value;
}

function toJson(where: string, value: unknown): string | null {
  if (value === undefined) return null;
  try {
    return JSON.stringify(value) ?? null;
  } catch (err) {
    throw new StoreError(`${where}: cannot be stored as JSON (${(err as Error).message})`);
  }
}
const fromJson = (text: string | null): any => (text == null ? null : JSON.parse(text));
const mapRow = <R, T>(row: R | undefined, map: (r: R) => T): T | undefined => (row === undefined ? undefined : map(row));

/** text (trimmed), rating, source, content hash */
type ReviewInsert = [string, number | null, string | null, Buffer];
interface ReviewRow { id: number; text: string; rating: number | null; source: string | null; created_at: string }
interface VersionRow {
  name: string; version: number; path: string; created_at: string; metrics: string | null;
  options: string | null; job_id: number | null; active: number;
}
interface JobRow {
  id: number; model_name: string; status: JobStatus; options: string | null; progress: string | null;
  metrics: string | null; model_version: number | null; error: string | null; activation: string | null;
  created_at: string; started_at: string | null; finished_at: string | null;
}

const toReview = (r: ReviewRow): StoredReview =>
  ({ id: r.id, text: r.text, rating: r.rating, source: r.source, createdAt: r.created_at });
const toVersion = (r: VersionRow): ModelVersion => ({
  name: r.name, version: r.version, path: r.path, createdAt: r.created_at, metrics: fromJson(r.metrics),
  options: fromJson(r.options), jobId: r.job_id, active: r.active === 1,
});
const toJob = (r: JobRow): TrainingJob => ({
  id: r.id, modelName: r.model_name, status: r.status, options: fromJson(r.options),
  progress: fromJson(r.progress), metrics: fromJson(r.metrics), modelVersion: r.model_version,
  error: r.error, activation: r.activation, createdAt: r.created_at, startedAt: r.started_at,
  finishedAt: r.finished_at,
});

/** JobPatch key -> column, and whether the column holds JSON. */
const JOB_COLUMNS: Record<keyof JobPatch, [string, boolean]> = {
  status: ['status', false], progress: ['progress', true], metrics: ['metrics', true],
  modelVersion: ['model_version', false], error: ['error', false], activation: ['activation', false],
  startedAt: ['started_at', false], finishedAt: ['finished_at', false],
};
const TERMINAL: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled']);

// Labeled iteration scans in rowid order (`+rating` keeps the planner off the
// rating index, which would force a sort); unlabeled uses the (rating, rowid) index.
const REVIEW_QUERIES = {
  all: 'SELECT id, text, rating, source, created_at FROM reviews WHERE id > ? ORDER BY id',
  labeled: 'SELECT id, text, rating, source, created_at FROM reviews WHERE id > ? AND +rating IS NOT NULL ORDER BY id',
  unlabeled: 'SELECT id, text, rating, source, created_at FROM reviews WHERE id > ? AND rating IS NULL ORDER BY id',
} as const;
type ReviewQuery = keyof typeof REVIEW_QUERIES;
const queryFor = (labeled: boolean | undefined): ReviewQuery =>
  (labeled === undefined ? 'all' : labeled ? 'labeled' : 'unlabeled');

function requireName(where: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new StoreError(`${where}: must be a non-empty string, got ${show(value)}`);
  return value;
}

/** Every fixed statement, prepared once per connection. */
function prepareStatements(db: Database.Database) {
  return {
    insertReview: db.prepare<[string, number | null, string | null, string, Buffer]>(
      `INSERT INTO reviews (text, rating, source, created_at, content_hash) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (content_hash) DO NOTHING`),
    countAll: db.prepare<[], number>('SELECT count(*) FROM reviews').pluck(),
    countLabeled: db.prepare<[], number>('SELECT count(*) FROM reviews WHERE rating IS NOT NULL').pluck(),
    countUnlabeled: db.prepare<[], number>('SELECT count(*) FROM reviews WHERE rating IS NULL').pluck(),
    nextVersion: db.prepare<[string], number>('SELECT coalesce(max(version), 0) + 1 FROM model_versions WHERE name = ?').pluck(),
    insertVersion: db.prepare<[string, number, string, string, string | null, string | null, number | null, number]>(
      `INSERT INTO model_versions (name, version, path, created_at, metrics, options, job_id, active)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    deactivate: db.prepare<[string, number]>('UPDATE model_versions SET active = 0 WHERE name = ? AND active = 1 AND version <> ?'),
    activate: db.prepare<[string, number]>('UPDATE model_versions SET active = 1 WHERE name = ? AND version = ?'),
    getVersion: db.prepare<[string, number], VersionRow>('SELECT * FROM model_versions WHERE name = ? AND version = ?'),
    listVersions: db.prepare<[string], VersionRow>('SELECT * FROM model_versions WHERE name = ? ORDER BY version'),
    activeVersion: db.prepare<[string], VersionRow>('SELECT * FROM model_versions WHERE name = ? AND active = 1'),
    insertJob: db.prepare<[string, string | null, string]>(
      "INSERT INTO training_jobs (model_name, status, options, created_at) VALUES (?, 'queued', ?, ?)"),
    getJob: db.prepare<[number], JobRow>('SELECT * FROM training_jobs WHERE id = ?'),
    listJobs: db.prepare<[number], JobRow>('SELECT * FROM training_jobs ORDER BY id DESC LIMIT ?'),
    activeJob: db.prepare<[], JobRow>(
      `SELECT * FROM training_jobs WHERE status IN ('queued', 'running')
       ORDER BY status = 'running' DESC, id LIMIT 1`),
    failInterrupted: db.prepare<[string, string]>(
      `UPDATE training_jobs SET status = 'failed', error = ?, finished_at = ?
       WHERE status IN ('queued', 'running')`),
  };
}

export class ReviewStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly stmt: ReturnType<typeof prepareStatements>;
  private readonly iterStmts = new Map<ReviewQuery, Database.Statement>();
  private readonly jobUpdates = new Map<string, Database.Statement>();
  // transaction wrappers, created once (run with .immediate() so writers queue up front)
  private readonly insertBatch;
  private readonly insertVersion;
  private readonly switchActive;

  /**
   * Opens (creating it and its parent directories if needed) and migrates the
   * store. `readonly` opens an existing, already migrated file without writing.
   */
  static open(path: string, opts: { readonly?: boolean } = {}): ReviewStore {
    const readonly = opts.readonly === true;
    if (!readonly && path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
    const db = new Database(path, { readonly, fileMustExist: readonly });
    try {
      db.pragma('busy_timeout = 5000');
      const found = schemaVersion(db);
      if (found > SCHEMA_VERSION) throw new StoreError(newerSchemaMessage(found));
      if (readonly && found < SCHEMA_VERSION) {
        throw new StoreError(`database schema version ${found} is older than this rectify needs (${SCHEMA_VERSION}); open it read-write once to migrate`);
      }
      if (!readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        // Bulk imports dirty pages all over the (random) content_hash index; checkpointing
        // every 16k pages (~64 MiB) instead of 1k rewrites each page far less often.
        db.pragma('wal_autocheckpoint = 16384');
        db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
      }
      db.pragma('cache_size = -65536'); // up to 64 MiB page cache: keeps the content_hash index hot
      db.pragma('foreign_keys = ON');
      if (!readonly) migrate(db); // re-checks the version inside each migration's transaction
      return new ReviewStore(path, db);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.db = db;
    const stmt = (this.stmt = prepareStatements(db));
    this.insertBatch = db.transaction((rows: ReviewInsert[], createdAt: string) => {
      let inserted = 0;
      for (const [text, rating, source, hash] of rows) inserted += stmt.insertReview.run(text, rating, source, createdAt, hash).changes;
      return { inserted, duplicates: rows.length - inserted };
    });
    this.insertVersion = db.transaction(
      (name: string, path: string, metrics: string | null, options: string | null, jobId: number | null, activate: boolean) => {
        const version = stmt.nextVersion.get(name) as number;
        if (activate) stmt.deactivate.run(name, version);
        stmt.insertVersion.run(name, version, path, now(), metrics, options, jobId, activate ? 1 : 0);
        return toVersion(stmt.getVersion.get(name, version)!);
      });
    this.switchActive = db.transaction((name: string, version: number) => {
      if (stmt.getVersion.get(name, version) === undefined) throw new StoreError(`model version ${name}@${version} not found`);
      stmt.deactivate.run(name, version); // first, so the one-active index never sees two
      stmt.activate.run(name, version);
      return toVersion(stmt.getVersion.get(name, version)!);
    });
  }

  // ---- reviews ------------------------------------------------------------

  /**
   * Validates the whole batch, then inserts it in one transaction. Texts are
   * stored trimmed; a text whose content hash is already stored (or appeared
   * earlier in the batch) is counted as a duplicate and skipped.
   */
  insertReviews(reviews: Iterable<NewReview>, opts: { source?: string } = {}): { inserted: number; duplicates: number } {
    const defaultSource = opts.source ?? null;
    if (defaultSource !== null && typeof defaultSource !== 'string') {
      throw new StoreError(`opts.source: must be a string, got ${show(defaultSource)}`);
    }
    const rows: ReviewInsert[] = [];
    let i = 0;
    for (const review of reviews as Iterable<unknown>) {
      const where = `reviews[${i++}]`;
      if (typeof review !== 'object' || review === null || Array.isArray(review)) {
        throw new StoreError(`${where}: must be an object with a text, got ${show(review)}`);
      }
      const { text, rating, source } = review as Record<string, unknown>;
      if (typeof text !== 'string' || text.trim() === '') {
        throw new StoreError(`${where}.text: must be a non-empty string, got ${show(text)}`);
      }
      if (rating != null && !(typeof rating === 'number' && Number.isInteger(rating) && rating >= 1 && rating <= 5)) {
        throw new StoreError(`${where}.rating: must be an integer from 1 to 5, got ${show(rating)}`);
      }
      if (source != null && typeof source !== 'string') {
        throw new StoreError(`${where}.source: must be a string or null, got ${show(source)}`);
      }
      const trimmed = text.trim();
      rows.push([trimmed, (rating as number | null | undefined) ?? null,
        source === undefined ? defaultSource : source, contentKey(trimmed)]);
    }
    return this.insertBatch.immediate(rows, now());
  }

  countReviews(filter: { labeled?: boolean } = {}): number {
    const { labeled } = filter;
    const stmt = labeled === undefined ? this.stmt.countAll : labeled ? this.stmt.countLabeled : this.stmt.countUnlabeled;
    return stmt.get() as number;
  }

  /**
   * Streams reviews in id order (only ids > afterId). Rows are read lazily
   * with stmt.iterate(); while an iterator is open this connection cannot
   * write, so finish (or `return()`) it before inserting.
   */
  iterateReviews(filter: ReviewFilter = {}): IterableIterator<StoredReview> {
    const afterId = filter.afterId ?? 0;
    if (!Number.isSafeInteger(afterId)) throw new StoreError(`filter.afterId: must be an integer, got ${show(afterId)}`);
    return this.streamReviews(queryFor(filter.labeled), afterId);
  }

  private *streamReviews(query: ReviewQuery, afterId: number): Generator<StoredReview, void, undefined> {
    let stmt = this.iterStmts.get(query);
    if (stmt === undefined || stmt.busy) {
      // a statement can only run one iteration at a time; nested iterations get their own
      const fresh = this.db.prepare(REVIEW_QUERIES[query]);
      if (stmt === undefined) this.iterStmts.set(query, fresh);
      stmt = fresh;
    }
    for (const row of stmt.iterate(afterId) as IterableIterator<ReviewRow>) yield toReview(row);
  }

  // ---- model versions -------------------------------------------------------

  /** Adds the next version (max + 1) for `name`; `activate` makes it the only active one. */
  addModelVersion(v: {
    name: string; path: string; metrics: unknown; options: unknown; jobId?: number | null; activate?: boolean;
  }): ModelVersion {
    const name = requireName('modelVersion.name', v.name);
    const path = requireName('modelVersion.path', v.path);
    const metrics = toJson('modelVersion.metrics', v.metrics);
    const options = toJson('modelVersion.options', v.options);
    const jobId = v.jobId ?? null;
    if (jobId !== null && !Number.isSafeInteger(jobId)) throw new StoreError(`modelVersion.jobId: must be an integer, got ${show(jobId)}`);
    if (jobId !== null && this.stmt.getJob.get(jobId) === undefined) throw new StoreError(`modelVersion.jobId: training job ${jobId} not found`);
    return this.insertVersion.immediate(name, path, metrics, options, jobId, v.activate === true);
  }

  listModelVersions(name: string): ModelVersion[] {
    return this.stmt.listVersions.all(name).map(toVersion);
  }

  getModelVersion(name: string, version: number): ModelVersion | undefined {
    return mapRow(this.stmt.getVersion.get(name, version), toVersion);
  }

  activeModelVersion(name: string): ModelVersion | undefined {
    return mapRow(this.stmt.activeVersion.get(name), toVersion);
  }

  /** Atomically makes `name@version` the only active version of `name` (also used to roll back). */
  activateModelVersion(name: string, version: number): ModelVersion {
    return this.switchActive.immediate(name, version);
  }

  // ---- training jobs ----------------------------------------------------------

  createJob(j: { modelName: string; options: unknown }): TrainingJob {
    const modelName = requireName('job.modelName', j.modelName);
    const id = this.stmt.insertJob.run(modelName, toJson('job.options', j.options), now()).lastInsertRowid;
    return this.getJob(Number(id))!;
  }

  /**
   * Updates the given fields. Moving to 'running' stamps startedAt, and to a
   * terminal status stamps finishedAt, unless the patch sets them or they are set.
   */
  updateJob(id: number, patch: JobPatch): TrainingJob {
    const keys = Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined) as (keyof JobPatch)[];
    const values: unknown[] = [];
    for (const key of keys) {
      const column = JOB_COLUMNS[key];
      if (column === undefined) throw new StoreError(`job patch: unknown field ${JSON.stringify(key)}`);
      values.push(column[1] ? toJson(`job.${key}`, patch[key]) : patch[key]);
    }
    const status = patch.status;
    if (status !== undefined && !JOB_STATUSES.includes(status)) {
      throw new StoreError(`job.status: must be one of ${JOB_STATUSES.join(', ')}, got ${show(status)}`);
    }
    const sets = keys.map((k) => `${JOB_COLUMNS[k][0]} = ?`);
    if (status === 'running' && !keys.includes('startedAt')) {
      sets.push('started_at = coalesce(started_at, ?)');
      values.push(now());
    }
    if (status !== undefined && TERMINAL.has(status) && !keys.includes('finishedAt')) {
      sets.push('finished_at = coalesce(finished_at, ?)');
      values.push(now());
    }
    if (sets.length > 0) {
      const sql = `UPDATE training_jobs SET ${sets.join(', ')} WHERE id = ?`;
      let stmt = this.jobUpdates.get(sql);
      if (stmt === undefined) this.jobUpdates.set(sql, (stmt = this.db.prepare(sql)));
      if (stmt.run(...values, id).changes === 0) throw new StoreError(`training job ${id} not found`);
    }
    const job = this.getJob(id);
    if (job === undefined) throw new StoreError(`training job ${id} not found`);
    return job;
  }

  getJob(id: number): TrainingJob | undefined {
    return mapRow(this.stmt.getJob.get(id), toJob);
  }

  /** Newest first. */
  listJobs(limit = 50): TrainingJob[] {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new StoreError(`limit: must be a positive integer, got ${show(limit)}`);
    return this.stmt.listJobs.all(limit).map(toJob);
  }

  /** The running job, else the oldest queued one. */
  activeJob(): TrainingJob | undefined {
    return mapRow(this.stmt.activeJob.get(), toJob);
  }

  /** Marks every queued/running job failed (startup after a crash); returns how many. */
  failInterruptedJobs(reason: string): number {
    requireName('reason', reason);
    return this.stmt.failInterrupted.run(reason, now()).changes;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
