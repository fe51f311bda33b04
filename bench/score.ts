/**
 * `rectify score` end to end: generate review files of 100,000 and 300,000 lines (real Yelp lines
 * from ../shared/data/yelp-10k/train.jsonl repeated when present, else synthetic ~700-character
 * reviews), then time `node dist/bin/rectify.js score FILE --model DIR --out OUT` as a subprocess and
 * record its peak RSS (all threads), to show throughput and that memory does not grow with the file.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/score.js [--model DIR] [--sizes 100000,300000] [--jobs N] [--keep]
 *
 * Model: --model DIR, else the shipped default (models/default), else a model trained here with the
 * default architecture (3 × 1000 rectifier units, 5,000 terms), 1 epoch, no pretraining.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot, shippedModelDir } from '../model/registry.js';
import { Rng } from '../model/rng.js';

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? undefined : argv[i + 1];
};
const root = packageRoot();
const cli = join(root, 'dist', 'bin', 'rectify.js');
const sizes = (flag('sizes') ?? '100000,300000').split(',').map(Number);
const jobs = flag('jobs');
const keep = argv.includes('--keep');
const dir = mkdtempSync(join(tmpdir(), 'rectify-bench-score-'));
const yelp = resolve(root, '..', 'shared', 'data', 'yelp-10k', 'train.jsonl');

// ---- input ------------------------------------------------------------------------------------

// Seeded, so runs are comparable.
const rng = new Rng(0x5eed);
const rand = (): number => rng.uniform();
const WORDS = ('the food was great good bad terrible service staff friendly slow fast pizza burger sushi coffee amazing '
  + 'awful price cheap expensive ambiance loud quiet waiter table reservation wait minutes hour delicious bland fresh '
  + 'stale portion huge tiny would definitely never come back again recommend place restaurant menu dessert drinks '
  + 'and but with for not very really so too it is was we they i my our ordered tried loved hated okay').split(' ');
function syntheticLine(i: number): string {
  const target = 150 + Math.floor(rand() * 1100); // ~700 characters on average, like Yelp
  const words: string[] = [];
  for (let length = 0; length < target;) {
    const w = WORDS[Math.floor(rand() * WORDS.length)];
    words.push(w);
    length += w.length + 1;
  }
  return JSON.stringify({ id: `r${i}`, text: `${words.join(' ')}.`, rating: 1 + Math.floor(rand() * 5) });
}

const source: string[] = existsSync(yelp) ? readFileSync(yelp, 'utf8').split('\n').filter((l) => l.trim() !== '') : [];

async function writeInput(path: string, n: number): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < n; i++) {
    const line = source.length > 0 ? source[i % source.length] : syntheticLine(i);
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function countLines(path: string): Promise<number> {
  let n = 0;
  for await (const _ of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) n++;
  return n;
}

// ---- running the CLI ---------------------------------------------------------------------------

interface Run { seconds: number; peakRssMb: number; code: number; stderr: string }

const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Run the CLI; peak RSS from `/usr/bin/time -v`, else by polling /proc/PID/status VmHWM. */
async function run(args: string[]): Promise<Run> {
  const command = timeBin ?? process.execPath;
  const full = timeBin ? ['-v', process.execPath, cli, ...args] : [cli, ...args];
  const started = performance.now();
  const child = spawn(command, full, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, RECTIFY_QUIET_BACKEND: '1' } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let polled = 0;
  const poll = timeBin ? undefined : setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) polled = Math.max(polled, Number(m[1]));
    } catch {
      // exited
    }
  }, 20);
  const [code] = (await once(child, 'exit')) as [number];
  const seconds = (performance.now() - started) / 1000;
  if (poll) clearInterval(poll);
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  const peakKb = m ? Number(m[1]) : polled;
  return { seconds, peakRssMb: peakKb / 1024, code, stderr };
}

async function chooseModel(): Promise<{ dir: string; how: string }> {
  const given = flag('model');
  if (given) return { dir: resolve(given), how: 'given' };
  const shipped = shippedModelDir();
  if (shipped) return { dir: shipped, how: 'shipped default' };
  const data = join(dir, 'train.jsonl');
  await writeInput(data, Math.min(8000, source.length || 8000));
  const model = join(dir, 'model');
  process.stderr.write('no model given and no shipped default: training one (3 x 1000, 1 epoch, no pretraining)...\n');
  const r = await run(['train', '--data', data, '--no-pretrain', '--epochs', '1', '--out', model, '--json']);
  if (r.code !== 0) throw new Error(`training failed:\n${r.stderr}`);
  return { dir: model, how: `trained here in ${r.seconds.toFixed(1)} s (default widths, 1 epoch, no pretraining)` };
}

// ---- main --------------------------------------------------------------------------------------

try {
  const model = await chooseModel();
  const manifest = JSON.parse(readFileSync(join(model.dir, 'manifest.json'), 'utf8'));
  const rows: { lines: number; mb: number; seconds: number; perSecond: number; peakRssMb: number }[] = [];
  for (const n of sizes) {
    const input = join(dir, `reviews-${n}.jsonl`);
    const out = join(dir, `scored-${n}.jsonl`);
    await writeInput(input, n);
    const args = ['score', input, '--model', model.dir, '--out', out, ...(jobs ? ['--jobs', jobs] : [])];
    const r = await run(args);
    if (r.code !== 0) throw new Error(`rectify score exited with ${r.code}:\n${r.stderr}`);
    const lines = await countLines(out);
    if (lines !== n) throw new Error(`expected ${n} output lines, got ${lines}`);
    rows.push({ lines: n, mb: statSync(input).size / 1e6, seconds: r.seconds, perSecond: n / r.seconds, peakRssMb: r.peakRssMb });
    rmSync(input);
    rmSync(out);
  }
  const arch = `${manifest.architecture.inputDim} terms -> ${manifest.architecture.layers.join(' x ') || 'no hidden layer'} -> ${manifest.architecture.head}`;
  console.log(`rectify score, model: ${model.dir} (${model.how}; ${arch})`);
  console.log(`input: ${source.length ? `yelp-10k train lines repeated (${source.length} distinct)` : 'synthetic reviews'}; peak RSS via ${timeBin ? '/usr/bin/time -v' : '/proc VmHWM polling'}`);
  console.log('   lines      MB   seconds  reviews/s  peak RSS MB');
  for (const r of rows) {
    console.log(`${String(r.lines).padStart(8)}  ${r.mb.toFixed(1).padStart(6)}  ${r.seconds.toFixed(2).padStart(8)}  ${Math.round(r.perSecond).toString().padStart(9)}  ${r.peakRssMb.toFixed(0).padStart(11)}`);
  }
  console.log(JSON.stringify({ bench: 'score', model: model.dir, architecture: manifest.architecture, jobs: jobs ?? 'default', runs: rows }));
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
  else process.stderr.write(`kept ${dir}\n`);
}
