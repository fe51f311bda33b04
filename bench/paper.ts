/**
 * Reproduce the paper's text experiments on real reviews (yelp-10k for Table 2, Amazon polarity, the L1
 * sweep, the labeled-data curve, one run at the paper's width). Jobs are listed in bench/paper/experiments.ts;
 * each task's result lands in bench/results/paper/<task>.json, so the run resumes after an interruption.
 * Worker processes (one per core by default) take jobs from a shared queue by creating claim files.
 * `npm run bench:report` then turns the results into the tables and charts of BENCHMARKS.md.
 *
 *   npm run build && npm run bench:paper [-- --workers 2] [--only relu-1000-s1,none-1000-s1] [--pretrain-epochs 1]
 */
import { fork } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { packageRoot } from '../model/package.js';
import { allJobs } from './paper/experiments.js';
import { runJob } from './paper/run.js';

const { values: args } = parseArgs({
  options: {
    workers: { type: 'string', default: String(cpus().length) },
    only: { type: 'string' },
    out: { type: 'string', default: join(packageRoot(), 'bench', 'results', 'paper') },
    'pretrain-epochs': { type: 'string', default: '1' },
    worker: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log('usage: npm run bench:paper -- [--workers N] [--only JOB,JOB] [--out DIR] [--pretrain-epochs N]\njobs: ' + allJobs().map((j) => j.id).join(', '));
  process.exit(0);
}

const outDir = args.out!;
const claims = join(outDir, 'claims');
const only = args.only?.split(',');
const jobs = allJobs().filter((j) => !only || only.includes(j.id));
if (only && jobs.length !== only.length) throw new Error(`unknown job in --only; jobs are: ${allJobs().map((j) => j.id).join(', ')}`);

/** Claim a job for this process: exclusive creation of its claim file. */
function claim(id: string): boolean {
  try {
    closeSync(openSync(join(claims, id), 'wx'));
    return true;
  } catch {
    return false;
  }
}

if (args.worker) {
  for (const job of jobs) if (claim(job.id)) await runJob(job, outDir, Number(args['pretrain-epochs']));
} else {
  rmSync(claims, { recursive: true, force: true });
  mkdirSync(claims, { recursive: true });
  const workers = Math.max(1, Number(args.workers));
  const self = fileURLToPath(import.meta.url);
  const passOn = process.argv.slice(2).filter((a, i, all) => a !== '--workers' && all[i - 1] !== '--workers');
  const codes = await Promise.all(Array.from({ length: workers }, () => new Promise<number>((resolve) => {
    fork(self, [...passOn, '--worker'], { stdio: 'inherit', env: { ...process.env, RECTIFY_QUIET_BACKEND: '1' } }).on('exit', (code) => resolve(code ?? 1));
  })));
  rmSync(claims, { recursive: true, force: true });
  if (codes.some((c) => c !== 0)) {
    console.error(`bench:paper: ${codes.filter((c) => c !== 0).length} worker(s) failed; finished tasks are kept in ${outDir}, run again to resume`);
    process.exit(1);
  }
  console.error(`bench:paper: all tasks done in ${outDir}; run \`npm run bench:report\` to update BENCHMARKS.md`);
}
