/**
 * The deep sparse rectifier network, top to bottom:
 *
 *   x (sparse binary bag of words, V terms)
 *   h1 = f(W1 x + b1)                 SparseLinear, our kernel
 *   a1 = h1 ⊙ s1 + t1                 per-unit scaling into [0,1] recorded at pretraining (identity otherwise)
 *   h2 = f(W2 a1 + b2), a2 = …        DenseLinear through the dense backend
 *   …
 *   out = Wo aL + bo → head           softmax over 5 stars (rating = Σ k·p(k)) or linear
 *
 * With no hidden layer the sparse layer feeds the head directly (softmax regression).
 * Parameters live here; per-call buffers live in a `State`, so one network can serve many callers.
 */
import type { CsrBatch } from '../data/vectorizer.js';
import { activate, activationBackward, l1Penalty, type Activation } from './activations.js';
import type { Backend } from './backend.js';
import { headFor, type Head, type HeadKind } from './heads.js';
import { DenseLinear, SparseLinear, type RowGradient } from './layers.js';
import { Rng } from './rng.js';

export interface NetworkSpec {
  inputDim: number;
  /** Hidden layer widths; [] for no hidden layer. */
  layers: number[];
  activation: Activation;
  head: HeadKind;
}

/** a = h ⊙ scale + shift, per unit. */
export interface Scaling {
  scale: Float32Array;
  shift: Float32Array;
}

export function identityScaling(width: number): Scaling {
  return { scale: new Float32Array(width).fill(1), shift: new Float32Array(width) };
}

export interface Parameter {
  name: string;
  size: number;
  /** The values; may be a view into backend memory, so fetch it right before use. */
  get(): Float32Array;
  /** Call after changing the values in place. */
  commit(): void;
}

export interface Gradients {
  input: RowGradient;
  inputBias: Float32Array;
  dense: { w: Float32Array; b: Float32Array }[];
}

/**
 * Buffers for one forward (and, when `training`, backward) call of up to `capacity` examples. A
 * prediction-only state has no gradient buffers (about 12 MB less for 3 × 1000 units).
 */
export class State {
  readonly h: Float32Array[];
  readonly a: Float32Array[];
  readonly dh: Float32Array[];
  readonly out: Float32Array;
  readonly dOut: Float32Array;
  readonly grads: Gradients;
  batch = 0;

  constructor(readonly net: Network, readonly capacity: number, readonly training = true) {
    const { layers } = net.spec;
    const buffer = (size: number) => new Float32Array(training ? size : 0);
    this.h = layers.map((w) => new Float32Array(capacity * w));
    this.a = layers.map((w) => new Float32Array(capacity * w));
    this.dh = layers.map((w) => buffer(capacity * w));
    this.out = new Float32Array(capacity * net.head.outputs);
    this.dOut = buffer(capacity * net.head.outputs);
    this.grads = {
      input: net.input.emptyGradient(training ? 256 : 0),
      inputBias: buffer(net.input.outDim),
      dense: net.dense.map((d) => ({ w: buffer(d.inDim * d.outDim), b: buffer(d.outDim) })),
    };
  }
}

export class Network {
  readonly head: Head;
  readonly input: SparseLinear;
  /** layers[0]→layers[1], …, layers[L-1]→head outputs. Empty with no hidden layer. */
  readonly dense: DenseLinear[];
  readonly scaling: Scaling[];

  constructor(readonly spec: NetworkSpec, readonly backend: Backend, seed?: number) {
    const rng = seed === undefined ? undefined : new Rng(seed).fork('init');
    this.head = headFor(spec.head);
    const widths = [...spec.layers, this.head.outputs];
    this.input = new SparseLinear(spec.inputDim, widths[0], rng);
    this.dense = [];
    for (let l = 0; l + 1 < widths.length; l++) this.dense.push(new DenseLinear(backend, widths[l], widths[l + 1], rng));
    this.scaling = spec.layers.map((w) => identityScaling(w));
  }

  get hiddenLayers(): number {
    return this.spec.layers.length;
  }

  /** Forward pass: fills state.h (activations), state.a (scaled activations) and state.out. */
  forward(x: CsrBatch, state: State): void {
    const L = this.hiddenLayers;
    if (L === 0) {
      state.batch = this.checkBatch(x, state);
      this.input.forward(x, state.out);
      return;
    }
    this.forwardHidden(x, state, L);
    this.dense[L - 1].forward(state.a[L - 1], state.batch, state.out);
  }

