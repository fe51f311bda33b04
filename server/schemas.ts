/**
 * Request validation at the boundary (zod). Handlers only see parsed, typed values; every problem is
 * reported by errors.ts as a 400 naming the offending item (`instances[3].text`).
 */
import { z } from 'zod';
import { ACTIVATIONS } from '../model/activations.js';
import { resolveConfig, type TrainConfig } from '../model/train.js';

export interface Limits {
  /** Max JSON body, in body-parser notation. Default '1mb'. */
  bodyLimit: string;
  maxInstances: number;
  maxTextLength: number;
  /** Max reviews per POST /v1/reviews. */
  maxReviews: number;
  /** Max instances per predict call with ?explain=true (explaining costs one forward pass per term). */
  maxExplainInstances: number;
}

export const DEFAULT_LIMITS: Limits = { bodyLimit: '1mb', maxInstances: 1000, maxTextLength: 100_000, maxReviews: 10_000, maxExplainInstances: 10 };

export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const modelName = z.string().regex(MODEL_NAME, { message: 'must be a model name: 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit' });

const text = (limits: Limits) =>
  z.string().max(limits.maxTextLength).refine((s) => s.trim() !== '', { message: 'must not be empty or only whitespace' });

const isPlainObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

export function schemas(limits: Limits) {
  // "text" or {"text": "..."}: a bare value is treated as the text, so its errors read `instances[3].text`.
  const instance = z.preprocess((v) => (isPlainObject(v) ? v : { text: v }), z.strictObject({ text: text(limits) }));
  const predictBody = z.strictObject({
    instances: z.array(instance).min(1).max(limits.maxInstances),
  });
  const review = z.strictObject({
    text: text(limits),
    rating: z.number().int().min(1).max(5).nullable().optional(),
    source: z.string().max(200).nullable().optional(),
  });
  const reviewsBody = z.strictObject({ reviews: z.array(review).min(1).max(limits.maxReviews) });
  return { predictBody, reviewsBody };
}

export const predictQuery = z.object({
  explain: z.enum(['true', 'false', '1', '0']).optional().transform((v) => v === 'true' || v === '1'),
  top: z.coerce.number().int().min(1).max(100).optional(),
});

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** POST /v1/training-jobs. Unknown fields are refused: a mistyped option must not be silently ignored. */
export const trainingJobBody = z.strictObject({
  model: modelName.optional(),
  activate: z.enum(['if-better', 'always', 'never']).optional(),
  layers: z.array(int(1, 10_000)).max(8).optional(),
  epochs: int(1, 1000).optional(),
  pretrain: z.boolean().optional(),
  pretrain_epochs: int(0, 100).optional(),
  seed: int(0, 2 ** 31 - 1).optional(),
  vocab_size: int(1, 200_000).optional(),
  min_df: int(1, 1000).optional(),
  weighting: z.enum(['binary', 'count']).optional(),
  activation: z.enum(ACTIVATIONS as [string, ...string[]]).optional(),
  head: z.enum(['softmax', 'linear']).optional(),
  batch_size: int(1, 4096).optional(),
  lr: z.number().positive().max(1).optional(),
  l1: z.number().min(0).max(1).optional(),
  patience: int(1, 1000).optional(),
  dev_fraction: z.number().min(0).max(0.5).optional(),
  backend: z.enum(['tensorflow', 'wasm', 'ts', 'auto']).optional(),
});
export type TrainingJobRequest = z.output<typeof trainingJobBody>;
export type ActivationPolicy = 'if-better' | 'always' | 'never';

/** The request (with defaults filled in) as stored on the job, and the full training config it resolves to. */
export function trainingPlan(body: TrainingJobRequest): { request: TrainingJobRequest & { model: string; activate: ActivationPolicy }; config: TrainConfig } {
  const request = { ...body, model: body.model ?? 'default', activate: body.activate ?? 'if-better' };
  const finetuning = { epochs: body.epochs, batchSize: body.batch_size, lr: body.lr, l1: body.l1, patience: body.patience };
  const pretraining = { epochs: body.pretrain_epochs, batchSize: body.batch_size };
  const config = resolveConfig({
    ...defined({
      layers: body.layers, pretrain: body.pretrain, seed: body.seed, vocabSize: body.vocab_size, minDf: body.min_df,
      weighting: body.weighting, activation: body.activation as TrainConfig['activation'] | undefined, head: body.head,
      devFraction: body.dev_fraction, backend: body.backend === 'auto' ? undefined : body.backend,
    }),
    finetuning: defined(finetuning),
    pretraining: defined(pretraining),
  });
  return { request, config };
}

function defined<T extends Record<string, unknown>>(o: T): Partial<{ [K in keyof T]: Exclude<T[K], undefined> }> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<{ [K in keyof T]: Exclude<T[K], undefined> }>;
}

export const jobId = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const versionNumber = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).optional() });
