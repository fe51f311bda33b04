/**
 * Micro-batching for one served model: predict calls that arrive in the same event-loop turn (typically
 * while the previous forward pass was running) are answered by one forward pass, which costs far less
 * per review than one pass each. Nothing waits on a timer: a lone request is computed on the next turn.
 * Large queues are split into chunks of at most `maxBatch` reviews, one chunk per turn, so socket I/O and
 * other requests interleave.
 */
import type { SparseVector } from '../data/vectorizer.js';
import type { Prediction, RatingModel } from '../model/predictor.js';

interface Pending {
  vectors: SparseVector[];
  resolve: (p: Prediction[]) => void;
  reject: (err: unknown) => void;
}

export class PredictBatcher {
  private queue: Pending[] = [];
  private scheduled = false;
  /** Forward passes and reviews rated, for tests and metrics. */
  passes = 0;
  reviews = 0;

  constructor(
    private readonly model: RatingModel,
    private readonly maxBatch = 256,
    /** Called after every forward pass with its size and duration. */
    private readonly onPass?: (reviews: number, seconds: number) => void,
  ) {}

  predict(texts: readonly string[]): Promise<Prediction[]> {
    const vectors = texts.map((t) => this.model.vectorizer.vectorize(t));
    return new Promise((resolve, reject) => {
      this.queue.push({ vectors, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const chunk: Pending[] = [];
    let size = 0;
    while (this.queue.length > 0 && (chunk.length === 0 || size + this.queue[0].vectors.length <= this.maxBatch)) {
      const next = this.queue.shift()!;
      chunk.push(next);
      size += next.vectors.length;
    }
    try {
      const all = chunk.length === 1 ? chunk[0].vectors : chunk.flatMap((p) => p.vectors);
      const started = performance.now();
      const predictions = this.model.predictVectors(all);
      this.onPass?.(all.length, (performance.now() - started) / 1000);
      this.passes++;
      this.reviews += all.length;
      let at = 0;
      for (const p of chunk) {
        p.resolve(predictions.slice(at, at + p.vectors.length));
        at += p.vectors.length;
      }
    } catch (err) {
      for (const p of chunk) p.reject(err);
    }
    this.schedule();
  }
}
