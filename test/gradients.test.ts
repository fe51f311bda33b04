/**
 * Finite-difference checks of every hand-written gradient: the network (each activation, both heads, the
 * L1 term, non-identity scaling, 0..3 hidden layers, binary and non-binary inputs), the sampled and exact
 * sparse reconstruction, and both denoising autoencoders (through the gradients their step() hands to the
 * optimizer). All on the plain TypeScript backend, whose products are the reference; the sparse layer and
 * the reconstruction run on the default kernels, WebAssembly SIMD (kernels.test.ts checks the TypeScript
 * kernels against them).
 */
process.env.RECTIFY_QUIET_BACKEND = '1';

import { beforeAll, describe, expect, it } from 'vitest';
import type { CsrBatch } from '../data/vectorizer.js';
import { activate, ACTIVATIONS, l1Penalty, sigmoidCrossEntropy, type Activation } from '../model/activations.js';
import { getBackend, type Backend } from '../model/backend.js';
import { headFor, type HeadKind } from '../model/heads.js';
import { preferredKernels } from '../model/kernels/arena.js';
import { emptyRowGradient, type RowGradient } from '../model/layers.js';
import { Network, State, type Gradients } from '../model/network.js';
import { saltAndPepper, zeroMask } from '../model/noise.js';
import { Adam } from '../model/optimizer.js';
import { DEFAULT_PRETRAIN, HiddenAutoencoder, InputAutoencoder, measureScaling, type PretrainOptions } from '../model/pretrain.js';
import { SparseReconstruction, type Negatives } from '../model/reconstruction.js';
import { Rng } from '../model/rng.js';
import { arrayParam, csr, fdCheck, randomArray, randomCsr, signPattern, type FdOptions, type FdResult, type ParamView } from './helpers/numeric.js';

const FD: FdOptions = { eps: 3e-3, rtol: 2e-2, atol: 2e-4 };

let ts: Backend;
beforeAll(async () => {
  ts = await getBackend('ts');
});

function expectClean(result: FdResult, minChecked = 0.8): void {
  const total = result.checked + result.skipped;
  expect(result.failures.slice(0, 12), `${result.failures.length} of ${result.checked} coordinates wrong`).toEqual([]);
  expect(result.checked / total, `only ${result.checked} of ${total} coordinates were kink-free`).toBeGreaterThanOrEqual(minChecked);
  expect(result.nonzero).toBeGreaterThan(0);
}

/** Row-sparse gradient as a lookup over the full [rows, width] matrix (untouched rows: 0). */
function rowLookup(grad: { rows: ArrayLike<number>; count: number; values: ArrayLike<number> }, width: number): (i: number) => number {
  const slot = new Map<number, number>();
  for (let s = 0; s < grad.count; s++) {
    expect(slot.has(grad.rows[s]), `row ${grad.rows[s]} listed twice`).toBe(false);
    slot.set(grad.rows[s], s);
  }
  return (i) => {
    const s = slot.get(Math.floor(i / width));
    return s === undefined ? 0 : grad.values[s * width + (i % width)];
  };
}

function distinctTerms(x: CsrBatch): number[] {
  const set = new Set<number>();
  for (let p = x.indptr[0]; p < x.indptr[x.rows]; p++) set.add(x.indices[p]);
  return [...set].sort((a, b) => a - b);
}

function networkParams(net: Network, g: Gradients): ParamView[] {
  const H = net.input.outDim;
  const params: ParamView[] = [
    { name: 'input.w', size: net.input.weights.length, get: () => net.input.weights, commit: () => {}, analytic: rowLookup(g.input, H) },
    arrayParam('input.b', net.input.bias, g.inputBias),
  ];
  net.dense.forEach((d, l) => {
    params.push({ name: `dense${l}.w`, size: d.inDim * d.outDim, get: () => d.weights.values, commit: () => d.weights.commit(), analytic: (i) => g.dense[l].w[i] });
    params.push(arrayParam(`dense${l}.b`, d.bias, g.dense[l].b));
  });
  return params;
}

