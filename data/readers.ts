/**
 * Streaming dataset readers: JSONL, CSV, TSV, plain text and the Blitzer et al. (2007)
 * `.review` pseudo-XML. Files are never read whole; every record carries its start line,
 * and every bad record becomes a RecordError (thrown, or handed to onSkip).
 */
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { parse, type CsvError } from 'csv-parse';
import { RecordError, type Format, type ReadOptions, type ReviewRecord } from './records.js';

/** Names of the text / rating / id fields, used for lookup and in error messages. */
interface Names { text: string; rating: string; id: string }

/** Per-read settings shared by the format parsers. */
interface Context { file: string; names: Names; requireRating: boolean }

/** What a format parser yields: a good record, or a per-record error the caller may skip. */
type Item = ReviewRecord | RecordError;

const EXTENSIONS: Record<string, Format> = {
  '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.json': 'jsonl',
  '.csv': 'csv', '.tsv': 'tsv', '.tab': 'tsv',
  '.review': 'blitzer', '.xml': 'blitzer',
};

/** Guess the format from the file extension; '-' (stdin) and unknown extensions are 'text'. */
export function detectFormat(path: string): Format {
  if (path === '-') return 'text';
  return EXTENSIONS[extname(path).toLowerCase()] ?? 'text';
}

/** Stream the reviews of a file; path '-' reads process.stdin. */
export async function* readReviews(path: string, opts: ReadOptions = {}): AsyncGenerator<ReviewRecord> {
  const format = opts.format ?? detectFormat(path);
  if (path === '-') {
    yield* readReviewsFromStream(process.stdin, '<stdin>', { ...opts, format });
    return;
  }
  const stream = createReadStream(path);
  try {
    await once(stream, 'open'); // surfaces ENOENT / EACCES before any parsing
    yield* readReviewsFromStream(stream, path, { ...opts, format });
  } finally {
    stream.destroy();
  }
}

/** Stream the reviews of an already open stream; `name` is used in errors and for format detection. */
export async function* readReviewsFromStream(
  stream: NodeJS.ReadableStream,
  name: string,
  opts: ReadOptions = {},
): AsyncGenerator<ReviewRecord> {
  const ctx: Context = {
    file: name,
    names: { text: opts.textField ?? 'text', rating: opts.ratingField ?? 'rating', id: opts.idField ?? 'id' },
    requireRating: opts.requireRating ?? false,
  };
  const skip = opts.onError === 'skip';
  const onSkip = opts.onSkip ?? ((err: RecordError) => void process.stderr.write(`skipped: ${err.message}\n`));
  const format = opts.format ?? detectFormat(name);
  const items =
    format === 'jsonl' ? jsonlItems(stream, ctx)
    : format === 'csv' ? csvItems(stream, ctx, ',')
    : format === 'tsv' ? csvItems(stream, ctx, '\t')
    : format === 'blitzer' ? blitzerItems(stream, ctx)
    : textItems(stream, ctx);
  for await (const item of items) {
    if (!(item instanceof RecordError)) yield item;
    else if (skip) onSkip(item);
    else throw item;
  }
}

/** Read a whole (small) file into an array. */
export async function readAll(path: string, opts: ReadOptions = {}): Promise<ReviewRecord[]> {
  const out: ReviewRecord[] = [];
  for await (const record of readReviews(path, opts)) out.push(record);
  return out;
}

// ---------------------------------------------------------------------------
// Validation shared by all formats

/** Short, unambiguous rendering of an input value for error messages. */
function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : String(typeof value);
}

/** An own property of a parsed object (never something inherited such as `constructor`). */
function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Parse a rating: undefined when absent/empty, null when invalid, else an integer 1..5. */
function toRating(value: unknown): number | undefined | null {
  if (value === undefined || value === null) return undefined;
  let n = value;
  if (typeof value === 'string') {
    const s = value.trim();
    if (s === '') return undefined;
    if (!/^[+-]?(?:\d+\.?\d*|\.\d+)$/.test(s)) return null;
    n = Number(s);
  }
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 5 ? n : null;
}

