/**
 * Record types shared by the dataset readers (see ./readers.ts).
 */

/** One review read from a dataset file. */
export interface ReviewRecord {
  /** The review text, trimmed; never empty. */
  text: string;
  /** Star rating, an integer 1..5; absent for unlabeled records. */
  rating?: number;
  /** Value of the id field/column (JSONL `idField`, CSV/TSV `idField`, blitzer `<unique_id>`). */
  id?: string;
  /** 1-based line number in the file where the record starts. */
  line: number;
  /** The raw input record (JSONL object, CSV row, blitzer child elements) so callers can echo input columns. */
  fields?: Record<string, unknown>;
}

/** Supported input formats. */
export type Format = 'jsonl' | 'csv' | 'tsv' | 'text' | 'blitzer';

/**
 * A problem with one input record (or with the file structure), located by file and line.
 * The message reads `file:line: field "name": reason`, or `file:line: reason` when no field applies.
 */
export class RecordError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly field: string | undefined,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${field === undefined ? '' : `field ${JSON.stringify(field)}: `}${reason}`);
    this.name = 'RecordError';
  }
}

/** Options for readReviews / readReviewsFromStream / readAll. */
export interface ReadOptions {
  /** Input format; default: detectFormat(path). */
  format?: Format;
  /** JSONL field / CSV column holding the text; default 'text'. */
  textField?: string;
  /** JSONL field / CSV column holding the rating; default 'rating'. Missing, empty or null => unlabeled record. */
  ratingField?: string;
  /** JSONL field / CSV column holding the id; default 'id'. */
  idField?: string;
  /** If true, a record without a rating is an error. */
  requireRating?: boolean;
  /** 'fail' (default): throw the RecordError; 'skip': pass it to onSkip and continue. */
  onError?: 'fail' | 'skip';
  /** Receives every skipped record's error when onError is 'skip' (default: a warning on stderr). */
  onSkip?: (err: RecordError) => void;
}
