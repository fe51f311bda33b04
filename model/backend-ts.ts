/** Plain TypeScript dense products: the reference every other backend is checked against. */
import type { Backend, DenseWeights } from './backend.js';

class TsWeights implements DenseWeights {
  readonly values: Float32Array;
  constructor(readonly inDim: number, readonly outDim: number) {
    this.values = new Float32Array(inDim * outDim);
  }
  commit(): void {}
}

export function createTsBackend(): Backend {
  return {
    name: 'ts',
    createWeights: (inDim, outDim) => new TsWeights(inDim, outDim),
    forward(w, a, batch, out) {
      const { inDim, outDim, values } = w;
      for (let b = 0; b < batch; b++) {
        const ao = b * inDim;
        for (let o = 0; o < outDim; o++) {
          const wo = o * inDim;
          let s = 0;
          for (let i = 0; i < inDim; i++) s += a[ao + i] * values[wo + i];
          out[b * outDim + o] = s;
        }
      }
    },
    backward(w, dz, batch, out) {
      const { inDim, outDim, values } = w;
      out.fill(0, 0, batch * inDim);
      for (let b = 0; b < batch; b++) {
        const bo = b * inDim;
        for (let o = 0; o < outDim; o++) {
          const g = dz[b * outDim + o];
          if (g === 0) continue;
          const wo = o * inDim;
          for (let i = 0; i < inDim; i++) out[bo + i] += g * values[wo + i];
        }
      }
    },
    gradient(dz, a, batch, inDim, outDim, out) {
      out.fill(0, 0, inDim * outDim);
      for (let b = 0; b < batch; b++) {
        const ao = b * inDim;
        for (let o = 0; o < outDim; o++) {
          const g = dz[b * outDim + o];
          if (g === 0) continue;
          const go = o * inDim;
          for (let i = 0; i < inDim; i++) out[go + i] += g * a[ao + i];
        }
      }
    },
    release() {},
    liveTensors: () => 0,
  };
}
