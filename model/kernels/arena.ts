/**
 * Arenas: where the arrays the kernels work on live, and which kernels work on them.
 *
 *  - `wasm`: one WebAssembly instance of kernels.wat per arena, over its own *shared* WebAssembly.Memory.
 *    Shared memory never moves, so growing it does not detach the Float32Array views handed out before:
 *    every array an arena gives stays valid for as long as it is referenced, like any typed array. The
 *    kernels address arrays that lie in the arena directly; an operand from elsewhere makes the call
 *    fall back to TypeScript (counted in `fallbacks`), except Adam/SGD's parameter and gradient, which
 *    are copied in and out (dense layers' weights live in the dense backend's memory).
 *  - `ts`: plain typed arrays and the TypeScript kernels of reference.ts.
 *
 * RECTIFY_KERNELS=ts|wasm chooses for arenas created afterwards; the default is wasm when this engine
 * supports WebAssembly SIMD and shared memory, else ts. Results agree within float32 rounding.
 *
 * Allocation is first-fit over a free list with coalescing. An array allocated with an `owner` is freed
 * when the owner is garbage-collected (or explicitly by free()); without an owner it lives as long as the
 * arena. The arena's memory lives as long as any of its arrays is referenced.
 */
import { referenceKernels, type Kernels } from './reference.js';
import { bindWasmKernels, type KernelExports } from './wasm-kernels.js';
import { KERNELS_WASM_BASE64 } from './wasm.js';

export type KernelKind = 'wasm' | 'ts';

export interface Arena {
  readonly kind: KernelKind;
  readonly kernels: Kernels;
  /** A zero-filled array of n floats (16-byte aligned in wasm). */
  floats(n: number, owner?: object): Float32Array;
  ints(n: number, owner?: object): Int32Array;
  /** Give back an array this arena allocated (no-op for `ts`). */
  free(view: Float32Array | Int32Array): void;
  /** Whether the kernels can use `view` in place (every array for `ts`; the arena's own for `wasm`). */
  reaches(view: ArrayBufferView): boolean;
  /** Kernel calls that fell back to TypeScript because an operand lay outside the arena. */
  readonly fallbacks: number;
}

/**
 * Numbered scratch arrays in an arena for one owner (a layer, a decoder), grown on demand: an outgrown
 * block is given back and replaced by one twice the size asked for.
 */
export class ArenaScratch {
  private readonly floatSlots: Float32Array[] = [];
  private readonly intSlots: Int32Array[] = [];

  constructor(private readonly arena: Arena) {}

  floats(slot: number, size: number): Float32Array {
    const old = this.floatSlots[slot];
    if (!old || old.length < size) {
      if (old) this.arena.free(old);
      this.floatSlots[slot] = this.arena.floats(Math.max(64, size * 2));
    }
    return this.floatSlots[slot];
  }

  ints(slot: number, size: number): Int32Array {
    const old = this.intSlots[slot];
    if (!old || old.length < size) {
      if (old) this.arena.free(old);
      this.intSlots[slot] = this.arena.ints(Math.max(64, size * 2));
    }
    return this.intSlots[slot];
  }

  /** `values[0 .. n)` where the kernels reach it: itself, or a copy in float slot `slot`. */
  staged(slot: number, values: Float32Array, n: number): Float32Array {
    if (this.arena.reaches(values)) return values;
    const copy = this.floats(slot, n);
    copy.set(values.subarray(0, n));
    return copy;
  }
}

const PAGE = 65536;
const ALIGN = 64;
const MAX_PAGES = 65536;

let compiled: WebAssembly.Module | null | undefined;

/** The compiled kernel module, or null when this engine lacks WebAssembly SIMD or shared memory. */
function kernelModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = Buffer.from(KERNELS_WASM_BASE64, 'base64');
    compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    if (compiled) new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  } catch {
    compiled = null;
  }
  return compiled;
}

export function wasmKernelsSupported(): boolean {
  return kernelModule() !== null;
}

/** The kind new arenas get: RECTIFY_KERNELS when set, else wasm where supported. */
export function preferredKernels(): KernelKind {
  const wanted = process.env.RECTIFY_KERNELS;
  if (wanted === 'ts') return 'ts';
  if (wanted !== undefined && wanted !== '' && wanted !== 'auto' && wanted !== 'wasm') {
    throw new Error(`unknown kernels "${wanted}" (RECTIFY_KERNELS): expected wasm, ts or auto`);
  }
  if (wasmKernelsSupported()) return 'wasm';
  if (wanted === 'wasm') throw new Error('RECTIFY_KERNELS=wasm, but this engine lacks WebAssembly SIMD or shared memory');
  return 'ts';
}

