/**
 * The real CLI, run as a subprocess (`node dist/bin/rectify.js`) on fixtures: every input format,
 * stdin, CSV output, alignment with bad records, exit codes, --json shapes, import/models against a
 * temporary store, and a train → eval → score round trip. RECTIFY_HOME points into a temp dir.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticReviews } from './helpers/corpus.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'bin', 'rectify.js');
const fixture = (name: string) => join(root, 'test', 'fixtures', 'cli', name);
const tmp = mkdtempSync(join(tmpdir(), 'rectify-cli-'));
const home = join(tmp, 'home');
const SMALL = ['--layers', '16,16', '--vocab-size', '200', '--epochs', '5', '--pretrain-epochs', '1', '--lr', '0.01', '--backend', 'ts'];

interface Result { code: number | null; stdout: string; stderr: string }

function run(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<Result> {
  const env: NodeJS.ProcessEnv = { ...process.env, RECTIFY_HOME: home, RECTIFY_QUIET_BACKEND: '1', ...opts.env };
  delete env.RECTIFY_DB;
  const child = spawn(process.execPath, [cli, ...args], { cwd: tmp, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(opts.input ?? '');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
const lines = (text: string) => text.split('\n').filter((l) => l !== '');
const jsonLines = (text: string) => lines(text).map((l) => JSON.parse(l));
const writeJsonl = (name: string, rows: object[]) => {
  const path = join(tmp, name);
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
};
const noStack = (stderr: string) => expect(stderr).not.toMatch(/^\s+at /m);

/** Build when dist/ is missing or older than a bin/ source (npm test builds first anyway). */
function ensureBuilt(): void {
  const newest = (dir: string): number => readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
    const p = join(dir, e.name);
    return Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }, 0);
  if (existsSync(cli) && statSync(cli).mtimeMs >= newest(join(root, 'bin'))) return;
  spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'ignore' });
  if (!existsSync(cli)) throw new Error('dist/bin/rectify.js is missing: run `npx tsc -p tsconfig.json`');
}

const train = writeJsonl('train.jsonl', syntheticReviews(400, 7).map((r, i) => ({ id: `s${i}`, ...r })));
const test = writeJsonl('test.jsonl', syntheticReviews(100, 99));
const model = join(tmp, 'model');

