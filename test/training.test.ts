import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBackend } from '../model/backend.js';
import { Float16Array } from '@petamoriken/float16';
import { BundleError, decodeFloat16, loadBundle, saveBundle } from '../model/bundle.js';
import { CancelledError } from '../model/progress.js';
import { resolveConfig, trainModel } from '../model/train.js';
import { syntheticReviews } from './helpers/corpus.js';

process.env.RECTIFY_QUIET_BACKEND = '1';

const reviews = syntheticReviews(700);
const train = reviews.slice(0, 500);
const dev = reviews.slice(500, 600);
const test = reviews.slice(600);
const small = (over: Parameters<typeof resolveConfig>[0] = {}) =>
  resolveConfig({ vocabSize: 200, layers: [24, 16], backend: 'ts', pretraining: { epochs: 2, batchSize: 32, negatives: 8 }, finetuning: { epochs: 12, batchSize: 32, lr: 3e-3, patience: 4 }, ...over });

function meanPredictorRmse(trainSet: { rating: number }[], testSet: { rating: number }[]): number {
  const mean = trainSet.reduce((s, r) => s + r.rating, 0) / trainSet.length;
  return Math.sqrt(testSet.reduce((s, r) => s + (r.rating - mean) ** 2, 0) / testSet.length);
}

