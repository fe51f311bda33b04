/**
 * The kernels in plain TypeScript: the fallback when WebAssembly SIMD is unavailable (or RECTIFY_KERNELS=ts),
 * and the reference the WebAssembly kernels (kernels.wat) are tested against. They take any Float32Arrays.
 */

/** Adam's per-step coefficients: bias correction folded into `a` (step size) and `eps`. */
export interface AdamStep {
  beta1: number;
  beta2: number;
  a: number;
  eps: number;
}

export interface Kernels {
  /**
   * dst[d .. d+H) (+)= Σ_q v[vo+q] · src[offsets[q] .. offsets[q]+H) over q < n: accumulates, or overwrites
   * when `assign` (then dst need not be cleared first).
   */
  sumRows(dst: Float32Array, d: number, src: Float32Array, offsets: Int32Array, n: number, H: number,
          v: Float32Array, vo: number, assign?: boolean): void;
  /** Adam on p[o .. o+n) with moments m, v at the same offsets and the gradient g[go .. go+n). */
  adam(p: Float32Array, m: Float32Array, v: Float32Array, o: number, g: Float32Array, go: number, n: number, step: AdamStep): void;
  /** Adam on rows rows[0 .. count) of [rows, width] matrices p, m, v, with row i of the gradient g for rows[i]. */
  adamRows(p: Float32Array, m: Float32Array, v: Float32Array, width: number, rows: Int32Array, count: number, g: Float32Array, step: AdamStep): void;
  /** p[o .. o+n) -= lr · g[go .. go+n) */
  sgd(p: Float32Array, o: number, g: Float32Array, go: number, n: number, lr: number): void;
  /**
   * Logits of a sampled reconstruction, for q < n: z[q] = R[t·W + H] + Σ_{k<H} R[t·W + k] · h[ho + k] with
   * t = targets[q] (row t of R is [weights of term t, its bias], stride W).
   */
  decodeLogits(z: Float32Array, R: Float32Array, W: number, targets: Int32Array, n: number, h: Float32Array, ho: number, H: number): void;
  /**
   * Its gradient, for q < n: dh[dho + k] += dz[q] · R[t·W + k] and G[s·W + k] += dz[q] · h[ho + k] (k < H),
   * G[s·W + H] += dz[q], with t = targets[q] and s = slots[q] (G: the row gradient, stride W).
   */
  decodeBackward(dh: Float32Array, dho: number, G: Float32Array, slots: Int32Array, R: Float32Array, W: number,
                 targets: Int32Array, dz: Float32Array, n: number, h: Float32Array, ho: number, H: number): void;
}

/**
 * sumRows in TypeScript. Binary inputs (all v = 1) take the unrolled path that adds four rows per pass over
 * dst.
 */
export function sumRows(dst: Float32Array, d: number, src: Float32Array, offsets: Int32Array, n: number, H: number,
                        v: Float32Array, vo: number, assign = false): void {
  if (assign && n === 0) {
    dst.fill(0, d, d + H);
    return;
  }
  let binary = true;
  for (let q = 0; q < n; q++) if (v[vo + q] !== 1) binary = false;
  let q = 0;
  if (!binary) {
    if (assign) {
      const w = offsets[0];
      const c = v[vo];
      for (let j = 0; j < H; j++) dst[d + j] = c * src[w + j];
      q = 1;
    }
    for (; q < n; q++) {
      const w = offsets[q];
      const c = v[vo + q];
      for (let j = 0; j < H; j++) dst[d + j] += c * src[w + j];
    }
    return;
  }
  if (assign) {
    // The first one to four rows overwrite dst.
    const w0 = offsets[0];
    if (n >= 4) {
      const w1 = offsets[1], w2 = offsets[2], w3 = offsets[3];
      for (let j = 0; j < H; j++) dst[d + j] = src[w0 + j] + src[w1 + j] + src[w2 + j] + src[w3 + j];
      q = 4;
    } else if (n === 3) {
      const w1 = offsets[1], w2 = offsets[2];
      for (let j = 0; j < H; j++) dst[d + j] = src[w0 + j] + src[w1 + j] + src[w2 + j];
      return;
    } else if (n === 2) {
      const w1 = offsets[1];
      for (let j = 0; j < H; j++) dst[d + j] = src[w0 + j] + src[w1 + j];
      return;
    } else {
      for (let j = 0; j < H; j++) dst[d + j] = src[w0 + j];
      return;
    }
  }
  for (; q + 3 < n; q += 4) {
    const w0 = offsets[q], w1 = offsets[q + 1], w2 = offsets[q + 2], w3 = offsets[q + 3];
    for (let j = 0; j < H; j++) dst[d + j] += src[w0 + j] + src[w1 + j] + src[w2 + j] + src[w3 + j];
  }
  for (; q < n; q++) {
    const w = offsets[q];
    for (let j = 0; j < H; j++) dst[d + j] += src[w + j];
  }
}

export function adam(p: Float32Array, m: Float32Array, v: Float32Array, o: number, g: Float32Array, go: number, n: number, step: AdamStep): void {
  const { beta1, beta2, a, eps } = step;
  for (let i = 0; i < n; i++) {
    const gi = g[go + i];
    const k = o + i;
    const mk = (m[k] = beta1 * m[k] + (1 - beta1) * gi);
    const vk = (v[k] = beta2 * v[k] + (1 - beta2) * gi * gi);
    p[k] -= (a * mk) / (Math.sqrt(vk) + eps);
  }
}

export function adamRows(p: Float32Array, m: Float32Array, v: Float32Array, width: number, rows: Int32Array, count: number, g: Float32Array, step: AdamStep): void {
  for (let i = 0; i < count; i++) adam(p, m, v, rows[i] * width, g, i * width, width, step);
}

export function sgd(p: Float32Array, o: number, g: Float32Array, go: number, n: number, lr: number): void {
  for (let k = 0; k < n; k++) p[o + k] -= lr * g[go + k];
}

export function decodeLogits(z: Float32Array, R: Float32Array, W: number, targets: Int32Array, n: number, h: Float32Array, ho: number, H: number): void {
  for (let q = 0; q < n; q++) {
    const ro = targets[q] * W;
    let s = R[ro + H];
    for (let k = 0; k < H; k++) s += R[ro + k] * h[ho + k];
    z[q] = s;
  }
}

export function decodeBackward(dh: Float32Array, dho: number, G: Float32Array, slots: Int32Array, R: Float32Array, W: number,
                               targets: Int32Array, dz: Float32Array, n: number, h: Float32Array, ho: number, H: number): void {
  for (let q = 0; q < n; q++) {
    const ro = targets[q] * W;
    const go = slots[q] * W;
    const c = dz[q];
    for (let k = 0; k < H; k++) {
      dh[dho + k] += c * R[ro + k];
      G[go + k] += c * h[ho + k];
    }
    G[go + H] += c;
  }
}

export const referenceKernels: Kernels = { sumRows, adam, adamRows, sgd, decodeLogits, decodeBackward };
