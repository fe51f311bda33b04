/**
 * The Kernels interface over one instance of kernels.wat: turns arrays of the arena into byte addresses.
 * sumRows needs every operand in the arena (else it runs the TypeScript kernel and counts a fallback);
 * Adam and SGD need their state (moments) there and copy a parameter or gradient from elsewhere in and out.
 */
import { adam, adamRows, decodeBackward, decodeLogits, sgd, sumRows, type AdamStep, type Kernels } from './reference.js';
import type { WasmArena } from './arena.js';

export interface KernelExports {
  sum_rows(dst: number, src: number, offs: number, n: number, H: number, assign: number): void;
  sum_rows_scaled(dst: number, src: number, offs: number, vals: number, n: number, H: number, assign: number): void;
  adam(p: number, m: number, v: number, g: number, n: number, b1: number, c1: number, b2: number, c2: number, a: number, eps: number): void;
  adam_rows(p: number, m: number, v: number, g: number, rows: number, count: number, width: number,
            b1: number, c1: number, b2: number, c2: number, a: number, eps: number): void;
  sgd(p: number, g: number, n: number, lr: number): void;
  decode_logits(z: number, R: number, W: number, targets: number, n: number, h: number, H: number): void;
  decode_backward(dh: number, G: number, slots: number, R: number, W: number, targets: number, dz: number, n: number, h: number, H: number): void;
}

function checkSpan(view: ArrayBufferView & { length: number }, offset: number, n: number, what: string): void {
  if (offset < 0 || n < 0 || offset + n > view.length) throw new RangeError(`kernel: ${what}[${offset} .. ${offset + n}) is outside its ${view.length} values`);
}

/** Every row ids[q] (q < n) of a stride-W matrix has its first `span` values inside `m`. */
function checkRows(m: Float32Array, ids: Int32Array, n: number, W: number, span: number, what: string): void {
  checkSpan(ids, 0, n, `${what} row ids`);
  for (let q = 0; q < n; q++) {
    const t = ids[q];
    if (t < 0 || t * W + span > m.length) throw new RangeError(`kernel: row ${t} of ${what} is outside its ${m.length} values`);
  }
}