interface NetCase {
  activation: Activation;
  head: HeadKind;
  layers: number[];
  l1: number;
  scaling: boolean;
  binary: boolean;
  seed: number;
}

function buildNet(c: NetCase, V = 12): Network {
  const net = new Network({ inputDim: V, layers: c.layers, activation: c.activation, head: c.head }, ts, c.seed);
  const rng = new Rng(`${c.seed}:extra`);
  rng.fillUniform(net.input.bias, 0.2);
  for (const d of net.dense) rng.fillUniform(d.bias, 0.2);
  if (c.scaling) {
    net.scaling.forEach((s, l) => {
      for (let j = 0; j < c.layers[l]; j++) {
        s.scale[j] = 0.5 + rng.uniform();
        s.shift[j] = 0.6 * rng.uniform() - 0.3;
      }
    });
  }
  return net;
}

function ratingsFor(head: HeadKind, B: number, rng: Rng): number[] {
  return Array.from({ length: B }, () => 1 + rng.int(5));
}

/** Analytic gradients at the current point, then the finite-difference check against them. */
function checkNetwork(c: NetCase, x: CsrBatch, opts: FdOptions = FD): FdResult {
  const net = buildNet(c, x.cols);
  expect(net.input.arena.kind).toBe(preferredKernels());
  const B = x.rows;
  const ratings = ratingsFor(c.head, B, new Rng(`${c.seed}:ratings`));
  const state = new State(net, B + 2);
  net.forward(x, state);
  const { loss, penalty } = net.backward(x, state, ratings, c.l1);

  // The returned numbers are the mean head cost and the mean L1 penalty.
  const scratch = new State(net, B);
  net.forward(x, scratch);
  const head = headFor(c.head);
  expect(loss).toBeCloseTo(head.loss(scratch.out, ratings, B, null) / B, 6);
  let l1 = 0;
  c.layers.forEach((w, l) => { l1 += l1Penalty(c.l1 / B, scratch.h[l], null, B * w); });
  expect(penalty).toBeCloseTo(l1, 6);
  if (c.l1 > 0 && c.layers.length > 0) expect(penalty).toBeGreaterThan(0);

  // Every distinct input term, and no other, has a gradient row.
  const g = state.grads;
  expect([...g.input.rows.subarray(0, g.input.count)].sort((a, b) => a - b)).toEqual(distinctTerms(x));

  const objective = () => {
    net.forward(x, scratch);
    const r = net.backward(x, scratch, ratings, c.l1);
    return r.loss + r.penalty;
  };
  const signature = () => signPattern(scratch.h, c.layers.map((w) => B * w));
  return fdCheck(objective, networkParams(net, g), { ...opts, signature });
}

