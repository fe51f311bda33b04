/**
 * Where models live and which one is served: an explicit bundle directory, else the active version in the
 * review store, else the default model shipped in this package (models/default).
 * New versions are saved as bundles under <models dir>/<name>/ and registered in the store.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ModelVersion, ReviewStore } from '../data/store.js';
import { saveBundle } from './bundle.js';
import { packageRoot } from './package.js';
import type { RatingModel } from './predictor.js';

export const DEFAULT_MODEL_NAME = 'default';

export { packageRoot } from './package.js';

/** RECTIFY_HOME, else ./.rectify: the default place for the review store and trained models. */
export function rectifyHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.RECTIFY_HOME ?? '.rectify');
}

export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.RECTIFY_DB ?? join(rectifyHome(env), 'rectify.db'));
}

/** Trained bundles are kept beside the database they are registered in. */
export function modelsDirFor(dbPath: string): string {
  return join(dirname(resolve(dbPath)), 'models');
}

/**
 * The model shipped in the package (models/default), used when nothing else is: RECTIFY_SHIPPED_MODEL=none
 * turns that fallback off (it is trained on research-only data, see models/MODEL_CARD.md), and a path there
 * replaces it.
 */
export function shippedModelDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const setting = env.RECTIFY_SHIPPED_MODEL;
  if (setting === 'none' || setting === '') return undefined;
  const dir = setting ? resolve(setting) : join(packageRoot(), 'models', DEFAULT_MODEL_NAME);
  return existsSync(join(dir, 'manifest.json')) ? dir : undefined;
}

export interface ModelSource {
  kind: 'explicit' | 'store' | 'shipped';
  dir: string;
  name: string;
  version?: number;
}

export function resolveModel(options: { modelDir?: string; store?: ReviewStore; name?: string }): ModelSource | undefined {
  const name = options.name ?? DEFAULT_MODEL_NAME;
  if (options.modelDir) return { kind: 'explicit', dir: resolve(options.modelDir), name };
  const active = options.store?.activeModelVersion(name);
  if (active) return { kind: 'store', dir: active.path, name, version: active.version };
  const shipped = name === DEFAULT_MODEL_NAME ? shippedModelDir() : undefined;
  return shipped ? { kind: 'shipped', dir: shipped, name } : undefined;
}

/** A fresh directory for a new bundle of model `name`, beside the store's database. */
export function newBundleDir(store: ReviewStore, name: string = DEFAULT_MODEL_NAME): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return join(modelsDirFor(store.path), name, `${stamp}-${randomBytes(3).toString('hex')}`);
}

export interface Registration {
  name?: string;
  training: unknown;
  metrics: unknown;
  jobId?: number | null;
  activate: boolean;
}

/** Register an already saved bundle as the next version of its model. */
export function registerBundle(store: ReviewStore, dir: string, options: Registration): ModelVersion {
  const name = options.name ?? DEFAULT_MODEL_NAME;
  return store.addModelVersion({ name, path: dir, metrics: options.metrics, options: options.training, jobId: options.jobId ?? null, activate: options.activate });
}

/** Save the model as a new bundle and register it as the next version of `name`. */
export async function registerModel(store: ReviewStore, options: Registration & { model: RatingModel }): Promise<ModelVersion> {
  const dir = newBundleDir(store, options.name);
  await saveBundle(dir, options.model, { training: options.training, metrics: options.metrics });
  return registerBundle(store, dir, options);
}

/** Training data from the store: labeled reviews for fine-tuning, unlabeled texts for pretraining (streamed). */
export function trainingDataFromStore(store: ReviewStore): { train: { text: string; rating: number }[]; unlabeled: Iterable<string> } {
  const train: { text: string; rating: number }[] = [];
  for (const r of store.iterateReviews({ labeled: true })) train.push({ text: r.text, rating: r.rating as number });
  const unlabeled = {
    *[Symbol.iterator]() {
      for (const r of store.iterateReviews({ labeled: false })) yield r.text;
    },
  };
  return { train, unlabeled };
}
