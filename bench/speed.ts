/**
 * Every speed figure of BENCHMARKS.md in one run: runs the other benchmarks as child processes (one at a
 * time, so they do not compete for the 2 cores) and keeps the JSON line each prints last:
 *  - bench/model: matMul GFLOP/s, pretraining and fine-tuning examples/s (3 × 1000, K = 5000, batch 128) and
 *    the share of the matMul peak fine-tuning reaches, batched and single-review prediction, peak RSS;
 *  - bench/text: vectorising reviews/s;
 *  - bench/score: `rectify score` reviews/s from raw text and its peak RSS, with the shipped model and with a
 *    3 × 1000 model trained in the run;
 *  - bench/http: predict latency p50/p99 and throughput (autocannon on 127.0.0.1), with the shipped model
 *    and with a 3 × 1000 model trained in the run.
 * fastText's train and predict times come from bench/results/peers.json (same machine, same files).
 * Writes bench/results/speed.json.
 *
 *   npm run build && npm run bench:speed [-- --quick]
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../model/package.js';

const root = packageRoot();
const quick = process.argv.includes('--quick');
const shipped = join(root, 'models', 'default');

function run(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    console.error(`bench:speed: node dist/bench/${script}.js ${args.join(' ')}`);
    const child = spawn(process.execPath, [join(root, 'dist', 'bench', `${script}.js`), ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, RECTIFY_QUIET_BACKEND: '1', ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      process.stderr.write(d);
    });
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`bench/${script} exited with ${code}`));
      try {
        resolve(JSON.parse(last) as Record<string, unknown>);
      } catch {
        reject(new Error(`bench/${script} printed no JSON result line`));
      }
    });
  });
}

const seconds = quick ? '3' : '10';
const result: Record<string, unknown> = {
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  date: new Date().toISOString(),
  command: `npm run bench:speed${quick ? ' -- --quick' : ''}`,
};
result.model = await run('model', quick ? ['--limit', '2000'] : []);
result.text = await run('text', ['--seconds', quick ? '2' : '5']);
if (!existsSync(join(shipped, 'manifest.json'))) throw new Error('models/default is missing: run `npm run train:default` first');
result.score = await run('score', ['--model', shipped, '--sizes', quick ? '20000' : '100000']);
// the reference shape (3 × 1000, K = 5000): bench/score trains one when no model is shipped or given
result.score3x1000 = await run('score', ['--sizes', quick ? '20000' : '100000'], { RECTIFY_SHIPPED_MODEL: 'none' });
result.httpShipped = await run('http', ['--model', shipped, '--seconds', seconds]);
result.http3x1000 = await run('http', ['--layers', '1000,1000,1000', '--seconds', seconds]);
const peersFile = join(root, 'bench', 'results', 'peers.json');
if (existsSync(peersFile)) {
  const peers = JSON.parse(readFileSync(peersFile, 'utf8')) as { results: { dataset: string; peer: string; trainSeconds: number; predictMsPer1000: number }[] };
  result.fasttext = peers.results.filter((r) => r.peer === 'fasttext').map(({ dataset, trainSeconds, predictMsPer1000 }) => ({ dataset, trainSeconds, predictMsPer1000 }));
}
writeFileSync(join(root, 'bench', 'results', 'speed.json'), `${JSON.stringify(result, null, 1)}\n`);
console.error('bench:speed: wrote bench/results/speed.json; `npm run bench:report` puts it into BENCHMARKS.md');
