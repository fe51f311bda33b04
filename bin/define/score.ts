/** Definition of `rectify score` (options and help only; the work is in ../commands/score.ts). */
import { Option, type Command } from 'commander';
import { addInputOptions, examples, prose, positiveInt } from '../options.js';
import { backendOption, modelOptions, verbose } from './shared.js';

export function defineScore(program: Command): void {
  const cmd = program
    .command('score')
    .summary('predict star ratings for reviews in files or stdin')
    .description(prose(`Predict a star rating for every review in the files (or stdin), streaming: output begins before
the input ends and memory stays flat, so files larger than memory work.

Output is one line per input record, in input order. JSON Lines by default:
  {"id":"r1","rating":4.2143,"distribution":[0.01,0.02,0.08,0.5,0.39],"label":"positive"}
("id" when the input record has one; "terms" with --explain). A record that cannot be read (bad JSON,
no text, wrong column count) still gets a line, {"line":12,"error":"FILE:12: ..."}, so output stays
aligned with the input; the count of such records is reported on stderr (--on-error fail stops at the
first one instead, exit 1). Blank lines are not records and produce no output.

--output-format csv/tsv writes the input columns (CSV/TSV header, JSON object keys of the first record,
or "text") followed by rating, label, p1..p5 (terms) and error; a predicted column whose name the input
already uses is written as predicted_<name>.

Model: --model DIR, else the active version in the store (--db; used only if it exists, never created),
else the shipped default model.`))
    .argument('[files...]', 'input files; "-" or nothing reads stdin');
  addInputOptions(cmd, { rating: false, onErrorDefault: 'skip' });
  modelOptions(cmd);
  cmd
    .option('-o, --out <file>', 'write to FILE instead of stdout (via a temporary file renamed into place on success)')
    .addOption(new Option('--output-format <format>', 'output format').choices(['jsonl', 'csv', 'tsv']).default('jsonl'))
    .option('--explain', 'add the terms that moved each rating most (slower: one extra pass per term)')
    .option('--top <n>', 'terms per review with --explain', positiveInt, 10)
    .option('--batch-size <n>', 'reviews per prediction batch', positiveInt, 256)
    .option('-j, --jobs <n>', 'scoring threads, each holding its own copy of the model (~130 MB for the default 3 x 1000 model; default: one per core, at most 4, and 1 for inputs under 1 MB; 1: score in the main thread)', positiveInt)
    .addOption(backendOption())
    .addHelpText('after', examples([
      'rectify score reviews.jsonl > scored.jsonl',
      'rectify score reviews.csv --text-column body --output-format csv --out scored.csv',
      'cat reviews.txt | rectify score - --model models/yelp',
      'rectify score reviews.jsonl --id-field review_id --explain --top 5',
      'echo "the soup was cold and the waiter rude" | rectify score',
    ]))
    .action(async (files: string[], opts, c: Command) => {
      const { runScore } = await import('../commands/score.js');
      await runScore(files, { ...opts, verbose: verbose(c) });
    });
}
