/**
 * `rectify import`: load reviews (labeled or not) into the store, in batches of BATCH (one transaction
 * each). Re-importing is safe: a text already in the store counts as a duplicate.
 *
 * --on-error fail (default) never leaves a file partly imported because of a bad record: the whole file
 * is validated first (a streaming pass; stdin is held in memory instead), and only then inserted.
 * --on-error skip imports the good records in one pass and counts the rejected ones.
 */
import { basename, resolve } from 'node:path';
import { readReviews } from '../../data/readers.js';
import type { RecordError } from '../../data/records.js';
import { ReviewStore, type NewReview } from '../../data/store.js';
import { defaultDbPath } from '../../model/registry.js';
import { CancelledRun } from '../errors.js';
import { checkInputs, readOptions, SkipReport } from '../inputs.js';
import type { InputOptions } from '../options.js';
import { cancelOnSignals } from '../signals.js';
import { table } from '../tables.js';

export interface ImportOptions extends InputOptions {
  db?: string;
  source?: string;
  json?: boolean;
}

export const BATCH = 5000;

interface FileCounts { file: string; source: string; read: number; inserted: number; duplicates: number; rejected: number }

export async function runImport(files: string[], opts: ImportOptions): Promise<void> {
  await checkInputs(files);
  const dbPath = opts.db ?? defaultDbPath();
  const store = ReviewStore.open(dbPath);
  const cancel = cancelOnSignals('stopping the import after the current batch');
  const results: FileCounts[] = [];
  try {
    for (const file of files) {
      if (cancel.signal.aborted) throw new CancelledRun('import cancelled');
      results.push(await importFile(store, file, opts, cancel.signal));
    }
  } finally {
    cancel.dispose();
    store.close();
  }
  const total = results.reduce((t, r) => ({ read: t.read + r.read, inserted: t.inserted + r.inserted, duplicates: t.duplicates + r.duplicates, rejected: t.rejected + r.rejected }), { read: 0, inserted: 0, duplicates: 0, rejected: 0 });
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ db: resolve(dbPath), ...total, files: results })}\n`);
    return;
  }
  const rows = [['file', 'inserted', 'duplicates', 'rejected'], ...results.map((r) => [r.file, String(r.inserted), String(r.duplicates), String(r.rejected)])];
  if (results.length > 1) rows.push(['total', String(total.inserted), String(total.duplicates), String(total.rejected)]);
  process.stdout.write(`${table(rows, '')}\nimported into ${resolve(dbPath)}\n`);
}

async function importFile(store: ReviewStore, file: string, opts: ImportOptions, signal: AbortSignal): Promise<FileCounts> {
  const source = opts.source ?? (file === '-' ? 'stdin' : basename(file));
  const counts: FileCounts = { file, source, read: 0, inserted: 0, duplicates: 0, rejected: 0 };
  const skips = new SkipReport(false);
  const read = (onSkip?: (e: RecordError) => void) => readReviews(file, readOptions(file, opts, 'read', onSkip));
  let batch: NewReview[] = [];
  const flush = () => {
    if (batch.length === 0) return;
    const r = store.insertReviews(batch, { source });
    counts.inserted += r.inserted;
    counts.duplicates += r.duplicates;
    batch = [];
    if (signal.aborted) throw new CancelledRun(`import cancelled (${file}: ${counts.inserted} reviews were inserted before the cancel)`);
  };

  if (opts.onError === 'fail') {
    if (file === '-') {
      // stdin cannot be read twice: hold it, then insert
      const all: NewReview[] = [];
      for await (const r of read()) all.push({ text: r.text, rating: r.rating ?? null });
      for (const review of all) {
        batch.push(review);
        counts.read++;
        if (batch.length >= BATCH) flush();
      }
      flush();
      return counts;
    }
    for await (const _ of read()) {
      // validation pass: throws the first bad record's RecordError before anything is inserted
      if (signal.aborted) throw new CancelledRun('import cancelled; nothing was inserted');
    }
  }
  for await (const r of read(skips.onSkip)) {
    batch.push({ text: r.text, rating: r.rating ?? null });
    counts.read++;
    if (batch.length >= BATCH) flush();
  }
  flush();
  counts.rejected = skips.count;
  const summary = skips.summary(` in ${file}`);
  if (summary) process.stderr.write(`${summary}\n`);
  return counts;
}
