/**
 * The WebAssembly SIMD kernels (model/kernels) against their TypeScript reference, the arena that holds
 * their arrays, and the two paths end to end: the sparse layer, Adam and a few training steps of a network
 * give the same numbers (within 1e-5) with RECTIFY_KERNELS=wasm and =ts.
 */
process.env.RECTIFY_QUIET_BACKEND = '1';

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { getBackend, type Backend } from '../model/backend.js';
import { applyGradients } from '../model/finetune.js';
import { arenaOf, createArena, preferredKernels, wasmKernelsSupported, type Arena } from '../model/kernels/arena.js';
import { adam, adamRows, decodeBackward, decodeLogits, referenceKernels, sgd, sumRows, type AdamStep } from '../model/kernels/reference.js';
import { KERNELS_WAT_SHA256 } from '../model/kernels/wasm.js';
import { SparseLinear } from '../model/layers.js';
import { Network, State } from '../model/network.js';
import { packageRoot } from '../model/package.js';
import { Adam } from '../model/optimizer.js';
import { DEFAULT_PRETRAIN, InputAutoencoder } from '../model/pretrain.js';
import { SparseReconstruction } from '../model/reconstruction.js';
import { Rng } from '../model/rng.js';
import { randomArray, randomCsr } from './helpers/numeric.js';

const TOL = 1e-5;

function expectNear(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string, tol = TOL): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
    if (!(err <= worst)) { worst = err; at = i; }
  }
  expect(worst, `${label}: worst relative error at ${at}: ${actual[at]} vs ${expected[at]}`).toBeLessThanOrEqual(tol);
}

/** A copy of `values` in `arena`. */
function inArena(arena: Arena, values: Float32Array): Float32Array {
  const view = arena.floats(values.length);
  view.set(values);
  return view;
}

function withKernels<T>(kind: 'wasm' | 'ts', fn: () => T): T {
  const saved = process.env.RECTIFY_KERNELS;
  process.env.RECTIFY_KERNELS = kind;
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env.RECTIFY_KERNELS;
    else process.env.RECTIFY_KERNELS = saved;
  }
}

describe('the embedded kernel module', () => {
  it('instantiates here (Node 20 has WebAssembly SIMD and shared memory) and is the default', () => {
    expect(wasmKernelsSupported()).toBe(true);
    expect(withKernels('wasm', () => preferredKernels())).toBe('wasm');
    expect(withKernels('ts', () => preferredKernels())).toBe('ts');
    expect(createArena('wasm').kind).toBe('wasm');
  });

  it('was generated from the kernels.wat in the repository (run node model/kernels/compile.mjs after editing it)', () => {
    const source = readFileSync(join(packageRoot(), 'model', 'kernels', 'kernels.wat'), 'utf8');
    expect(createHash('sha256').update(source).digest('hex')).toBe(KERNELS_WAT_SHA256);
  });
});

