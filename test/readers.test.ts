import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { detectFormat, readAll, readReviews, readReviewsFromStream } from '../data/readers.js';
import { RecordError, type ReadOptions, type ReviewRecord } from '../data/records.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/readers/${name}`, import.meta.url));

/** Collect records and skipped errors. */
async function readSkipping(records: (onSkip: (e: RecordError) => void) => AsyncIterable<ReviewRecord>) {
  const errors: string[] = [];
  const out: ReviewRecord[] = [];
  for await (const r of records((e) => errors.push(e.message))) out.push(r);
  return { records: out, errors };
}

const fromString = (name: string, text: string, opts: ReadOptions = {}) =>
  readReviewsFromStream(Readable.from([text]), name, opts);

async function firstError(iter: AsyncIterable<unknown>): Promise<RecordError> {
  try {
    for await (const _ of iter) void _;
  } catch (err) {
    expect(err).toBeInstanceOf(RecordError);
    return err as RecordError;
  }
  throw new Error('expected a RecordError');
}

const jsonError = (line: string) => {
  try {
    JSON.parse(line);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('valid JSON');
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('detectFormat', () => {
  it('maps extensions to formats', () => {
    expect(detectFormat('a/b/reviews.jsonl')).toBe('jsonl');
    expect(detectFormat('x.NDJSON')).toBe('jsonl');
    expect(detectFormat('x.json')).toBe('jsonl');
    expect(detectFormat('x.csv')).toBe('csv');
    expect(detectFormat('x.tsv')).toBe('tsv');
    expect(detectFormat('x.tab')).toBe('tsv');
    expect(detectFormat('books/positive.review')).toBe('blitzer');
    expect(detectFormat('x.xml')).toBe('blitzer');
    expect(detectFormat('x.txt')).toBe('text');
    expect(detectFormat('README')).toBe('text');
    expect(detectFormat('-')).toBe('text');
  });
});

describe('JSONL', () => {
  it('reads labeled and unlabeled records with line numbers, ids and raw fields', async () => {
    const records = await readAll(fixture('reviews.jsonl'));
    expect(records).toEqual([
      {
        text: 'Great blender, crushes ice in seconds.', rating: 5, id: 'a1', line: 1,
        fields: { id: 'a1', text: 'Great blender, crushes ice in seconds.', rating: 5 },
      },
      {
        text: 'Broke after a week.', rating: 1, id: '2', line: 3,
        fields: { id: 2, text: '  Broke after a week.  ', rating: '1', extra: true },
      },
      {
        text: 'It is fine I guess.', rating: 5, id: 'a3', line: 4,
        fields: { id: 'a3', text: 'It is fine I guess.', rating: '5.0' },
      },
      { text: 'No rating on this one.', line: 5, fields: { text: 'No rating on this one.', rating: null } },
      { text: 'Nor on this one.', line: 6, fields: { text: 'Nor on this one.', rating: '' } },
      { text: 'Or this one.', line: 7, fields: { text: 'Or this one.' } },
    ]);
    expect(records[3]).not.toHaveProperty('rating');
  });

  it('tolerates a BOM', async () => {
    const records = await readAll(fixture('bom.jsonl'));
    expect(records.map((r) => [r.line, r.text, r.rating])).toEqual([[1, 'BOM first line', 4], [2, 'second', 2]]);
  });

  it('honours textField / ratingField / idField', async () => {
    const input = '{"body": "custom fields", "stars": "3", "review_id": "r9", "text": "ignored"}\n';
    const out: ReviewRecord[] = [];
    for await (const r of fromString('in.jsonl', input, { textField: 'body', ratingField: 'stars', idField: 'review_id' })) {
      out.push(r);
    }
    expect(out.map(({ text, rating, id }) => ({ text, rating, id }))).toEqual([{ text: 'custom fields', rating: 3, id: 'r9' }]);
    const err = await firstError(fromString('in.jsonl', '{"text": "x"}\n', { textField: 'body' }));
    expect(err.message).toBe('in.jsonl:1: field "body": missing');
  });

  it.each([
    ['{"text": "broken", "rating": }', `x.jsonl:1: not valid JSON: ${jsonError('{"text": "broken", "rating": }')}`],
    ['[1, 2]', 'x.jsonl:1: not a JSON object, got an array'],
    ['"just a string"', 'x.jsonl:1: not a JSON object, got "just a string"'],
    ['{"title": "no text", "rating": 3}', 'x.jsonl:1: field "text": missing'],
    ['{"text": "   ", "rating": 3}', 'x.jsonl:1: field "text": must not be empty'],
    ['{"text": 42}', 'x.jsonl:1: field "text": must be a string, got 42'],
    ['{"text": ["a"]}', 'x.jsonl:1: field "text": must be a string, got an array'],
    ['{"text": null}', 'x.jsonl:1: field "text": must be a string, got null'],
    ['{"text": "seven", "rating": 7}', 'x.jsonl:1: field "rating": must be an integer from 1 to 5, got 7'],
    ['{"text": "seven", "rating": "7"}', 'x.jsonl:1: field "rating": must be an integer from 1 to 5, got "7"'],
    ['{"text": "zero", "rating": 0}', 'x.jsonl:1: field "rating": must be an integer from 1 to 5, got 0'],
    ['{"text": "letters", "rating": "abc"}', 'x.jsonl:1: field "rating": must be an integer from 1 to 5, got "abc"'],
    ['{"text": "half", "rating": 4.5}', 'x.jsonl:1: field "rating": must be an integer from 1 to 5, got 4.5'],
    ['{"text": "half", "rating": "4.5"}', 'x.jsonl:1: field "rating": must be an integer from 1 to 5, got "4.5"'],
    ['{"text": "bool", "rating": true}', 'x.jsonl:1: field "rating": must be an integer from 1 to 5, got true'],
    ['{"text": "obj id", "id": {"a": 1}}', 'x.jsonl:1: field "id": must be a string or number, got an object'],
  ])('rejects %s', async (line, message) => {
    const err = await firstError(fromString('x.jsonl', `${line}\n`));
    expect(err.message).toBe(message);
  });

  it('reports file, line, field and reason on the error', async () => {
    const path = fixture('bad.jsonl');
    const err = await firstError(readReviews(path));
    expect(err.message).toBe(`${path}:2: not valid JSON: ${jsonError('{"text": "broken", "rating": }')}`);
    expect([err.file, err.line, err.field, err.name]).toEqual([path, 2, undefined, 'RecordError']);
    const err2 = await firstError(fromString('r.jsonl', '\n{"text": "a", "rating": 7}\n'));
    expect([err2.file, err2.line, err2.field, err2.reason]).toEqual(['r.jsonl', 2, 'rating', 'must be an integer from 1 to 5, got 7']);
  });

  it("onError 'skip' passes every bad line to onSkip and keeps the good records", async () => {
    const path = fixture('bad.jsonl');
    const { records, errors } = await readSkipping((onSkip) => readReviews(path, { onError: 'skip', onSkip }));
    expect(records.map((r) => [r.line, r.id, r.rating])).toEqual([[1, 'ok1', 4], [9, 'ok2', 2]]);
    expect(errors).toEqual([
      `${path}:2: not valid JSON: ${jsonError('{"text": "broken", "rating": }')}`,
      `${path}:3: field "text": missing`,
      `${path}:4: field "text": must not be empty`,
      `${path}:5: field "rating": must be an integer from 1 to 5, got 7`,
      `${path}:6: field "rating": must be an integer from 1 to 5, got "abc"`,
      `${path}:7: field "rating": must be an integer from 1 to 5, got 4.5`,
      `${path}:8: not a JSON object, got an array`,
    ]);
  });

  it("onError 'skip' without onSkip warns on stderr", async () => {
    const writes: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    const records = [];
    for await (const r of fromString('w.jsonl', '{"text": "ok"}\n{"text": ""}\n', { onError: 'skip' })) records.push(r);
    expect(records).toHaveLength(1);
    expect(writes).toEqual(['skipped: w.jsonl:2: field "text": must not be empty\n']);
  });

  it('requireRating turns unlabeled records into errors', async () => {
    const input = '{"text": "labeled", "rating": 2}\n{"text": "unlabeled"}\n{"text": "null", "rating": null}\n';
    const { records, errors } = await readSkipping((onSkip) =>
      fromString('req.jsonl', input, { requireRating: true, onError: 'skip', onSkip }));
    expect(records.map((r) => r.text)).toEqual(['labeled']);
    expect(errors).toEqual([
      'req.jsonl:2: field "rating": missing (a rating is required)',
      'req.jsonl:3: field "rating": missing (a rating is required)',
    ]);
  });
});

describe('CSV / TSV', () => {
  it('reads a CSV with a multi-line quoted field, reporting start lines', async () => {
    const records = await readAll(fixture('reviews.csv'));
    expect(records).toEqual([
      {
        text: 'Works well, would buy again.', rating: 4, id: 'c1', line: 2,
        fields: { id: 'c1', title: 'Nice', text: 'Works well, would buy again.', rating: '4' },
      },
      {
        text: 'Line one of a long review\nline two, with a "quote"\n\nline four after a blank line',
        rating: 2, id: 'c2', line: 3,
        fields: {
          id: 'c2', title: 'Meh', rating: '2',
          text: 'Line one of a long review\nline two, with a "quote"\n\nline four after a blank line',
        },
      },
      {
        text: 'No rating given here', id: 'c3', line: 8,
        fields: { id: 'c3', title: 'Unlabeled', text: 'No rating given here', rating: '' },
      },
      { text: 'Final row', rating: 5, id: 'c4', line: 9, fields: { id: 'c4', title: 'Last', text: 'Final row', rating: '5' } },
    ]);
  });

  it('counts CRLF line breaks (also inside quotes) once', async () => {
    const records = await readAll(fixture('crlf.csv'));
    expect(records.map((r) => [r.line, r.id, r.text])).toEqual([[2, 'w1', 'crlf\r\nmulti'], [4, 'w2', 'plain']]);
  });

  it('tolerates a BOM', async () => {
    const records = await readAll(fixture('bom.csv'));
    expect(records).toEqual([{ text: 'BOM csv row', rating: 3, id: 'b1', line: 2, fields: { id: 'b1', text: 'BOM csv row', rating: '3' } }]);
  });

  it('reads a TSV', async () => {
    const records = await readAll(fixture('reviews.tsv'));
    expect(records.map(({ line, id, text, rating }) => ({ line, id, text, rating }))).toEqual([
      { line: 2, id: 't1', text: 'Tab separated, with a comma', rating: 5 },
      { line: 3, id: 't2', text: 'Second one', rating: undefined },
      { line: 4, id: 't3', text: 'Quoted\nacross lines', rating: 1 },
    ]);
  });

  it('gives the same lines when the input arrives one byte at a time', async () => {
    const path = fixture('reviews.csv');
    const bytes = [...readFileSync(path)].map((b) => Buffer.from([b]));
    const records: ReviewRecord[] = [];
    for await (const r of readReviewsFromStream(Readable.from(bytes), 'reviews.csv')) records.push(r);
    expect(records).toEqual(await readAll(path));
  });

  it('fails at line 1 naming a missing text column and the available ones', async () => {
    const path = fixture('no-text-column.csv');
    const err = await firstError(readReviews(path, { onError: 'skip', onSkip: () => {} }));
    expect(err.message).toBe(`${path}:1: field "text": column not found in header (columns: "id", "review", "stars")`);
    const ok = await readAll(path, { textField: 'review', ratingField: 'stars' });
    expect(ok.map((r) => [r.text, r.rating, r.id])).toEqual([['hello', 5, '1']]);
  });

  it('requires a header row', async () => {
    const err = await firstError(fromString('empty.csv', ''));
    expect(err.message).toBe('empty.csv:1: missing CSV header row');
  });

  it('always throws on an unclosed quote, after the records before it', async () => {
    const path = fixture('unclosed.csv');
    const seen: string[] = [];
    const skipped: RecordError[] = [];
    let err: unknown;
    try {
      for await (const r of readReviews(path, { onError: 'skip', onSkip: (e) => skipped.push(e) })) seen.push(r.text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RecordError);
    expect((err as RecordError).message).toBe(`${path}:3: malformed CSV: quoted field is not closed`);
    expect(seen).toEqual(['good one']);
    expect(skipped).toEqual([]);
  });

  it("reports wrong column counts at the record's start line and can skip them", async () => {
    const path = fixture('columns.csv');
    const err = await firstError(readReviews(path));
    expect(err.message).toBe(`${path}:3: malformed CSV: wrong number of columns: expected 3, got 4`);
    const { records, errors } = await readSkipping((onSkip) => readReviews(path, { onError: 'skip', onSkip }));
    expect(records.map((r) => [r.line, r.id])).toEqual([[2, '1'], [4, '3'], [7, '5']]);
    expect(errors).toEqual([
      `${path}:3: malformed CSV: wrong number of columns: expected 3, got 4`,
      `${path}:6: malformed CSV: wrong number of columns: expected 3, got 2`,
    ]);
  });

  it('validates CSV ratings and text like JSONL', async () => {
    const input = 'id,text,rating\n1,fine,5\n2,seven,7\n3,,4\n4,letters,abc\n5,half,4.5\n6,ok,3.0\n';
    const { records, errors } = await readSkipping((onSkip) => fromString('v.csv', input, { onError: 'skip', onSkip }));
    expect(records.map((r) => [r.id, r.rating])).toEqual([['1', 5], ['6', 3]]);
    expect(errors).toEqual([
      'v.csv:3: field "rating": must be an integer from 1 to 5, got "7"',
      'v.csv:4: field "text": must not be empty',
      'v.csv:5: field "rating": must be an integer from 1 to 5, got "abc"',
      'v.csv:6: field "rating": must be an integer from 1 to 5, got "4.5"',
    ]);
  });

  it('treats a stray quote as fatal malformed CSV', async () => {
    const err = await firstError(fromString('q.csv', 'id,text\n1,fine\n2,"bad"x\n3,ok\n', { onError: 'skip', onSkip: () => {} }));
    expect(err.message).toBe('q.csv:3: malformed CSV: unexpected character after a closing quote');
  });
});

describe('plain text', () => {
  it('reads one review per non-blank line, without ratings', async () => {
    const records = await readAll(fixture('reviews.txt'));
    expect(records).toEqual([
      { text: 'The battery lasts all day.', line: 1 },
      { text: 'Screen scratches easily.', line: 3 },
      { text: 'Would not recommend & would return.', line: 4 },
    ]);
  });

  it('tolerates a BOM', async () => {
    const records = await readAll(fixture('bom.txt'));
    expect(records.map((r) => r.text)).toEqual(['First line after a BOM', 'second line']);
  });
});

describe('Blitzer .review', () => {
  it('reads review blocks with raw & and < in the text', async () => {
    const records = await readAll(fixture('reviews.review'));
    expect(records).toEqual([
      {
        text: 'These pans heat evenly & clean up fast. I use them <every> day.',
        rating: 5, id: 'B000ABC123:great_pans:jane_doe', line: 1,
        fields: {
          unique_id: 'B000ABC123:great_pans:jane_doe', asin: 'B000ABC123', product_name: 'Pots & Pans Set: Kitchen',
          rating: '5.0', title: 'Great pans', date: 'March 3, 2006', reviewer: 'Jane Doe',
          review_text: 'These pans heat evenly & clean up fast. I use them <every> day.',
        },
      },
      {
        text: 'Handles get hot. 3 < 5 stars for sure.', rating: 2, id: 'B000XYZ789:meh:john', line: 28,
        fields: { unique_id: 'B000XYZ789:meh:john', rating: '2.0', title: 'Meh', review_text: 'Handles get hot. 3 < 5 stars for sure.' },
      },
      {
        text: 'Solid value.', rating: 4, id: 'B000XYZ789:ok:ann', line: 43,
        fields: { unique_id: 'B000XYZ789:ok:ann', rating: '4.0', review_text: 'Solid value.' },
      },
    ]);
  });

  it('gives the same result when the input arrives one byte at a time', async () => {
    const path = fixture('reviews.review');
    const bytes = [...readFileSync(path)].map((b) => Buffer.from([b]));
    const records: ReviewRecord[] = [];
    for await (const r of readReviewsFromStream(Readable.from(bytes), 'x.review')) records.push(r);
    expect(records).toEqual(await readAll(path));
  });

  it('reports a review without review_text, and a bad rating, at the <review> line', async () => {
    const path = fixture('bad.review');
    const err = await firstError(readReviews(path));
    expect(err.message).toBe(`${path}:1: field "review_text": missing`);
    const { records, errors } = await readSkipping((onSkip) => readReviews(path, { onError: 'skip', onSkip }));
    expect(records.map((r) => [r.line, r.id, r.text])).toEqual([[23, 'r3', 'The good one.']]);
    expect(errors).toEqual([
      `${path}:1: field "review_text": missing`,
      `${path}:12: field "rating": must be an integer from 1 to 5, got "6.0"`,
    ]);
  });

  it('reports structural problems', async () => {
    const input = [
      'junk', // 1
      '<review>', '<review_text>', 'never closed', '</review>', // 2-5
      '<review>', '<rating>3.0</rating>', '<review_text>', 'inline rating', '</review_text>', '</review>', // 6-11
      '<review>', '<review_text>', 'cut off', // 12-14
    ].join('\n');
    const { records, errors } = await readSkipping((onSkip) => fromString('s.review', input, { onError: 'skip', onSkip }));
    expect(records.map((r) => [r.line, r.rating, r.text])).toEqual([[6, 3, 'inline rating']]);
    expect(errors).toEqual([
      's.review:1: expected <review>, got "junk"',
      's.review:2: element <review_text> is not closed',
      's.review:12: element <review_text> is not closed',
    ]);
  });
});

describe('streams', () => {
  it('reads stdin-like streams, with the format from the name or from options', async () => {
    const lines = ['{"text": "from a pipe", "rating": 3}\n', '{"text": "second"}\n'];
    const out: ReviewRecord[] = [];
    for await (const r of readReviewsFromStream(Readable.from(lines), 'stdin.jsonl')) out.push(r);
    expect(out.map((r) => [r.line, r.text, r.rating])).toEqual([[1, 'from a pipe', 3], [2, 'second', undefined]]);

    const text: ReviewRecord[] = [];
    for await (const r of readReviewsFromStream(Readable.from(['one\n\ntw', 'o\n']), '<stdin>', { format: 'text' })) text.push(r);
    expect(text).toEqual([{ text: 'one', line: 1 }, { text: 'two', line: 3 }]);
  });

  it('rejects a missing file with the fs error', async () => {
    await expect(readAll(fixture('does-not-exist.jsonl'))).rejects.toThrow(/ENOENT/);
  });

  function* jsonlLines(n: number) {
    for (let i = 1; i <= n; i++) yield `{"id": ${i}, "text": "review number ${i}", "rating": ${(i % 5) + 1}}\n`;
  }

  it('streams 200k JSONL lines without collecting them', async () => {
    let count = 0;
    let stars = 0;
    for await (const r of readReviewsFromStream(Readable.from(jsonlLines(200_000)), 'big.jsonl')) {
      count++;
      stars += r.rating ?? 0;
    }
    expect(count).toBe(200_000);
    expect(stars).toBe(600_000);
  });

  it('streams 200k CSV rows without collecting them', async () => {
    function* rows() {
      yield 'id,text,rating\n';
      for (let i = 1; i <= 200_000; i++) yield `${i},"review, number ${i}",${(i % 5) + 1}\n`;
    }
    let count = 0;
    let lastLine = 0;
    for await (const r of readReviewsFromStream(Readable.from(rows()), 'big.csv')) {
      count++;
      lastLine = r.line;
    }
    expect(count).toBe(200_000);
    expect(lastLine).toBe(200_001);
  });

  it.each(['x.jsonl', 'x.csv', 'x.txt'])('stops early on an endless %s stream', async (name) => {
    function* endless() {
      if (name.endsWith('.csv')) yield 'text,rating\n';
      for (let i = 0; ; i++) yield name.endsWith('.jsonl') ? `{"text": "r${i}"}\n` : `r${i},\n`;
    }
    const source = Readable.from(endless());
    const seen: number[] = [];
    for await (const r of readReviewsFromStream(source, name)) {
      seen.push(r.line);
      if (seen.length === 5) break;
    }
    source.destroy();
    expect(seen).toEqual(name.endsWith('.csv') ? [2, 3, 4, 5, 6] : [1, 2, 3, 4, 5]);
  });
});