const dir = mkdtempSync(join(tmpdir(), 'rectify-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('training', () => {
  let trained: Awaited<ReturnType<typeof trainModel>>;
  beforeAll(async () => {
    trained = await trainModel({ train, dev, unlabeled: syntheticReviews(200, 99).map((r) => r.text) }, small());
  });

  it('beats predicting the mean on held-out reviews', () => {
    const metrics = trained.model.evaluate(test.map((r) => r.text), test.map((r) => r.rating));
    const baseline = meanPredictorRmse(train, test);
    expect(metrics.rmse).toBeLessThan(baseline * 0.8);
    expect(metrics.n).toBe(test.length);
    expect(metrics.sparsity).toHaveLength(2);
    for (const s of metrics.sparsity) expect(s).toBeGreaterThan(0);
  });

  it('pretraining lowers the reconstruction error of every layer and uses unlabeled texts', () => {
    const { pretraining, data } = trained.report;
    expect(data.unlabeled).toBe(200);
    expect(pretraining).toHaveLength(2);
    for (const layer of pretraining) expect(layer.errorAfter).toBeLessThan(layer.errorBefore);
  });

  it('records scaling into [0,1] for each pretrained layer', () => {
    for (const s of trained.model.net.scaling) expect(s.scale.some((v) => v !== 1)).toBe(true);
  });

  it('gives ratings in [1,5], distributions that sum to 1, and labels', () => {
    const [good, bad, empty] = trained.model.predict(['great delicious amazing perfect', 'terrible rude awful worst', '']);
    for (const p of [good, bad, empty]) {
      expect(p.rating).toBeGreaterThanOrEqual(1);
      expect(p.rating).toBeLessThanOrEqual(5);
      expect(p.distribution.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    }
    expect(good.rating).toBeGreaterThan(bad.rating + 1);
    expect(good.label).toBe('positive');
    expect(bad.label).toBe('negative');
  });

  it('explains a rating with signed term contributions', () => {
    const terms = trained.model.explain('the food was great but the service was terrible', 3);
    expect(terms).toHaveLength(3);
    const byTerm = Object.fromEntries(terms.map((t) => [t.term, t.contribution]));
    expect(byTerm.great).toBeGreaterThan(0);
    expect(byTerm.terrible).toBeLessThan(0);
  });

  it('saves and loads a bundle with identical predictions, float16 close', async () => {
    const texts = test.map((r) => r.text);
    const before = trained.model.predict(texts);
    await saveBundle(join(dir, 'm32'), trained.model, { metrics: trained.report.dev });
    const { model, manifest } = await loadBundle(join(dir, 'm32'), { backend: 'ts' });
    expect(model.predict(texts)).toEqual(before);
    expect(manifest.architecture.layers).toEqual([24, 16]);
    await saveBundle(join(dir, 'm16'), trained.model, {}, 'float16');
    const half = (await loadBundle(join(dir, 'm16'), { backend: 'ts' })).model.predict(texts);
    half.forEach((p, i) => expect(Math.abs(p.rating - before[i].rating)).toBeLessThan(0.05));
    // overwriting an existing bundle replaces it whole and leaves no temporary directories
    await saveBundle(join(dir, 'm32'), trained.model);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('refuses a corrupt or incompatible bundle with a clear message', async () => {
    await saveBundle(join(dir, 'bad'), trained.model);
    const weights = join(dir, 'bad', 'weights.bin');
    const bytes = readFileSync(weights);
    bytes[10] ^= 0xff;
    writeFileSync(weights, bytes);
    await expect(loadBundle(join(dir, 'bad'))).rejects.toThrow(/does not match its checksum/);
    const manifestPath = join(dir, 'bad', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, formatVersion: 99 }));
    await expect(loadBundle(join(dir, 'bad'))).rejects.toThrow(/format version 99 is not supported/);
    await expect(loadBundle(join(dir, 'missing'))).rejects.toBeInstanceOf(BundleError);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });
});

describe('float16 weights', () => {
  it('decodeFloat16 gives the same values as the float16 library for every bit pattern', () => {
    const bits = new Uint16Array(65536).map((_, i) => i);
    const expected = Float32Array.from(new Float16Array(bits.buffer));
    const got = decodeFloat16(bits);
    for (let i = 0; i < bits.length; i++) expect(Object.is(got[i], expected[i]) || (Number.isNaN(got[i]) && Number.isNaN(expected[i])), `bits ${i}`).toBe(true);
    expect(decodeFloat16(Uint16Array.of(0x3c00, 0xc000, 0x7c00, 0x8000, 0x0001))).toEqual(Float32Array.of(1, -2, Infinity, -0, 2 ** -24));
  });
});

describe('training options', () => {
  it('is reproducible with a seed', async () => {
    const config = small({ pretrain: false, finetuning: { epochs: 2, batchSize: 32 } });
    const a = await trainModel({ train, dev }, config);
    const b = await trainModel({ train, dev }, config);
    expect(a.model.predict(['great food', 'rude staff'])).toEqual(b.model.predict(['great food', 'rude staff']));
  });

  it('trains with no hidden layer, tanh, softplus and the linear head', async () => {
    for (const over of [{ layers: [] }, { activation: 'tanh' as const }, { activation: 'softplus' as const }, { head: 'linear' as const }]) {
      const { model } = await trainModel({ train, dev }, small({ pretrain: false, ...over }));
      const m = model.evaluate(test.map((r) => r.text), test.map((r) => r.rating));
      expect(m.rmse, JSON.stringify(over)).toBeLessThan(meanPredictorRmse(train, test));
    }
  });

  it('reports progress and can be cancelled', async () => {
    const controller = new AbortController();
    const phases = new Set<string>();
    const run = trainModel({ train, dev }, small({ finetuning: { epochs: 50, batchSize: 8 } }), {
      signal: controller.signal,
      reportEveryMs: 0,
      onProgress: (p) => {
        phases.add(p.phase);
        if (p.phase === 'finetune' && p.batch >= 3) controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect([...phases]).toEqual(['pretrain:1', 'pretrain:2', 'finetune']);
  });
});

describe('wasm backend', () => {
  it('does not leak tensors across repeated predictions', async () => {
    const backend = await getBackend('wasm');
    const { model } = await trainModel({ train: train.slice(0, 100) }, small({ backend: 'wasm', pretrain: false, finetuning: { epochs: 1 } }));
    model.predict(['warm up']);
    const before = backend.liveTensors();
    for (let i = 0; i < 30; i++) model.predict(['great food and friendly staff', 'cold and bland']);
    expect(backend.liveTensors()).toBe(before);
  });
});
