/**
 * Output lines for `rectify score`: JSON Lines (default) or CSV/TSV. Every input record gives exactly
 * one line, in input order; a record the reader rejected gives a line with an `error` field instead.
 */
import type { RecordError, ReviewRecord } from '../../data/records.js';
import type { Contribution, Prediction } from '../../model/predictor.js';
import { row } from '../output.js';

/** One input record as it moves through the pipeline: read fine, or rejected by the reader. */
export type Item = { record: ReviewRecord } | { error: RecordError };

export interface Formatter {
  /** Lines for a batch; `predictions[i]` (and `terms[i]`) belong to the i-th good record of `items`. */
  format(items: readonly Item[], predictions: readonly Prediction[], terms?: readonly Contribution[][]): string;
  /** Anything held back (CSV rows waiting for the header); call once at the end. */
  end(): string;
}

export function jsonlFormatter(): Formatter {
  return {
    format(items, predictions, terms) {
      let out = '';
      let k = 0;
      for (const item of items) {
        if ('error' in item) {
          out += `${JSON.stringify({ line: item.error.line, error: item.error.message })}\n`;
          continue;
        }
        const p = predictions[k];
        const line: Record<string, unknown> = {};
        if (item.record.id !== undefined) line.id = item.record.id;
        line.rating = p.rating;
        line.distribution = p.distribution;
        line.label = p.label;
        if (terms) line.terms = terms[k];
        k++;
        out += `${JSON.stringify(line)}\n`;
      }
      return out;
    },
    end: () => '',
  };
}

const PREDICTED = ['rating', 'label', 'p1', 'p2', 'p3', 'p4', 'p5'];
/** Error rows kept back at most while no good record has shown the input columns yet. */
const MAX_HELD = 10_000;

/** `great:+0.512 awful:-0.301` */
function termsCell(terms: readonly Contribution[]): string {
  return terms.map((t) => `${t.term}:${t.contribution >= 0 ? '+' : ''}${t.contribution}`).join(' ');
}

/**
 * CSV/TSV: the input columns (from the first good record: the CSV header, the JSON object's keys, or
 * `text` for plain text), then rating, label, p1..p5 (terms when explaining) and error. A predicted
 * column whose name the input already uses is called predicted_<name>.
 */
export function csvFormatter(delimiter: string, explain: boolean): Formatter {
  let columns: string[] | undefined;
  let held: Item[] = [];
  const extra = [...PREDICTED, ...(explain ? ['terms'] : []), 'error'];

  const header = (inputs: string[]): string => {
    const taken = new Set(inputs);
    const names = extra.map((name) => {
      let n = name;
      while (taken.has(n)) n = `predicted_${n}`;
      taken.add(n);
      return n;
    });
    return row([...inputs, ...names], delimiter);
  };
  const inputCells = (record: ReviewRecord | undefined): unknown[] => {
    if (record === undefined) return columns!.map(() => '');
    const fields = record.fields ?? { text: record.text };
    return columns!.map((c) => (Object.hasOwn(fields, c) ? fields[c] : ''));
  };
  const errorRow = (error: RecordError) => row([...inputCells(undefined), ...PREDICTED.map(() => ''), ...(explain ? [''] : []), error.message], delimiter);

  return {
    format(items, predictions, terms) {
      let out = '';
      if (columns === undefined) {
        const first = items.find((i): i is { record: ReviewRecord } => 'record' in i);
        if (first === undefined && held.length + items.length <= MAX_HELD) {
          held.push(...items);
          return '';
        }
        columns = first === undefined ? [] : Object.keys(first.record.fields ?? { text: '' });
        out += header(columns);
        for (const h of held) if ('error' in h) out += errorRow(h.error);
        held = [];
      }
      let k = 0;
      for (const item of items) {
        if ('error' in item) {
          out += errorRow(item.error);
          continue;
        }
        const p = predictions[k];
        const cells = [...inputCells(item.record), p.rating, p.label, ...p.distribution];
        if (explain) cells.push(termsCell(terms?.[k] ?? []));
        cells.push('');
        k++;
        out += row(cells, delimiter);
      }
      return out;
    },
    end() {
      if (columns !== undefined) return '';
      columns = [];
      const out = header(columns) + held.map((h) => ('error' in h ? errorRow(h.error) : '')).join('');
      held = [];
      return out;
    },
  };
}
