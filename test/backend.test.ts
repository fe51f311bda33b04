/**
 * Dense backends agree with each other ('ts' is the reference, 'wasm' the default install), in-place
 * weight updates reach the wasm products, nothing leaks tensors; and the sparse input kernel agrees with a
 * naive dense product.
 */
process.env.RECTIFY_QUIET_BACKEND = '1';

import { beforeAll, describe, expect, it } from 'vitest';
import type { CsrBatch } from '../data/vectorizer.js';
import { getBackend, type Backend, type DenseWeights } from '../model/backend.js';
import { transpose } from '../model/backend-tfjs.js';
import { DenseLinear, emptyRowGradient, SparseLinear } from '../model/layers.js';
import { sumRows } from '../model/kernels/reference.js';
import { Network, State, type NetworkSpec } from '../model/network.js';
import { Adam, updateDenseLinear } from '../model/optimizer.js';
import { Rng } from '../model/rng.js';
import { compareArrays, csr, densify, randomArray, randomCsr, type SparseRow } from './helpers/numeric.js';

const TOL = 1e-5;

let ts: Backend;
let wasm: Backend;
beforeAll(async () => {
  ts = await getBackend('ts');
  wasm = await getBackend('wasm');
  expect(ts.name).toBe('ts');
  expect(wasm.name).toBe('wasm');
});

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, n: number, what: string, tol = TOL): void {
  const { ok, worst } = compareArrays(expected, actual, n, tol);
  expect(ok, `${what}: worst ${worst}`).toBe(true);
}

/** Weights on a backend, set from `values` and committed. */
function weightsOn(backend: Backend, inDim: number, outDim: number, values: Float32Array): DenseWeights {
  const w = backend.createWeights(inDim, outDim);
  expect(w.values.length).toBe(inDim * outDim);
  w.values.set(values);
  w.commit();
  return w;
}

/** Naive float64 products, for the reference of the reference. */
function naiveForward(W: Float32Array, a: Float32Array, B: number, inDim: number, outDim: number): Float64Array {
  const out = new Float64Array(B * outDim);
  for (let b = 0; b < B; b++) for (let o = 0; o < outDim; o++) {
    let s = 0;
    for (let i = 0; i < inDim; i++) s += a[b * inDim + i] * W[o * inDim + i];
    out[b * outDim + o] = s;
  }
  return out;
}
function naiveBackward(W: Float32Array, dz: Float32Array, B: number, inDim: number, outDim: number): Float64Array {
  const out = new Float64Array(B * inDim);
  for (let b = 0; b < B; b++) for (let i = 0; i < inDim; i++) {
    let s = 0;
    for (let o = 0; o < outDim; o++) s += dz[b * outDim + o] * W[o * inDim + i];
    out[b * inDim + i] = s;
  }
  return out;
}
function naiveGradient(dz: Float32Array, a: Float32Array, B: number, inDim: number, outDim: number): Float64Array {
  const out = new Float64Array(outDim * inDim);
  for (let o = 0; o < outDim; o++) for (let i = 0; i < inDim; i++) {
    let s = 0;
    for (let b = 0; b < B; b++) s += dz[b * outDim + o] * a[b * inDim + i];
    out[o * inDim + i] = s;
  }
  return out;
}