describe('network gradients (finite differences, ts backend)', () => {
  const heads: HeadKind[] = ['softmax', 'linear'];
  const cases: NetCase[] = [];
  let seed = 1;
  for (const activation of ACTIVATIONS) {
    for (const head of heads) {
      cases.push({ activation, head, layers: [6, 5], l1: 0, scaling: false, binary: true, seed: seed++ });
      cases.push({ activation, head, layers: [6, 5], l1: 0.05, scaling: true, binary: false, seed: seed++ });
    }
  }

  it.each(cases)('$activation / $head / layers $layers / l1 $l1 / scaling $scaling / binary $binary', (c) => {
    const x = randomCsr(new Rng(`${c.seed}:x`), 3, 12, 2, 5, c.binary);
    expectClean(checkNetwork(c, x));
  });

  it.each([
    { activation: 'relu', head: 'softmax', layers: [], l1: 0.1, scaling: false, binary: true, seed: 101 },
    { activation: 'relu', head: 'softmax', layers: [], l1: 0, scaling: false, binary: false, seed: 102 },
    { activation: 'tanh', head: 'linear', layers: [], l1: 0, scaling: false, binary: false, seed: 103 },
  ] as NetCase[])('no hidden layer (softmax/linear regression): $head, binary $binary', (c) => {
    const x = randomCsr(new Rng(`${c.seed}:x`), 3, 12, 1, 5, c.binary);
    const result = checkNetwork(c, x);
    expectClean(result, 1);
  });

  it.each([
    { activation: 'relu', head: 'softmax', layers: [6], l1: 0.05, scaling: true, binary: false, seed: 201 },
    { activation: 'softplus', head: 'linear', layers: [6, 5, 4], l1: 0.02, scaling: true, binary: true, seed: 202 },
    { activation: 'tanh', head: 'softmax', layers: [6, 5, 4], l1: 0.05, scaling: true, binary: false, seed: 203 },
    { activation: 'relu', head: 'linear', layers: [6, 5, 4], l1: 0.05, scaling: true, binary: false, seed: 204 },
  ] as NetCase[])('depth $layers.length: $activation / $head', (c) => {
    const x = randomCsr(new Rng(`${c.seed}:x`), 3, 12, 2, 5, c.binary);
    expectClean(checkNetwork(c, x));
  });

  it('an empty example and a term shared by every example', () => {
    const x = csr([
      { indices: [0, 3, 7], values: [1, 2, 0.5] },
      { indices: [], values: [] },
      { indices: [3, 11], values: [1, 3] },
      { indices: [3], values: [1] },
    ], 12);
    expectClean(checkNetwork({ activation: 'softplus', head: 'softmax', layers: [6, 5], l1: 0.05, scaling: true, binary: false, seed: 301 }, x));
  });

  it('a batch whose CSR arrays start at a non-zero offset', () => {
    const rows = [{ indices: [1, 4, 9], values: [1, 1, 1] }, { indices: [4, 5], values: [2, 1] }];
    const x = csr(rows, 12, 5);
    expectClean(checkNetwork({ activation: 'tanh', head: 'linear', layers: [6, 5], l1: 0.05, scaling: true, binary: false, seed: 302 }, x));
  });

  it('the checker has teeth: a gradient off by 5% is caught', () => {
    const c: NetCase = { activation: 'softplus', head: 'softmax', layers: [6, 5], l1: 0, scaling: true, binary: true, seed: 401 };
    const net = buildNet(c);
    const x = randomCsr(new Rng('teeth'), 3, 12, 2, 5, true);
    const ratings = [1, 3, 5];
    const state = new State(net, 3);
    net.forward(x, state);
    net.backward(x, state, ratings, 0);
    const scratch = new State(net, 3);
    const objective = () => { net.forward(x, scratch); const r = net.backward(x, scratch, ratings, 0); return r.loss + r.penalty; };
    const params = networkParams(net, state.grads).map((p) => ({ ...p, analytic: (i: number) => 1.05 * p.analytic(i) }));
    const result = fdCheck(objective, params, FD);
    expect(result.failures.length).toBeGreaterThan(result.checked / 4);
  });
});

