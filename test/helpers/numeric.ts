/**
 * Test helpers: random sparse batches, dense references and a central-difference gradient checker that
 * copes with float32 parameters (the step actually taken is measured after rounding to float32) and with
 * kinks (rectifier, |h| of the L1 term): a coordinate whose ±eps evaluations change the activation sign
 * pattern is skipped and counted, never silently passed.
 */
import type { CsrBatch } from '../../data/vectorizer.js';
import { Rng } from '../../model/rng.js';

export interface SparseRow {
  indices: number[];
  values: number[];
}

/** Pack rows (indices need not be sorted or unique) into a CSR batch; `offset` shifts indptr[0]. */
export function csr(rows: SparseRow[], cols: number, offset = 0): CsrBatch {
  const nnz = rows.reduce((n, r) => n + r.indices.length, 0);
  const indptr = new Int32Array(rows.length + 1);
  const indices = new Int32Array(offset + nnz + 3).fill(-7); // padding that must never be read
  const values = new Float32Array(offset + nnz + 3).fill(Number.NaN);
  indptr[0] = offset;
  let p = offset;
  rows.forEach((r, b) => {
    r.indices.forEach((t, q) => {
      indices[p] = t;
      values[p] = r.values[q];
      p++;
    });
    indptr[b + 1] = p;
  });
  return { rows: rows.length, cols, indptr, indices, values };
}

/**
 * Random rows with `minNnz..maxNnz` distinct sorted terms each; values 1 (binary) or drawn from
 * {0.5, 1, 2, 3, 0.25·k} (non-binary). A few terms are forced to repeat across examples.
 */
export function randomRows(rng: Rng, batch: number, cols: number, minNnz: number, maxNnz: number, binary: boolean): SparseRow[] {
  const shared = rng.int(cols);
  const rows: SparseRow[] = [];
  for (let b = 0; b < batch; b++) {
    const n = Math.min(cols, minNnz + rng.int(maxNnz - minNnz + 1));
    const set = new Set<number>();
    if (n > 0) set.add(shared);
    while (set.size < n) set.add(rng.int(cols));
    const indices = [...set].sort((a, c) => a - c);
    const values = indices.map(() => (binary ? 1 : [0.5, 2, 3, 1.5, 0.25][rng.int(5)]));
    rows.push({ indices, values });
  }
  return rows;
}

export function randomCsr(rng: Rng, batch: number, cols: number, minNnz: number, maxNnz: number, binary: boolean): CsrBatch {
  return csr(randomRows(rng, batch, cols, minNnz, maxNnz, binary), cols);
}

/** Dense [rows, cols] copy of a CSR batch (duplicates summed), in float64. */
export function densify(x: CsrBatch): Float64Array {
  const d = new Float64Array(x.rows * x.cols);
  for (let b = 0; b < x.rows; b++) for (let p = x.indptr[b]; p < x.indptr[b + 1]; p++) d[b * x.cols + x.indices[p]] += x.values[p];
  return d;
}

export function randomArray(rng: Rng, n: number, limit = 1): Float32Array {
  return rng.fillUniform(new Float32Array(n), limit);
}

/** |a - b| <= tol · max(1, |a|) over the first n values; returns a description of the worst entry. */
export function compareArrays(a: ArrayLike<number>, b: ArrayLike<number>, n: number, tol: number): { ok: boolean; worst: string } {
  let ok = true;
  let worstRatio = 0;
  let worst = 'all equal';
  for (let i = 0; i < n; i++) {
    const allowed = tol * Math.max(1, Math.abs(a[i]));
    const diff = Math.abs(a[i] - b[i]);
    const ratio = Number.isFinite(diff) ? diff / allowed : Infinity;
    if (!(diff <= allowed)) ok = false;
    if (ratio > worstRatio || !Number.isFinite(ratio)) {
      worstRatio = ratio;
      worst = `index ${i}: ${a[i]} vs ${b[i]} (|diff| ${diff.toExponential(2)}, allowed ${allowed.toExponential(2)})`;
    }
  }
  return { ok, worst };
}

/** A parameter under test: its values (re-fetched on every access) and its analytic gradient. */
export interface ParamView {
  name: string;
  size: number;
  get(): Float32Array;
  commit(): void;
  analytic(i: number): number;
}

export function arrayParam(name: string, values: Float32Array, grad: ArrayLike<number>): ParamView {
  return { name, size: values.length, get: () => values, commit: () => {}, analytic: (i) => grad[i] };
}

export interface FdOptions {
  eps: number;
  rtol: number;
  atol: number;
  /** Activation pattern after an objective evaluation; a coordinate is skipped if ±eps change it. */
  signature?: () => string;
}

export interface FdResult {
  checked: number;
  skipped: number;
  /** Coordinates with a non-negligible analytic or numeric gradient that were checked. */
  nonzero: number;
  failures: string[];
}

/** Central differences of `objective` along every coordinate of every parameter. */
export function fdCheck(objective: () => number, params: ParamView[], o: FdOptions): FdResult {
  const result: FdResult = { checked: 0, skipped: 0, nonzero: 0, failures: [] };
  objective();
  const base = o.signature?.();
  for (const p of params) {
    for (let i = 0; i < p.size; i++) {
      const original = p.get()[i];
      const up = Math.fround(original + o.eps);
      const down = Math.fround(original - o.eps);
      p.get()[i] = up;
      p.commit();
      const fUp = objective();
      const sUp = o.signature?.();
      p.get()[i] = down;
      p.commit();
      const fDown = objective();
      const sDown = o.signature?.();
      p.get()[i] = original;
      p.commit();
      if (o.signature && (sUp !== base || sDown !== base)) {
        result.skipped++;
        continue;
      }
      const numeric = (fUp - fDown) / (up - down);
      const analytic = p.analytic(i);
      result.checked++;
      if (Math.max(Math.abs(numeric), Math.abs(analytic)) > 10 * o.atol) result.nonzero++;
      const allowed = o.rtol * Math.max(Math.abs(numeric), Math.abs(analytic)) + o.atol;
      if (!(Math.abs(numeric - analytic) <= allowed)) {
        result.failures.push(`${p.name}[${i}]: numeric ${numeric.toExponential(4)} analytic ${analytic.toExponential(4)}`);
      }
    }
  }
  objective(); // leave the caller's buffers describing the unperturbed point
  return result;
}

/** Sign pattern of a list of activation buffers (first n[k] values of each). */
export function signPattern(buffers: Float32Array[], sizes: number[]): string {
  let s = '';
  buffers.forEach((h, k) => {
    for (let i = 0; i < sizes[k]; i++) s += h[i] > 0 ? '+' : h[i] < 0 ? '-' : '0';
    s += '|';
  });
  return s;
}
