/**
 * The model shipped in models/default: it loads (checksum verified), fits the 10 MB budget, rates clearly
 * negative reviews below 2.5 stars and clearly positive ones above 4, its manifest's fixture metrics match a
 * fresh evaluation, and it is what the server and the CLI fall back to when nothing else is configured.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle, type Manifest } from '../model/bundle.js';
import type { Metrics } from '../model/evaluate.js';
import type { RatingModel } from '../model/predictor.js';
import { packageRoot, resolveModel, shippedModelDir } from '../model/registry.js';

const dir = join(packageRoot(), 'models', 'default');
const fixture = readFileSync(join(packageRoot(), 'test', 'fixtures', 'model', 'reviews.jsonl'), 'utf8')
  .split('\n').filter(Boolean).map((l) => JSON.parse(l) as { text: string; rating: number });

const NEGATIVE = [
  'Terrible food and rude staff. We waited an hour, the order was wrong and cold. Never coming back.',
  'This product broke after two days. Cheap plastic, awful quality and no refund. A complete waste of money.',
  'The worst movie I have seen in years: boring, badly acted and far too long. Avoid it.',
];
const POSITIVE = [
  'Absolutely amazing! The food was delicious, the staff were friendly and the prices were great. Highly recommend.',
  'I love this blender. It works perfectly, is easy to clean and makes excellent smoothies. Best purchase ever.',
  'A wonderful, moving book with beautiful writing. One of my favorites, I could not put it down.',
];

describe('shipped default model', () => {
  let model: RatingModel;
  let manifest: Manifest;
  beforeAll(async () => {
    ({ model, manifest } = await loadBundle(dir, { backend: 'ts' }));
  });
  afterAll(() => model?.release());

  it('is at most 10 MB and stores float16 weights', () => {
    const bytes = statSync(join(dir, 'weights.bin')).size + statSync(join(dir, 'manifest.json')).size;
    expect(bytes).toBeLessThanOrEqual(10 * 1024 * 1024);
    expect(manifest.dtype).toBe('float16');
    expect(manifest.architecture.layers.length).toBeGreaterThan(0);
  });

  it('rates clearly negative reviews below 2.5 stars and clearly positive ones above 4', () => {
    for (const p of model.predict(NEGATIVE)) {
      expect(p.rating).toBeLessThan(2.5);
      expect(p.label).toBe('negative');
    }
    for (const p of model.predict(POSITIVE)) {
      expect(p.rating).toBeGreaterThan(4);
      expect(p.label).toBe('positive');
    }
  });

  it('its manifest metrics on the fixture match a fresh evaluation', () => {
    const recorded = (manifest.metrics as Record<string, Metrics>).fixture;
    const fresh = model.evaluate(fixture.map((r) => r.text), fixture.map((r) => r.rating));
    expect(fresh.n).toBe(recorded.n);
    expect(fresh.rmse).toBeCloseTo(recorded.rmse, 5);
    expect(fresh.mae).toBeCloseTo(recorded.mae, 5);
    expect(fresh.accuracy).toBe(recorded.accuracy);
    expect(fresh.polarity_accuracy).toBe(recorded.polarity_accuracy);
    expect(fresh.confusion).toEqual(recorded.confusion);
    // and the model is useful on it: well below the spread of the fixture's ratings
    expect(fresh.rmse).toBeLessThan(1);
    expect(fresh.polarity_accuracy).toBeGreaterThan(0.85);
  });

  it('records its test metrics on both datasets', () => {
    const metrics = manifest.metrics as Record<string, Metrics>;
    expect(metrics['yelp-10k test'].n).toBe(1000);
    expect(metrics['blitzer-mdsd test'].n).toBe(1600);
  });

  it('is the fallback when no model is configured, unless RECTIFY_SHIPPED_MODEL=none', () => {
    expect(shippedModelDir({})).toBe(dir);
    expect(shippedModelDir({ RECTIFY_SHIPPED_MODEL: 'none' })).toBeUndefined();
    const previous = process.env.RECTIFY_SHIPPED_MODEL;
    delete process.env.RECTIFY_SHIPPED_MODEL;
    try {
      expect(resolveModel({})).toEqual({ kind: 'shipped', dir, name: 'default' });
    } finally {
      process.env.RECTIFY_SHIPPED_MODEL = previous;
    }
  });

  it('rectify score uses it by default', () => {
    const home = mkdtempSync(join(tmpdir(), 'rectify-shipped-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, RECTIFY_HOME: home, RECTIFY_QUIET_BACKEND: '1' };
      delete env.RECTIFY_SHIPPED_MODEL;
      const r = spawnSync(process.execPath, [join(packageRoot(), 'dist', 'bin', 'rectify.js'), 'score', '-'], { input: `${NEGATIVE[0]}\n${POSITIVE[0]}\n`, env, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const [neg, pos] = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { rating: number });
      expect(neg.rating).toBeLessThan(2.5);
      expect(pos.rating).toBeGreaterThan(4);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
