/**
 * Adam (Kingma & Ba 2015) for dense parameters, and its lazy form for row-sparse ones: a row's moments are
 * updated only on steps that touch it (as TensorFlow's LazyAdam), so a sparse first layer costs only its
 * touched rows per step.
 */
import type { RowGradient } from './layers.js';

export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const DEFAULT_ADAM: AdamOptions = { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

interface Moments {
  m: Float32Array;
  v: Float32Array;
}

export class Adam {
  readonly options: AdamOptions;
  private t = 0;
  private readonly moments = new Map<string, Moments>();

  constructor(options: Partial<AdamOptions> = {}) {
    this.options = { ...DEFAULT_ADAM, ...options };
  }

  /** Start a step: every update until the next call shares its bias correction. */
  step(): void {
    this.t++;
  }

  private state(key: string, size: number): Moments {
    let s = this.moments.get(key);
    if (!s) {
      s = { m: new Float32Array(size), v: new Float32Array(size) };
      this.moments.set(key, s);
    }
    if (s.m.length !== size) throw new Error(`adam: parameter ${key} changed size`);
    return s;
  }

  /** The step size with bias correction folded in. */
  private stepSize(): number {
    const { lr, beta1, beta2 } = this.options;
    if (this.t === 0) throw new Error('adam: call step() before updating');
    return (lr * Math.sqrt(1 - beta2 ** this.t)) / (1 - beta1 ** this.t);
  }

  /** param -= lr · m̂ / (√v̂ + ε) over every element. */
  dense(key: string, param: Float32Array, grad: Float32Array): void {
    this.apply(this.state(key, param.length), param, grad, 0, 0, param.length);
  }

  /** The same for the touched rows of a [rows, width] matrix only. */
  rows(key: string, param: Float32Array, width: number, grad: RowGradient): void {
    const s = this.state(key, param.length);
    for (let i = 0; i < grad.count; i++) this.apply(s, param, grad.values, grad.rows[i] * width, i * width, width);
  }

  /**
   * Plain SGD on the touched rows, for importance-weighted sampled gradients (the sampled reconstruction):
   * Adam would normalise away the weights that make such a gradient unbiased, so a rarely drawn row would
   * barely move while the rows of present terms are pushed up at every step. (Measured: with Adam the
   * full reconstruction error after an epoch was worse than at initialisation; with SGD it halves.)
   */
  sgdRows(_key: string, param: Float32Array, width: number, grad: RowGradient, lr: number): void {
    for (let i = 0; i < grad.count; i++) {
      const o = grad.rows[i] * width;
      const g = i * width;
      for (let k = 0; k < width; k++) param[o + k] -= lr * grad.values[g + k];
    }
  }

  private apply(s: Moments, param: Float32Array, grad: Float32Array, offset: number, gradOffset: number, n: number): void {
    const { beta1, beta2, epsilon } = this.options;
    const a = this.stepSize();
    const eps = epsilon * Math.sqrt(1 - beta2 ** this.t);
    const { m, v } = s;
    for (let i = 0; i < n; i++) {
      const g = grad[gradOffset + i];
      const k = offset + i;
      const mk = (m[k] = beta1 * m[k] + (1 - beta1) * g);
      const vk = (v[k] = beta2 * v[k] + (1 - beta2) * g * g);
      param[k] -= (a * mk) / (Math.sqrt(vk) + eps);
    }
  }
}

/** Minimal views of the layers, so the optimizer does not depend on how they compute. */
interface SparseParams { weights: Float32Array; bias: Float32Array; outDim: number }
interface DenseParams { weights: { values: Float32Array; commit(): void }; bias: Float32Array }

export function updateSparseLinear(adam: Adam, key: string, layer: SparseParams, grad: RowGradient, gradBias: Float32Array): void {
  adam.rows(`${key}.w`, layer.weights, layer.outDim, grad);
  adam.dense(`${key}.b`, layer.bias, gradBias);
}

export function updateDenseLinear(adam: Adam, key: string, layer: DenseParams, gradW: Float32Array, gradBias: Float32Array): void {
  adam.dense(`${key}.w`, layer.weights.values, gradW);
  layer.weights.commit();
  adam.dense(`${key}.b`, layer.bias, gradBias);
}
