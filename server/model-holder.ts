/**
 * The served models, one per name, swapped atomically. A request acquires the entry it uses and
 * releases it when done; a replaced entry frees its weights only once its last request has finished,
 * so in-flight requests complete on the model they started with.
 */
import { loadBundle } from '../model/bundle.js';
import { PredictBatcher } from './batcher.js';
import type { RatingModel } from '../model/predictor.js';
import type { ModelSource } from '../model/registry.js';

export interface ServedModel {
  readonly name: string;
  readonly model: RatingModel;
  /** Store version, or null for an explicit --model directory or the shipped default. */
  readonly version: number | null;
  readonly source: ModelSource['kind'];
  readonly dir: string;
  readonly loadedAt: string;
  /** Dev metrics recorded with the model (store version, else the bundle manifest), when known. */
  readonly metrics: unknown;
  /** Coalesces concurrent predict calls into shared forward passes. */
  readonly batcher: PredictBatcher;
  inFlight: number;
  retired: boolean;
}

/** The dev RMSE inside stored metrics: `{rmse}` (a Metrics object) or `{dev: {rmse}}`. */
export function storedRmse(metrics: unknown): number | undefined {
  const m = metrics as { rmse?: unknown; dev?: { rmse?: unknown } } | null | undefined;
  const value = m?.rmse ?? m?.dev?.rmse;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export class ModelHolder {
  private readonly entries = new Map<string, ServedModel>();
  private readonly problems = new Map<string, string>();

  constructor(
    private readonly backend?: string,
    /** Observes every forward pass of the batchers (reviews, seconds). */
    private readonly onPass?: (reviews: number, seconds: number) => void,
  ) {}

  /** Load a bundle into an entry (not yet served). */
  async load(source: ModelSource, metrics?: unknown): Promise<ServedModel> {
    const { model, manifest } = await loadBundle(source.dir, { backend: this.backend });
    return {
      name: source.name, model, version: source.version ?? null, source: source.kind, dir: source.dir,
      loadedAt: new Date().toISOString(), metrics: metrics ?? manifest.metrics ?? null, batcher: new PredictBatcher(model, 256, this.onPass), inFlight: 0, retired: false,
    };
  }

  /** Serve `entry` from now on; the previous model is released once its in-flight requests finish. */
  swap(entry: ServedModel): void {
    const old = this.entries.get(entry.name);
    this.entries.set(entry.name, entry);
    this.problems.delete(entry.name);
    if (old && old !== entry) this.retire(old);
  }

  /** Why `name` is not served (a failed load), for 503 messages and /readyz. */
  setProblem(name: string, problem: string): void {
    this.problems.set(name, problem);
  }

  problem(name: string): string | undefined {
    return this.problems.get(name);
  }

  peek(name: string): ServedModel | undefined {
    return this.entries.get(name);
  }

  all(): ServedModel[] {
    return [...this.entries.values()];
  }

  /** Run `fn` on the model currently served as `name`, keeping it alive until fn settles. */
  async use<T>(name: string, fn: (entry: ServedModel) => T | Promise<T>): Promise<T | undefined> {
    const entry = this.entries.get(name);
    if (!entry) return undefined;
    entry.inFlight++;
    try {
      return await fn(entry);
    } finally {
      entry.inFlight--;
      if (entry.retired && entry.inFlight === 0) entry.model.release();
    }
  }

  private retire(entry: ServedModel): void {
    entry.retired = true;
    if (entry.inFlight === 0) entry.model.release();
  }

  releaseAll(): void {
    for (const entry of this.entries.values()) this.retire(entry);
    this.entries.clear();
  }
}