  /** The first `depth` hidden layers only: state.h[0..depth) and state.a[0..depth). */
  forwardHidden(x: CsrBatch, state: State, depth: number): void {
    const B = (state.batch = this.checkBatch(x, state));
    this.input.forward(x, state.h[0]);
    for (let l = 0; l < depth; l++) {
      if (l > 0) this.dense[l - 1].forward(state.a[l - 1], B, state.h[l]);
      activate(this.spec.activation, state.h[l], B * this.spec.layers[l]);
      this.applyScaling(l, state.h[l], state.a[l], B);
    }
  }

  private checkBatch(x: CsrBatch, state: State): number {
    if (x.rows > state.capacity) throw new Error(`batch of ${x.rows} exceeds state capacity ${state.capacity}`);
    if (x.cols !== this.spec.inputDim) throw new Error(`input has ${x.cols} columns, the network expects ${this.spec.inputDim}`);
    return x.rows;
  }

  /**
   * Backward pass after forward(): the mean cost over the batch (head cost + L1 penalty on hidden
   * activations) and its gradients in state.grads.
   */
  backward(x: CsrBatch, state: State, ratings: ArrayLike<number>, l1: number): { loss: number; penalty: number } {
    if (!state.training) throw new Error('backward() needs a State created for training');
    const B = state.batch;
    const L = this.hiddenLayers;
    const loss = this.head.loss(state.out, ratings, B, state.dOut) / B;
    const dOut = state.dOut;
    for (let i = 0; i < B * this.head.outputs; i++) dOut[i] /= B;
    const g = state.grads;
    if (L === 0) {
      g.input = this.input.backward(x, dOut, g.input, g.inputBias);
      return { loss, penalty: 0 };
    }
    let penalty = 0;
    let d = dOut;
    for (let l = L - 1; l >= 0; l--) {
      const width = this.spec.layers[l];
      const dh = state.dh[l];
      this.dense[l].backward(state.a[l], d, B, g.dense[l].w, g.dense[l].b, dh);
      const { scale } = this.scaling[l];
      for (let b = 0; b < B; b++) for (let j = 0; j < width; j++) dh[b * width + j] *= scale[j];
      penalty += l1Penalty(l1 / B, state.h[l], dh, B * width);
      activationBackward(this.spec.activation, state.h[l], dh, B * width);
      d = dh;
    }
    g.input = this.input.backward(x, d, g.input, g.inputBias);
    return { loss, penalty };
  }

  /** Every trained parameter, in a fixed order (for the optimizer, snapshots and bundles). */
  parameters(): Parameter[] {
    const params: Parameter[] = [
      { name: 'input.w', size: this.input.weights.length, get: () => this.input.weights, commit: () => {} },
      { name: 'input.b', size: this.input.bias.length, get: () => this.input.bias, commit: () => {} },
    ];
    this.dense.forEach((d, l) => {
      params.push({ name: `dense${l}.w`, size: d.inDim * d.outDim, get: () => d.weights.values, commit: () => d.weights.commit() });
      params.push({ name: `dense${l}.b`, size: d.bias.length, get: () => d.bias, commit: () => {} });
    });
    return params;
  }

  /** A copy of every parameter (e.g. the best epoch so far). */
  snapshot(): Float32Array[] {
    return this.parameters().map((p) => p.get().slice());
  }

  restore(snapshot: Float32Array[]): void {
    this.parameters().forEach((p, i) => {
      p.get().set(snapshot[i]);
      p.commit();
    });
  }

  applyScaling(l: number, h: Float32Array, a: Float32Array, batch: number): void {
    const { scale, shift } = this.scaling[l];
    const width = scale.length;
    for (let b = 0; b < batch; b++) {
      const o = b * width;
      for (let j = 0; j < width; j++) a[o + j] = h[o + j] * scale[j] + shift[j];
    }
  }

  /** The weights will not change until the next update: let the backend pack them for fast prediction. */
  freeze(): void {
    for (const d of this.dense) d.weights.freeze?.();
  }

  release(): void {
    for (const d of this.dense) d.release();
  }
}
