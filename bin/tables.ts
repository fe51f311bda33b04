/** Human-readable tables for metrics and model versions. */
import type { Metrics } from '../model/evaluate.js';

const num = (v: number | undefined | null, digits = 4) => (v === undefined || v === null || Number.isNaN(v) ? 'n/a' : v.toFixed(digits));
const pct = (v: number | undefined | null) => (v === undefined || v === null || Number.isNaN(v) ? 'n/a' : `${(v * 100).toFixed(1)}%`);

export function table(rows: string[][], indent = '  '): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => indent + r.map((cellText, c) => (c === r.length - 1 ? cellText : cellText.padEnd(widths[c]))).join('  ').trimEnd()).join('\n');
}

export function metricsTable(m: Metrics): string {
  const rows = [
    ['reviews', String(m.n)],
    ['RMSE', num(m.rmse)],
    ['MAE', num(m.mae)],
    ['accuracy (exact star)', pct(m.accuracy)],
    [`polarity accuracy (n=${m.polarity_n})`, pct(m.polarity_accuracy)],
  ];
  m.sparsity.forEach((s, l) => rows.push([`sparsity layer ${l + 1} (exact zeros)`, pct(s)]));
  const confusion = [['true \\ predicted', '1', '2', '3', '4', '5']];
  m.confusion.forEach((counts, i) => confusion.push([`${i + 1} star${i ? 's' : ''}`, ...counts.map(String)]));
  const right = (r: string[]) => r.map((c, i) => (i === 0 ? c : c.padStart(Math.max(6, ...confusion.map((x) => x[i].length)))));
  return `${table(rows)}\n\n  confusion matrix (rows: true stars, columns: rounded prediction)\n${table(confusion.map(right), '    ')}`;
}

export interface VersionRow {
  version: number;
  active: boolean;
  createdAt: string;
  metrics: { rmse?: number; n?: number; accuracy?: number } | null;
  path: string;
}

export function versionsTable(versions: VersionRow[]): string {
  const rows = [['', 'version', 'created', 'dev RMSE', 'dev n', 'path']];
  for (const v of versions) {
    rows.push([v.active ? '*' : '', String(v.version), v.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), num(v.metrics?.rmse), v.metrics?.n === undefined ? '' : String(v.metrics.n), v.path]);
  }
  return table(rows, '');
}