beforeAll(async () => {
  ensureBuilt();
  const r = await run(['train', '--data', train, '--out', model, ...SMALL]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function expectPrediction(p: { rating: number; distribution: number[]; label: string }) {
  expect(p.rating).toBeGreaterThanOrEqual(1);
  expect(p.rating).toBeLessThanOrEqual(5);
  expect(p.distribution).toHaveLength(5);
  expect(p.distribution.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
  expect(['positive', 'neutral', 'negative']).toContain(p.label);
}

describe('help, version and exit codes', () => {
  it('prints help fast, for the program and every command, with exit 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['score', 'train', 'eval', 'import', 'models', 'serve']) expect(r.stdout).toContain(cmd);
    for (const cmd of ['score', 'train', 'eval', 'import', 'models', 'serve']) {
      const h = await run([cmd, '--help']);
      expect(h.code).toBe(0);
      expect(h.stdout).toContain('Examples:');
    }
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect((await run(['--version'])).stdout.trim()).toBe(pkg.version);
  });

  it('usage errors exit 2 with one line on stderr', async () => {
    for (const args of [['score', '--bogus'], ['train', '--data', train], ['train', '--epochs', 'x', '--out', 'm'], ['nope'], ['models', 'activate', 'abc'], ['score', fixture('reviews.txt'), '--output-format', 'xml']]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(/^rectify: /);
    }
  });

  it('a missing file exits 1 naming the file, without a stack trace', async () => {
    const r = await run(['score', 'missing.jsonl', '--model', model]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('rectify: missing.jsonl: no such file or directory\n');
  });

  it('a bad record in training data exits 1 with file:line; --verbose adds the stack', async () => {
    const r = await run(['train', '--data', fixture('bad-train.jsonl'), '--out', join(tmp, 'never'), ...SMALL]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rectify: .*bad-train\.jsonl:3: field "rating": must be an integer from 1 to 5, got 7\n$/);
    noStack(r.stderr);
    expect(existsSync(join(tmp, 'never'))).toBe(false);
    const v = await run(['train', '--verbose', '--data', fixture('bad-train.jsonl'), '--out', join(tmp, 'never'), ...SMALL]);
    expect(v.stderr).toMatch(/^\s+at /m);
  });

  it('without any model, score exits 1 and says how to train one', async () => {
    const r = await run(['score', fixture('reviews.txt')], { env: { RECTIFY_HOME: join(tmp, 'empty-home'), RECTIFY_SHIPPED_MODEL: 'none' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('rectify train --data FILE --out DIR');
    expect(existsSync(join(tmp, 'empty-home'))).toBe(false); // no database was created
  });

  it('Ctrl-C cancels training: exit 130, nothing saved', async () => {
    const big = writeJsonl('big.jsonl', syntheticReviews(3000, 3));
    const out = join(tmp, 'cancelled');
    const child = spawn(process.execPath, [cli, 'train', '--verbose', '--data', big, '--out', out, '--layers', '256,256', '--epochs', '200', '--patience', '200', '--backend', 'ts'], { env: { ...process.env, RECTIFY_HOME: home } });
    let stderr = '';
    // Interrupt once training has started (--verbose notes it), not after a fixed delay: on a loaded machine
    // the process may not have installed its signal handler yet after any given time.
    const started = new Promise<void>((resolve) => child.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.includes('rectify: training on')) resolve();
    }));
    await started;
    child.kill('SIGINT');
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(stderr).toContain('cancelled');
    expect(existsSync(out)).toBe(false);
  });
});

describe('score', () => {
  it('reads plain text (blank lines are not records)', async () => {
    const r = await run(['score', fixture('reviews.txt'), '--model', model]);
    expect(r.code).toBe(0);
    const out = jsonLines(r.stdout);
    expect(out).toHaveLength(3);
    out.forEach(expectPrediction);
    expect(out[0]).not.toHaveProperty('id');
  });

  it('reads JSON Lines, CSV and TSV, keeping ids and order', async () => {
    const cases: [string, string[]][] = [['reviews.jsonl', ['a1', 'a2', '3']], ['reviews.csv', ['c1', 'c2', 'c3']], ['reviews.tsv', ['t1', 't2']]];
    for (const [file, ids] of cases) {
      const r = await run(['score', fixture(file), '--model', model]);
      expect(r.code, file).toBe(0);
      const out = jsonLines(r.stdout);
      expect(out.map((o) => o.id)).toEqual(ids);
      out.forEach(expectPrediction);
    }
  });

  it('reads stdin, with "-" or no file', async () => {
    const input = readFileSync(fixture('reviews.txt'), 'utf8');
    const file = await run(['score', fixture('reviews.txt'), '--model', model]);
    expect((await run(['score', '-', '--model', model], { input })).stdout).toBe(file.stdout);
    expect((await run(['score', '--model', model], { input })).stdout).toBe(file.stdout);
    const jsonl = await run(['score', '-', '--format', 'jsonl', '--model', model], { input: readFileSync(fixture('reviews.jsonl'), 'utf8') });
    expect(jsonLines(jsonl.stdout).map((o) => o.id)).toEqual(['a1', 'a2', '3']);
  });

  it('keeps output aligned with input when records are bad', async () => {
    const r = await run(['score', fixture('bad-middle.jsonl'), '--model', model]);
    expect(r.code).toBe(0);
    const out = jsonLines(r.stdout);
    expect(out).toHaveLength(4);
    expect(out[0].id).toBe('b1');
    expect(out[1]).toMatchObject({ line: 2, error: expect.stringMatching(/bad-middle\.jsonl:2: not valid JSON/) });
    expect(out[2]).toMatchObject({ line: 3, error: expect.stringMatching(/bad-middle\.jsonl:3: field "text": missing/) });
    expect(out[3].id).toBe('b4');
    expectPrediction(out[3]);
    expect(r.stderr).toContain('skipped 2 bad records');
    const fail = await run(['score', fixture('bad-middle.jsonl'), '--model', model, '--on-error', 'fail']);
    expect(fail.code).toBe(1);
    expect(fail.stderr).toMatch(/bad-middle\.jsonl:2: not valid JSON/);
  });

  it('writes CSV: the input columns, then the predictions', async () => {
    const r = await run(['score', fixture('reviews.csv'), '--model', model, '--output-format', 'csv']);
    expect(r.code).toBe(0);
    const rows = parse(r.stdout, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0])).toEqual(['id', 'text', 'rating', 'predicted_rating', 'label', 'p1', 'p2', 'p3', 'p4', 'p5', 'error']);
    expect(rows.map((x) => x.id)).toEqual(['c1', 'c2', 'c3']);
    expect(rows[1].text).toBe('Dirty table,\nslow staff');
    expect(rows[1].rating).toBe('2');
    expect(Number(rows[1].predicted_rating)).toBeGreaterThanOrEqual(1);
    const text = parse((await run(['score', fixture('bad-middle.jsonl'), '--model', model, '--output-format', 'csv'])).stdout, { columns: true }) as Record<string, string>[];
    expect(text.map((x) => x.error !== '')).toEqual([false, true, true, false]);
  });

  it('--explain adds terms; --out writes the file atomically; workers give the same output', async () => {
    const r = await run(['score', fixture('reviews.jsonl'), '--model', model, '--explain', '--top', '3']);
    const first = jsonLines(r.stdout)[0];
    expect(first.terms.length).toBeGreaterThan(0);
    expect(first.terms.length).toBeLessThanOrEqual(3);
    expect(first.terms[0]).toEqual({ term: expect.any(String), contribution: expect.any(Number) });
    const outDir = mkdtempSync(join(tmp, 'out-'));
    const single = await run(['score', test, '--model', model, '--jobs', '1', '--out', join(outDir, 'a.jsonl')]);
    expect(single.stdout).toBe('');
    const pooled = await run(['score', test, '--model', model, '--jobs', '2', '--batch-size', '16', '--out', join(outDir, 'b.jsonl')]);
    expect(pooled.code).toBe(0);
    expect(readdirSync(outDir).sort()).toEqual(['a.jsonl', 'b.jsonl']);
    const a = jsonLines(readFileSync(join(outDir, 'a.jsonl'), 'utf8'));
    const b = jsonLines(readFileSync(join(outDir, 'b.jsonl'), 'utf8'));
    expect(a).toHaveLength(100);
    expect(b).toHaveLength(100);
    a.forEach((p, i) => expect(b[i].rating).toBeCloseTo(p.rating, 3)); // same order, same model
  });

  it('stops quietly when stdout is closed early', async () => {
    const many = join(tmp, 'many.txt');
    writeFileSync(many, syntheticReviews(5000, 5).map((r) => r.text).join('\n'));
    const child = spawn(process.execPath, [cli, 'score', many, '--model', model, '--jobs', '1'], { env: { ...process.env, RECTIFY_QUIET_BACKEND: '1' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stderr).toBe('');
  });
});

describe('serve', () => {
  it('starts the server on the given port and stops on SIGINT with exit 0', async () => {
    const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--model', model, '--db', join(tmp, 'serve.db')], { env: { ...process.env, RECTIFY_HOME: home, RECTIFY_QUIET_BACKEND: '1' } });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        const m = /listening on (http:\/\/\S+)/.exec(stderr);
        if (m) resolve(m[1]);
      });
      child.on('close', () => reject(new Error(`serve exited: ${stderr}`)));
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    child.kill('SIGINT');
    expect(await new Promise((resolve) => child.on('close', resolve))).toBe(0);
  });
});

describe('train, eval, import and models', () => {
  it('train --json and eval --json have the documented shapes; the model beats the mean', async () => {
    const t = await run(['train', '--data', train, '--dev', test, '--json', '--out', join(tmp, 'model2'), ...SMALL]);
    expect(t.code).toBe(0);
    const result = JSON.parse(t.stdout);
    expect(result.out).toBe(join(tmp, 'model2'));
    expect(result.version).toBeNull();
    expect(result.metrics.n).toBe(100);
    expect(result.report.config.layers).toEqual([16, 16]);
    expect(result.report.config.finetuning.epochs).toBe(5);
    expect(result.report.data.train).toBe(400);
    const e = await run(['eval', '--model', model, '--data', test, '--json']);
    expect(e.code).toBe(0);
    const m = JSON.parse(e.stdout);
    for (const key of ['n', 'rmse', 'mae', 'accuracy', 'polarity_accuracy', 'sparsity', 'confusion']) expect(m).toHaveProperty(key);
    expect(m.n).toBe(100);
    expect(m.sparsity).toHaveLength(2);
    expect(m.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(100);
    expect(m.rmse).toBeLessThan(1.2); // predicting the mean star gives ~1.4 on this corpus
    const table = await run(['eval', '--model', model, '--data', test]);
    expect(table.stdout).toMatch(/RMSE\s+\d\.\d{4}/);
    expect(table.stdout).toContain('confusion matrix');
  });

  it('import counts inserted / duplicates / rejected, and fail mode imports nothing from a bad file', async () => {
    const first = JSON.parse((await run(['import', train, '--json'])).stdout);
    expect(first).toMatchObject({ inserted: 400, duplicates: 0, rejected: 0 });
    const again = JSON.parse((await run(['import', train, '--json'])).stdout);
    expect(again).toMatchObject({ inserted: 0, duplicates: 400 });
    const bad = await run(['import', fixture('bad-train.jsonl')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad-train\.jsonl:3:/);
    const skip = JSON.parse((await run(['import', fixture('bad-train.jsonl'), '--on-error', 'skip', '--json'])).stdout);
    expect(skip).toMatchObject({ inserted: 3, duplicates: 0, rejected: 1 }); // the failed run inserted nothing
  });

  it('registers versions, lists and activates them; score uses the active one', async () => {
    expect((await run(['models', '--json'])).stdout.trim()).toBe('[]');
    for (let i = 0; i < 2; i++) {
      const r = await run(['train', '--from-store', '--register', '--json', ...SMALL]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).version).toMatchObject({ name: 'default', version: i + 1, active: true });
    }
    const list = JSON.parse((await run(['models', '--json'])).stdout);
    expect(list.map((v: { version: number; active: boolean }) => [v.version, v.active])).toEqual([[1, false], [2, true]]);
    expect((await run(['models'])).stdout).toMatch(/\*\s+2\s/);
    expect((await run(['models', 'activate', '1'])).code).toBe(0);
    expect(JSON.parse((await run(['models', '--json'])).stdout)[0].active).toBe(true);
    const missing = await run(['models', 'activate', '9']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('default@9 not found');
    const scored = await run(['score', fixture('reviews.txt')]);
    expect(scored.code).toBe(0);
    expect(jsonLines(scored.stdout)).toHaveLength(3);
  });
});
