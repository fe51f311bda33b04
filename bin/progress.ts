/**
 * Training progress on stderr: one cli-progress bar per phase on a terminal; nothing otherwise, except
 * one line per epoch with --verbose.
 */
import cliProgress from 'cli-progress';
import type { Progress } from '../model/progress.js';

export interface ProgressView {
  onProgress(p: Progress): void;
  /** A status line (reading data, saving …): shown on a terminal or with --verbose. */
  note(text: string): void;
  stop(): void;
}

const phaseName = (phase: string) => phase.replace(/^pretrain:(\d+)$/, 'pretrain layer $1').replace(/^finetune$/, 'fine-tune');

export function progressView(opts: { tty: boolean; verbose: boolean }): ProgressView {
  if (opts.tty) return barView();
  return {
    onProgress(p) {
      if (opts.verbose && p.batch === p.batches) {
        const dev = p.devRmse === undefined ? '' : ` dev RMSE ${p.devRmse.toFixed(4)}`;
        process.stderr.write(`rectify: ${phaseName(p.phase)} epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)}${dev} (${Math.round(p.examplesPerSecond)} ex/s)\n`);
      }
    },
    note(text) {
      if (opts.verbose) process.stderr.write(`rectify: ${text}\n`);
    },
    stop() {},
  };
}

function barView(): ProgressView {
  let bar: cliProgress.SingleBar | undefined;
  let phase: string | undefined;
  const stop = () => {
    bar?.stop();
    bar = undefined;
    phase = undefined;
  };
  return {
    onProgress(p) {
      const total = Math.max(1, p.epochs * p.batches);
      const value = Math.min(total, (p.epoch - 1) * p.batches + p.batch);
      const payload = {
        phase: phaseName(p.phase).padEnd(16),
        epoch: `${p.epoch}/${p.epochs}`,
        loss: p.loss.toFixed(4),
        dev: p.devRmse === undefined ? '' : ` | dev RMSE ${p.devRmse.toFixed(4)}`,
        speed: Math.round(p.examplesPerSecond),
      };
      if (p.phase !== phase) {
        stop();
        phase = p.phase;
        bar = new cliProgress.SingleBar({
          format: '{phase} {bar} {percentage}% | epoch {epoch} | loss {loss}{dev} | {speed} ex/s | ETA {eta_formatted}',
          hideCursor: true,
          clearOnComplete: false,
          stopOnComplete: false,
          etaBuffer: 50,
          barsize: 24,
        }, cliProgress.Presets.shades_classic);
        bar.start(total, value, payload);
      } else {
        bar!.update(value, payload);
      }
    },
    note(text) {
      stop();
      process.stderr.write(`rectify: ${text}\n`);
    },
    stop,
  };
}
