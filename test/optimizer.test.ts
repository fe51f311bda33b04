import { describe, expect, it } from 'vitest';
import { Adam } from '../model/optimizer.js';

describe('Adam', () => {
  it('minimises a badly scaled quadratic', () => {
    // f(x) = Σ c_i (x_i − t_i)², curvatures over four orders of magnitude
    const c = Float32Array.from([1e-2, 1, 10, 100]);
    const t = Float32Array.from([3, -2, 0.5, 1]);
    const x = new Float32Array(4);
    const g = new Float32Array(4);
    const adam = new Adam({ lr: 0.05 });
    for (let step = 0; step < 3000; step++) {
      for (let i = 0; i < 4; i++) g[i] = 2 * c[i] * (x[i] - t[i]);
      adam.step();
      adam.dense('x', x, g);
    }
    for (let i = 0; i < 4; i++) expect(x[i]).toBeCloseTo(t[i], 2);
  });

  it('takes a first step of size lr in the direction of −sign(g) (bias correction)', () => {
    const x = Float32Array.from([0, 0, 0]);
    const adam = new Adam({ lr: 0.1 });
    adam.step();
    adam.dense('x', x, Float32Array.from([5, -0.001, 0]));
    expect(x[0]).toBeCloseTo(-0.1, 5);
    expect(x[1]).toBeCloseTo(0.1, 4);
    expect(x[2]).toBe(0);
  });

  it('updates only the touched rows of a row-sparse parameter, like dense Adam on those rows', () => {
    const width = 3;
    const sparse = new Float32Array(4 * width).fill(1);
    const dense = new Float32Array(width).fill(1);
    const a = new Adam({ lr: 0.01 });
    const b = new Adam({ lr: 0.01 });
    for (let step = 0; step < 5; step++) {
      const values = Float32Array.from([0.5, -1, 2 + step]);
      a.step();
      a.rows('w', sparse, width, { rows: Int32Array.from([2]), count: 1, values });
      b.step();
      b.dense('w', dense, values);
    }
    expect(Array.from(sparse.subarray(2 * width, 3 * width))).toEqual(Array.from(dense));
    for (const row of [0, 1, 3]) expect(Array.from(sparse.subarray(row * width, (row + 1) * width))).toEqual([1, 1, 1]);
  });

  it('refuses an update before step() and a parameter that changes size', () => {
    const adam = new Adam();
    expect(() => adam.dense('x', new Float32Array(2), new Float32Array(2))).toThrow(/step\(\)/);
    adam.step();
    adam.dense('x', new Float32Array(2), new Float32Array(2));
    expect(() => adam.dense('x', new Float32Array(3), new Float32Array(3))).toThrow(/changed size/);
  });

  it('applies plain SGD to sampled rows, keeping the importance weights in the step', () => {
    const param = new Float32Array(6).fill(1);
    new Adam().sgdRows('d', param, 2, { rows: Int32Array.from([1]), count: 1, values: Float32Array.from([10, -20]) }, 0.1);
    expect(Array.from(param)).toEqual([1, 1, 0, 3, 1, 1]);
  });
});