describe('SparseReconstruction gradients', () => {
  const V = 12;
  const H = 5;

  function setup(seed: number) {
    const rng = new Rng(`${seed}:rec`);
    const rec = new SparseReconstruction(V, H, new Rng(seed));
    for (let j = 0; j < V; j++) rec.weights[j * rec.width + H] = 2 * rng.uniform() - 1; // decoder biases
    const clean = csr([
      { indices: [0, 2, 5], values: [1, 1, 1] },
      { indices: [2, 7, 8, 11], values: [1, 1, 1, 1] },
      { indices: [], values: [] },
    ], V);
    // Corrupted: some clean terms dropped (pepper), some new ones switched on (salt).
    const corrupted = csr([
      { indices: [0, 3, 5], values: [1, 1, 1] },
      { indices: [1, 2, 8, 9, 11], values: [1, 1, 1, 1, 1] },
      { indices: [4], values: [1] },
    ], V);
    const h = randomArray(rng, clean.rows * H, 1.5);
    return { rec, clean, corrupted, h };
  }

  function check(negatives: Negatives, seed: number) {
    const { rec, clean, corrupted, h } = setup(seed);
    const scale = 0.37;
    const prior = randomArray(new Rng(`${seed}:prior`), h.length, 1);
    const dh = prior.slice();
    const grad = { dh, rows: emptyRowGradient(rec.width, 1), scale };
    const rngFor = () => (negatives === 'all' ? null : new Rng(`${seed}:neg`));
    const cost = rec.cost(clean, corrupted, h, negatives, rngFor(), grad);
    expect(rec.cost(clean, corrupted, h, negatives, rngFor(), null)).toBeCloseTo(cost, 10);
    // dh is accumulated into, not overwritten.
    const added = dh.map((v, i) => v - prior[i]);
    const objective = () => scale * rec.cost(clean, corrupted, h, negatives, rngFor(), null);
    const params: ParamView[] = [
      arrayParam('h', h, added),
      { name: 'decoder', size: rec.weights.length, get: () => rec.weights, commit: () => {}, analytic: rowLookup(grad.rows, rec.width) },
    ];
    return { result: fdCheck(objective, params, { eps: 3e-3, rtol: 2e-2, atol: 1e-4 }), rows: grad.rows, rec };
  }

  it("negatives = 'all': exact cost, every row touched", () => {
    const { result, rows } = check('all', 1);
    expectClean(result, 1);
    expect(rows.count).toBe(V);
  });

  it('negatives = 3 (sampled, fixed seed): gradient of the sampled cost', () => {
    const { result, rec } = check(3, 2);
    expectClean(result, 1);
    // It is an estimate: it differs from the exact cost at the same point.
    const { clean, corrupted, h } = setup(2);
    const exact = rec.cost(clean, corrupted, h, 'all', null, null);
    expect(Math.abs(rec.cost(clean, corrupted, h, 3, new Rng('2:neg'), null) - exact)).toBeGreaterThan(1e-3);
  });

  it('the sampled cost is an unbiased estimate of the full cost (and so is its gradient)', () => {
    for (const [vocab, negatives] of [[12, 2], [200, 5]] as const) {
      const rng = new Rng(`unbiased:${vocab}`);
      const rec = new SparseReconstruction(vocab, H, new Rng(vocab));
      for (let j = 0; j < vocab; j++) rec.weights[j * rec.width + H] = 6 * rng.uniform() - 3; // spread per-term costs
      const clean = csr([{ indices: [1, 4, 6], values: [1, 1, 1] }, { indices: [0, 9], values: [1, 1] }], vocab);
      const corrupted = csr([{ indices: [1, 2, 6, 10], values: [1, 1, 1, 1] }, { indices: [3, 9, 11], values: [1, 1, 1, 1] }], vocab);
      const h = randomArray(rng, 2 * H, 1);
      const fullDh = new Float32Array(h.length);
      const full = rec.cost(clean, corrupted, h, 'all', null, { dh: fullDh, rows: emptyRowGradient(rec.width), scale: 1 });
      const N = 20000;
      let sum = 0;
      let sumSq = 0;
      const meanDh = new Float64Array(h.length);
      const sqDh = new Float64Array(h.length);
      const dh = new Float32Array(h.length);
      for (let s = 0; s < N; s++) {
        dh.fill(0);
        const c = rec.cost(clean, corrupted, h, negatives, new Rng(`u${s}`), { dh, rows: emptyRowGradient(rec.width), scale: 1 });
        sum += c;
        sumSq += c * c;
        for (let i = 0; i < h.length; i++) {
          meanDh[i] += dh[i] / N;
          sqDh[i] += (dh[i] * dh[i]) / N;
        }
      }
      const mean = sum / N;
      const se = Math.sqrt((sumSq / N - mean * mean) / N);
      expect(se).toBeGreaterThan(0); // the estimate really is random
      expect(Math.abs(mean - full), `vocab ${vocab}: mean ${mean} vs full ${full} (se ${se})`).toBeLessThan(Math.min(4 * se + 1e-9, 0.03 * full));
      // Each coordinate of the mean sampled gradient within 4.5 standard errors of the exact one.
      for (let i = 0; i < h.length; i++) {
        const seDh = Math.sqrt(Math.max(0, sqDh[i] - meanDh[i] * meanDh[i]) / N);
        expect(Math.abs(meanDh[i] - fullDh[i]), `dh[${i}]: mean ${meanDh[i]} vs exact ${fullDh[i]} (se ${seDh})`).toBeLessThan(4.5 * seDh + 1e-6);
      }
    }
  });
});

