/** Definitions of `rectify eval`, `import`, `models` and `serve` (the work is in ../commands/). */
import { Option, type Command } from 'commander';
import { addInputOptions, examples, prose, port, positiveInt } from '../options.js';
import { backendOption, DB_HELP, modelOptions, verbose } from './shared.js';

export function defineEval(program: Command): void {
  const cmd = program
    .command('eval')
    .summary('evaluate a model on labeled reviews')
    .description(prose(`Evaluate a model on labeled reviews: RMSE, MAE, exact-star accuracy, polarity accuracy (reviews
rated other than 3: is the predicted rating on the right side of 3), the share of exact zeros in every
hidden layer, and the confusion matrix. --json prints one object:
  {"n","rmse","mae","accuracy","polarity_accuracy","polarity_n","confusion","sparsity","model","skipped"}`))
    .option('-d, --data <files...>', 'labeled reviews (any input format)');
  modelOptions(cmd);
  addInputOptions(cmd, { rating: true, onErrorDefault: 'fail' });
  cmd
    .addOption(backendOption())
    .option('--json', 'print the metrics as one JSON object')
    .addHelpText('after', examples([
      'rectify eval --model models/yelp --data test.jsonl',
      'rectify eval --data test.csv --rating-field stars --json',
    ]))
    .action(async (opts, c: Command) => {
      const { runEval } = await import('../commands/eval.js');
      await runEval({ ...opts, verbose: verbose(c) });
    });
}

export function defineImport(program: Command): void {
  const cmd = program
    .command('import')
    .summary('load reviews (labeled or not) into the store')
    .description(prose(`Load reviews into the review store, in batches of 5,000 (one transaction each), and print how many
were inserted, were duplicates (the same text is already stored; re-importing a file is safe) and were
rejected as bad records.

--on-error fail (the default) never leaves a FILE partly imported because of a bad record: each file
is validated in a first streaming pass and inserted only if every record is good (stdin is held in
memory instead, as it cannot be read twice). --on-error skip imports the good records and counts the
bad ones as rejected.`))
    .argument('<files...>', 'review files ("-" for stdin)')
    .option('--db <file>', DB_HELP)
    .option('--source <name>', 'source label stored with each review (default: the file name)');
  addInputOptions(cmd, { rating: true, onErrorDefault: 'fail' });
  cmd
    .option('--json', 'print the counts as one JSON object')
    .addHelpText('after', examples([
      'rectify import train.jsonl unlabeled.jsonl',
      'rectify import reviews.csv --text-column body --rating-field stars --on-error skip --db shop.db',
      'cat reviews.txt | rectify import - --source survey-2024',
    ]))
    .action(async (files: string[], opts) => {
      const { runImport } = await import('../commands/import.js');
      await runImport(files, opts);
    });
}

export function defineModels(program: Command): void {
  const models = program
    .command('models')
    .summary('list the model versions in the store, or activate one')
    .description('List the registered versions of a model (* marks the active one, which score and serve use), or activate another version (also how to roll back).')
    .option('--db <file>', DB_HELP)
    .option('--name <name>', 'model name', 'default')
    .option('--json', 'print JSON')
    .addHelpText('after', examples(['rectify models', 'rectify models --json', 'rectify models activate 3']));
  models
    .command('list', { isDefault: true })
    .description('list versions with their dev metrics (the default)')
    .action(async (_opts, c: Command) => {
      const { runModelsList } = await import('../commands/models.js');
      await runModelsList(c.optsWithGlobals());
    });
  models
    .command('activate')
    .description('make version V the active one')
    .argument('<version>', 'version number', positiveInt)
    .action(async (version: number, _opts, c: Command) => {
      const { runModelsActivate } = await import('../commands/models.js');
      await runModelsActivate(version, c.optsWithGlobals());
    });
}

export function defineServe(program: Command): void {
  program
    .command('serve')
    .summary('run the HTTP prediction server')
    .description(prose(`Run the HTTP server (same as \`npm start\`). Stops cleanly on SIGINT/SIGTERM (in-flight
requests finish, a running training job is cancelled). Listening on anything but loopback needs an API key.`))
    .addOption(new Option('--host <host>', 'interface to listen on').env('HOST').default('127.0.0.1'))
    .addOption(new Option('--port <port>', 'port (0: any free port)').env('PORT').argParser(port).default(8080))
    .option('--db <file>', DB_HELP)
    .addOption(new Option('-m, --model <dir>', 'serve this bundle (default: the active model in the store, else the shipped default)').env('RECTIFY_MODEL'))
    .addOption(new Option('--api-key <key>', 'require this key on requests (prefer the environment variable)').env('RECTIFY_API_KEY'))
    .addHelpText('after', examples([
      'rectify serve',
      'PORT=9000 HOST=0.0.0.0 RECTIFY_API_KEY=secret rectify serve --db /var/lib/rectify/rectify.db',
    ]))
    .action(async (opts) => {
      const { runServe } = await import('../commands/serve.js');
      await runServe(opts);
    });
}
