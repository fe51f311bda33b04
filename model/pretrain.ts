/**
 * Greedy layer-wise denoising-autoencoder pretraining (Vincent et al. 2008), as in Glorot, Bordes & Bengio:
 *  - layer 1: salt-and-pepper noise on the binary input, rectifier encoder (the network's first layer),
 *    sigmoid reconstruction of the V inputs with cross-entropy, sampled (see reconstruction.ts);
 *  - layer l > 1: the layer below's activations scaled into [0,1] are the input; zero-masking noise; the
 *    network's dense layer as encoder; a dense sigmoid decoder with cross-entropy;
 *  - after each layer, its per-unit scaling into [0,1] is measured and recorded in the network, so
 *    fine-tuning and prediction apply exactly the same transform.
 * Labeled and unlabeled reviews are used alike: only texts are needed.
 */
import { csrRows, type CsrBatch } from '../data/vectorizer.js';
import { activate, activationBackward, l1Penalty, sigmoid, sigmoidCrossEntropy } from './activations.js';
import { range } from './evaluate.js';
import { DenseLinear, type RowGradient } from './layers.js';
import { State, type Network, type Scaling } from './network.js';
import { saltAndPepper, zeroMask } from './noise.js';
import { Adam, updateDenseLinear, updateSparseLinear } from './optimizer.js';
import { PhaseMeter, type RunControl } from './progress.js';
import { SparseReconstruction, type Negatives } from './reconstruction.js';
import { Rng } from './rng.js';

export interface PretrainOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  /** Salt-and-pepper rate ν on the input layer. */
  noise: number;
  /** Zero-masking rate on higher layers. */
  maskNoise: number;
  l1: number;
  /** Inactive terms sampled per mini-batch for the input reconstruction, or 'all' for the exact cost. */
  negatives: Negatives;
  /** Learning rate of the input reconstruction layer, trained by plain SGD (see optimizer.sgdRows). */
  decoderLr: number;
  seed: number;
  /** Examples used to measure each layer's scaling and reconstruction error. */
  sample: number;
}

export const DEFAULT_PRETRAIN: PretrainOptions = {
  epochs: 2, batchSize: 128, lr: 1e-3, noise: 0.2, maskNoise: 0.25, l1: 0, negatives: 256, decoderLr: 0.1, seed: 1, sample: 2000,
};

export interface LayerReport {
  layer: number;
  epochs: number;
  /** Mean clean reconstruction cross-entropy per example on a sample, before and after training. */
  errorBefore: number;
  errorAfter: number;
  examplesPerSecond: number;
}

/** Input-layer autoencoder: the network's sparse layer + a sampled sigmoid reconstruction of V terms. */
export class InputAutoencoder {
  readonly decoder: SparseReconstruction;
  private readonly state: State;
  private rows: RowGradient;
  private inputRows: RowGradient;
  private readonly gradBias: Float32Array;

  constructor(readonly net: Network, private readonly o: PretrainOptions, private readonly rng: Rng, private readonly adam: Adam) {
    this.decoder = new SparseReconstruction(net.spec.inputDim, net.spec.layers[0], rng.fork('decoder1'));
    this.state = new State(net, o.batchSize);
    this.gradBias = new Float32Array(net.spec.layers[0]);
    this.rows = this.decoder.emptyGradient();
    this.inputRows = net.input.emptyGradient();
  }

  /** One denoising step; returns the summed cost of the batch. */
  step(x: CsrBatch): number {
    const { net, state, o } = this;
    const H = net.spec.layers[0];
    const corrupted = saltAndPepper(x, o.noise, this.rng);
    const h = state.h[0];
    net.input.forward(corrupted, h);
    activate(net.spec.activation, h, x.rows * H);
    const dh = state.dh[0];
    dh.fill(0, 0, x.rows * H);
    const grad = { dh, rows: this.rows, scale: 1 / x.rows, activeOnly: net.spec.activation === 'relu' };
    const cost = this.decoder.cost(x, corrupted, h, o.negatives, this.rng, grad);
    this.rows = grad.rows;
    const penalty = l1Penalty(o.l1 / x.rows, h, dh, x.rows * H);
    activationBackward(net.spec.activation, h, dh, x.rows * H);
    this.inputRows = net.input.backward(corrupted, dh, this.inputRows, this.gradBias);
    this.adam.step();
    updateSparseLinear(this.adam, 'input', net.input, this.inputRows, this.gradBias);
    this.adam.sgdRows('decoder1', this.decoder.weights, this.decoder.width, this.rows, o.decoderLr);
    return cost + penalty * x.rows;
  }

