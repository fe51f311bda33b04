/**
 * Where command output goes: stdout, or a file written to a temporary sibling and renamed into place
 * on success (so a failed or cancelled run never leaves a half-written FILE). Writes respect
 * backpressure; a closed stdout (`rectify score big.jsonl | head`) ends the run quietly.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';

/** stdout was closed by the reader: not a failure of ours (exit 0, no message). */
export class BrokenPipe extends Error {
  override name = 'BrokenPipe';
  constructor() {
    super('output closed');
  }
}

export class Sink {
  private error: Error | undefined;
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly target?: string,
    private readonly tmp?: string,
  ) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      this.error = err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED' ? new BrokenPipe() : err;
      this.wake();
    });
    stream.on('drain', () => this.wake());
    stream.on('close', () => this.wake());
  }

  /** stdout when `out` is undefined or '-', else an atomic write to `out`. */
  static async open(out?: string): Promise<Sink> {
    if (out === undefined || out === '-') return new Sink(process.stdout);
    const target = resolve(out);
    const tmp = join(dirname(target), `.${basename(target)}.tmp-${randomBytes(4).toString('hex')}`);
    const stream = createWriteStream(tmp, { flags: 'wx' });
    await new Promise<void>((ok, fail) => {
      stream.once('open', () => ok());
      stream.once('error', (err: NodeJS.ErrnoException) => {
        // report the file the user named, not the temporary one
        if (err.path === tmp) err.path = out;
        fail(err);
      });
    });
    return new Sink(stream, target, tmp);
  }

  get toFile(): boolean {
    return this.target !== undefined;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Write, waiting for 'drain' when the stream's buffer is full. */
  async write(chunk: string): Promise<void> {
    if (this.error) throw this.error;
    if (chunk === '') return;
    if (!this.stream.write(chunk)) {
      await new Promise<void>((ok) => this.waiters.push(ok));
      if (this.error) throw this.error;
    }
  }

  /** Finish: flush, and for a file rename the temporary file into place. */
  async commit(): Promise<void> {
    if (this.error) throw this.error;
    if (this.tmp === undefined) return;
    const stream = this.stream as NodeJS.WritableStream & { end(cb?: () => void): void };
    stream.end();
    await finished(stream as unknown as NodeJS.WritableStream);
    if (this.error) throw this.error;
    await rename(this.tmp, this.target!);
  }

  /** Give up: for a file, remove the temporary file (the target is left as it was). */
  async abort(): Promise<void> {
    if (this.tmp === undefined) return;
    (this.stream as unknown as { destroy(): void }).destroy();
    await rm(this.tmp, { force: true });
  }
}

/** One CSV/TSV cell, quoted when it holds the delimiter, a quote or a line break (RFC 4180). */
export function cell(value: unknown, delimiter = ','): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (text.includes(delimiter) || text.includes('"') || text.includes('\n') || text.includes('\r')) {
    return `"${text.replace(/"/g, '""')}"`;
  }
  return text;
}

export function row(values: readonly unknown[], delimiter = ','): string {
  return `${values.map((v) => cell(v, delimiter)).join(delimiter)}\n`;
}