/** Validate raw text / rating / id values into a record, or describe what is wrong. */
function build(
  ctx: Context, line: number, names: Names,
  text: unknown, rating: unknown, id: unknown, fields?: Record<string, unknown>,
): Item {
  const fail = (field: string, reason: string) => new RecordError(ctx.file, line, field, reason);
  if (text === undefined) return fail(names.text, 'missing');
  if (typeof text !== 'string') return fail(names.text, `must be a string, got ${show(text)}`);
  const trimmed = text.trim();
  if (trimmed === '') return fail(names.text, 'must not be empty');
  const stars = toRating(rating);
  if (stars === null) return fail(names.rating, `must be an integer from 1 to 5, got ${show(rating)}`);
  if (stars === undefined && ctx.requireRating) return fail(names.rating, 'missing (a rating is required)');
  if (id !== undefined && id !== null && typeof id !== 'string' && !(typeof id === 'number' && Number.isFinite(id))) {
    return fail(names.id, `must be a string or number, got ${show(id)}`);
  }
  const record: ReviewRecord = { text: trimmed, line };
  if (stars !== undefined) record.rating = stars;
  const idText = id === undefined || id === null ? '' : String(id).trim();
  if (idText !== '') record.id = idText;
  if (fields !== undefined) record.fields = fields;
  return record;
}

// ---------------------------------------------------------------------------
// Line formats: JSONL, text, blitzer

/** The lines of a stream with 1-based numbers; a leading BOM is dropped. */
async function* numberedLines(stream: NodeJS.ReadableStream): AsyncGenerator<{ text: string; line: number }> {
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const raw of rl) {
      line++;
      yield { text: line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw, line };
    }
  } finally {
    rl.close();
  }
}

async function* jsonlItems(stream: NodeJS.ReadableStream, ctx: Context): AsyncGenerator<Item> {
  const { names } = ctx;
  for await (const { text, line } of numberedLines(stream)) {
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      yield new RecordError(ctx.file, line, undefined, `not valid JSON: ${(err as Error).message}`);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield new RecordError(ctx.file, line, undefined, `not a JSON object, got ${show(value)}`);
      continue;
    }
    const obj = value as Record<string, unknown>;
    yield build(ctx, line, names, own(obj, names.text), own(obj, names.rating), own(obj, names.id), obj);
  }
}

async function* textItems(stream: NodeJS.ReadableStream, ctx: Context): AsyncGenerator<Item> {
  for await (const { text, line } of numberedLines(stream)) {
    if (text.trim() !== '') yield build(ctx, line, ctx.names, text, undefined, undefined);
  }
}

const BLITZER: Names = { text: 'review_text', rating: 'rating', id: 'unique_id' };

/** A `<review>` block being assembled. */
interface OpenReview {
  line: number;
  fields: Record<string, string>;
  tag?: string;        // child element currently open
  content: string[];   // its lines so far
  problem?: string;    // first structural problem found
}

/**
 * Blitzer `.review` files are not XML (raw `&` and `<` occur in text), so this is a line
 * state machine: outside a review / between child elements / inside child element `tag`.
 * Inside an element only its own closing tag (or `</review>`) is structure.
 */
async function* blitzerItems(stream: NodeJS.ReadableStream, ctx: Context): AsyncGenerator<Item> {
  let review: OpenReview | undefined;
  /** Close `r`; `unterminated` when no `</review>` was seen. */
  const finish = (r: OpenReview, unterminated = false): Item => {
    const problem = r.problem ?? (r.tag !== undefined ? `element <${r.tag}> is not closed` : undefined);
    if (problem !== undefined || unterminated) {
      return new RecordError(ctx.file, r.line, undefined, problem ?? 'missing </review>');
    }
    const f = r.fields;
    return build(ctx, r.line, BLITZER, own(f, 'review_text'), own(f, 'rating'), own(f, 'unique_id'), f);
  };
  const setField = (r: OpenReview, tag: string, lines: string[]) => {
    if (!Object.hasOwn(r.fields, tag)) r.fields[tag] = lines.filter((l) => l !== '').join(' ');
  };
  for await (const { text, line } of numberedLines(stream)) {
    const t = text.trim();
    if (review?.tag !== undefined && t !== '</review>') {
      if (t !== `</${review.tag}>`) review.content.push(t);
      else {
        setField(review, review.tag, review.content);
        review.tag = undefined;
      }
    } else if (t === '<review>') {
      if (review !== undefined) yield finish(review, true);
      review = { line, fields: {}, content: [] };
    } else if (t === '</review>' && review !== undefined) {
      yield finish(review);
      review = undefined;
    } else if (t === '') {
      // blank lines between elements carry nothing
    } else if (review === undefined) {
      yield new RecordError(ctx.file, line, undefined, `expected <review>, got ${show(t)}`);
    } else {
      const m = /^<([a-z][\w.-]*)>(?:(.*)<\/\1>)?$/i.exec(t);
      if (m === null) review.problem ??= `unexpected text between elements at line ${line}: ${show(t)}`;
      else if (m[2] !== undefined) setField(review, m[1], [m[2].trim()]);
      else {
        review.tag = m[1];
        review.content = [];
      }
    }
  }
  if (review !== undefined) yield finish(review, true);
}