describe('wasm kernels vs the TypeScript reference', () => {
  const widths = [1, 3, 4, 5, 15, 16, 17, 33, 64, 1000];

  it.each(widths)('sumRows, H = %i: binary and weighted, accumulate and assign, any row count', (H) => {
    const arena = createArena('wasm');
    const r = new Rng(`sum${H}`);
    const rows = 40;
    const src = inArena(arena, randomArray(r, rows * H));
    for (const n of [0, 1, 2, 3, 4, 5, 9]) {
      for (const binary of [true, false]) {
        for (const assign of [false, true]) {
          const offsets = arena.ints(n);
          for (let q = 0; q < n; q++) offsets[q] = r.int(rows) * H;
          const vo = 3;
          const v = arena.floats(n + vo);
          for (let q = 0; q < n + vo; q++) v[q] = binary ? 1 : 2 * r.uniform() - 1;
          const dst = inArena(arena, randomArray(r, 3 * H));
          const expected = dst.slice();
          sumRows(expected, H, src, offsets, n, H, v, vo, assign);
          arena.kernels.sumRows(dst, H, src, offsets, n, H, v, vo, assign);
          expectNear(dst, expected, `n=${n} binary=${binary} assign=${assign}`);
        }
      }
    }
    expect(arena.fallbacks).toBe(0);
  });

  it.each([1, 3, 4, 7, 1000, 1003])('adam and sgd over %i elements, in the arena or copied in', (n) => {
    const arena = createArena('wasm');
    const r = new Rng(`adam${n}`);
    const step: AdamStep = { beta1: 0.9, beta2: 0.999, a: 1e-3 * Math.sqrt(1 - 0.999 ** 3) / (1 - 0.9 ** 3), eps: 1e-8 * Math.sqrt(1 - 0.999 ** 3) };
    for (const outside of [false, true]) {
      const o = 2;
      const p0 = randomArray(r, n + 5);
      const m0 = randomArray(r, n + 5, 0.1);
      const v0 = randomArray(r, n + 5, 0.1).map(Math.abs);
      const g = randomArray(r, n + 4);
      const ref = { p: p0.slice(), m: m0.slice(), v: v0.slice() };
      adam(ref.p, ref.m, ref.v, o, g, 4, n, step);
      const p = outside ? p0.slice() : inArena(arena, p0);
      const m = inArena(arena, m0);
      const v = inArena(arena, v0);
      arena.kernels.adam(p, m, v, o, outside ? g : inArena(arena, g), 4, n, step);
      expectNear(p, ref.p, `adam p (outside ${outside})`);
      expectNear(m, ref.m, 'adam m');
      expectNear(v, ref.v, 'adam v');

      const q = inArena(arena, p0);
      const expected = p0.slice();
      sgd(expected, o, g, 4, n, 0.3);
      arena.kernels.sgd(q, o, outside ? g : inArena(arena, g), 4, n, 0.3);
      expectNear(q, expected, 'sgd');
    }
    expect(arena.fallbacks).toBe(0);
  });

  it.each([1, 6, 1000])('adamRows, width %i: listed rows only, in any order', (width) => {
    const arena = createArena('wasm');
    const r = new Rng(`rows${width}`);
    const V = 20;
    const step: AdamStep = { beta1: 0.9, beta2: 0.999, a: 0.01, eps: 1e-8 };
    const p0 = randomArray(r, V * width);
    const m0 = randomArray(r, V * width, 0.1);
    const v0 = randomArray(r, V * width, 0.1).map(Math.abs);
    const rows = Int32Array.from([7, 0, 19, 3]);
    const g = randomArray(r, rows.length * width);
    const ref = { p: p0.slice(), m: m0.slice(), v: v0.slice() };
    adamRows(ref.p, ref.m, ref.v, width, rows, 3, g, step); // count 3: the last listed row is not touched
    const p = inArena(arena, p0);
    const m = inArena(arena, m0);
    const v = inArena(arena, v0);
    arena.kernels.adamRows(p, m, v, width, rows, 3, inArena(arena, g), step);
    expectNear(p, ref.p, 'p');
    expectNear(m, ref.m, 'm');
    expectNear(v, ref.v, 'v');
    expect(Array.from(p.subarray(3 * width, 4 * width))).toEqual(Array.from(p0.subarray(3 * width, 4 * width)));
    expect(arena.fallbacks).toBe(0);
    expect(() => arena.kernels.adamRows(p, m, v, width, Int32Array.from([V]), 1, inArena(arena, g), step)).toThrow(RangeError);
  });

  it.each([1, 5, 8, 13, 1000])('decodeLogits and decodeBackward, H = %i', (H) => {
    const arena = createArena('wasm');
    const r = new Rng(`dec${H}`);
    const W = H + 1;
    const V = 30;
    const R = inArena(arena, randomArray(r, V * W));
    const h = inArena(arena, randomArray(r, 3 * H).map((x) => (x > 0 ? x : 0)));
    const n = 17;
    const targets = arena.ints(n);
    const slots = arena.ints(n);
    for (let q = 0; q < n; q++) { targets[q] = r.int(V); slots[q] = r.int(6); }
    targets[3] = targets[4]; // a target twice
    const z = arena.floats(n);
    const zRef = new Float32Array(n);
    decodeLogits(zRef, R, W, targets, n, h, H, H);
    arena.kernels.decodeLogits(z, R, W, targets, n, h, H, H);
    expectNear(z, zRef, 'logits');
    const dz = inArena(arena, randomArray(r, n));
    const dh0 = randomArray(r, 3 * H);
    const G0 = randomArray(r, 6 * W);
    const dh = inArena(arena, dh0);
    const G = inArena(arena, G0);
    decodeBackward(dh0, 2 * H, G0, slots, R, W, targets, dz, n, h, H, H);
    arena.kernels.decodeBackward(dh, 2 * H, G, slots, R, W, targets, dz, n, h, H, H);
    expectNear(dh, dh0, 'dh');
    expectNear(G, G0, 'row gradient');
    expect(arena.fallbacks).toBe(0);
    slots[0] = 6; // one row past G
    expect(() => arena.kernels.decodeBackward(dh, 0, G, slots, R, W, targets, dz, n, h, 0, H)).toThrow(RangeError);
  });

  it('falls back to TypeScript (and counts it) when an operand lies outside the arena', () => {
    const arena = createArena('wasm');
    const src = randomArray(new Rng('fb'), 4 * 8);
    const dst = arena.floats(8);
    arena.kernels.sumRows(dst, 0, src, Int32Array.from([0, 16]), 2, 8, Float32Array.from([1, 1]), 0, true);
    expect(arena.fallbacks).toBe(1);
    expect(Array.from(dst)).toEqual(Array.from(src.subarray(0, 8)).map((x, j) => Math.fround(x + src[16 + j])));
  });

  it('refuses a span beyond an array instead of touching its neighbours', () => {
    const arena = createArena('wasm');
    const small = arena.floats(4);
    const m = arena.floats(8);
    const v = arena.floats(8);
    expect(() => arena.kernels.adam(small, m, v, 0, arena.floats(8), 0, 8, { beta1: 0.9, beta2: 0.999, a: 1, eps: 1e-8 })).toThrow(RangeError);
    expect(() => arena.kernels.sumRows(small, 2, arena.floats(16), arena.ints(1), 1, 4, arena.floats(1).fill(1), 0)).toThrow(RangeError);
  });
});

