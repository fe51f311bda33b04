/**
 * Ctrl-C / SIGTERM → an AbortSignal, so long commands stop cleanly (temporary files removed, nothing
 * half-written). A second signal exits at once with 130.
 */

export interface Cancellation {
  readonly signal: AbortSignal;
  dispose(): void;
}

export function cancelOnSignals(what = 'cancelling'): Cancellation {
  const controller = new AbortController();
  const handler = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write('\nrectify: interrupted again, exiting now\n');
      process.exit(130);
    }
    process.stderr.write(`\nrectify: ${what} (${sig}; press Ctrl-C again to exit now)\n`);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