/** Records the gradients a step hands to the optimizer, and applies none of them. */
class SpyAdam extends Adam {
  readonly dense_ = new Map<string, Float32Array>();
  readonly rows_ = new Map<string, RowGradient>();
  dense(key: string, _param: Float32Array, grad: Float32Array): void {
    this.dense_.set(key, grad.slice());
  }
  rows(key: string, _param: Float32Array, width: number, grad: RowGradient): void {
    this.rows_.set(key, { rows: grad.rows.slice(0, grad.count), count: grad.count, values: grad.values.slice(0, grad.count * width) });
  }
  sgdRows(key: string, param: Float32Array, width: number, grad: RowGradient): void {
    this.rows(key, param, width, grad);
  }
}

describe('autoencoder gradients (through what step() hands the optimizer)', () => {
  function options(over: Partial<PretrainOptions>): PretrainOptions {
    return { ...DEFAULT_PRETRAIN, batchSize: 4, ...over };
  }

  it.each([
    { activation: 'relu', noise: 0, negatives: 'all', l1: 0.05 },
    { activation: 'softplus', noise: 0, negatives: 'all', l1: 0 },
    { activation: 'tanh', noise: 0.4, negatives: 3, l1: 0.05 },
    { activation: 'relu', noise: 0.4, negatives: 4, l1: 0.02 },
  ] as { activation: Activation; noise: number; negatives: Negatives; l1: number }[])(
    'InputAutoencoder: $activation, noise $noise, negatives $negatives, l1 $l1', (c) => {
      const V = 12;
      const H = 6;
      const net = new Network({ inputDim: V, layers: [H, 5], activation: c.activation, head: 'softmax' }, ts, 7);
      new Rng('ae-bias').fillUniform(net.input.bias, 0.2);
      const o = options({ noise: c.noise, negatives: c.negatives, l1: c.l1 });
      const seed = 'ae1';
      const spy = new SpyAdam();
      const ae = new InputAutoencoder(net, o, new Rng(seed), spy);
      for (let j = 0; j < V; j++) ae.decoder.weights[j * ae.decoder.width + H] = 0.4 * Math.sin(j);
      const x = randomCsr(new Rng('ae-x'), 3, V, 2, 5, true);
      const B = x.rows;
      const returned = ae.step(x);

      // The same computation from the public pieces, replaying the autoencoder's random draws.
      const h = new Float32Array(B * H);
      const objective = () => {
        const r = new Rng(seed);
        r.fork('decoder1'); // the draw the constructor makes
        const corrupted = saltAndPepper(x, o.noise, r);
        net.input.forward(corrupted, h);
        activate(c.activation, h, B * H);
        const cost = ae.decoder.cost(x, corrupted, h, o.negatives, r, null);
        return cost / B + l1Penalty(o.l1 / B, h, null, B * H);
      };
      expect(returned / B).toBeCloseTo(objective(), 5);
      const params: ParamView[] = [
        { name: 'input.w', size: net.input.weights.length, get: () => net.input.weights, commit: () => {}, analytic: rowLookup(spy.rows_.get('input.w')!, H) },
        arrayParam('input.b', net.input.bias, spy.dense_.get('input.b')!),
        { name: 'decoder1', size: ae.decoder.weights.length, get: () => ae.decoder.weights, commit: () => {}, analytic: rowLookup(spy.rows_.get('decoder1')!, ae.decoder.width) },
      ];
      expectClean(fdCheck(objective, params, { ...FD, signature: () => signPattern([h], [B * H]) }));
    });

  it.each([
    { activation: 'relu', layers: [6, 5], layer: 1, maskNoise: 0, l1: 0.05 },
    { activation: 'tanh', layers: [6, 5], layer: 1, maskNoise: 0.3, l1: 0.05 },
    { activation: 'softplus', layers: [6, 5, 4], layer: 2, maskNoise: 0.3, l1: 0.02 },
    { activation: 'relu', layers: [6, 5, 4], layer: 2, maskNoise: 0.25, l1: 0 },
  ] as { activation: Activation; layers: number[]; layer: number; maskNoise: number; l1: number }[])(
    'HiddenAutoencoder: $activation, layers $layers, layer $layer, mask $maskNoise, l1 $l1', (c) => {
      const V = 12;
      const net = new Network({ inputDim: V, layers: c.layers, activation: c.activation, head: 'linear' }, ts, 11);
      const brng = new Rng('hae-bias');
      brng.fillUniform(net.input.bias, 0.3);
      for (const d of net.dense) brng.fillUniform(d.bias, 0.2);
      const x = randomCsr(new Rng('hae-x'), 4, V, 2, 5, true);
      for (let l = 0; l < c.layer; l++) net.scaling[l] = measureScaling(net, l, x); // inputs in [0,1], as in pretraining
      const o = options({ maskNoise: c.maskNoise, l1: c.l1 });
      const seed = 'ae2';
      const spy = new SpyAdam();
      const ae = new HiddenAutoencoder(net, c.layer, o, new Rng(seed), spy);
      brng.fillUniform(ae.decoder.bias, 0.3);
      const B = x.rows;
      const inDim = c.layers[c.layer - 1];
      const outDim = c.layers[c.layer];
      const returned = ae.step(x);

      const encoder = net.dense[c.layer - 1];
      const st = new State(net, B);
      const masked = new Float32Array(B * inDim);
      const h = new Float32Array(B * outDim);
      const logits = new Float32Array(B * inDim);
      const objective = () => {
        const r = new Rng(seed);
        r.fork(`decoder${c.layer + 1}`);
        net.forwardHidden(x, st, c.layer);
        const clean = st.a[c.layer - 1];
        zeroMask(clean, B * inDim, o.maskNoise, r, masked);
        encoder.forward(masked, B, h);
        activate(c.activation, h, B * outDim);
        ae.decoder.forward(h, B, logits);
        let cost = 0;
        for (let i = 0; i < B * inDim; i++) cost += sigmoidCrossEntropy(logits[i], clean[i]);
        return cost / B + l1Penalty(o.l1 / B, h, null, B * outDim);
      };
      expect(returned / B).toBeCloseTo(objective(), 5);
      const key = `dense${c.layer - 1}`;
      const dec = `decoder${c.layer + 1}`;
      const params: ParamView[] = [
        { name: `${key}.w`, size: encoder.inDim * encoder.outDim, get: () => encoder.weights.values, commit: () => encoder.weights.commit(), analytic: (i) => spy.dense_.get(`${key}.w`)![i] },
        arrayParam(`${key}.b`, encoder.bias, spy.dense_.get(`${key}.b`)!),
        { name: `${dec}.w`, size: ae.decoder.inDim * ae.decoder.outDim, get: () => ae.decoder.weights.values, commit: () => ae.decoder.weights.commit(), analytic: (i) => spy.dense_.get(`${dec}.w`)![i] },
        arrayParam(`${dec}.b`, ae.decoder.bias, spy.dense_.get(`${dec}.b`)!),
      ];
      expectClean(fdCheck(objective, params, { ...FD, signature: () => signPattern([h], [B * outDim]) }));
      ae.release();
    });
});
