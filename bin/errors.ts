/**
 * Exit codes and one-line error messages for the CLI.
 *   0 success · 1 runtime failure · 2 usage error · 130 cancelled (Ctrl-C / SIGTERM)
 */

export const EXIT = { ok: 0, failure: 1, usage: 2, cancelled: 130 } as const;

/** A mistake in how the command was called (bad or missing options): exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A runtime failure with a message that is already user-facing: exit code 1. */
export class CliError extends Error {
  override name = 'CliError';
}

/** The run was cancelled by a signal: exit code 130. */
export class CancelledRun extends Error {
  override name = 'CancelledRun';
  constructor(what = 'cancelled') {
    super(what);
  }
}

const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory, expected a file',
  ENOTDIR: 'not a directory',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on device',
  EMFILE: 'too many open files',
};

/** The exit code for an error thrown by a command. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof CancelledRun) return EXIT.cancelled;
  if (err instanceof Error && err.name === 'CancelledError') return EXIT.cancelled; // model/progress.ts
  if (err instanceof Error && err.name === 'AbortError') return EXIT.cancelled;
  return EXIT.failure;
}

/** One readable line: `file:line: what is wrong` (RecordError), `path: reason` (fs errors), else the message. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as NodeJS.ErrnoException;
  if (typeof e.code === 'string' && typeof e.path === 'string' && FS_REASONS[e.code]) {
    return `${e.path}: ${FS_REASONS[e.code]}`;
  }
  if (e.code === 'ERR_MODULE_NOT_FOUND' && /server[\\/]index\.js/.test(e.message)) {
    return 'the server is not part of this build (server/index.js is missing)';
  }
  const message = err.message.trim() || err.name;
  // keep it to one line: the first line, plus a hint that more is available
  const [first, ...rest] = message.split(/\r?\n/);
  return rest.some((l) => l.trim() !== '') ? `${first} (more with --verbose)` : first;
}

/** What to print on stderr for a failed command. */
export function formatError(err: unknown, verbose: boolean): string {
  const line = `rectify: ${describeError(err)}\n`;
  if (!verbose || !(err instanceof Error) || err instanceof UsageError || err instanceof CancelledRun) return line;
  return `${line}${err.stack ?? ''}\n`;
}
