/**
 * `rectify eval`: metrics of a model on labeled files, streamed in chunks (memory stays flat): RMSE,
 * MAE, exact-star accuracy, polarity accuracy, per-layer sparsity and the confusion matrix.
 */
import { loadBundle } from '../../model/bundle.js';
import { computeMetrics, predictSet } from '../../model/evaluate.js';
import { CliError, UsageError } from '../errors.js';
import { checkInputs, readMany, SkipReport } from '../inputs.js';
import { chooseModel, describeSource } from '../model-source.js';
import type { InputOptions } from '../options.js';
import { metricsTable } from '../tables.js';

export interface EvalOptions extends InputOptions {
  model?: string;
  db?: string;
  name?: string;
  data?: string[];
  backend?: string;
  json?: boolean;
  verbose?: boolean;
}

const CHUNK = 4096;

export async function runEval(opts: EvalOptions): Promise<void> {
  const files = opts.data ?? [];
  if (files.length === 0) throw new UsageError('give the labeled reviews to evaluate on with --data FILE ...');
  await checkInputs(files);
  if (!opts.verbose) process.env.RECTIFY_QUIET_BACKEND ??= '1';
  const source = chooseModel(opts);
  const { model } = await loadBundle(source.dir, { backend: opts.backend });
  try {
    const predicted: number[] = [];
    const truth: number[] = [];
    const layers = model.net.spec.layers.length;
    const zeros = new Array<number>(layers).fill(0); // sparsity × rows, summed over chunks
    let texts: string[] = [];
    const flush = () => {
      if (texts.length === 0) return;
      const p = predictSet(model.net, model.vectorizer.batch(texts));
      for (const r of p.ratings) predicted.push(r);
      p.sparsity.forEach((s, l) => (zeros[l] += s * texts.length));
      texts = [];
    };
    const skips = new SkipReport(false);
    for await (const r of readMany(files, opts, 'require', skips.onSkip)) {
      texts.push(r.text);
      truth.push(r.rating as number);
      if (texts.length >= CHUNK) flush();
    }
    flush();
    const summary = skips.summary();
    if (summary) process.stderr.write(`${summary}\n`);
    if (truth.length === 0) throw new CliError(`no labeled reviews in ${files.join(', ')}`);
    const metrics = computeMetrics(predicted, truth, zeros.map((z) => z / truth.length));
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ ...metrics, model: source.dir, skipped: skips.count })}\n`);
      return;
    }
    process.stdout.write(`model ${describeSource(source)}\non ${files.join(', ')}${skips.count ? ` (${skips.count} bad records skipped)` : ''}\n\n${metricsTable(metrics)}\n`);
  } finally {
    model.release();
  }
}