export function createArena(kind: KernelKind = preferredKernels()): Arena {
  if (kind === 'wasm') {
    const module = kernelModule();
    if (!module) throw new Error('WebAssembly SIMD kernels are not supported here');
    try {
      return new WasmArena(module);
    } catch {
      // e.g. address space for another memory refused: still correct, only slower
    }
  }
  return tsArena;
}

const tsArena: Arena = {
  kind: 'ts',
  kernels: referenceKernels,
  floats: (n) => new Float32Array(n),
  ints: (n) => new Int32Array(n),
  free() {},
  reaches: () => true,
  fallbacks: 0,
};

/** Which wasm arena a view lies in (every buffer object a memory has exposed is recorded). */
const homes = new WeakMap<ArrayBufferLike, WasmArena>();

export function arenaOf(view: ArrayBufferView): Arena | undefined {
  return homes.get(view.buffer);
}

const reclaim = new FinalizationRegistry<{ arena: WeakRef<WasmArena>; start: number }>(({ arena, start }) => arena.deref()?.release(start));

class WasmArena implements Arena {
  readonly kind = 'wasm';
  readonly kernels: Kernels;
  fallbacks = 0;
  private readonly memory: WebAssembly.Memory;
  private buffer: ArrayBufferLike;
  /** Allocated blocks: start → size in bytes. */
  private readonly blocks = new Map<number, number>();
  /** Free blocks below `top`, sorted by start, never adjacent. */
  private readonly holes: { start: number; size: number }[] = [];
  private top = ALIGN;
  /** Bytes above this were never handed out, so they are still zero. */
  private clean = ALIGN;

  constructor(module: WebAssembly.Module) {
    this.memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    this.buffer = this.memory.buffer;
    homes.set(this.buffer, this);
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.kernels = bindWasmKernels(this, instance.exports as unknown as KernelExports);
  }

  floats(n: number, owner?: object): Float32Array {
    const start = this.allocate(n * 4); // first: it may grow the memory (and so replace this.buffer)
    const view = new Float32Array(this.buffer, start, n);
    if (owner) reclaim.register(owner, { arena: new WeakRef(this), start: view.byteOffset }, view);
    return view;
  }

  ints(n: number, owner?: object): Int32Array {
    const start = this.allocate(n * 4);
    const view = new Int32Array(this.buffer, start, n);
    if (owner) reclaim.register(owner, { arena: new WeakRef(this), start: view.byteOffset }, view);
    return view;
  }

  free(view: Float32Array | Int32Array): void {
    if (!this.reaches(view)) return;
    reclaim.unregister(view);
    this.release(view.byteOffset);
  }

  reaches(view: ArrayBufferView): boolean {
    return homes.get(view.buffer) === this;
  }

  /** Byte address of view[offset], or -1 when the view is not in this arena. */
  address(view: ArrayBufferView, offset = 0): number {
    return homes.get(view.buffer) === this ? view.byteOffset + offset * 4 : -1;
  }

  /** Free the block starting at `start` (a no-op if it is not allocated). */
  release(start: number): void {
    const size = this.blocks.get(start);
    if (size === undefined) return;
    this.blocks.delete(start);
    const holes = this.holes;
    let i = 0;
    while (i < holes.length && holes[i].start < start) i++;
    holes.splice(i, 0, { start, size });
    // Merge with the following and the preceding hole.
    if (i + 1 < holes.length && start + size === holes[i + 1].start) {
      holes[i].size += holes[i + 1].size;
      holes.splice(i + 1, 1);
    }
    if (i > 0 && holes[i - 1].start + holes[i - 1].size === start) {
      holes[i - 1].size += holes[i].size;
      holes.splice(i, 1);
      i--;
    }
    // A hole that reaches the top lowers it.
    const last = holes[holes.length - 1];
    if (last && last.start + last.size === this.top) {
      this.top = last.start;
      holes.pop();
    }
  }

  private allocate(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    let start = -1;
    for (let i = 0; i < this.holes.length; i++) {
      const hole = this.holes[i];
      if (hole.size < size) continue;
      start = hole.start;
      if (hole.size === size) this.holes.splice(i, 1);
      else {
        hole.start += size;
        hole.size -= size;
      }
      break;
    }
    if (start < 0) {
      start = this.top;
      this.top += size;
      this.reserve(this.top);
    }
    // Reused bytes may hold old values; bytes never handed out are zero (and untouched, so not resident).
    const end = start + size;
    if (start < this.clean) new Uint8Array(this.buffer, start, Math.min(end, this.clean) - start).fill(0);
    if (end > this.clean) this.clean = end;
    this.blocks.set(start, size);
    return start;
  }

  private reserve(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    const pages = Math.ceil((bytes - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) throw new RangeError(`kernel arena: ${bytes} bytes exceed the 4 GiB of a wasm memory`);
    this.memory.grow(pages);
    this.buffer = this.memory.buffer;
    homes.set(this.buffer, this);
  }
}

export type { WasmArena };
