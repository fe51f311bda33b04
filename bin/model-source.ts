/**
 * Which model a command uses: --model DIR, else the active version in the store at --db (opened only
 * if the file exists, read-only: scoring never creates or changes a database), else the shipped default.
 */
import { existsSync } from 'node:fs';
import { ReviewStore, StoreError } from '../data/store.js';
import { defaultDbPath, resolveModel, type ModelSource } from '../model/registry.js';
import { CliError } from './errors.js';

export interface ModelChoice {
  model?: string;
  db?: string;
  name?: string;
}

/** Open an existing store for reading (migrating it first if it is from an older rectify). */
export function openExistingStore(path: string): ReviewStore {
  try {
    return ReviewStore.open(path, { readonly: true });
  } catch (err) {
    if (err instanceof StoreError && /is older than this rectify needs/.test(err.message)) return ReviewStore.open(path);
    throw err;
  }
}

export function chooseModel(opts: ModelChoice): ModelSource {
  if (opts.model !== undefined) return resolveModel({ modelDir: opts.model, name: opts.name })!;
  const db = opts.db ?? defaultDbPath();
  if (opts.db !== undefined && !existsSync(db)) throw new CliError(`${db}: no such review store (omit --db to use ${defaultDbPath()})`);
  let source: ModelSource | undefined;
  if (existsSync(db)) {
    const store = openExistingStore(db);
    try {
      source = resolveModel({ store, name: opts.name });
    } finally {
      store.close();
    }
  } else {
    source = resolveModel({ name: opts.name });
  }
  if (source === undefined) {
    const name = opts.name ?? 'default';
    throw new CliError(
      `no model to use: no --model DIR given, no active "${name}" model in ${existsSync(db) ? `the store ${db}` : `a store (${db} does not exist)`}, `
      + 'and no shipped default model. Train one with `rectify train --data FILE --out DIR` (then pass --model DIR) '
      + 'or `rectify train --data FILE --register`');
  }
  return source;
}

export function describeSource(source: ModelSource): string {
  if (source.kind === 'store') return `${source.name}@${source.version} from the store (${source.dir})`;
  if (source.kind === 'shipped') return `the shipped default model (${source.dir})`;
  return source.dir;
}