describe('dense backends: ts vs wasm', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1], [1, 300, 5], [7, 1, 300], [7, 13, 29], [33, 300, 1], [33, 64, 200], [1, 257, 129], [33, 300, 300], [7, 31, 33],
  ];
  const rng = new Rng('shapes');
  for (let k = 0; k < 6; k++) shapes.push([[1, 7, 33][k % 3], 1 + rng.int(300), 1 + rng.int(300)]);

  it.each(shapes)('batch %i, in %i, out %i: forward, backward and gradient agree', (B, inDim, outDim) => {
    const r = new Rng(`${B}x${inDim}x${outDim}`);
    const W = randomArray(r, inDim * outDim, Math.sqrt(6 / (inDim + outDim)));
    const a = randomArray(r, B * inDim, 1);
    const dz = randomArray(r, B * outDim, 1);
    const wt = weightsOn(ts, inDim, outDim, W);
    const ww = weightsOn(wasm, inDim, outDim, W);
    // Outputs are written into buffers longer than needed, with a sentinel tail that must survive.
    const run = (backend: Backend, w: DenseWeights) => {
      const f = new Float32Array(B * outDim + 3).fill(7);
      const d = new Float32Array(B * inDim + 3).fill(7);
      const g = new Float32Array(inDim * outDim + 3).fill(7);
      backend.forward(w, a, B, f);
      backend.backward(w, dz, B, d);
      backend.gradient(dz, a, B, inDim, outDim, g);
      return { f, d, g };
    };
    const t = run(ts, wt);
    const m = run(wasm, ww);
    expectClose(t.f, naiveForward(W, a, B, inDim, outDim), B * outDim, 'ts forward vs naive');
    expectClose(t.d, naiveBackward(W, dz, B, inDim, outDim), B * inDim, 'ts backward vs naive');
    expectClose(t.g, naiveGradient(dz, a, B, inDim, outDim), inDim * outDim, 'ts gradient vs naive');
    expectClose(m.f, t.f, B * outDim, 'wasm forward');
    expectClose(m.d, t.d, B * inDim, 'wasm backward');
    expectClose(m.g, t.g, inDim * outDim, 'wasm gradient');
    for (const [name, buf, n] of [['forward', m.f, B * outDim], ['backward', m.d, B * inDim], ['gradient', m.g, inDim * outDim]] as const) {
      expect(Array.from(buf.subarray(n)), `wasm ${name} wrote past its output`).toEqual([7, 7, 7]);
    }
    // The weights are still what was written (the products did not disturb them).
    expect(Array.from(ww.values)).toEqual(Array.from(W));
    wasm.release(ww);
  });

  it('inputs longer than batch × width are read only up to batch × width', () => {
    const [B, inDim, outDim] = [3, 5, 4];
    const r = new Rng('long');
    const W = randomArray(r, inDim * outDim);
    const a = randomArray(r, (B + 4) * inDim); // a state buffer with capacity 7, batch 3
    const dz = randomArray(r, (B + 4) * outDim);
    const ww = weightsOn(wasm, inDim, outDim, W);
    const wt = weightsOn(ts, inDim, outDim, W);
    for (const [backend, w] of [[ts, wt], [wasm, ww]] as const) {
      const f = new Float32Array(B * outDim);
      const d = new Float32Array(B * inDim);
      const g = new Float32Array(inDim * outDim);
      backend.forward(w, a, B, f);
      backend.backward(w, dz, B, d);
      backend.gradient(dz, a, B, inDim, outDim, g);
      expectClose(f, naiveForward(W, a, B, inDim, outDim), B * outDim, `${backend.name} forward`);
      expectClose(d, naiveBackward(W, dz, B, inDim, outDim), B * inDim, `${backend.name} backward`);
      expectClose(g, naiveGradient(dz, a, B, inDim, outDim), inDim * outDim, `${backend.name} gradient`);
    }
    wasm.release(ww);
  });

  it('in-place weight updates + commit() are seen by every following product (several rounds)', () => {
    const [inDim, outDim] = [48, 40];
    const r = new Rng('rounds');
    const ww = wasm.createWeights(inDim, outDim);
    const wt = ts.createWeights(inDim, outDim);
    const a = new Float32Array(7 * inDim); // the same input buffers every round, changed in place
    const dz = new Float32Array(7 * outDim);
    for (let round = 0; round < 12; round++) {
      const B = [1, 7, 4][round % 3];
      // Alternate whole rewrites, single-element edits and scaled copies.
      if (round % 3 === 0) r.fillUniform(ww.values, 0.3);
      else if (round % 3 === 1) ww.values[r.int(inDim * outDim)] += 5;
      else { const v = ww.values; for (let i = 0; i < v.length; i++) v[i] *= -1.5; }
      ww.commit();
      wt.values.set(ww.values);
      r.fillUniform(a, 1);
      r.fillUniform(dz, 1);
      const fw = new Float32Array(B * outDim), ft = new Float32Array(B * outDim);
      const dw = new Float32Array(B * inDim), dt = new Float32Array(B * inDim);
      // The same product twice on wasm: a cached operand would show up on the second call of the next round.
      for (let rep = 0; rep < 2; rep++) {
        wasm.forward(ww, a, B, fw);
        wasm.backward(ww, dz, B, dw);
      }
      ts.forward(wt, a, B, ft);
      ts.backward(wt, dz, B, dt);
      expectClose(fw, ft, B * outDim, `round ${round} forward`);
      expectClose(dw, dt, B * inDim, `round ${round} backward`);
    }
    wasm.release(ww);
  });

  it('Adam updates through updateDenseLinear reach the next wasm product', () => {
    const [inDim, outDim, B] = [20, 9, 5];
    const r = new Rng('adam');
    const lw = new DenseLinear(wasm, inDim, outDim, new Rng('same'));
    const lt = new DenseLinear(ts, inDim, outDim, new Rng('same'));
    expect(Array.from(lw.weights.values)).toEqual(Array.from(lt.weights.values));
    const adamW = new Adam({ lr: 0.05 });
    const adamT = new Adam({ lr: 0.05 });
    const a = randomArray(r, B * inDim);
    for (let step = 0; step < 6; step++) {
      const dz = randomArray(r, B * outDim);
      const gw = { w: new Float32Array(inDim * outDim), b: new Float32Array(outDim), d: new Float32Array(B * inDim) };
      const gt = { w: new Float32Array(inDim * outDim), b: new Float32Array(outDim), d: new Float32Array(B * inDim) };
      lw.backward(a, dz, B, gw.w, gw.b, gw.d);
      lt.backward(a, dz, B, gt.w, gt.b, gt.d);
      expectClose(gw.d, gt.d, B * inDim, `step ${step} da`);
      adamW.step();
      adamT.step();
      updateDenseLinear(adamW, 'l', lw, gt.w, gt.b);
      updateDenseLinear(adamT, 'l', lt, gt.w, gt.b);
      expectClose(lw.weights.values, lt.weights.values, inDim * outDim, `step ${step} weights`);
      const fw = new Float32Array(B * outDim), ft = new Float32Array(B * outDim);
      lw.forward(a, B, fw);
      lt.forward(a, B, ft);
      expectClose(fw, ft, B * outDim, `step ${step} forward`);
    }
    lw.release();
  });

  it('weights survive wasm heap growth (values re-read after backend calls)', () => {
    const [inDim, outDim, B] = [30, 20, 3];
    const r = new Rng('grow');
    const W = randomArray(r, inDim * outDim);
    const ww = weightsOn(wasm, inDim, outDim, W);
    const big = wasm.createWeights(2048, 2048); // 16 MB more: forces the wasm memory to grow
    big.values.fill(0.5);
    big.commit();
    expect(Array.from(ww.values)).toEqual(Array.from(W));
    ww.values[0] = 3;
    ww.commit();
    W[0] = 3;
    const a = randomArray(r, B * inDim);
    const dz = randomArray(r, B * outDim);
    const f = new Float32Array(B * outDim), d = new Float32Array(B * inDim);
    wasm.forward(ww, a, B, f);
    wasm.backward(ww, dz, B, d);
    expectClose(f, naiveForward(W, a, B, inDim, outDim), B * outDim, 'forward after growth');
    expectClose(d, naiveBackward(W, dz, B, inDim, outDim), B * inDim, 'backward after growth');
    wasm.release(big);
    wasm.release(ww);
  });

  it('a whole Network on ts and on wasm agrees given identical weights', () => {
    const specs: NetworkSpec[] = [
      { inputDim: 250, layers: [40, 30, 20], activation: 'relu', head: 'softmax' },
      { inputDim: 250, layers: [17], activation: 'tanh', head: 'linear' },
      { inputDim: 250, layers: [64, 33], activation: 'softplus', head: 'softmax' },
      { inputDim: 250, layers: [], activation: 'relu', head: 'softmax' },
    ];
    for (const spec of specs) {
      const { activation, layers } = spec;
      const nt = new Network({ ...spec }, ts, 3);
      const nw = new Network({ ...spec }, wasm, 99); // different init, then overwritten
      const r = new Rng('net');
      r.fillUniform(nt.input.bias, 0.1);
      nt.dense.forEach((d) => r.fillUniform(d.bias, 0.1));
      nt.scaling.forEach((s) => { r.fillUniform(s.scale, 1); r.fillUniform(s.shift, 0.2); });
      nw.restore(nt.snapshot());
      nw.scaling.forEach((s, l) => { s.scale.set(nt.scaling[l].scale); s.shift.set(nt.scaling[l].shift); });
      nw.snapshot().forEach((p, i) => expect(Array.from(p), `parameter ${i}`).toEqual(Array.from(nt.snapshot()[i])));
      for (const B of [1, 7, 33]) {
        const x = randomCsr(new Rng(`x${B}`), B, 250, 0, 30, B !== 7);
        const ratings = Array.from({ length: B }, (_, b) => 1 + (b % 5));
        const st = new State(nt, 33), sw = new State(nw, 33);
        nt.forward(x, st);
        nw.forward(x, sw);
        layers.forEach((w, l) => {
          expectClose(sw.h[l], st.h[l], B * w, `${activation} B=${B} h${l}`);
          expectClose(sw.a[l], st.a[l], B * w, `${activation} B=${B} a${l}`);
        });
        expectClose(sw.out, st.out, B * nt.head.outputs, `${activation} B=${B} out`);
        const lt = nt.backward(x, st, ratings, 0.01);
        const lw = nw.backward(x, sw, ratings, 0.01);
        expect(Math.abs(lw.loss - lt.loss)).toBeLessThanOrEqual(TOL * Math.max(1, Math.abs(lt.loss)));
        expect(Math.abs(lw.penalty - lt.penalty)).toBeLessThanOrEqual(TOL * Math.max(1, Math.abs(lt.penalty)));
        expect(Array.from(sw.grads.input.rows.subarray(0, sw.grads.input.count))).toEqual(Array.from(st.grads.input.rows.subarray(0, st.grads.input.count)));
        expectClose(sw.grads.input.values, st.grads.input.values, st.grads.input.count * nt.input.outDim, `${activation} B=${B} input rows`);
        expectClose(sw.grads.inputBias, st.grads.inputBias, nt.input.outDim, `${activation} B=${B} input bias`);
        nt.dense.forEach((d, l) => {
          expectClose(sw.grads.dense[l].w, st.grads.dense[l].w, d.inDim * d.outDim, `${activation} B=${B} dense${l}.w`);
          expectClose(sw.grads.dense[l].b, st.grads.dense[l].b, d.outDim, `${activation} B=${B} dense${l}.b`);
        });
      }
      nw.release();
    }
  });

  it('no tensor leak: liveTensors() stays flat over 50 forward/backward calls on wasm', () => {
    const net = new Network({ inputDim: 100, layers: [32, 16], activation: 'relu', head: 'softmax' }, wasm, 5);
    const state = new State(net, 16);
    const x = randomCsr(new Rng('leak'), 16, 100, 1, 10, true);
    const ratings = Array.from({ length: 16 }, (_, b) => 1 + (b % 5));
    const adam = new Adam();
    const once = () => {
      net.forward(x, state);
      net.backward(x, state, ratings, 0.001);
      adam.step();
      net.dense.forEach((d, l) => updateDenseLinear(adam, `dense${l}`, d, state.grads.dense[l].w, state.grads.dense[l].b));
    };
    once();
    const before = wasm.liveTensors();
    expect(before).toBeGreaterThan(0); // the resident weights are counted
    for (let i = 0; i < 50; i++) once();
    expect(wasm.liveTensors()).toBe(before);
    // Releasing a layer's weights frees its tensors.
    net.release();
    expect(wasm.liveTensors()).toBeLessThan(before);
    const w = wasm.createWeights(3, 4);
    const withOne = wasm.liveTensors();
    wasm.release(w);
    expect(wasm.liveTensors()).toBeLessThan(withOne);
  });
});

