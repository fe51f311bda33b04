#!/usr/bin/env node
/**
 * rectify: score review files, train, evaluate, import and serve from the command line.
 * Exit status: 0 success, 1 runtime failure, 2 usage error, 130 cancelled.
 */
import { CommanderError } from 'commander';
import { EXIT, exitCodeFor, formatError } from './errors.js';
import { buildProgram, commandPath, lastUsageError } from './program.js';

async function main(argv: string[]): Promise<void> {
  // the reader went away (`rectify … | head`): stop quietly, as other Unix tools do
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok);
  });
  const program = buildProgram();
  const verbose = () => program.opts().verbose === true || argv.includes('--verbose') || argv.includes('-v');
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are "errors" only to commander
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return exit(EXIT.ok);
      // `rectify help CMD` (exit code 0), or no command at all (help went to stderr: a usage error)
      if (err.code === 'commander.help') return exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
      const message = lastUsageError.message ?? err.message.replace(/^error: /, '');
      process.stderr.write(`rectify: ${message} (see \`${commandPath(program, argv)} --help\`)\n`);
      return exit(EXIT.usage);
    }
    if (err instanceof Error && err.name === 'BrokenPipe') return exit(EXIT.ok); // e.g. `rectify score … | head`
    process.stderr.write(formatError(err, verbose()));
    return exit(exitCodeFor(err));
  }
}

/** Exit once stderr/stdout have been handed everything written so far. */
function exit(code: number): void {
  process.exitCode = code;
  if (code !== 0) {
    // failures may leave readers (stdin) or timers behind: do not wait for them
    process.stderr.write('', () => process.exit(code));
  }
}

void main(process.argv.slice(2));