describe('kernel arena', () => {
  it('hands out aligned, zeroed, disjoint arrays and reuses what is freed', () => {
    const arena = createArena('wasm');
    const a = arena.floats(10);
    const b = arena.floats(3);
    expect(a.byteOffset % 16).toBe(0);
    expect(b.byteOffset % 16).toBe(0);
    expect(b.byteOffset).toBeGreaterThanOrEqual(a.byteOffset + a.byteLength);
    a.fill(7);
    arena.free(a);
    const c = arena.floats(5);
    expect(c.byteOffset).toBe(a.byteOffset); // first fit
    expect(Array.from(c)).toEqual([0, 0, 0, 0, 0]); // cleared on reuse
    expect(arenaOf(c)).toBe(arena);
    expect(arenaOf(new Float32Array(4))).toBeUndefined();
  });

  it('keeps earlier arrays valid when the memory grows', () => {
    const arena = createArena('wasm');
    const early = arena.floats(100).fill(3);
    const big = arena.floats(5_000_000); // 20 MB: grows the memory many pages
    big[big.length - 1] = 9;
    expect(early[99]).toBe(3);
    early[0] = 4;
    expect(arena.reaches(early) && arena.reaches(big)).toBe(true);
    const stillThere = new Float32Array(early.buffer, early.byteOffset, 1);
    expect(stillThere[0]).toBe(4);
  });

  it('coalesces freed neighbours so a larger request fits where they were', () => {
    const arena = createArena('wasm');
    const blocks = [0, 1, 2, 3].map(() => arena.floats(16));
    const keep = arena.floats(16);
    for (const b of blocks) arena.free(b);
    const merged = arena.floats(64);
    expect(merged.byteOffset).toBe(blocks[0].byteOffset);
    expect(merged.byteOffset + merged.byteLength).toBeLessThanOrEqual(keep.byteOffset);
  });
});

