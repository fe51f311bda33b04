/**
 * Turning the CLI's input options into reader options, checking input files up front, reporting
 * skipped records, and collecting labeled reviews / unlabeled texts for train and eval.
 */
import { access, constants, stat } from 'node:fs/promises';
import { detectFormat, readReviews } from '../data/readers.js';
import type { Format, ReadOptions, RecordError, ReviewRecord } from '../data/records.js';
import { UsageError } from './errors.js';
import type { InputOptions } from './options.js';

/**
 * A field name no input has: the readers always validate the rating field when it is present, and
 * commands that ignore ratings (score, --unlabeled) must not reject a record for a bad rating.
 */
export const NO_RATING_FIELD = '\u0000rectify:no-rating';

export function formatOf(path: string, opts: InputOptions): Format {
  return opts.format ?? detectFormat(path);
}

/** Reader options for one file. `ratings`: 'read' (optional), 'require', or 'ignore'. */
export function readOptions(path: string, opts: InputOptions, ratings: 'read' | 'require' | 'ignore', onSkip?: (e: RecordError) => void): ReadOptions {
  const format = formatOf(path, opts);
  const tabular = format === 'csv' || format === 'tsv';
  return {
    format,
    textField: tabular ? (opts.textColumn ?? opts.textField) : (opts.textField ?? opts.textColumn),
    ratingField: ratings === 'ignore' ? NO_RATING_FIELD : opts.ratingField,
    idField: opts.idField,
    requireRating: ratings === 'require',
    onError: opts.onError,
    onSkip: onSkip ?? (() => {}),
  };
}

/** Fail before any work when an input file is missing or unreadable ('-' is stdin). */
export async function checkInputs(paths: readonly string[]): Promise<void> {
  let stdin = 0;
  for (const path of paths) {
    if (path === '-') {
      if (++stdin > 1) throw new UsageError('stdin (-) can only be given once');
      continue;
    }
    await access(path, constants.R_OK);
    if ((await stat(path)).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR', path });
  }
}

/** Counts skipped records and shows the first few on stderr. */
export class SkipReport {
  count = 0;
  private readonly shown: number;
  constructor(private readonly quiet = false, shown = 5) {
    this.shown = shown;
  }

  readonly onSkip = (err: RecordError): void => {
    this.count++;
    if (!this.quiet && this.count <= this.shown) process.stderr.write(`rectify: skipped ${err.message}\n`);
  };

  /** A closing line when anything was skipped, e.g. `skipped 3 bad records in a.jsonl`. */
  summary(extra = ''): string | undefined {
    if (this.count === 0) return undefined;
    const more = this.count > this.shown ? ` (first ${this.shown} shown above)` : '';
    return `rectify: skipped ${this.count} bad record${this.count === 1 ? '' : 's'}${extra}${more}`;
  }
}

export interface Labeled { text: string; rating: number }

/** Every labeled review of the files (a rating is required). */
export async function readLabeled(paths: readonly string[], opts: InputOptions, skips: SkipReport): Promise<Labeled[]> {
  const out: Labeled[] = [];
  for (const path of paths) {
    for await (const r of readReviews(path, readOptions(path, opts, 'require', skips.onSkip))) {
      out.push({ text: r.text, rating: r.rating as number });
    }
  }
  return out;
}

/** Every text of the files (ratings ignored). */
export async function readTexts(paths: readonly string[], opts: InputOptions, skips: SkipReport): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    for await (const r of readReviews(path, readOptions(path, opts, 'ignore', skips.onSkip))) out.push(r.text);
  }
  return out;
}

/** Stream records of several files in order. */
export async function* readMany(paths: readonly string[], opts: InputOptions, ratings: 'read' | 'require' | 'ignore', onSkip: (e: RecordError) => void): AsyncGenerator<ReviewRecord> {
  for (const path of paths) yield* readReviews(path, readOptions(path, opts, ratings, onSkip));
}
