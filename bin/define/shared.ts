/** Options several command definitions share. */
import { Option, type Command } from 'commander';

export const DB_HELP = 'review store (SQLite file; default: $RECTIFY_DB, else $RECTIFY_HOME/rectify.db, else ./.rectify/rectify.db)';

export function backendOption(): Option {
  return new Option('--backend <name>', 'dense compute backend (default: $RECTIFY_BACKEND, else the fastest that loads)')
    .choices(['auto', 'tensorflow', 'wasm', 'ts']);
}

/** --model, --db, --name: which model to use. */
export function modelOptions(cmd: Command): Command {
  return cmd
    .option('-m, --model <dir>', 'model bundle directory (default: the active model in the store, else the shipped default)')
    .option('--db <file>', DB_HELP)
    .option('--name <name>', 'model name in the store', 'default');
}

export const verbose = (c: Command): boolean => c.optsWithGlobals().verbose === true;
