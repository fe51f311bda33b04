/**
 * Which model answers a predict call: the startup model (resolveModel: --model, else the store's active
 * version, else the shipped default), and for other names (or after another process activated one)
 * the store's active version, loaded on first use.
 */
import type { ReviewStore } from '../data/store.js';
import { DEFAULT_MODEL_NAME, resolveModel } from '../model/registry.js';
import { HttpError, notFound } from './errors.js';
import type { ModelHolder, ServedModel } from './model-holder.js';
import { describeServed } from './activation.js';

export const NO_MODEL_MESSAGE =
  'no model is available yet: add labeled reviews (POST /v1/reviews) and train one with POST /v1/training-jobs or `rectify train`, or start the server with --model DIR';

export class Serving {
  private readonly loading = new Map<string, Promise<ServedModel | undefined>>();
  /** name → bundle dir whose load failed, so a broken bundle is not reloaded on every request. */
  private readonly failed = new Map<string, string>();

  private timer: NodeJS.Timeout | undefined;
  private syncing = false;

  constructor(private readonly store: ReviewStore, private readonly holder: ModelHolder, private readonly log: (line: string) => void) {}

  /**
   * Follow activations made outside this server (`rectify models activate`, `rectify train` on the same
   * store): every `ms`, a served store model whose active version changed is reloaded and swapped in.
   * A model loaded from an explicit --model directory stays pinned until a version is activated here.
   */
  watch(ms: number): void {
    if (ms <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.sync(), ms);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async sync(): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    try {
      const names = new Set([DEFAULT_MODEL_NAME, ...this.holder.all().map((m) => m.name)]);
      for (const name of names) {
        const served = this.holder.peek(name);
        if (served?.source === 'explicit') continue;
        const active = this.store.activeModelVersion(name);
        if (!active || active.version === served?.version || this.failed.get(name) === active.path) continue;
        try {
          const entry = await this.holder.load({ kind: 'store', dir: active.path, name, version: active.version }, active.metrics);
          // swap only if that is still the active version and nothing else replaced the served model meanwhile
          if (this.store.activeModelVersion(name)?.version === active.version && this.holder.peek(name) === served) {
            this.holder.swap(entry);
            this.log(`rectify serve: model ${name}: now serving ${describeServed(entry)} (activated in the store)`);
          } else {
            entry.model.release();
          }
        } catch (err) {
          this.failed.set(name, active.path);
          this.log(`rectify serve: model ${name}: active version ${active.version} could not be loaded (${(err as Error).message}); still serving ${served ? describeServed(served) : 'nothing'}`);
        }
      }
    } catch (err) {
      this.log(`rectify serve: checking the store for activations failed: ${(err as Error).message}`);
    } finally {
      this.syncing = false;
    }
  }

  /** Load the startup model. Throws only when an explicit --model directory cannot be loaded. */
  async loadInitial(modelDir?: string): Promise<void> {
    const source = resolveModel({ modelDir, store: this.store, name: DEFAULT_MODEL_NAME });
    if (!source) {
      this.holder.setProblem(DEFAULT_MODEL_NAME, NO_MODEL_MESSAGE);
      this.log(`rectify serve: ${NO_MODEL_MESSAGE}`);
      return;
    }
    try {
      const metrics = source.kind === 'store' ? this.store.getModelVersion(source.name, source.version!)?.metrics : undefined;
      const entry = await this.holder.load(source, metrics);
      this.holder.swap(entry);
      this.log(`rectify serve: serving model ${source.name}: ${describeServed(entry)}`);
    } catch (err) {
      if (source.kind === 'explicit') throw err;
      this.failed.set(source.name, source.dir);
      const problem = `the ${source.kind === 'store' ? `active version ${source.version}` : 'shipped model'} of model ${source.name} could not be loaded (${(err as Error).message}); activate another version or train a new one`;
      this.holder.setProblem(source.name, problem);
      this.log(`rectify serve: ${problem}`);
    }
  }

  /** The model served as `name`, loading the store's active version if none is loaded; else 404/503. */
  async ensure(name: string): Promise<void> {
    if (this.holder.peek(name)) return;
    let pending = this.loading.get(name);
    if (!pending) {
      pending = this.loadActive(name).finally(() => this.loading.delete(name));
      this.loading.set(name, pending);
    }
    if (await pending) return;
    const problem = this.holder.problem(name);
    if (name === DEFAULT_MODEL_NAME) throw new HttpError(503, 'no_model', problem ?? NO_MODEL_MESSAGE);
    if (this.store.listModelVersions(name).length === 0) throw notFound(`model ${name} not found`);
    throw new HttpError(503, 'no_model', problem ?? `model ${name} has no active version: activate one with POST /v1/models/${name}/versions/{version}:activate`);
  }

  private async loadActive(name: string): Promise<ServedModel | undefined> {
    const active = this.store.activeModelVersion(name);
    if (!active || this.failed.get(name) === active.path) return undefined;
    try {
      const entry = await this.holder.load({ kind: 'store', dir: active.path, name, version: active.version }, active.metrics);
      if (this.holder.peek(name)) {
        entry.model.release(); // something else was swapped in meanwhile; it wins
        return this.holder.peek(name);
      }
      this.holder.swap(entry);
      this.log(`rectify serve: serving model ${name}: ${describeServed(entry)}`);
      return entry;
    } catch (err) {
      this.failed.set(name, active.path);
      this.holder.setProblem(name, `active version ${active.version} of model ${name} could not be loaded (${(err as Error).message})`);
      return undefined;
    }
  }
}
