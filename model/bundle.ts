/**
 * Model bundles: a directory with `manifest.json` (format version, creation time, vocabulary and tokenizer,
 * architecture, per-layer scaling, training options and data summary, metrics, backend, checksum) and
 * `weights.bin` (little-endian float32, or float16 to halve the size). Written atomically: into a temporary
 * sibling directory, then renamed into place. Loading verifies format, shapes and the SHA-256 checksum.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Float16Array, getFloat16 } from '@petamoriken/float16';
import { endianness } from 'node:os';
import { Vectorizer, type VectorizerOptions } from '../data/vectorizer.js';
import { Vocabulary, type VocabularyJSON } from '../data/vocabulary.js';
import { getBackend } from './backend.js';
import { Network, type NetworkSpec } from './network.js';
import { packageVersion } from './package.js';
import { RatingModel } from './predictor.js';

export const BUNDLE_FORMAT = 'rectify-model';
export const BUNDLE_VERSION = 1;

export type WeightType = 'float32' | 'float16';

export interface TensorEntry {
  name: string;
  length: number;
  /** Offset in elements from the start of weights.bin. */
  offset: number;
}

export interface Manifest {
  format: typeof BUNDLE_FORMAT;
  formatVersion: number;
  createdAt: string;
  rectifyVersion: string;
  architecture: NetworkSpec;
  vectorizer: VectorizerOptions;
  vocabulary: VocabularyJSON;
  dtype: WeightType;
  tensors: TensorEntry[];
  checksum: { algorithm: 'sha256'; weights: string };
  backend: string;
  training?: unknown;
  metrics?: unknown;
}

export interface BundleInfo {
  training?: unknown;
  metrics?: unknown;
}

export class BundleError extends Error {
  constructor(readonly dir: string, reason: string) {
    super(`model bundle ${dir}: ${reason}`);
    this.name = 'BundleError';
  }
}

/** Every array the bundle stores, in order: trained parameters, then per-layer scaling. */
function tensorsOf(net: Network): { name: string; get: () => Float32Array; commit: () => void }[] {
  const scaling = net.scaling.flatMap((s, l) => [
    { name: `scaling${l}.scale`, get: () => s.scale, commit: () => {} },
    { name: `scaling${l}.shift`, get: () => s.shift, commit: () => {} },
  ]);
  return [...net.parameters(), ...scaling];
}

export async function saveBundle(dir: string, model: RatingModel, info: BundleInfo = {}, dtype: WeightType = 'float32'): Promise<Manifest> {
  const target = resolve(dir);
  const tensors = tensorsOf(model.net);
  const total = tensors.reduce((n, t) => n + t.get().length, 0);
  const all = new Float32Array(total);
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const t of tensors) {
    const values = t.get();
    all.set(values, offset);
    entries.push({ name: t.name, length: values.length, offset });
    offset += values.length;
  }
  const weights = dtype === 'float16' ? new Uint8Array(new Float16Array(all).buffer) : new Uint8Array(all.buffer);
  const manifest: Manifest = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_VERSION,
    createdAt: new Date().toISOString(),
    rectifyVersion: packageVersion(),
    architecture: model.net.spec,
    vectorizer: model.vectorizer.options,
    vocabulary: model.vectorizer.vocabulary.toJSON(),
    dtype,
    tensors: entries,
    checksum: { algorithm: 'sha256', weights: createHash('sha256').update(weights).digest('hex') },
    backend: model.net.backend.name,
    training: info.training,
    metrics: info.metrics,
  };
  await mkdir(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(tmp);
    await writeFile(join(tmp, 'weights.bin'), weights);
    await writeFile(join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
    if (existsSync(target)) {
      const old = `${tmp}.old`;
      await rename(target, old);
      await rename(tmp, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, target);
    }
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return manifest;
}

export async function readManifest(dir: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(join(dir, 'manifest.json'), 'utf8');
  } catch {
    throw new BundleError(dir, 'no manifest.json (is this a rectify model directory?)');
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(text) as Manifest;
  } catch (err) {
    throw new BundleError(dir, `manifest.json is not valid JSON: ${(err as Error).message}`);
  }
  if (manifest.format !== BUNDLE_FORMAT) throw new BundleError(dir, `not a rectify model (format ${JSON.stringify(manifest.format)})`);
  if (manifest.formatVersion !== BUNDLE_VERSION) {
    throw new BundleError(dir, `format version ${manifest.formatVersion} is not supported by this rectify (expects ${BUNDLE_VERSION})`);
  }
  return manifest;
}

let float16Table: Float32Array | undefined;

/**
 * float16 bit patterns → float32 values through a 65,536-entry table built once with the float16 library.
 * Iterating a Float16Array instead goes through a Proxy: 1.2 s and ~130 MB of garbage for the shipped model,
 * per process (every `rectify score` worker loads the model).
 */
export function decodeFloat16(bits: Uint16Array): Float32Array {
  if (!float16Table) {
    const view = new DataView(new ArrayBuffer(2));
    float16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) {
      view.setUint16(0, h, true);
      float16Table[h] = getFloat16(view, 0, true);
    }
  }
  const table = float16Table;
  const out = new Float32Array(bits.length);
  // weights.bin is little-endian; a Uint16Array reads in the platform's order
  const swap = endianness() === 'BE';
  for (let i = 0; i < bits.length; i++) out[i] = table[swap ? ((bits[i] & 0xff) << 8) | (bits[i] >> 8) : bits[i]];
  return out;
}

export async function loadBundle(dir: string, options: { backend?: string } = {}): Promise<{ model: RatingModel; manifest: Manifest }> {
  const manifest = await readManifest(dir);
  let raw: Buffer;
  try {
    raw = await readFile(join(dir, 'weights.bin'));
  } catch {
    throw new BundleError(dir, 'weights.bin is missing');
  }
  const digest = createHash('sha256').update(raw).digest('hex');
  if (digest !== manifest.checksum?.weights) throw new BundleError(dir, 'weights.bin does not match its checksum (corrupt or modified file)');
  const bytes = manifest.dtype === 'float16' ? 2 : 4;
  if (raw.byteLength % bytes !== 0) throw new BundleError(dir, 'weights.bin has a partial value');
  // View the file's bytes in place when they are aligned (large reads are); copy only otherwise.
  const aligned = raw.byteOffset % bytes === 0 ? raw : new Uint8Array(raw);
  const count = aligned.byteLength / bytes;
  const values = manifest.dtype === 'float16'
    ? decodeFloat16(new Uint16Array(aligned.buffer, aligned.byteOffset, count))
    : new Float32Array(aligned.buffer, aligned.byteOffset, count);

  const vocabulary = Vocabulary.fromJSON(manifest.vocabulary);
  if (vocabulary.size !== manifest.architecture.inputDim) {
    throw new BundleError(dir, `vocabulary has ${vocabulary.size} terms but the network expects ${manifest.architecture.inputDim}`);
  }
  const net = new Network(manifest.architecture, await getBackend(options.backend));
  const byName = new Map(manifest.tensors.map((t) => [t.name, t]));
  for (const t of tensorsOf(net)) {
    const entry = byName.get(t.name);
    const target = t.get();
    if (!entry) throw new BundleError(dir, `tensor ${t.name} is missing`);
    if (entry.length !== target.length || entry.offset + entry.length > values.length) {
      net.release();
      throw new BundleError(dir, `tensor ${t.name} has ${entry.length} values, expected ${target.length}`);
    }
    target.set(values.subarray(entry.offset, entry.offset + entry.length));
    t.commit();
  }
  return { model: new RatingModel(new Vectorizer(vocabulary, manifest.vectorizer), net), manifest };
}
