/** Seeded randomness (seedrandom's Alea): every run with the same seed draws the same numbers. */
import seedrandom from 'seedrandom';

export class Rng {
  private readonly next: () => number;

  constructor(seed: number | string) {
    this.next = seedrandom.alea(String(seed));
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: any }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  /** Fill with uniform values in [-limit, limit). */
  fillUniform(target: Float32Array, limit: number): Float32Array {
    for (let i = 0; i < target.length; i++) target[i] = (2 * this.next() - 1) * limit;
    return target;
  }

  /** A derived generator, so that separate concerns (init, shuffling, noise) do not disturb each other. */
  fork(label: string): Rng {
    return new Rng(`${this.int(2 ** 31)}:${label}`);
  }
}
