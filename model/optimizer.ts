/**
 * Adam (Kingma & Ba 2015) for dense parameters, and its lazy form for row-sparse ones: a row's moments are
 * updated only on steps that touch it (as TensorFlow's LazyAdam), so a sparse first layer costs only its
 * touched rows per step.
 *
 * The moments live next to their parameter: in the parameter's kernel arena when it has one (the sparse
 * layer's weights), else in one arena shared by all optimizers of this thread, so that the moments one
 * optimizer gives back are reused by the next (dense weights, which the dense backend holds, are copied in
 * and out by the kernel). The update loops are the kernels of model/kernels.
 */
import { arenaOf, createArena, preferredKernels, type Arena } from './kernels/arena.js';
import type { AdamStep } from './kernels/reference.js';
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
  arena: Arena;
}

const shared = new Map<string, Arena>();

/** The arena for moments of parameters that have none, one per kernel kind. */
function sharedArena(): Arena {
  const kind = preferredKernels();
  let arena = shared.get(kind);
  if (!arena) shared.set(kind, (arena = createArena(kind)));
  return arena;
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

  private state(key: string, param: Float32Array): Moments {
    const size = param.length;
    let s = this.moments.get(key);
    if (!s) {
      const arena = arenaOf(param) ?? sharedArena();
      s = { m: arena.floats(size, this), v: arena.floats(size, this), arena };
      this.moments.set(key, s);
    }
    if (s.m.length !== size) throw new Error(`adam: parameter ${key} changed size`);
    return s;
  }

  /** Give the moments back to their arenas now (they are also given back when the optimizer is collected). */
  release(): void {
    for (const s of this.moments.values()) {
      s.arena.free(s.m);
      s.arena.free(s.v);
    }
    this.moments.clear();
  }

  /** This step's coefficients: the step size and ε with bias correction folded in. */
  private coefficients(): AdamStep {
    const { lr, beta1, beta2, epsilon } = this.options;
    if (this.t === 0) throw new Error('adam: call step() before updating');
    const correction = Math.sqrt(1 - beta2 ** this.t);
    return { beta1, beta2, a: (lr * correction) / (1 - beta1 ** this.t), eps: epsilon * correction };
  }

  /** param -= lr · m̂ / (√v̂ + ε) over every element. */
  dense(key: string, param: Float32Array, grad: Float32Array): void {
    const s = this.state(key, param);
    s.arena.kernels.adam(param, s.m, s.v, 0, grad, 0, param.length, this.coefficients());
  }

  /** The same for the touched rows of a [rows, width] matrix only. */
  rows(key: string, param: Float32Array, width: number, grad: RowGradient): void {
    const s = this.state(key, param);
    s.arena.kernels.adamRows(param, s.m, s.v, width, grad.rows, grad.count, grad.values, this.coefficients());
  }

  /**
   * Plain SGD on the touched rows, for importance-weighted sampled gradients (the sampled reconstruction):
   * Adam would normalise away the weights that make such a gradient unbiased, so a rarely drawn row would
   * barely move while the rows of present terms are pushed up at every step. (Measured: with Adam the
   * full reconstruction error after an epoch was worse than at initialisation; with SGD it halves.)
   */
  sgdRows(_key: string, param: Float32Array, width: number, grad: RowGradient, lr: number): void {
    const kernels = (arenaOf(param) ?? createArena('ts')).kernels;
    for (let i = 0; i < grad.count; i++) kernels.sgd(param, grad.rows[i] * width, grad.values, i * width, width, lr);
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
