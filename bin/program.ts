/**
 * The command-line program: commands, global options and help. Command implementations are imported
 * only when their command runs, so `rectify --help` loads nothing but commander.
 */
import { Command } from 'commander';
import { defineEval, defineImport, defineModels, defineServe } from './define/others.js';
import { defineScore } from './define/score.js';
import { defineTrain } from './define/train.js';
import { examples } from './options.js';
import { packageVersion } from './version.js';

/** Commander's own error text, kept so that the entry point can print it as one line. */
export const lastUsageError: { message?: string } = {};

export function buildProgram(): Command {
  const program = new Command('rectify');
  program
    .description('Predict the star rating of a review from its text with a deep sparse rectifier network.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('-v, --verbose', 'more detail on stderr (backend, timings, stack traces on errors)')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      outputError: (str) => {
        lastUsageError.message = str.trim().replace(/^error: /, '');
      },
    })
    .addHelpText('after', `
Exit status: 0 success, 1 runtime failure, 2 usage error, 130 cancelled.

Environment:
  RECTIFY_HOME           directory for the default store and its models (default ./.rectify)
  RECTIFY_DB             review store file (default $RECTIFY_HOME/rectify.db)
  RECTIFY_SHIPPED_MODEL  'none': never fall back to the shipped (research-only) model; or another bundle DIR
  RECTIFY_BACKEND        dense backend: tensorflow, wasm, ts or auto
${examples([
  'rectify train --data train.jsonl --dev dev.jsonl --register',
  'rectify score reviews.jsonl > scored.jsonl',
  'rectify eval --data test.jsonl',
  'rectify <command> --help',
])}`);
  defineScore(program);
  defineTrain(program);
  defineEval(program);
  defineImport(program);
  defineModels(program);
  defineServe(program);
  return program;
}

/** `rectify score`, `rectify models activate`: the command path named in argv, for usage hints. */
export function commandPath(program: Command, argv: readonly string[]): string {
  const names = ['rectify'];
  let current = program;
  for (const arg of argv) {
    if (arg.startsWith('-')) continue;
    const sub = current.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (sub === undefined) break;
    names.push(sub.name());
    current = sub;
  }
  return names.join(' ');
}
