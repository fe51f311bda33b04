/** `rectify models` (list versions) and `rectify models activate V`. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ReviewStore } from '../../data/store.js';
import { DEFAULT_MODEL_NAME, defaultDbPath } from '../../model/registry.js';
import { CliError } from '../errors.js';
import { openExistingStore } from '../model-source.js';
import { versionsTable } from '../tables.js';

export interface ModelsOptions {
  db?: string;
  name?: string;
  json?: boolean;
}

export async function runModelsList(opts: ModelsOptions): Promise<void> {
  const dbPath = resolve(opts.db ?? defaultDbPath());
  const name = opts.name ?? DEFAULT_MODEL_NAME;
  if (!existsSync(dbPath)) {
    if (opts.db !== undefined) throw new CliError(`${dbPath}: no such review store`);
    if (opts.json) process.stdout.write('[]\n');
    else process.stdout.write(`no model versions yet (no store at ${dbPath}); train one with \`rectify train --data FILE --register\`\n`);
    return;
  }
  const store = openExistingStore(dbPath);
  try {
    const versions = store.listModelVersions(name);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(versions)}\n`);
      return;
    }
    if (versions.length === 0) {
      process.stdout.write(`no versions of model "${name}" in ${dbPath}; train one with \`rectify train --data FILE --register\`\n`);
      return;
    }
    process.stdout.write(`model "${name}" in ${dbPath} (* = active)\n${versionsTable(versions)}\n`);
  } finally {
    store.close();
  }
}

export async function runModelsActivate(version: number, opts: ModelsOptions): Promise<void> {
  const dbPath = resolve(opts.db ?? defaultDbPath());
  const name = opts.name ?? DEFAULT_MODEL_NAME;
  if (!existsSync(dbPath)) throw new CliError(`${dbPath}: no such review store`);
  const store = ReviewStore.open(dbPath);
  try {
    const v = store.getModelVersion(name, version);
    if (v === undefined) {
      const known = store.listModelVersions(name).map((m) => m.version);
      throw new CliError(`model version ${name}@${version} not found in ${dbPath} (${known.length ? `versions: ${known.join(', ')}` : 'no versions yet'})`);
    }
    if (!existsSync(resolve(v.path, 'manifest.json'))) throw new CliError(`${name}@${version}: its bundle ${v.path} is missing; not activating it`);
    const active = store.activateModelVersion(name, version);
    if (opts.json) process.stdout.write(`${JSON.stringify(active)}\n`);
    else process.stdout.write(`activated ${name}@${version} in ${dbPath}\n`);
  } finally {
    store.close();
  }
}