export function bindWasmKernels(arena: WasmArena, ex: KernelExports): Kernels {
  /** Staging copies (grown on demand) of operands that live outside the arena. */
  const stages: Float32Array[] = [];
  const stage = (slot: number, n: number): Float32Array => {
    let s = stages[slot];
    if (!s || s.length < n) {
      if (s) arena.free(s);
      s = stages[slot] = arena.floats(Math.max(n, 2 * (s?.length ?? 0)));
    }
    return s;
  };
  /** Address of x[o], copying x[o .. o+n) into staging slot `slot` when x is not in the arena. */
  const addressOrStage = (x: Float32Array, o: number, n: number, slot: number): number => {
    const at = arena.address(x, o);
    if (at >= 0) return at;
    const s = stage(slot, n);
    s.set(x.subarray(o, o + n));
    return s.byteOffset;
  };

  /** Row ids copied into the arena (grown on demand). */
  let ids: Int32Array | undefined;
  const rowIds = (n: number): Int32Array => {
    if (!ids || ids.length < n) {
      if (ids) arena.free(ids);
      ids = arena.ints(Math.max(256, 2 * n));
    }
    return ids;
  };

  return {
    sumRows(dst, d, src, offsets, n, H, v, vo, assign = false) {
      const pd = arena.address(dst, d);
      const ps = arena.address(src);
      const po = arena.address(offsets);
      const pv = arena.address(v, vo);
      if (pd < 0 || ps < 0 || po < 0 || pv < 0) {
        arena.fallbacks++;
        sumRows(dst, d, src, offsets, n, H, v, vo, assign);
        return;
      }
      checkSpan(dst, d, H, 'dst');
      checkSpan(offsets, 0, n, 'offsets');
      checkSpan(v, vo, n, 'weights');
      let binary = true;
      for (let q = 0; q < n; q++) if (v[vo + q] !== 1) { binary = false; break; }
      if (binary) ex.sum_rows(pd, ps, po, n, H, assign ? 1 : 0);
      else ex.sum_rows_scaled(pd, ps, po, pv, n, H, assign ? 1 : 0);
    },

    adam(p, m, v, o, g, go, n, step: AdamStep) {
      const pm = arena.address(m, o);
      const pv = arena.address(v, o);
      if (pm < 0 || pv < 0) {
        arena.fallbacks++;
        adam(p, m, v, o, g, go, n, step);
        return;
      }
      checkSpan(p, o, n, 'param');
      checkSpan(m, o, n, 'm');
      checkSpan(v, o, n, 'v');
      checkSpan(g, go, n, 'grad');
      const pp = addressOrStage(p, o, n, 0);
      const pg = addressOrStage(g, go, n, 1);
      ex.adam(pp, pm, pv, pg, n, step.beta1, 1 - step.beta1, step.beta2, 1 - step.beta2, step.a, step.eps);
      if (pp !== arena.address(p, o)) p.set(stages[0].subarray(0, n), o);
    },

    adamRows(p, m, v, width, rows, count, g, step) {
      const pp = arena.address(p);
      const pm = arena.address(m);
      const pv = arena.address(v);
      const pg = arena.address(g);
      if (pp < 0 || pm < 0 || pv < 0 || pg < 0) {
        arena.fallbacks++;
        adamRows(p, m, v, width, rows, count, g, step);
        return;
      }
      if (m.length !== p.length || v.length !== p.length) throw new RangeError('kernel: Adam moments and parameter differ in size');
      checkSpan(g, 0, count * width, 'grad');
      const ids = rowIds(count);
      ids.set(rows.subarray(0, count));
      checkRows(p, ids, count, width, width, 'param');
      ex.adam_rows(pp, pm, pv, pg, ids.byteOffset, count, width, step.beta1, 1 - step.beta1, step.beta2, 1 - step.beta2, step.a, step.eps);
    },

    sgd(p, o, g, go, n, lr) {
      checkSpan(p, o, n, 'param');
      checkSpan(g, go, n, 'grad');
      const direct = arena.address(p, o);
      if (direct < 0) {
        arena.fallbacks++;
        sgd(p, o, g, go, n, lr);
        return;
      }
      ex.sgd(direct, addressOrStage(g, go, n, 1), n, lr);
    },

    decodeLogits(z, R, W, targets, n, h, ho, H) {
      const pz = arena.address(z);
      const pR = arena.address(R);
      const pt = arena.address(targets);
      const ph = arena.address(h, ho);
      if (pz < 0 || pR < 0 || pt < 0 || ph < 0) {
        arena.fallbacks++;
        decodeLogits(z, R, W, targets, n, h, ho, H);
        return;
      }
      checkSpan(z, 0, n, 'z');
      checkSpan(targets, 0, n, 'targets');
      checkSpan(h, ho, H, 'h');
      checkRows(R, targets, n, W, H + 1, 'R');
      ex.decode_logits(pz, pR, W, pt, n, ph, H);
    },

    decodeBackward(dh, dho, G, slots, R, W, targets, dz, n, h, ho, H) {
      const pdh = arena.address(dh, dho);
      const pG = arena.address(G);
      const ps = arena.address(slots);
      const pR = arena.address(R);
      const pt = arena.address(targets);
      const pdz = arena.address(dz);
      const ph = arena.address(h, ho);
      if (pdh < 0 || pG < 0 || ps < 0 || pR < 0 || pt < 0 || pdz < 0 || ph < 0) {
        arena.fallbacks++;
        decodeBackward(dh, dho, G, slots, R, W, targets, dz, n, h, ho, H);
        return;
      }
      checkSpan(dh, dho, H, 'dh');
      checkSpan(h, ho, H, 'h');
      checkSpan(dz, 0, n, 'dz');
      checkRows(R, targets, n, W, H + 1, 'R');
      checkRows(G, slots, n, W, H + 1, 'G');
      ex.decode_backward(pdh, pG, ps, pR, W, pt, pdz, n, ph, H);
    },
  };
}
