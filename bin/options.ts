/**
 * Option value parsers and option groups shared by several commands. Kept free of model/ and data/
 * imports so that `--help` stays fast.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';

export const FORMATS = ['jsonl', 'csv', 'tsv', 'text', 'blitzer'] as const;
export type FormatName = (typeof FORMATS)[number];

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('must be an integer >= 0');
  return n;
}

export function port(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || n > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535');
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number > 0');
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number >= 0');
  return n;
}

/** A share in [0, 1). */
export function fraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n >= 1) throw new InvalidArgumentError('must be a number from 0 to below 1');
  return n;
}

/** A rate in [0, 1]. */
export function rate(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('must be a number from 0 to 1');
  return n;
}

/** `1000,1000,1000` → [1000, 1000, 1000]; `0` (or an empty list) → [] (no hidden layer). */
export function layerList(value: string): number[] {
  const text = value.trim();
  if (text === '0' || text === '' || text === 'none') return [];
  const parts = text.split(/\s*[,x]\s*/);
  const widths = parts.map((p) => Number(p));
  if (parts.some((p) => !/^\d+$/.test(p)) || widths.some((w) => !Number.isSafeInteger(w) || w < 1)) {
    throw new InvalidArgumentError('must be comma-separated positive widths such as 1000,1000,1000, or 0 for no hidden layer');
  }
  return widths;
}

/** The settings every reader-backed command accepts, after parsing. */
export interface InputOptions {
  format?: FormatName;
  textField?: string;
  textColumn?: string;
  ratingField?: string;
  idField?: string;
  onError: 'skip' | 'fail';
}

/**
 * Adds --format, --text-field, --text-column, --id-field, (optionally) --rating-field and --on-error.
 * `onErrorDefault` is 'skip' for score and 'fail' for train, eval and import.
 */
export function addInputOptions(cmd: Command, opts: { rating: boolean; onErrorDefault: 'skip' | 'fail' }): Command {
  cmd
    .addOption(new Option('--format <format>', 'input format (default: from the file extension: .jsonl/.ndjson/.json, .csv, .tsv/.tab, .review/.xml; anything else and stdin: text)').choices(FORMATS))
    .option('--text-field <name>', 'JSON Lines field holding the review text', 'text')
    .option('--text-column <name>', 'CSV/TSV column holding the review text (default: the --text-field value)')
    .option('--id-field <name>', 'field/column holding a record id', 'id');
  if (opts.rating) cmd.option('--rating-field <name>', 'field/column holding the 1-5 star rating', 'rating');
  cmd.addOption(new Option('--on-error <mode>', 'bad records: fail (stop at the first, exit 1) or skip (count and report them)')
    .choices(['skip', 'fail']).default(opts.onErrorDefault));
  return cmd;
}

/** Split `a,b` / repeated values of a variadic option into a flat list of paths. */
export function fileList(value: string[] | string | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v) => v !== '');
}

/** Examples block appended to a command's --help. */
export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}

/**
 * Reflow a command description to 78 columns (commander would otherwise re-wrap long lines badly):
 * paragraphs are separated by blank lines; lines starting with two spaces are kept as they are.
 */
export function prose(text: string, width = 78): string {
  const out: string[] = [];
  let words: string[] = [];
  const flush = () => {
    let line = '';
    for (const w of words) {
      if (line !== '' && line.length + 1 + w.length > width) {
        out.push(line);
        line = w;
      } else line = line === '' ? w : `${line} ${w}`;
    }
    if (line !== '') out.push(line);
    words = [];
  };
  for (const raw of text.split('\n')) {
    if (raw.startsWith('  ')) {
      flush();
      out.push(raw);
    } else if (raw.trim() === '') {
      flush();
      out.push('');
    } else words.push(...raw.trim().split(/\s+/));
  }
  flush();
  return out.join('\n');
}