  /** Mean exact (all V terms) reconstruction cross-entropy of clean inputs. */
  error(x: CsrBatch): number {
    const { net, state } = this;
    let total = 0;
    for (let start = 0; start < x.rows; start += state.capacity) {
      const batch = csrRows(x, range(start, Math.min(x.rows, start + state.capacity)));
      net.input.forward(batch, state.h[0]);
      activate(net.spec.activation, state.h[0], batch.rows * net.spec.layers[0]);
      total += this.decoder.cost(batch, batch, state.h[0], 'all', null, null);
    }
    return x.rows ? total / x.rows : 0;
  }
}

/** Autoencoder for hidden layer `layer` (≥ 1): input = scaled activations of layer − 1. */
export class HiddenAutoencoder {
  readonly decoder: DenseLinear;
  private readonly state: State;
  private readonly masked: Float32Array;
  private readonly dr: Float32Array;
  private readonly grads: { we: Float32Array; be: Float32Array; wd: Float32Array; bd: Float32Array };
  private readonly logits: Float32Array;

  constructor(readonly net: Network, readonly layer: number, private readonly o: PretrainOptions, private readonly rng: Rng, private readonly adam: Adam) {
    const inDim = net.spec.layers[layer - 1];
    const outDim = net.spec.layers[layer];
    this.decoder = new DenseLinear(net.backend, outDim, inDim, rng.fork(`decoder${layer + 1}`));
    this.state = new State(net, o.batchSize);
    this.masked = new Float32Array(o.batchSize * inDim);
    this.dr = new Float32Array(o.batchSize * inDim);
    this.logits = new Float32Array(o.batchSize * inDim);
    this.grads = { we: new Float32Array(inDim * outDim), be: new Float32Array(outDim), wd: new Float32Array(inDim * outDim), bd: new Float32Array(inDim) };
  }

  private get encoder(): DenseLinear {
    return this.net.dense[this.layer - 1];
  }

  /** Reconstruct the clean input from `input`; the summed cost, with gradients in this.dr when `train`. */
  private reconstruct(clean: Float32Array, input: Float32Array, B: number, train: boolean): number {
    const { net, layer, state } = this;
    const inDim = net.spec.layers[layer - 1];
    const outDim = net.spec.layers[layer];
    const h = state.h[layer];
    this.encoder.forward(input, B, h);
    activate(net.spec.activation, h, B * outDim);
    this.decoder.forward(h, B, this.logits);
    let cost = 0;
    for (let i = 0; i < B * inDim; i++) {
      const z = this.logits[i];
      cost += sigmoidCrossEntropy(z, clean[i]);
      if (train) this.dr[i] = (sigmoid(z) - clean[i]) / B;
    }
    return cost;
  }

  step(x: CsrBatch): number {
    const { net, layer, state, o, grads } = this;
    const B = x.rows;
    const inDim = net.spec.layers[layer - 1];
    const outDim = net.spec.layers[layer];
    net.forwardHidden(x, state, layer);
    const clean = state.a[layer - 1];
    zeroMask(clean, B * inDim, o.maskNoise, this.rng, this.masked);
    let cost = this.reconstruct(clean, this.masked, B, true);
    const h = state.h[layer];
    const dh = state.dh[layer];
    this.decoder.backward(h, this.dr, B, grads.wd, grads.bd, dh);
    cost += l1Penalty(o.l1 / B, h, dh, B * outDim) * B;
    activationBackward(net.spec.activation, h, dh, B * outDim);
    this.encoder.backward(this.masked, dh, B, grads.we, grads.be, null);
    this.adam.step();
    updateDenseLinear(this.adam, `dense${layer - 1}`, this.encoder, grads.we, grads.be);
    updateDenseLinear(this.adam, `decoder${layer + 1}`, this.decoder, grads.wd, grads.bd);
    return cost;
  }