// ---------------------------------------------------------------------------
// CSV / TSV

/** What the CSV parser stream yields: a row (with `raw: true`) or an error pushed by on_skip. */
type CsvOut = { record: Record<string, string>; raw: string } | { error: CsvError; raw: string | undefined };

const BREAK = /\r\n|\r|\n/g;
const LEADING_BREAKS = /^[\r\n]*/;

/** Number of line breaks in some text (CRLF counts once). */
function breaks(text: string): number {
  return text.match(BREAK)?.length ?? 0;
}

/** Reason for a csv-parse error, without csv-parse's own (record-end) line numbers. */
function csvReason(err: CsvError): string {
  switch (err.code) {
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
      return `wrong number of columns: expected ${(err.columns as unknown[]).length}, got ${(err.record as unknown[]).length}`;
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'quoted field is not closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'unexpected character after a closing quote';
    case 'INVALID_OPENING_QUOTE':
      return `quote inside an unquoted field ${JSON.stringify(err.column)}`;
    default:
      return err.message.replace(/,? (?:at|on) line \d+/g, '');
  }
}

/**
 * CSV/TSV via csv-parse. csv-parse's `info.lines` is where a record ends (and counts a CRLF in
 * quotes twice), and asking for per-record info is slow, so start lines come from each record's
 * raw text: it begins with the blank lines skipped since the previous record, keeps the breaks
 * inside quoted fields, and ends with the first character of its line break. Only a wrong column
 * count is resumable; after any other parse error the parser is out of step, so that is fatal.
 */
async function* csvItems(stream: NodeJS.ReadableStream, ctx: Context, delimiter: string): AsyncGenerator<Item> {
  const kind = delimiter === '\t' ? 'TSV' : 'CSV';
  const { names } = ctx;
  let lastEnd = 0; // line where the previous record (or the header) ends; 0 before the header
  const parser = parse({
    delimiter,
    bom: true,
    raw: true,
    relax_column_count: false,
    skip_empty_lines: true,
    skip_records_with_error: true,
    columns: (row: string[]) => {
      const line = 1 + parser.info.empty_lines;
      const list = `columns: ${row.map((c) => JSON.stringify(c)).join(', ')}`;
      const fail = (field: string | undefined, why: string) => new RecordError(ctx.file, line, field, `${why} (${list})`);
      if (new Set(row).size !== row.length) throw fail(undefined, 'duplicate column names in header');
      if (!row.includes(names.text)) throw fail(names.text, 'column not found in header');
      if (ctx.requireRating && !row.includes(names.rating)) throw fail(names.rating, 'column not found in header');
      lastEnd = line + row.reduce((n, c) => n + breaks(c), 0);
      return row;
    },
    // Runs in input order between the records; pushing keeps that order for the consumer.
    on_skip: (error: CsvError | undefined, raw: string | undefined) => {
      if (error !== undefined) parser.push({ error, raw } satisfies CsvOut);
    },
  });
  /** Start line of the record whose raw text is `raw`; also moves lastEnd past it. */
  const locate = (raw = ''): number => {
    const blank = LEADING_BREAKS.exec(raw)![0];
    const start = lastEnd + 1 + breaks(blank);
    lastEnd = start + breaks(raw.slice(blank.length)) - (/[\r\n]$/.test(raw) ? 1 : 0);
    return start;
  };
  const forward = (err: Error) => parser.destroy(err);
  stream.on('error', forward);
  stream.pipe(parser);
  try {
    for await (const out of parser as AsyncIterable<CsvOut>) {
      if ('error' in out) {
        const error = new RecordError(ctx.file, locate(out.raw), undefined, `malformed ${kind}: ${csvReason(out.error)}`);
        if (out.error.code !== 'CSV_RECORD_INCONSISTENT_COLUMNS') throw error;
        yield error;
        continue;
      }
      const r = out.record;
      yield build(ctx, locate(out.raw), names, own(r, names.text), own(r, names.rating), own(r, names.id), r);
    }
  } catch (err) {
    const code = (err as CsvError).code;
    if (err instanceof RecordError || typeof code !== 'string' || !/^(CSV_|INVALID_)/.test(code)) throw err;
    throw new RecordError(ctx.file, lastEnd + 1, undefined, `malformed ${kind}: ${csvReason(err as CsvError)}`);
  } finally {
    stream.removeListener('error', forward);
    stream.unpipe(parser);
    parser.destroy();
  }
  if (lastEnd === 0) throw new RecordError(ctx.file, 1, undefined, `missing ${kind} header row`);
}
