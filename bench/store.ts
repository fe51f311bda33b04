/**
 * Review store benchmark: insert N synthetic Yelp-length reviews in batches
 * of 10,000 into a temp database, then stream them all back.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/store.js [--n 200000] [--batch 10000] [--keep]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ReviewStore, type NewReview } from '../data/store.js';
import { Rng } from '../model/rng.js';

function arg(name: string, fallback: number): number {
  const argv = process.argv.slice(2);
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const raw = argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name}: must be a positive integer, got ${raw}`);
  return value;
}

const N = arg('n', 200_000);
const BATCH = arg('batch', 10_000);
const keep = process.argv.includes('--keep');

// Seeded, so runs are comparable.
const rng = new Rng(0x5eed);
const rand = (): number => rng.uniform();

const WORDS = (
  'the food was great good bad terrible service staff friendly slow fast pizza burger sushi coffee ' +
  'amazing awful price cheap expensive ambiance loud quiet waiter waitress table reservation wait ' +
  'minutes hour delicious bland fresh stale portion huge tiny would definitely never come back again ' +
  'recommend place restaurant menu dessert drinks beer wine cocktail parking location downtown and ' +
  'but with for not very really so too it is was we they i my our ordered tried loved hated okay'
).split(' ');

/** ~700 characters on average (Yelp's mean review length), 150–1250 chars. */
function syntheticReview(i: number): NewReview {
  const target = 150 + Math.floor(rand() * 1100);
  const parts: string[] = [`Visit #${i}:`];
  let length = parts[0].length;
  while (length < target) {
    const w = WORDS[Math.floor(rand() * WORDS.length)];
    parts.push(w);
    length += w.length + 1;
  }
  const rating = rand() < 0.1 ? null : 1 + Math.floor(rand() * 5);
  return { text: `${parts.join(' ')}.`, rating };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rectify-bench-store-'));
const dbPath = path.join(dir, 'bench.db');
const store = ReviewStore.open(dbPath);

// Batches are generated one at a time (as a file reader would produce them) and
// only the insertReviews calls are timed, so the number measures the store.
let chars = 0;
let inserted = 0;
let duplicates = 0;
let insertNs = 0n;
for (let start = 0; start < N; start += BATCH) {
  const batch: NewReview[] = [];
  for (let i = start; i < Math.min(N, start + BATCH); i++) {
    const r = syntheticReview(i);
    chars += r.text.length;
    batch.push(r);
  }
  const t = process.hrtime.bigint();
  const res = store.insertReviews(batch, { source: 'bench' });
  insertNs += process.hrtime.bigint() - t;
  inserted += res.inserted;
  duplicates += res.duplicates;
}
const insertSec = Number(insertNs) / 1e9;

const t1 = process.hrtime.bigint();
let streamed = 0;
let streamedChars = 0;
for (const r of store.iterateReviews()) {
  streamed++;
  streamedChars += r.text.length;
}
const streamSec = Number(process.hrtime.bigint() - t1) / 1e9;

const t2 = process.hrtime.bigint();
let labeled = 0;
for (const _ of store.iterateReviews({ labeled: true })) labeled++;
const labeledSec = Number(process.hrtime.bigint() - t2) / 1e9;

store.close();
const dbBytes = fs.statSync(dbPath).size + (fs.existsSync(`${dbPath}-wal`) ? fs.statSync(`${dbPath}-wal`).size : 0);
if (!keep) fs.rmSync(dir, { recursive: true, force: true });

const insertRate = inserted / insertSec;
const streamRate = streamed / streamSec;
console.log(`reviews: ${N} (avg ${(chars / N).toFixed(0)} chars), batches of ${BATCH}`);
console.log(`insert: ${inserted} inserted, ${duplicates} duplicates in ${insertSec.toFixed(2)} s -> ${Math.round(insertRate)} reviews/s (target >= 50000)`);
console.log(`stream all: ${streamed} reviews in ${streamSec.toFixed(2)} s -> ${Math.round(streamRate)} reviews/s`);
console.log(`stream labeled: ${labeled} reviews in ${labeledSec.toFixed(2)} s`);
console.log(`database: ${(dbBytes / 1e6).toFixed(1)} MB${keep ? ` at ${dbPath}` : ''}`);
if (streamed !== inserted || streamedChars === 0) throw new Error('streamed count does not match inserted count');
console.log(JSON.stringify({
  bench: 'store', n: N, batch: BATCH, avgChars: Math.round(chars / N), inserted, duplicates,
  insertSeconds: +insertSec.toFixed(3), insertPerSecond: Math.round(insertRate),
  streamSeconds: +streamSec.toFixed(3), streamPerSecond: Math.round(streamRate),
  labeled, labeledStreamSeconds: +labeledSec.toFixed(3), dbMegabytes: +(dbBytes / 1e6).toFixed(1),
  meetsTarget: insertRate >= 50_000,
}));
