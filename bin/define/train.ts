/** Definition of `rectify train` (options and help only; the work is in ../commands/train.ts). */
import { Option, type Command } from 'commander';
import {
  addInputOptions, examples, prose, fraction, layerList, nonNegativeInt, nonNegativeNumber, positiveInt, positiveNumber, rate,
} from '../options.js';
import { backendOption, DB_HELP, verbose } from './shared.js';

export function defineTrain(program: Command): void {
  const cmd = program
    .command('train')
    .summary('train a rating model from labeled reviews (files and/or the store)')
    .description(prose(`Train a deep sparse rectifier network: vocabulary from the training texts, optional greedy denoising
pretraining (on the labeled and --unlabeled texts), then fine-tuning with early stopping on a dev set
(--dev, else a --dev-fraction share of the labeled reviews, chosen by a hash of each text so that a review always falls on the same side).

The model goes to --out DIR (a bundle directory, written atomically) and/or --register (a new version in
the store at --db, made active unless --no-activate). A progress bar per phase is shown on a terminal;
the final dev metrics are printed as a table, or as one JSON object with --json:
  {"metrics": {...dev metrics...}, "report": {...}, "out": DIR|null, "version": {...}|null}
Ctrl-C cancels cleanly (exit 130); nothing is saved then.`));
  cmd
    .option('-d, --data <files...>', 'labeled reviews (any input format; every record needs a 1-5 rating)')
    .option('-u, --unlabeled <files...>', 'unlabeled texts for pretraining (ratings ignored)')
    .option('--dev <file>', 'labeled dev set for early stopping and the reported metrics')
    .option('--from-store', 'also train on the reviews in the store (labeled for fine-tuning, unlabeled for pretraining)')
    .option('--dev-fraction <share>', 'share of labeled reviews held out as dev when no --dev is given (default 0.1)', fraction);
  cmd.options.forEach((o) => o.helpGroup('Data:'));
  addInputOptions(cmd, { rating: true, onErrorDefault: 'fail' });
  const output = [
    new Option('-o, --out <dir>', 'save the model bundle to DIR'),
    new Option('--register', 'save the model as a new version in the store'),
    new Option('--no-activate', 'with --register: do not make the new version active'),
    new Option('--db <file>', DB_HELP),
    new Option('--name <name>', 'model name in the store').default('default'),
    new Option('--json', 'print the result as one JSON object'),
  ];
  const model = [
    new Option('--layers <widths>', 'hidden layer widths, e.g. 1000,1000,1000; 0 for none (default 1000,1000,1000)').argParser(layerList),
    new Option('--activation <name>', 'hidden unit activation (default relu)').choices(['relu', 'tanh', 'softplus']),
    new Option('--head <kind>', 'output: softmax over 5 stars or linear regression (default softmax)').choices(['softmax', 'linear']),
    new Option('--vocab-size <n>', 'vocabulary size (most frequent terms; default 5000)').argParser(positiveInt),
    new Option('--min-df <n>', 'minimum document frequency of a term (default 2)').argParser(positiveInt),
    new Option('--weighting <kind>', 'input values: binary presence or term counts (default binary)').choices(['binary', 'count']),
    new Option('--bigrams', 'add word pairs to the vocabulary'),
    new Option('--negation', 'mark words after a negation (not_good)'),
    new Option('--stem', 'Porter-stem words'),
  ];
  const training = [
    new Option('--pretrain', 'greedy layer-wise denoising pretraining').default(true),
    new Option('--no-pretrain', 'skip pretraining'),
    new Option('--pretrain-epochs <n>', 'pretraining epochs per layer (default 2)').argParser(positiveInt),
    new Option('--noise <rate>', 'salt-and-pepper input noise for pretraining (default 0.2)').argParser(rate),
    new Option('--mask-noise <rate>', 'zero-masking noise on higher layers for pretraining (default 0.25)').argParser(rate),
    new Option('--epochs <n>', 'fine-tuning epochs at most (default 20)').argParser(positiveInt),
    new Option('--patience <n>', 'stop after N epochs without a better dev RMSE (default 3)').argParser(positiveInt),
    new Option('--batch-size <n>', 'mini-batch size, both phases (default 128)').argParser(positiveInt),
    new Option('--lr <rate>', 'fine-tuning Adam learning rate (default 0.0001); also pretraining unless --pretrain-lr').argParser(positiveNumber),
    new Option('--pretrain-lr <rate>', 'pretraining Adam learning rate (default: --lr if given, else 0.001)').argParser(positiveNumber),
    new Option('--l1 <coef>', 'L1 penalty on hidden activations, both phases (default 0)').argParser(nonNegativeNumber),
    new Option('--seed <n>', 'random seed: initialisation, shuffling, noise (default 1)').argParser(nonNegativeInt),
  ];
  for (const o of output) cmd.addOption(o.helpGroup('Output:'));
  for (const o of model) cmd.addOption(o.helpGroup('Model:'));
  for (const o of training) cmd.addOption(o.helpGroup('Training:'));
  cmd.addOption(backendOption().helpGroup('Training:'));
  cmd
    .addHelpText('after', examples([
      'rectify train --data train.jsonl --dev dev.jsonl --out models/yelp',
      'rectify train --data train.jsonl --unlabeled hotels.jsonl --register',
      'rectify train --from-store --register --layers 1000,1000,1000 --l1 0.001',
      'rectify train --data reviews.csv --text-column body --rating-field stars --layers 0 --out models/linear',
      'rectify train --data train.jsonl --no-pretrain --epochs 5 --json --out models/quick > result.json',
    ]))
    .action(async (opts, c: Command) => {
      const { runTrain } = await import('../commands/train.js');
      await runTrain({ ...opts, verbose: verbose(c) });
    });
}
