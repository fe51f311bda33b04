/**
 * Text pipeline benchmark (not a test): vectorising throughput on one core for Yelp-length reviews.
 * Builds the vocabulary (K = 5000) from the training texts, then vectorises all texts into CSR batches
 * repeatedly for at least `--seconds` seconds and reports reviews/s (target ≥ 20,000/s), MB/s of UTF-8
 * text, mean non-zeros per review and density (non-zeros / K); the last line is one JSON object.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/text.js [--data FILE] [--seconds 5] [--size 5000]
 *
 * --data defaults to ../shared/data/yelp-10k/train.jsonl relative to the repository root.
 */
import fs from 'node:fs';
import path from 'node:path';
import { tokenize } from '../data/tokenize.js';
import { Vectorizer } from '../data/vectorizer.js';
import { VocabularyBuilder } from '../data/vocabulary.js';
import { packageRoot } from '../model/package.js';

const TARGET_REVIEWS_PER_SECOND = 20_000;

function option(name: string): string | undefined {
  const argv = process.argv.slice(2);
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const value = argv[i].includes('=') ? argv[i].slice(argv[i].indexOf('=') + 1) : argv[i + 1];
  if (value === undefined || value === '') fail(`--${name}: missing value`);
  return value;
}

function positiveNumber(name: string, fallback: number, integer: boolean): number {
  const raw = option(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isSafeInteger(value))) {
    fail(`--${name}: must be a positive ${integer ? 'integer' : 'number'}, got ${raw}`);
  }
  return value;
}

function fail(message: string): never {
  console.error(`bench/text: ${message}`);
  process.exit(1);
}

function readTexts(file: string): string[] {
  const texts: string[] = [];
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      fail(`${file}:${i + 1}: invalid JSON (${(error as Error).message})`);
    }
    const text = (record as { text?: unknown } | null)?.text;
    if (typeof text !== 'string') fail(`${file}:${i + 1}: expected a "text" string field`);
    texts.push(text);
  }
  return texts;
}

const dataFile = option('data') !== undefined
  ? path.resolve(option('data') as string)
  : path.resolve(packageRoot(), '../shared/data/yelp-10k/train.jsonl');
const seconds = positiveNumber('seconds', 5, false);
const size = positiveNumber('size', 5000, true);

if (!fs.existsSync(dataFile) || !fs.statSync(dataFile).isFile()) {
  fail(`data file not found: ${dataFile}\n  (expected Yelp reviews as JSONL with a "text" field; pass another file with --data FILE)`);
}

const texts = readTexts(dataFile);
if (texts.length === 0) fail(`${dataFile}: no reviews`);
let bytesPerPass = 0;
for (const text of texts) bytesPerPass += Buffer.byteLength(text, 'utf8');

let start = performance.now();
const builder = new VocabularyBuilder();
for (const text of texts) builder.add(tokenize(text));
const vocabulary = builder.build({ size });
const vocabularySeconds = (performance.now() - start) / 1000;
const vectorizer = new Vectorizer(vocabulary);
const K = vectorizer.dimension;

console.log(`data: ${dataFile}`);
console.log(`${texts.length} reviews, mean ${(bytesPerPass / texts.length).toFixed(0)} bytes; vocabulary K=${K} built in ${vocabularySeconds.toFixed(2)} s`);

// Warm-up pass (JIT), not measured.
let nnzPerPass = vectorizer.batch(texts).indptr[texts.length];

let passes = 0;
let nnz = 0;
start = performance.now();
let elapsed = 0;
do {
  const batch = vectorizer.batch(texts);
  nnz += batch.indptr[batch.rows];
  passes++;
  elapsed = (performance.now() - start) / 1000;
} while (elapsed < seconds);
nnzPerPass = nnz / passes;

const reviews = passes * texts.length;
const reviewsPerSecond = reviews / elapsed;
const megabytesPerSecond = (passes * bytesPerPass) / 1e6 / elapsed;
const meanNnz = nnzPerPass / texts.length;
const density = K > 0 ? meanNnz / K : 0;
const meetsTarget = reviewsPerSecond >= TARGET_REVIEWS_PER_SECOND;

console.log(`${passes} passes, ${reviews} reviews in ${elapsed.toFixed(2)} s (one core)`);
console.log(`throughput: ${Math.round(reviewsPerSecond).toLocaleString('en-US')} reviews/s (target ≥ ${TARGET_REVIEWS_PER_SECOND.toLocaleString('en-US')}: ${meetsTarget ? 'met' : 'NOT met'}), ${megabytesPerSecond.toFixed(1)} MB/s`);
console.log(`mean non-zeros per review: ${meanNnz.toFixed(1)}, density: ${(density * 100).toFixed(2)}% of K=${K}`);
console.log(JSON.stringify({
  bench: 'text',
  data: dataFile,
  reviews: texts.length,
  vocabulary: K,
  vocabularySeconds: Number(vocabularySeconds.toFixed(3)),
  passes,
  seconds: Number(elapsed.toFixed(3)),
  reviewsPerSecond: Math.round(reviewsPerSecond),
  megabytesPerSecond: Number(megabytesPerSecond.toFixed(2)),
  meanNnz: Number(meanNnz.toFixed(2)),
  density: Number(density.toFixed(5)),
  target: TARGET_REVIEWS_PER_SECOND,
  meetsTarget,
}));
