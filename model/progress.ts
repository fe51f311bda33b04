/** Progress reports and cancellation shared by pretraining and fine-tuning. */

export interface Progress {
  /** 'pretrain:1', 'pretrain:2', … or 'finetune'. */
  phase: string;
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Mean cost per example over the epoch so far. */
  loss: number;
  /** Dev RMSE after the latest completed fine-tuning epoch. */
  devRmse?: number;
  examplesPerSecond: number;
}

export interface RunControl {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /** Minimum milliseconds between batch-level reports (epoch ends are always reported). Default 200. */
  reportEveryMs?: number;
}

export class CancelledError extends Error {
  constructor() {
    super('training was cancelled');
    this.name = 'CancelledError';
  }
}

/** Throws CancelledError once the signal is aborted. */
export function checkCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}

/** Rate-limited progress reporting for one phase. */
export class PhaseMeter {
  private readonly start = performance.now();
  private lastReport = 0;
  private lastYield = 0;
  private examples = 0;
  private cost = 0;
  private epochExamples = 0;

  constructor(private readonly control: RunControl, private readonly phase: string, private readonly epochs: number, private readonly batches: number) {}

  startEpoch(): void {
    this.cost = 0;
    this.epochExamples = 0;
  }

  /**
   * Record a finished batch. Yields to the event loop now and then, so that a cancel request (an abort
   * from a message or a signal handler) is seen while training runs.
   */
  async batch(epoch: number, batch: number, examples: number, cost: number): Promise<void> {
    this.examples += examples;
    this.epochExamples += examples;
    this.cost += cost;
    const now = performance.now();
    if (now - this.lastYield > 50) {
      this.lastYield = now;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    checkCancelled(this.control.signal);
    if (this.control.onProgress && now - this.lastReport >= (this.control.reportEveryMs ?? 200)) {
      this.lastReport = now;
      this.control.onProgress(this.snapshot(epoch, batch));
    }
  }

  endEpoch(epoch: number, devRmse?: number): Progress {
    const p = { ...this.snapshot(epoch, this.batches), devRmse };
    this.control.onProgress?.(p);
    return p;
  }

  get meanCost(): number {
    return this.epochExamples ? this.cost / this.epochExamples : 0;
  }

  private snapshot(epoch: number, batch: number): Progress {
    const seconds = (performance.now() - this.start) / 1000;
    return { phase: this.phase, epoch, epochs: this.epochs, batch, batches: this.batches, loss: this.meanCost, examplesPerSecond: seconds > 0 ? this.examples / seconds : 0 };
  }
}
