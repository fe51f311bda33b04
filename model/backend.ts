/**
 * The dense-layer compute interface. Layers hold their weights in a `DenseWeights` owned by a backend and
 * ask it for three products per layer; which engine does them is interchangeable:
 *   `tensorflow` (@tensorflow/tfjs-node, when installed) → `wasm` (@tensorflow/tfjs-backend-wasm) → `ts` (plain loops).
 * Pick with RECTIFY_BACKEND=tensorflow|wasm|ts or the `backend` option; the choice is logged once.
 *
 * Layout: activations are batch-major [batch, units]; weights are row-major [out, in] (a unit's incoming
 * weights contiguous). Every backend gives the same results within float32 rounding.
 */

export type BackendName = 'tensorflow' | 'wasm' | 'ts';

export interface DenseWeights {
  readonly inDim: number;
  readonly outDim: number;
  /** Weights [out, in], row-major. May be a view into backend memory: re-read it after any backend call. */
  readonly values: Float32Array;
  /** Call after changing `values` in place, before the next product. */
  commit(): void;
  /**
   * Promise that the weights stay as they are until the next commit(), so a backend may pack them once for
   * fast repeated products (prediction). Optional for backends.
   */
  freeze?(): void;
}

export interface Backend {
  readonly name: BackendName;
  createWeights(inDim: number, outDim: number): DenseWeights;
  /** out[B, out] = a[B, in] · Wᵀ */
  forward(w: DenseWeights, a: Float32Array, batch: number, out: Float32Array): void;
  /** out[B, in] = dz[B, out] · W */
  backward(w: DenseWeights, dz: Float32Array, batch: number, out: Float32Array): void;
  /** out[out, in] = dzᵀ · a : the weight gradient summed over the batch, in the layout of `values`. */
  gradient(dz: Float32Array, a: Float32Array, batch: number, inDim: number, outDim: number, out: Float32Array): void;
  release(w: DenseWeights): void;
  /** Tensors the backend holds (for leak checks); 0 for plain TypeScript. */
  liveTensors(): number;
}

const cache = new Map<BackendName, Backend>();
let announced = false;

function requested(name?: string): BackendName | undefined {
  const value = name ?? process.env.RECTIFY_BACKEND;
  if (value === undefined || value === '' || value === 'auto') return undefined;
  if (value === 'tensorflow' || value === 'wasm' || value === 'ts') return value;
  throw new Error(`unknown backend "${value}" (RECTIFY_BACKEND): expected tensorflow, wasm, ts or auto`);
}

async function create(name: BackendName): Promise<Backend> {
  if (name === 'ts') return (await import('./backend-ts.js')).createTsBackend();
  return (await import('./backend-tfjs.js')).createTfjsBackend(name);
}

/**
 * The backend to use: the one asked for (option or RECTIFY_BACKEND), else the fastest that loads.
 * `log` receives one line naming the backend the first time one is chosen.
 */
export async function getBackend(name?: string, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<Backend> {
  const wanted = requested(name);
  const order: BackendName[] = wanted ? [wanted] : ['tensorflow', 'wasm', 'ts'];
  const failures: string[] = [];
  for (const candidate of order) {
    const hit = cache.get(candidate);
    if (hit) return hit;
    try {
      const backend = await create(candidate);
      cache.set(candidate, backend);
      if (!announced && process.env.RECTIFY_QUIET_BACKEND !== '1') log(`rectify: dense backend ${candidate}${failures.length ? ` (${failures.join('; ')})` : ''}`);
      announced = true;
      return backend;
    } catch (err) {
      if (wanted) throw new Error(`backend ${candidate} is not available: ${(err as Error).message}`);
      failures.push(`${candidate} unavailable`);
    }
  }
  throw new Error('no dense backend could be loaded');
}