describe('the two kernel paths agree end to end', () => {
  let ts: Backend;
  beforeAll(async () => {
    ts = await getBackend('ts');
  });

  it('SparseLinear forward/backward and lazy Adam on its rows', () => {
    const run = (kind: 'wasm' | 'ts') => {
      const layer = new SparseLinear(300, 37, new Rng('sl'), createArena(kind));
      new Rng('bias').fillUniform(layer.bias, 0.3);
      const opt = new Adam({ lr: 0.01 });
      let grad = layer.emptyGradient(4);
      const outs: Float32Array[] = [];
      for (let s = 0; s < 4; s++) {
        for (const binary of [true, false]) {
          const x = randomCsr(new Rng(`x${s}${binary}`), 9, 300, 0, 30, binary);
          const out = new Float32Array(9 * 37);
          layer.forward(x, out);
          outs.push(out);
          const dz = randomArray(new Rng(`dz${s}${binary}`), 9 * 37);
          const gradBias = new Float32Array(37);
          grad = layer.backward(x, dz, grad, gradBias);
          opt.step();
          opt.rows('w', layer.weights, 37, grad);
          opt.dense('b', layer.bias, gradBias);
        }
      }
      opt.release();
      return { layer, outs, grad };
    };
    const wasm = run('wasm');
    const ref = run('ts');
    expect(wasm.layer.arena.kind).toBe('wasm');
    expect(wasm.layer.arena.fallbacks).toBe(0);
    wasm.outs.forEach((o, i) => expectNear(o, ref.outs[i], `forward ${i}`));
    expect(Array.from(wasm.grad.rows.subarray(0, wasm.grad.count))).toEqual(Array.from(ref.grad.rows.subarray(0, ref.grad.count)));
    expectNear(wasm.grad.values.subarray(0, wasm.grad.count * 37), ref.grad.values.subarray(0, ref.grad.count * 37), 'row gradient');
    expectNear(wasm.layer.weights, ref.layer.weights, 'weights after Adam');
    expectNear(wasm.layer.bias, ref.layer.bias, 'bias after Adam');
  });

  it('a deep network: a few Adam steps on the same seeded batches', () => {
    const run = (kind: 'wasm' | 'ts') => withKernels(kind, () => {
      const net = new Network({ inputDim: 200, layers: [40, 30, 20], activation: 'relu', head: 'softmax' }, ts, 5);
      const state = new State(net, 16);
      const opt = new Adam({ lr: 3e-3 });
      const losses: number[] = [];
      for (let s = 0; s < 6; s++) {
        const x = randomCsr(new Rng(`net${s}`), 16, 200, 1, 25, true);
        const ratings = Array.from({ length: 16 }, (_, i) => 1 + ((i * 7 + s) % 5));
        net.forward(x, state);
        losses.push(net.backward(x, state, ratings, 1e-3).loss);
        applyGradients(net, state, opt);
      }
      opt.release();
      return { net, losses, out: state.out.slice() };
    });
    const wasm = run('wasm');
    const ref = run('ts');
    expect(wasm.net.input.arena.kind).toBe('wasm');
    expect(ref.net.input.arena.kind).toBe('ts');
    expect(wasm.net.input.arena.fallbacks).toBe(0);
    expectNear(wasm.losses, ref.losses, 'losses');
    expectNear(wasm.out, ref.out, 'outputs');
    const refParams = ref.net.parameters();
    wasm.net.parameters().forEach((p, i) => expectNear(p.get(), refParams[i].get(), p.name));
  });

  it('the sampled reconstruction: cost, dh and decoder row gradient', () => {
    const V = 400;
    const H = 24;
    const clean = randomCsr(new Rng('rc'), 12, V, 3, 30, true);
    const corrupted = randomCsr(new Rng('rn'), 12, V, 3, 30, true);
    const h = randomArray(new Rng('rh'), 12 * H).map((x) => (x > 0 ? 2 * x : 0));
    const run = (kind: 'wasm' | 'ts', negatives: number | 'all') => {
      const rec = new SparseReconstruction(V, H, new Rng('dec'), createArena(kind));
      const dh = randomArray(new Rng('prior'), 12 * H);
      const grad = { dh, rows: rec.emptyGradient(2), scale: 0.3 };
      const cost = rec.cost(clean, corrupted, h, negatives, new Rng('neg'), grad);
      const sampled = rec.cost(clean, corrupted, h, negatives, new Rng('neg'), null);
      return { cost, sampled, dh, rows: grad.rows, rec };
    };
    for (const negatives of [16, 'all'] as const) {
      const wasm = run('wasm', negatives);
      const ref = run('ts', negatives);
      expect(wasm.rec.arena.fallbacks).toBe(0);
      expectNear([wasm.cost, wasm.sampled], [ref.cost, ref.sampled], `cost (${negatives})`);
      expectNear(wasm.dh, ref.dh, `dh (${negatives})`);
      expect(Array.from(wasm.rows.rows.subarray(0, wasm.rows.count))).toEqual(Array.from(ref.rows.rows.subarray(0, ref.rows.count)));
      expectNear(wasm.rows.values.subarray(0, wasm.rows.count * (H + 1)), ref.rows.values.subarray(0, ref.rows.count * (H + 1)), `decoder gradient (${negatives})`);
    }
  });

  it('pretraining the input layer: a few denoising steps (salt-and-pepper noise, sampled negatives)', () => {
    const run = (kind: 'wasm' | 'ts') => withKernels(kind, () => {
      const net = new Network({ inputDim: 300, layers: [32, 8], activation: 'relu', head: 'softmax' }, ts, 9);
      const opt = new Adam({ lr: 3e-3 });
      const ae = new InputAutoencoder(net, { ...DEFAULT_PRETRAIN, batchSize: 16, negatives: 24 }, new Rng('ae'), opt);
      const costs: number[] = [];
      for (let s = 0; s < 5; s++) costs.push(ae.step(randomCsr(new Rng(`ae${s}`), 16, 300, 2, 30, true)));
      costs.push(ae.error(randomCsr(new Rng('ae-err'), 20, 300, 2, 30, true)));
      opt.release();
      return { net, ae, costs };
    });
    const wasm = run('wasm');
    const ref = run('ts');
    expect(wasm.ae.decoder.arena.kind).toBe('wasm');
    expect(wasm.ae.decoder.arena.fallbacks + wasm.net.input.arena.fallbacks).toBe(0);
    expectNear(wasm.costs, ref.costs, 'costs');
    expectNear(wasm.net.input.weights, ref.net.input.weights, 'W1');
    expectNear(wasm.net.input.bias, ref.net.input.bias, 'b1');
    expectNear(wasm.ae.decoder.weights, ref.ae.decoder.weights, 'decoder');
  });

  it('the reference kernels are what the ts path runs', () => {
    expect(createArena('ts').kernels).toBe(referenceKernels);
  });
});
