/**
 * Whether a finished job's model replaces the served one. "if-better" compares dev RMSE with the
 * served model evaluated on the job's own dev set (the worker does that), falling back to the served
 * model's recorded dev RMSE when that evaluation is unavailable; the note says which basis was used.
 */
import { storedRmse, type ServedModel } from './model-holder.js';
import type { ActivationPolicy } from './schemas.js';

export type Basis = 'same dev set' | 'stored metric';

export interface Comparison {
  candidate_rmse: number | null;
  baseline_rmse: number | null;
  baseline_version: number | null;
  basis: Basis | null;
  dev_n: number | null;
}

export interface Decision {
  activate: boolean;
  note: string;
  comparison: Comparison;
}

export interface DecisionInput {
  policy: ActivationPolicy;
  candidateRmse: number | undefined;
  devN: number;
  /** The model served now (may differ from the one served when the job started). */
  current: ServedModel | undefined;
  /** Directory of the model served when the job started, which the worker evaluated. */
  baselineDir: string | undefined;
  baseline: { rmse: number; n: number } | { error: string } | undefined;
}

const fmt = (v: number) => v.toFixed(4);

export function describeServed(m: ServedModel): string {
  if (m.version !== null) return `version ${m.version}`;
  return m.source === 'shipped' ? 'the shipped default model' : `the model loaded from ${m.dir}`;
}

function baselineOf(input: DecisionInput): { rmse: number; basis: Basis; how: string } | { why: string } {
  const { current, baseline, baselineDir } = input;
  if (!current) return { why: 'no model is served' };
  let fallback: string;
  if (baseline && 'rmse' in baseline && Number.isFinite(baseline.rmse) && current.dir === baselineDir) {
    return { rmse: baseline.rmse, basis: 'same dev set', how: `evaluated on this job's dev set of ${baseline.n} reviews` };
  }
  if (current.dir !== baselineDir) fallback = 'the served model changed while the job ran';
  else if (baseline && 'error' in baseline) fallback = `it could not be evaluated on this job's dev set (${baseline.error})`;
  else fallback = 'this job has no dev set to evaluate it on';
  const stored = storedRmse(current.metrics);
  if (stored === undefined) return { why: `${describeServed(current)} has no recorded dev RMSE and ${fallback}` };
  return { rmse: stored, basis: 'stored metric', how: `its recorded dev RMSE, because ${fallback}` };
}

export function decideActivation(input: DecisionInput): Decision {
  const { policy, candidateRmse, current } = input;
  const base = baselineOf(input);
  const comparison: Comparison = {
    candidate_rmse: candidateRmse ?? null,
    baseline_rmse: 'rmse' in base ? base.rmse : null,
    baseline_version: current?.version ?? null,
    basis: 'basis' in base ? base.basis : null,
    dev_n: input.devN || null,
  };
  const versus = 'rmse' in base && candidateRmse !== undefined
    ? `dev RMSE ${fmt(candidateRmse)} vs ${fmt(base.rmse)} of ${describeServed(current!)} (${base.how})`
    : undefined;
  if (policy === 'never') return { activate: false, comparison, note: `not activated: the job asked for activate "never"${versus ? `; ${versus}` : ''}` };
  if (policy === 'always') return { activate: true, comparison, note: `activated: the job asked for activate "always"${versus ? `; ${versus}` : ''}` };
  if (!current) return { activate: true, comparison, note: 'activated: no model was being served' };
  if (candidateRmse === undefined || !Number.isFinite(candidateRmse)) {
    return { activate: false, comparison, note: 'not activated: the job has no dev RMSE to compare (fewer than 10 labeled reviews, or dev_fraction 0)' };
  }
  if (!('rmse' in base)) return { activate: false, comparison, note: `not activated: nothing to compare with (${base.why})` };
  if (candidateRmse <= base.rmse) return { activate: true, comparison, note: `activated: ${versus}` };
  return { activate: false, comparison, note: `not activated: worse than the served model, ${versus}` };
}