describe('transpose (backend-tfjs)', () => {
  it.each([[1, 1], [1, 40], [40, 1], [31, 32], [32, 32], [33, 65], [70, 3], [64, 97]])('%i × %i', (rows, cols) => {
    const src = randomArray(new Rng(`t${rows}x${cols}`), rows * cols);
    const dst = new Float32Array(rows * cols + 2).fill(9);
    expect(transpose(src, rows, cols, dst)).toBe(dst);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) expect(dst[c * rows + r]).toBe(src[r * cols + c]);
    expect(Array.from(dst.subarray(rows * cols))).toEqual([9, 9]);
    // Transposing twice is the identity.
    const back = transpose(dst, cols, rows, new Float32Array(rows * cols));
    expect(Array.from(back)).toEqual(Array.from(src));
  });
});

describe('SparseLinear vs a dense reference', () => {
  /** out = bias + X·W and dW = Xᵀ·dz, dbias = Σ dz, in float64 from the densified batch. */
  function reference(layer: SparseLinear, x: CsrBatch, dz: Float32Array) {
    const X = densify(x);
    const V = layer.inDim;
    const H = layer.outDim;
    const out = new Float64Array(x.rows * H);
    const dW = new Float64Array(V * H);
    const dBias = new Float64Array(H);
    for (let b = 0; b < x.rows; b++) {
      for (let j = 0; j < H; j++) {
        let s = layer.bias[j];
        for (let t = 0; t < V; t++) s += X[b * V + t] * layer.weights[t * H + j];
        out[b * H + j] = s;
        dBias[j] += dz[b * H + j];
      }
      for (let t = 0; t < V; t++) for (let j = 0; j < H; j++) dW[t * H + j] += X[b * V + t] * dz[b * H + j];
    }
    return { out, dW, dBias };
  }

  function terms(x: CsrBatch): number[] {
    const set = new Set<number>();
    for (let p = x.indptr[0]; p < x.indptr[x.rows]; p++) set.add(x.indices[p]);
    return [...set].sort((a, b) => a - b);
  }

  function check(layer: SparseLinear, x: CsrBatch, grad = emptyRowGradient(layer.outDim), label = ''): ReturnType<typeof emptyRowGradient> {
    const H = layer.outDim;
    const dz = randomArray(new Rng(`dz${label}`), x.rows * H);
    const ref = reference(layer, x, dz);
    const out = new Float32Array(x.rows * H + 2).fill(5);
    layer.forward(x, out);
    expectClose(out, ref.out, x.rows * H, `${label} forward`);
    expect(Array.from(out.subarray(x.rows * H))).toEqual([5, 5]);
    const gradBias = new Float32Array(H).fill(100); // must be overwritten, not added to
    const g = layer.backward(x, dz, grad, gradBias);
    expectClose(gradBias, ref.dBias, H, `${label} bias gradient`);
    const rows = Array.from(g.rows.subarray(0, g.count));
    expect([...rows].sort((a, b) => a - b), `${label} touched rows`).toEqual(terms(x));
    rows.forEach((t, s) => expectClose(g.values.subarray(s * H, (s + 1) * H), ref.dW.subarray(t * H, (t + 1) * H), H, `${label} row ${t}`));
    // Rows not touched by the batch have a zero reference gradient.
    for (let t = 0; t < layer.inDim; t++) if (!rows.includes(t)) for (let j = 0; j < H; j++) expect(ref.dW[t * H + j]).toBe(0);
    return g;
  }

  function layerWith(V: number, H: number, seed: string): SparseLinear {
    const layer = new SparseLinear(V, H, new Rng(seed));
    new Rng(`${seed}:b`).fillUniform(layer.bias, 0.5);
    return layer;
  }

  it('binary and non-binary rows, repeated terms across examples, empty rows', () => {
    const layer = layerWith(40, 13, 'sl1');
    const rows: SparseRow[] = [
      { indices: [0, 3, 5, 8, 9, 20, 39], values: [1, 1, 1, 1, 1, 1, 1] }, // binary, 7 = 4 + 3 (unrolled path + tail)
      { indices: [], values: [] },
      { indices: [3, 5, 17], values: [2, 0.5, 1] }, // non-binary, shares 3 and 5
      { indices: [3, 8, 9, 20], values: [1, 1, 1, 1] }, // exactly 4 binary
      { indices: [], values: [] },
      { indices: [1, 3, 5, 7, 9, 11, 13, 15, 17], values: [1, 1, 1, 3, 1, 1, 1, 1, 1] }, // one non-binary among many
      { indices: [3], values: [-1.5] },
    ];
    check(layer, csr(rows, 40), emptyRowGradient(13), 'mixed');
  });

  it('random batches of 1, 7 and 33 examples, re-using (and growing) one row gradient', () => {
    const layer = layerWith(300, 24, 'sl2');
    let grad = emptyRowGradient(24, 2); // far too small: must grow
    for (const B of [1, 7, 33, 7, 1]) {
      for (const binary of [true, false]) {
        const x = randomCsr(new Rng(`b${B}${binary}`), B, 300, 0, 40, binary);
        grad = check(layer, x, grad, `B=${B} binary=${binary}`);
      }
    }
  });

  it('a batch of only empty rows', () => {
    const layer = layerWith(10, 4, 'sl3');
    const x = csr([{ indices: [], values: [] }, { indices: [], values: [] }], 10);
    const g = check(layer, x, emptyRowGradient(4), 'empty');
    expect(g.count).toBe(0);
  });

  it('a term repeated within one example counts as the sum of its values', () => {
    const layer = layerWith(12, 5, 'sl4');
    const x = csr([{ indices: [2, 2, 7], values: [1, 1, 1] }, { indices: [7, 4, 7], values: [0.5, 1, 2] }], 12);
    check(layer, x, emptyRowGradient(5), 'duplicates');
  });

  it('a batch whose CSR arrays start at a non-zero offset', () => {
    const layer = layerWith(20, 6, 'sl5');
    const rows: SparseRow[] = [{ indices: [1, 2, 3, 4, 5], values: [1, 1, 1, 1, 1] }, { indices: [2, 19], values: [2, 1] }];
    check(layer, csr(rows, 20, 4), emptyRowGradient(6), 'offset');
  });

  it('sumRows: binary (unrolled) and weighted paths against a loop', () => {
    const r = new Rng('sumRows');
    const H = 9;
    const src = randomArray(r, 50 * H);
    for (const n of [0, 1, 3, 4, 5, 8, 11]) {
      for (const binary of [true, false]) {
        const offsets = Int32Array.from({ length: n }, () => r.int(50) * H);
        const vo = 2; // the weights start at v[vo]
        const v = new Float32Array(n + vo).map((_, q) => (q < vo ? 99 : binary || q % 2 ? 1 : 0.5 + q));
        const dst = randomArray(r, 3 * H);
        const expected = Float64Array.from(dst);
        for (let q = 0; q < n; q++) for (let j = 0; j < H; j++) expected[H + j] += v[vo + q] * src[offsets[q] + j];
        sumRows(dst, H, src, offsets, n, H, v, vo);
        expectClose(dst, expected, 3 * H, `n=${n} binary=${binary}`);
      }
    }
  });
});