  error(x: CsrBatch): number {
    let total = 0;
    for (let start = 0; start < x.rows; start += this.state.capacity) {
      const batch = csrRows(x, range(start, Math.min(x.rows, start + this.state.capacity)));
      this.net.forwardHidden(batch, this.state, this.layer);
      const clean = this.state.a[this.layer - 1];
      total += this.reconstruct(clean, clean, batch.rows, false);
    }
    return x.rows ? total / x.rows : 0;
  }

  release(): void {
    this.decoder.release();
  }
}

/** Per-unit min/max of hidden layer `layer` over the sample → the affine map onto [0,1]. */
export function measureScaling(net: Network, layer: number, sample: CsrBatch): Scaling {
  const width = net.spec.layers[layer];
  const lo = new Float32Array(width).fill(Infinity);
  const hi = new Float32Array(width).fill(-Infinity);
  const state = new State(net, 256, false);
  for (let start = 0; start < sample.rows; start += state.capacity) {
    const batch = csrRows(sample, range(start, Math.min(sample.rows, start + state.capacity)));
    net.forwardHidden(batch, state, layer + 1);
    const h = state.h[layer];
    for (let b = 0; b < batch.rows; b++) {
      for (let j = 0; j < width; j++) {
        const v = h[b * width + j];
        if (v < lo[j]) lo[j] = v;
        if (v > hi[j]) hi[j] = v;
      }
    }
  }
  const scale = new Float32Array(width);
  const shift = new Float32Array(width);
  for (let j = 0; j < width; j++) {
    const span = hi[j] - lo[j];
    scale[j] = span > 1e-12 ? 1 / span : 1;
    shift[j] = span > 1e-12 ? -lo[j] / span : 0;
  }
  return { scale, shift };
}

/** Pretrain every hidden layer in turn on `texts` (labeled and unlabeled alike). */
export async function pretrain(net: Network, texts: CsrBatch, options: Partial<PretrainOptions> = {}, control: RunControl = {}): Promise<LayerReport[]> {
  const o = { ...DEFAULT_PRETRAIN, ...options };
  const L = net.hiddenLayers;
  if (L === 0 || texts.rows === 0 || o.epochs === 0) return [];
  const rng = new Rng(o.seed).fork('pretrain');
  const order = new Int32Array(texts.rows).map((_, i) => i);
  const sample = csrRows(texts, rng.shuffle(order.slice()).subarray(0, Math.min(o.sample, texts.rows)));
  const errorSample = csrRows(sample, range(0, Math.min(200, sample.rows)));
  const batches = Math.ceil(texts.rows / o.batchSize);
  const reports: LayerReport[] = [];
  for (let layer = 0; layer < L; layer++) {
    const adam = new Adam({ lr: o.lr });
    const ae = layer === 0 ? new InputAutoencoder(net, o, rng.fork('layer1'), adam) : new HiddenAutoencoder(net, layer, o, rng.fork(`layer${layer + 1}`), adam);
    const meter = new PhaseMeter(control, `pretrain:${layer + 1}`, o.epochs, batches);
    const errorBefore = ae.error(errorSample);
    const started = performance.now();
    try {
      for (let epoch = 1; epoch <= o.epochs; epoch++) {
        rng.shuffle(order);
        meter.startEpoch();
        for (let k = 0; k < batches; k++) {
          const rows = order.subarray(k * o.batchSize, Math.min(texts.rows, (k + 1) * o.batchSize));
          await meter.batch(epoch, k + 1, rows.length, ae.step(csrRows(texts, rows)));
        }
        meter.endEpoch(epoch);
      }
      net.scaling[layer] = measureScaling(net, layer, sample);
      const seconds = (performance.now() - started) / 1000;
      reports.push({ layer: layer + 1, epochs: o.epochs, errorBefore, errorAfter: ae.error(errorSample), examplesPerSecond: (o.epochs * texts.rows) / seconds });
    } finally {
      if (ae instanceof HiddenAutoencoder) ae.release();
      adam.release();
    }
  }
  return reports;
}
