/** Hidden-unit non-linearities, applied in place; derivatives are computed from the activation itself. */

export type Activation = 'relu' | 'tanh' | 'softplus';
export const ACTIVATIONS: readonly Activation[] = ['relu', 'tanh', 'softplus'];

/** h = f(z), in place over the first n values. */
export function activate(kind: Activation, z: Float32Array, n: number): void {
  switch (kind) {
    case 'relu':
      for (let i = 0; i < n; i++) if (!(z[i] > 0)) z[i] = 0;
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) z[i] = Math.tanh(z[i]);
      return;
    case 'softplus':
      // log(1 + e^z), stable for large |z|
      for (let i = 0; i < n; i++) {
        const v = z[i];
        z[i] = v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
      }
      return;
  }
}

/** dz = dh · f'(z), in place over dh, with f' written in terms of h = f(z). */
export function activationBackward(kind: Activation, h: Float32Array, dh: Float32Array, n: number): void {
  switch (kind) {
    case 'relu':
      for (let i = 0; i < n; i++) if (!(h[i] > 0)) dh[i] = 0;
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) dh[i] *= 1 - h[i] * h[i];
      return;
    case 'softplus':
      // f'(z) = sigmoid(z) = 1 - e^{-h}
      for (let i = 0; i < n; i++) dh[i] *= -Math.expm1(-h[i]);
      return;
  }
}

/** L1 penalty λ·Σ|h| over n activations: returns the penalty and adds its gradient λ·sign(h) to dh. */
export function l1Penalty(lambda: number, h: Float32Array, dh: Float32Array | null, n: number): number {
  if (lambda === 0) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = h[i];
    sum += Math.abs(v);
    if (dh) dh[i] += v > 0 ? lambda : v < 0 ? -lambda : 0;
  }
  return lambda * sum;
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Binary cross-entropy of target t against sigmoid(z), computed from the logit for stability. */
export function sigmoidCrossEntropy(z: number, t: number): number {
  // -t log σ(z) - (1-t) log(1-σ(z)) = max(z,0) - z t + log(1 + e^{-|z|})
  return Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
}
