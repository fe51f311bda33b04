/**
 * Schema migrations for the review store.
 *
 * The schema version lives in `PRAGMA user_version`. Migration `k` (1-based)
 * takes a database from version k-1 to version k. Migrations are append-only:
 * never edit one that has shipped, add a new one instead.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  /** Version the database has after this migration ran (1, 2, 3, …). */
  readonly version: number;
  readonly description: string;
  readonly up: (db: Database.Database) => void;
}

/** JSON columns hold NULL or valid JSON text. */
const json = (column: string): string => `${column} TEXT NULL CHECK (${column} IS NULL OR json_valid(${column}))`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'reviews, training jobs and model versions',
    up(db) {
      db.exec(`
        CREATE TABLE reviews (
          id           INTEGER PRIMARY KEY,
          text         TEXT    NOT NULL CHECK (length(text) > 0),
          rating       INTEGER NULL CHECK (rating BETWEEN 1 AND 5),
          source       TEXT    NULL,
          created_at   TEXT    NOT NULL,
          content_hash BLOB    NOT NULL UNIQUE CHECK (length(content_hash) = 32)
        ) STRICT;
        CREATE INDEX reviews_rating ON reviews (rating);

        CREATE TABLE training_jobs (
          id            INTEGER PRIMARY KEY,
          model_name    TEXT    NOT NULL CHECK (length(model_name) > 0),
          status        TEXT    NOT NULL DEFAULT 'queued'
                                CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
          ${json('options')},
          ${json('progress')},
          ${json('metrics')},
          model_version INTEGER NULL CHECK (model_version >= 1),
          error         TEXT    NULL,
          activation    TEXT    NULL,
          created_at    TEXT    NOT NULL,
          started_at    TEXT    NULL,
          finished_at   TEXT    NULL
        ) STRICT;
        CREATE INDEX training_jobs_status ON training_jobs (status);

        CREATE TABLE model_versions (
          name       TEXT    NOT NULL CHECK (length(name) > 0),
          version    INTEGER NOT NULL CHECK (version >= 1),
          path       TEXT    NOT NULL,
          created_at TEXT    NOT NULL,
          ${json('metrics')},
          ${json('options')},
          job_id     INTEGER NULL REFERENCES training_jobs (id) ON DELETE SET NULL,
          active     INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
          PRIMARY KEY (name, version)
        ) STRICT;
        -- at most one active version per model name
        CREATE UNIQUE INDEX model_versions_one_active ON model_versions (name) WHERE active = 1;
        CREATE INDEX model_versions_job ON model_versions (job_id);
      `);
    },
  },
];

MIGRATIONS.forEach((m, i) => {
  if (m.version !== i + 1) throw new Error(`migrations[${i}]: version must be ${i + 1}, got ${m.version}`);
});

/** The schema version this code writes and understands. */
export const SCHEMA_VERSION: number = MIGRATIONS.length;

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Error message used when a database was written by a newer rectify. */
export function newerSchemaMessage(found: number): string {
  return `database schema version ${found} is newer than this rectify supports (${SCHEMA_VERSION})`;
}

/**
 * Brings `db` up to SCHEMA_VERSION. Each migration runs in its own
 * BEGIN IMMEDIATE transaction that re-reads user_version first, so two
 * processes opening the same fresh file cannot both apply a migration.
 * Returns the versions that were applied by this call.
 */
export function migrate(db: Database.Database): number[] {
  const applied: number[] = [];
  const found = schemaVersion(db);
  if (found > SCHEMA_VERSION) throw new Error(newerSchemaMessage(found));
  for (const m of MIGRATIONS) {
    if (m.version <= found) continue;
    const ran = db
      .transaction(() => {
        const current = schemaVersion(db);
        if (current > SCHEMA_VERSION) throw new Error(newerSchemaMessage(current));
        if (current >= m.version) return false; // another process got there first
        m.up(db);
        db.pragma(`user_version = ${m.version}`);
        return true;
      })
      .immediate();
    if (ran) applied.push(m.version);
  }
  return applied;
}
