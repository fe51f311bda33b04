/**
 * Dense products on TensorFlow.js: `wasm` (XNNPACK, always installable) or `tensorflow` (native, via the
 * optional @tensorflow/tfjs-node).
 *
 * wasm facts this is built around (measured here): matMul with transpose flags is ~15x slower, so operands
 * are transposed by us first; the right-hand operand of a matMul is packed and cached by tensor id, so a
 * matrix that changes in place may only ever be the LEFT operand. Weights therefore live in the wasm heap as
 * two resident tensors, W [out,in] and Wᵀ [in,out], that TypeScript updates in place (no upload per batch);
 * activations are uploaded as fresh tensors.
 */
import type { Backend, BackendName, DenseWeights } from './backend.js';

type Tf = typeof import('@tensorflow/tfjs-core');
type Tensor2D = import('@tensorflow/tfjs-core').Tensor2D;

interface WasmHeapBackend {
  typedArrayFromHeap(t: Tensor2D): Float32Array;
}

/** dst[c, r] = src[r, c], in cache-friendly blocks. */
export function transpose(src: Float32Array, rows: number, cols: number, dst: Float32Array): Float32Array {
  const B = 32;
  for (let r0 = 0; r0 < rows; r0 += B) {
    const r1 = Math.min(r0 + B, rows);
    for (let c0 = 0; c0 < cols; c0 += B) {
      const c1 = Math.min(c0 + B, cols);
      for (let r = r0; r < r1; r++) {
        const ro = r * cols;
        for (let c = c0; c < c1; c++) dst[c * rows + r] = src[ro + c];
      }
    }
  }
  return dst;
}

/** Scratch buffers reused across calls (grown on demand). */
class Scratch {
  private buffers: Float32Array[] = [new Float32Array(0), new Float32Array(0)];
  get(slot: number, size: number): Float32Array {
    if (this.buffers[slot].length < size) this.buffers[slot] = new Float32Array(size);
    return this.buffers[slot].subarray(0, size);
  }
}

class WasmWeights implements DenseWeights {
  readonly w: Tensor2D;
  /** Wᵀ, rebuilt on commit() by wasm's transpose (faster than ours); only ever a left operand. */
  wt: Tensor2D;
  /** A frozen copy of Wᵀ used as the right operand, which wasm packs once and caches; dropped on commit(). */
  frozen: Tensor2D | null = null;
  constructor(private readonly tf: Tf, private readonly heap: WasmHeapBackend, readonly inDim: number, readonly outDim: number) {
    this.w = tf.zeros([outDim, inDim]) as Tensor2D;
    this.wt = tf.zeros([inDim, outDim]) as Tensor2D;
  }
  get values(): Float32Array {
    return this.heap.typedArrayFromHeap(this.w);
  }
  commit(): void {
    this.thaw();
    const next = this.tf.transpose(this.w) as Tensor2D;
    this.wt.dispose();
    this.wt = next;
  }
  freeze(): void {
    this.frozen ??= this.tf.tensor2d(this.heap.typedArrayFromHeap(this.wt).slice(), [this.inDim, this.outDim]);
  }
  thaw(): void {
    this.frozen?.dispose();
    this.frozen = null;
  }
}

function wasmBackend(tf: Tf): Backend {
  const heap = tf.backend() as unknown as WasmHeapBackend;
  const scratch = new Scratch();
  /** out[m, n] = left[m, k] · right[k, n], then transposed into `out` as [n, m]. */
  const productTransposed = (left: Tensor2D, right: Float32Array, k: number, n: number, out: Float32Array) => {
    const r = tf.tensor2d(right, [k, n]);
    const c = tf.matMul(left, r) as Tensor2D;
    transpose(heap.typedArrayFromHeap(c), left.shape[0], n, out);
    tf.dispose([r, c]);
  };
  return {
    name: 'wasm',
    createWeights: (inDim, outDim) => new WasmWeights(tf, heap, inDim, outDim),
    forward(w, a, batch, out) {
      const weights = w as WasmWeights;
      if (weights.frozen) {
        // out[B, out] = a[B, in] · Wᵀ[in, out], with Wᵀ packed once
        const left = tf.tensor2d(a.subarray(0, batch * w.inDim), [batch, w.inDim]);
        const c = tf.matMul(left, weights.frozen) as Tensor2D;
        out.set(heap.typedArrayFromHeap(c));
        tf.dispose([left, c]);
        return;
      }
      productTransposed(weights.w, transpose(a, batch, w.inDim, scratch.get(0, batch * w.inDim)), w.inDim, batch, out);
    },
    backward(w, dz, batch, out) {
      const { wt } = w as WasmWeights;
      productTransposed(wt, transpose(dz, batch, w.outDim, scratch.get(0, batch * w.outDim)), w.outDim, batch, out);
    },
    gradient(dz, a, batch, inDim, outDim, out) {
      const left = tf.tensor2d(transpose(dz, batch, outDim, scratch.get(0, batch * outDim)), [outDim, batch]);
      const right = tf.tensor2d(a.subarray(0, batch * inDim), [batch, inDim]);
      const c = tf.matMul(left, right) as Tensor2D;
      out.set(heap.typedArrayFromHeap(c));
      tf.dispose([left, right, c]);
    },
    release(w) {
      (w as WasmWeights).thaw();
      tf.dispose([(w as WasmWeights).w, (w as WasmWeights).wt]);
    },
    liveTensors: () => tf.memory().numTensors,
  };
}

class HostWeights implements DenseWeights {
  readonly values: Float32Array;
  constructor(readonly inDim: number, readonly outDim: number) {
    this.values = new Float32Array(inDim * outDim);
  }
  commit(): void {}
}

/** Native TensorFlow handles transpose flags well; weights stay on the JS side and are uploaded per call. */
function tensorflowBackend(tf: Tf): Backend {
  const product = (a: Float32Array, aShape: [number, number], b: Float32Array, bShape: [number, number], ta: boolean, tb: boolean, out: Float32Array) => {
    const result = tf.tidy(() => tf.matMul(tf.tensor2d(a, aShape), tf.tensor2d(b, bShape), ta, tb));
    out.set(result.dataSync());
    result.dispose();
  };
  return {
    name: 'tensorflow',
    createWeights: (inDim, outDim) => new HostWeights(inDim, outDim),
    forward: (w, a, batch, out) => product(a.subarray(0, batch * w.inDim), [batch, w.inDim], w.values, [w.outDim, w.inDim], false, true, out),
    backward: (w, dz, batch, out) => product(dz.subarray(0, batch * w.outDim), [batch, w.outDim], w.values, [w.outDim, w.inDim], false, false, out),
    gradient: (dz, a, batch, inDim, outDim, out) => product(dz.subarray(0, batch * outDim), [batch, outDim], a.subarray(0, batch * inDim), [batch, inDim], true, false, out),
    release() {},
    liveTensors: () => tf.memory().numTensors,
  };
}

export async function createTfjsBackend(name: Exclude<BackendName, 'ts'>): Promise<Backend> {
  if (name === 'tensorflow') {
    const moduleName = '@tensorflow/tfjs-node';
    const tf = (await import(moduleName)) as Tf;
    if (!(await tf.setBackend('tensorflow'))) throw new Error('tfjs-node did not register its backend');
    return tensorflowBackend(tf);
  }
  // tfjs-core and the wasm backend only: the full @tensorflow/tfjs bundle (layers, converter, data) costs
  // ~300 ms and ~20 MB per process for nothing here.
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
  await tf.ready();
  return wasmBackend(tf);
}
