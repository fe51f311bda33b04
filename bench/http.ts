/**
 * HTTP serving benchmark (not a test). Starts the server on 127.0.0.1 in a child process and loads it
 * with autocannon from this one:
 *   1. single-review predict at 10 connections: p50/p99 latency, requests/s (targets: p50 < 5 ms, p99 < 20 ms)
 *   2. one batch of 100 reviews per request, 1 connection: p50/p99 latency (target < 50 ms)
 *   3. single-review predict again while a training job runs in the server's worker (target p99 < 50 ms)
 * The model: --model DIR, else the shipped default, else one trained here (default architecture,
 * 1 fine-tuning epoch, no pretraining). Prints a table, then one JSON line.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/http.js [--model DIR] [--data FILE.jsonl] [--seconds 10]
 *       [--connections 10] [--layers 1000,1000,1000] [--backend ts|wasm|tensorflow]
 *
 * --data defaults to ../shared/data/yelp-10k/train.jsonl next to the repository (synthetic reviews if absent).
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReviewStore } from '../data/store.js';
import { packageRoot, registerModel, shippedModelDir } from '../model/registry.js';
import { resolveConfig, trainModel, type Review } from '../model/train.js';
import { startServer } from '../server/index.js';
import { syntheticReviews } from '../test/helpers/corpus.js';

function option(name: string): string | undefined {
  const argv = process.argv.slice(2);
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return argv[i].includes('=') ? argv[i].slice(argv[i].indexOf('=') + 1) : argv[i + 1];
}
const numberOption = (name: string, fallback: number) => {
  const v = Number(option(name) ?? fallback);
  if (!(v > 0)) throw new Error(`--${name}: must be a positive number`);
  return v;
};

// ---- child: just the server ---------------------------------------------------
if (process.argv.includes('--child')) {
  const server = await startServer({ host: '127.0.0.1', port: 0, db: option('db')!, modelDir: option('model'), log: (l) => process.stderr.write(`[server] ${l}\n`), handleSignals: true, app: { backend: option('backend') } });
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
} else {
  await main();
}

function loadReviews(): Review[] {
  const file = option('data') ?? path.join(packageRoot(), '..', 'shared', 'data', 'yelp-10k', 'train.jsonl');
  if (!fs.existsSync(file)) {
    process.stderr.write(`bench: ${file} not found, using synthetic reviews\n`);
    return syntheticReviews(8000, 11);
  }
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((r) => typeof r.text === 'string' && Number.isInteger(r.rating));
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

interface Run { name: string; connections: number; requests: number; rps: number; p50: number; p99: number; max: number; errors: number; cpuMs: number; target: string }

/** CPU time (user + system, ms) the server process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuMs(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

async function load(name: string, pid: number, url: string, bodies: string[], connections: number, seconds: number, target: string): Promise<Run> {
  const times: number[] = [];
  const cpuBefore = cpuMs(pid);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({
      url: `${url}/v1/models/default:predict`, connections, duration: seconds,
      requests: bodies.map((body) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body })),
    }, (err, res) => (err ? reject(err) : resolve(res)));
    // autocannon's own histogram has 1 ms resolution; keep the exact times
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status === 200) times.push(ms);
    });
  });
  times.sort((a, b) => a - b);
  return {
    name, connections, requests: times.length, rps: times.length / seconds, p50: percentile(times, 50), p99: percentile(times, 99),
    max: times.at(-1) ?? NaN, errors: result.errors + result.timeouts + result.non2xx, cpuMs: (cpuMs(pid) - cpuBefore) / Math.max(1, times.length), target,
  };
}

async function api(url: string, method: string, route: string, body?: unknown): Promise<any> {
  const res = await fetch(`${url}${route}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  const json = await res.json();
  if (res.status >= 400) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function spawnServer(db: string, modelDir?: string): Promise<{ child: ChildProcess; url: string }> {
  const args = [fileURLToPath(import.meta.url), '--child', '--db', db, ...(modelDir ? ['--model', modelDir] : []), ...(option('backend') ? ['--backend', option('backend')!] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d) => resolve(JSON.parse(String(d)).url));
    child.once('exit', (code) => reject(new Error(`server exited with code ${code}`)));
  });
  return { child, url };
}

async function main(): Promise<void> {
  const seconds = numberOption('seconds', 10);
  const connections = numberOption('connections', 10);
  const layers = (option('layers') ?? '1000,1000,1000').split(',').map(Number);
  const reviews = loadReviews();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rectify-bench-http-'));
  const db = path.join(dir, 'rectify.db');
  const store = ReviewStore.open(db);
  store.insertReviews(reviews);
  let modelDir = option('model');
  // --layers asks for a model of that shape, trained here, even when a shipped default exists.
  let modelNote = modelDir ? `--model ${modelDir}` : !option('layers') && shippedModelDir() ? 'shipped default' : '';
  if (!modelNote) {
    const started = performance.now();
    const config = resolveConfig({ layers, pretrain: false, finetuning: { epochs: 1 }, backend: option('backend') });
    const { model, report } = await trainModel({ train: reviews }, config);
    await registerModel(store, { model, training: config, metrics: report.dev, activate: true });
    modelNote = `trained here: vocab ${report.data.vocabulary}, layers [${layers}], 1 epoch, ${((performance.now() - started) / 1000).toFixed(1)} s, dev RMSE ${report.dev?.rmse.toFixed(3)}`;
    model.release();
  }
  store.close();
  process.stderr.write(`bench: model ${modelNote}\n`);

  const { child, url } = await spawnServer(db, modelDir);
  try {
    // median-length reviews, so one request is a typical review
    const byLength = [...reviews].sort((a, b) => a.text.length - b.text.length);
    const mid = byLength.slice(Math.floor(byLength.length / 2) - 50, Math.floor(byLength.length / 2) + 50);
    const single = mid.map((r) => JSON.stringify({ instances: [r.text] }));
    const batch = [0, 1, 2, 3].map((k) => JSON.stringify({ instances: reviews.slice(k * 100, k * 100 + 100).map((r) => r.text) }));
    await load('warm-up', child.pid!, url, single, connections, 2, '');
    const runs: Run[] = [];
    runs.push(await load('single review', child.pid!, url, single, connections, seconds, 'p50 < 5 ms, p99 < 20 ms'));
    runs.push(await load('batch of 100', child.pid!, url, batch, 1, seconds, 'p50 < 50 ms'));

    const job = await api(url, 'POST', '/v1/training-jobs', { layers, epochs: 1000, patience: 1000, pretrain: false, activate: 'never' });
    for (let i = 0; ; i++) {
      const status = await api(url, 'GET', `/v1/training-jobs/${job.id}`);
      if (status.progress?.phase === 'finetune') break;
      if (status.status !== 'running' || i > 1200) throw new Error(`training job did not start: ${JSON.stringify(status)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const during = await load('single, training running', child.pid!, url, single, connections, seconds, 'p99 < 50 ms');
    const after = await api(url, 'GET', `/v1/training-jobs/${job.id}`);
    runs.push(during);
    await api(url, 'DELETE', `/v1/training-jobs/${job.id}`);

    const f = (v: number) => v.toFixed(2).padStart(8);
    console.log(`\nrectify HTTP benchmark: ${os.cpus().length} CPUs, node ${process.version}, ${seconds} s per run; model: ${modelNote}`);
    console.log(`${'run'.padEnd(26)}${'conns'.padStart(6)}${'requests'.padStart(10)}${'req/s'.padStart(9)}${'p50 ms'.padStart(8)}${'p99 ms'.padStart(8)}${'max ms'.padStart(8)}${'errors'.padStart(7)}${'CPU ms/req'.padStart(11)}  target`);
    for (const r of runs) {
      console.log(`${r.name.padEnd(26)}${String(r.connections).padStart(6)}${String(r.requests).padStart(10)}${r.rps.toFixed(0).padStart(9)}${f(r.p50)}${f(r.p99)}${f(r.max)}${String(r.errors).padStart(7)}${r.cpuMs.toFixed(2).padStart(11)}  ${r.target}`);
    }
    console.log('CPU ms/req: server process CPU per answered request (with training, includes the training thread)');
    console.log(`training job during run 3: ${after.status}, phase ${after.progress?.phase}, epoch ${after.progress?.epoch}, ${after.progress?.examples_per_second?.toFixed(0)} examples/s`);
    const round = (v: number) => Math.round(v * 100) / 100;
    console.log(JSON.stringify({
      bench: 'http', model: modelNote, seconds, connections,
      single: { p50_ms: round(runs[0].p50), p99_ms: round(runs[0].p99), rps: Math.round(runs[0].rps), cpu_ms_per_req: round(runs[0].cpuMs) },
      batch100: { p50_ms: round(runs[1].p50), p99_ms: round(runs[1].p99) },
      during_training: { p50_ms: round(during.p50), p99_ms: round(during.p99), rps: Math.round(during.rps), job_running: after.status === 'running' },
    }));
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
