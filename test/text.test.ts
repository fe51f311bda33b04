/**
 * The text pipeline: normalize → tokenize → Vocabulary → Vectorizer (CSR batches).
 */
import { describe, expect, it } from 'vitest';
import { normalize } from '../data/normalize.js';
import { DEFAULT_TOKENIZER, tokenize, tokenizeNormalized, type TokenizerOptions } from '../data/tokenize.js';
import { csrRows, toCsr, Vectorizer, type CsrBatch } from '../data/vectorizer.js';
import { Vocabulary, VocabularyBuilder, type VocabularyJSON } from '../data/vocabulary.js';

const opts = (o: Partial<TokenizerOptions>): TokenizerOptions => ({ ...DEFAULT_TOKENIZER, ...o });
const NEGATION = opts({ negation: true });
const BIGRAMS = opts({ bigrams: true });
const STEM = opts({ stem: true });
const ALL_OPTIONS: TokenizerOptions[] = [];
for (const bigrams of [false, true]) for (const negation of [false, true]) for (const stem of [false, true]) ALL_OPTIONS.push({ bigrams, negation, stem });

/** Plain arrays of a CSR batch, for exact comparison. */
const plain = (b: CsrBatch) => ({ rows: b.rows, cols: b.cols, indptr: Array.from(b.indptr), indices: Array.from(b.indices), values: Array.from(b.values) });

function buildVocabulary(docs: readonly string[], options: { size?: number; minDf?: number } = {}, tokenizer = DEFAULT_TOKENIZER): Vocabulary {
  const builder = new VocabularyBuilder();
  for (const d of docs) builder.add(tokenize(d, tokenizer));
  return builder.build(options);
}

/** Deterministic Fisher–Yates shuffle (mulberry32). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let s = seed;
  const rand = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('normalize: HTML', () => {
  it('strips tags, replacing them with a space', () => {
    expect(normalize('<p>Great <b>food</b>!</p>')).toBe('great food !');
    expect(normalize('<a href="/x?y=1">Link</a>text')).toBe('link text');
    expect(tokenize('<p>Great <b>food</b>!</p>')).toEqual(['great', 'food']);
  });

  it('treats every form of <br> as a word break', () => {
    expect(normalize('Nice<br/>place<br>again<BR />ok<br   />fine')).toBe('nice place again ok fine');
    expect(tokenize('one<br/>two')).toEqual(['one', 'two']);
  });

  it('removes <script> and <style> blocks with their content', () => {
    expect(normalize('Hi<script type="text/javascript">alert(\'x < y\');</script> there')).toBe('hi there');
    expect(normalize('<style>p { color: red; }</style>Tasty')).toBe('tasty');
    expect(normalize('<SCRIPT>evil()</SCRIPT >ok')).toBe('ok');
    expect(normalize('a<script>1</script>b<style>2</style>c<script>3</script>d')).toBe('a b c d');
    // Only the tag of an unclosed block goes; its text stays.
    expect(normalize('<script>foo')).toBe('foo');
  });

  it('removes comments and leaves a lone "<" or ">" alone', () => {
    expect(normalize('<!-- hidden -->shown')).toBe('shown');
    expect(normalize('a < b and c > d')).toBe('a < b and c > d');
    expect(normalize('I <3 this')).toBe('i <3 this');
    expect(tokenize('a < b and c > d')).toEqual(['a', 'b', 'and', 'c', 'd']);
  });

  it('decodes entities (named, decimal, hex)', () => {
    expect(normalize('Fish &amp; Chips')).toBe('fish & chips');
    expect(normalize('It&#39;s great')).toBe("it's great");
    expect(tokenize('It&#39;s great')).toEqual(["it's", 'great']);
    expect(normalize('caf&eacute; cr&egrave;me')).toBe('café crème');
    expect(normalize('&#x27;x&#X27; &quot;q&quot;')).toBe('\'x\' "q"');
    expect(normalize('a&nbsp;&nbsp;b')).toBe('a b');
    // Decoded once only; unknown entities and bare ampersands are kept as text.
    expect(normalize('&amp;lt;')).toBe('&lt;');
    expect(normalize('&foo; AT&T')).toBe('&foo; at&t');
  });

  it('a literal &lt;b&gt; becomes the text "<b>" (not stripped as a tag) and tokenises as "b"', () => {
    expect(normalize('&lt;b&gt;')).toBe('<b>');
    expect(tokenize('&lt;b&gt;')).toEqual(['b']);
    expect(normalize('I love &lt;b&gt;bold&lt;/b&gt; text')).toBe('i love <b>bold</b> text');
    expect(tokenize('I love &lt;b&gt;bold&lt;/b&gt; text')).toEqual(['i', 'love', 'b', 'bold', 'b', 'text']);
  });
});

describe('normalize: Unicode and whitespace', () => {
  it('applies NFKC: full-width letters and digits, ligatures, superscripts', () => {
    expect(normalize('ＡＢＣ')).toBe('abc');
    expect(normalize('１２３')).toBe('123');
    expect(normalize('ﬁne ﬂour')).toBe('fine flour');
    expect(normalize('x²')).toBe('x2');
    expect(tokenize('ＧＲＥＡＴ ﬁsh')).toEqual(['great', 'fish']);
  });

  it('unifies curly and other apostrophes to "\'"', () => {
    expect(normalize('don’t')).toBe("don't");
    expect(tokenize('don’t')).toEqual(["don't"]);
    expect(normalize('‘quoted’')).toBe("'quoted'");
    expect(normalize('donʼt don`t')).toBe("don't don't");
    // U+00B4 must be unified before NFKC, which would turn it into " \u0301" and split the word.
    expect(normalize('don´t')).toBe("don't");
    expect(tokenize('don´t')).toEqual(["don't"]);
    expect(tokenize('Ｉ’ｍ')).toEqual(["i'm"]);
  });

  it('keeps accented letters (composed by NFKC) and lower-cases non-Latin scripts', () => {
    expect(normalize('Crème Brûlée, Ñandú, Straße')).toBe('crème brûlée, ñandú, straße');
    expect(tokenize('Crème Brûlée')).toEqual(['crème', 'brûlée']);
    expect(normalize('Cre\u0300me')).toBe('cr\u00e8me');
    expect(normalize('ΚΑΛΟ')).toBe('καλο');
  });

  it('keeps combining marks inside words', () => {
    expect(tokenize('नमस्ते दुनिया')).toEqual(['नमस्ते', 'दुनिया']);
    // "İ".toLowerCase() is "i" + U+0307 (combining dot above): still one word.
    expect(tokenize('İstanbul')).toEqual(['i\u0307stanbul']);
  });

  it('collapses and trims all whitespace', () => {
    expect(normalize('  a\t\tb\n\nc\u00a0d\u3000e \r\n')).toBe('a b c d e');
    expect(normalize('a b')).toBe('a b');
  });

  it('empty and whitespace-only text give "" and no tokens', () => {
    for (const text of ['', ' ', '   \n\t\u00a0\u3000 ', '<br/><p></p>', '&nbsp;&nbsp;', '...!!! ,;', '<script>x</script>']) {
      expect(normalize(text).trim()).toBe(normalize(text));
      for (const o of ALL_OPTIONS) expect(tokenize(text, o)).toEqual([]);
    }
    expect(normalize('')).toBe('');
    expect(normalize(' \n\t ')).toBe('');
  });
});

describe('tokenize', () => {
  it('keeps inner apostrophes and digits, splits on other symbols, drops punctuation', () => {
    expect(tokenize("Don't stop! It's 5 o'clock, rock'n'roll.")).toEqual(["don't", 'stop', "it's", '5', "o'clock", "rock'n'roll"]);
    expect(tokenize("'quoted' so-so $12.50 great 👍")).toEqual(['quoted', 'so', 'so', '12', '50', 'great']);
  });

  it('tokenize(text) equals tokenizeNormalized(normalize(text)) for every option set', () => {
    const samples = ['Hello,   world!\n\nNot  bad\tat all.', '<p>I &amp; you</p>  don’t', '  ', 'ＡＢＣ ﬁne. never good'];
    for (const s of samples) for (const o of ALL_OPTIONS) expect(tokenize(s, o)).toEqual(tokenizeNormalized(normalize(s), o));
  });

  it('negation marks words after a negator until clause punctuation', () => {
    const tokens = tokenize('not good. great', NEGATION);
    expect(tokens).toEqual(['not', 'not_good', 'great']);
    expect(tokens).not.toContain('not_great');
    expect(tokenize("I didn't like it, but great. Never again! good", NEGATION))
      .toEqual(['i', "didn't", 'not_like', 'not_it', 'but', 'great', 'never', 'not_again', 'good']);
    expect(tokenize('no (really) good', NEGATION)).toEqual(['no', 'really', 'good']);
    expect(tokenize('not good', DEFAULT_TOKENIZER)).toEqual(['not', 'good']);
  });

  it('bigrams stay within a clause, after all unigrams', () => {
    expect(tokenize('great food, nice staff', BIGRAMS)).toEqual(['great', 'food', 'nice', 'staff', 'great food', 'nice staff']);
    for (const p of ['.', ',', '!', '?', ';', ':', '(', ')']) {
      expect(tokenize(`good food${p} bad service`, BIGRAMS)).toEqual(['good', 'food', 'bad', 'service', 'good food', 'bad service']);
    }
    expect(tokenize('really\n\ngood', BIGRAMS)).toEqual(['really', 'good', 'really good']);
    expect(tokenize('single', BIGRAMS)).toEqual(['single']);
  });

  it('bigrams use the negated and stemmed terms', () => {
    expect(tokenize('not good. ok', { bigrams: true, negation: true, stem: false })).toEqual(['not', 'not_good', 'ok', 'not not_good']);
    expect(tokenize('loved flavors', { bigrams: true, negation: false, stem: true })).toEqual(['love', 'flavor', 'love flavor']);
  });

  it('stem applies the Porter stemmer; negators are recognised before stemming', () => {
    expect(tokenize('running runs ponies caresses happily loved flavors', STEM)).toEqual(['run', 'run', 'poni', 'caress', 'happili', 'love', 'flavor']);
    expect(tokenize('nothing works', { bigrams: false, negation: true, stem: true })).toEqual(['noth', 'not_work']);
  });

  it('tokenises a 1 MB text with the expected count', () => {
    const n = 100_000;
    const text = 'Good food. '.repeat(n); // 1.1 MB
    expect(text.length).toBeGreaterThanOrEqual(1_000_000);
    const tokens = tokenize(text);
    expect(tokens.length).toBe(2 * n);
    expect(tokens.slice(0, 4)).toEqual(['good', 'food', 'good', 'food']);
    expect(tokens.at(-1)).toBe('food');
    expect(tokenize(text, BIGRAMS).length).toBe(3 * n);
    const negated = tokenize('not good. '.repeat(n), NEGATION);
    expect(negated.length).toBe(2 * n);
    expect(negated.filter((t) => t === 'not_good').length).toBe(n);
    const word = 'a'.repeat(1 << 20);
    expect(tokenize(word)).toEqual([word]);
  });

  it('strips markup in a 1 MB text in linear time (unclosed "<" and <script> do not rescan the text)', () => {
    const started = performance.now();
    expect(tokenize('<a'.repeat(1 << 19)).length).toBe(1 << 19); // no tag: every "a" is a word
    expect(tokenize('<script>'.repeat(1 << 17))).toEqual([]); // unclosed blocks: the tags go
    expect(tokenize('<script>x</script>y'.repeat(1 << 16))).toEqual(Array(1 << 16).fill('y'));
    expect(tokenize('<b>x</b> &amp; '.repeat(1 << 16)).length).toBe(1 << 16);
    // Quadratic stripping took minutes here (200 KB of "<a" alone took 18 s).
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

describe('Vocabulary', () => {
  const corpus = [
    'The food was great, the service slow.',
    'Great pizza! Never again, though.',
    'Slow service; cold pizza; great beer.',
    'The beer was cold and the food was bad.',
    'Not great, not bad.',
    'Pizza pizza pizza.',
  ];

  it('is deterministic: the same corpus in any document order gives identical ids', () => {
    const reference = buildVocabulary(corpus, { minDf: 1, size: 100 });
    expect(reference.size).toBeGreaterThan(10);
    for (const seed of [1, 2, 3, 42]) {
      const v = buildVocabulary(shuffled(corpus, seed), { minDf: 1, size: 100 });
      expect(v.terms).toEqual(reference.terms);
      expect(v.df).toEqual(reference.df);
    }
    expect(buildVocabulary([...corpus].reverse(), { minDf: 1, size: 100 }).terms).toEqual(reference.terms);
  });

  it('orders by descending document frequency, ties by code-unit order of the term', () => {
    const builder = new VocabularyBuilder();
    for (const term of ['pear', 'éclair', 'apple', 'zoo', 'Zebra', 'apple pie']) builder.add([term]);
    builder.add(['zoo']);
    const v = builder.build({ minDf: 1 });
    // Code units, not locale order: "Z" < "a", "apple" < "apple pie", "é" after "z".
    expect(v.terms).toEqual(['zoo', 'Zebra', 'apple', 'apple pie', 'pear', 'éclair']);
    expect(v.df).toEqual([2, 1, 1, 1, 1, 1]);
    expect(v.id('zoo')).toBe(0);
    expect(v.id('éclair')).toBe(5);
    expect(v.id('missing')).toBeUndefined();
  });

  it('minDf drops rare terms (default minDf = 2)', () => {
    const builder = new VocabularyBuilder();
    builder.add(['a', 'b', 'c']);
    builder.add(['a', 'b']);
    builder.add(['a']);
    expect(builder.build().terms).toEqual(['a', 'b']);
    expect(builder.build({ minDf: 1 }).terms).toEqual(['a', 'b', 'c']);
    expect(builder.build({ minDf: 3 }).terms).toEqual(['a']);
    expect(builder.build({ minDf: 4 }).terms).toEqual([]);
  });

  it('caps the size at the top K, cutting ties by term order', () => {
    const builder = new VocabularyBuilder();
    builder.add(['d', 'c', 'b', 'a']);
    builder.add(['d', 'c', 'b', 'a']);
    builder.add(['d']);
    expect(builder.build({ size: 3 }).terms).toEqual(['d', 'a', 'b']);
    expect(builder.build({ size: 1 }).terms).toEqual(['d']);
    expect(builder.build({ size: 100 }).size).toBe(4);
    expect(builder.build({ size: 0 }).size).toBe(0);
  });

  it('counts a term once per document, however often it occurs', () => {
    const builder = new VocabularyBuilder();
    builder.add(['x', 'x', 'x', 'y']);
    builder.add(new Set(['y']));
    builder.add(tokenize('pizza pizza pizza'));
    const v = builder.build({ minDf: 1 });
    expect(v.terms).toEqual(['y', 'pizza', 'x']);
    expect(v.df).toEqual([2, 1, 1]);
    expect(v.documents).toBe(3);
  });

  it('round-trips through JSON with identical ids', () => {
    const v = buildVocabulary(corpus, { minDf: 1, size: 100 });
    const json = JSON.parse(JSON.stringify(v)) as VocabularyJSON;
    const back = Vocabulary.fromJSON(json);
    expect(back.terms).toEqual(v.terms);
    expect(back.df).toEqual(v.df);
    expect(back.documents).toBe(corpus.length);
    for (const term of v.terms) expect(back.id(term)).toBe(v.id(term));
    const text = 'The great pizza was cold, not bad';
    expect(Array.from(new Vectorizer(back).termIds(text))).toEqual(Array.from(new Vectorizer(v).termIds(text)));
  });

  it('rejects malformed vocabularies', () => {
    expect(() => Vocabulary.fromJSON({} as VocabularyJSON)).toThrow(/vocabulary/);
    expect(() => new Vocabulary(['a', 'a'], [1, 1], 2)).toThrow(/duplicate/);
    expect(() => new Vocabulary(['a', 'b'], [1], 2)).toThrow(/frequencies/);
  });
});

describe('Vectorizer', () => {
  // Document frequencies (default tokenizer), worked out by hand:
  //   food 4 (all); bad, good, service, the, was 2 each; cold 1 (doc 1 only).
  // Ids: descending df, ties in code-unit order → food 0, bad 1, good 2, service 3, the 4, was 5, cold 6.
  const docs = ['The food was good.', 'The service was bad, the food was cold.', 'Good food!', 'Bad service; bad food.'];
  const vocabulary = buildVocabulary(docs, { minDf: 1, size: 10 });
  const texts = [
    'Good food, good service.', // good 2 (×2), food 0, service 3 → [0, 2, 3]
    '', // empty
    'Unknown words only!', // nothing in the vocabulary
    'The COLD food was <b>bad</b>', // the 4, cold 6, food 0, was 5, bad 1 → [0, 1, 4, 5, 6]
    'was was was', // was 5 (×3)
  ];
  const expected = {
    rows: 5,
    cols: 7,
    indptr: [0, 3, 3, 3, 8, 9],
    indices: [0, 2, 3, 0, 1, 4, 5, 6, 5],
  };

  it('builds the hand-computed vocabulary', () => {
    expect(vocabulary.terms).toEqual(['food', 'bad', 'good', 'service', 'the', 'was', 'cold']);
    expect(vocabulary.df).toEqual([4, 2, 2, 2, 2, 2, 1]);
    expect(vocabulary.documents).toBe(4);
    expect(buildVocabulary(docs).terms).toEqual(['food', 'bad', 'good', 'service', 'the', 'was']); // minDf 2
  });

  it('batch gives the hand-computed CSR arrays (binary)', () => {
    const batch = new Vectorizer(vocabulary).batch(texts);
    expect(batch.indptr).toBeInstanceOf(Int32Array);
    expect(batch.indices).toBeInstanceOf(Int32Array);
    expect(batch.values).toBeInstanceOf(Float32Array);
    expect(plain(batch)).toEqual({ ...expected, values: [1, 1, 1, 1, 1, 1, 1, 1, 1] });
  });

  it('count weighting gives term counts', () => {
    const batch = new Vectorizer(vocabulary, { weighting: 'count' }).batch(texts);
    expect(plain(batch)).toEqual({ ...expected, values: [1, 2, 1, 1, 1, 1, 1, 1, 3] });
  });

  it('vectorize gives sorted unique ids; batch equals toCsr of the single vectors', () => {
    for (const weighting of ['binary', 'count'] as const) {
      const vectorizer = new Vectorizer(vocabulary, { weighting });
      const v = vectorizer.vectorize('was service food the good good was');
      expect(Array.from(v.indices)).toEqual([0, 2, 3, 4, 5]);
      expect(Array.from(v.values)).toEqual(weighting === 'binary' ? [1, 1, 1, 1, 1] : [1, 2, 1, 1, 2]);
      expect(plain(vectorizer.batch(texts))).toEqual(plain(toCsr(texts.map((t) => vectorizer.vectorize(t)), vectorizer.dimension)));
    }
  });

  it('drops unknown terms and gives a valid empty vector for empty text', () => {
    const vectorizer = new Vectorizer(vocabulary);
    for (const text of ['', '   ', 'zzz qqq', '<br/>']) {
      const v = vectorizer.vectorize(text);
      expect(v.indices).toBeInstanceOf(Int32Array);
      expect(v.values).toBeInstanceOf(Float32Array);
      expect(v.indices.length).toBe(0);
      expect(v.values.length).toBe(0);
    }
    expect(Array.from(vectorizer.termIds('zzz food qqq cold'))).toEqual([0, 6]);
    const empty = vectorizer.batch([]);
    expect(plain(empty)).toEqual({ rows: 0, cols: 7, indptr: [0], indices: [], values: [] });
  });

  it('does not carry counts over between texts', () => {
    const vectorizer = new Vectorizer(vocabulary, { weighting: 'count' });
    vectorizer.batch(texts);
    for (let i = 0; i < 3; i++) expect(Array.from(vectorizer.vectorize('was was').values)).toEqual([2]);
    expect(Array.from(vectorizer.fromTerms(['food', 'nope', 'food']).values)).toEqual([2]);
  });

  it('uses its tokenizer options (negation, bigrams)', () => {
    const tokenizer = { bigrams: true, negation: true, stem: false };
    const v = buildVocabulary(['not good at all', 'good food', 'not good'], { minDf: 1 }, tokenizer);
    const vectorizer = new Vectorizer(v, { tokenizer });
    const ids = Array.from(vectorizer.termIds('Not good.'));
    expect(ids.map((id) => v.terms[id]).sort()).toEqual(['not', 'not not_good', 'not_good']);
  });

  it('csrRows selects rows (in any order, with repeats) into a fresh batch', () => {
    const source = new Vectorizer(vocabulary, { weighting: 'count' }).batch(texts);
    const picked = csrRows(source, [4, 0]);
    expect(plain(picked)).toEqual({ rows: 2, cols: 7, indptr: [0, 1, 4], indices: [5, 0, 2, 3], values: [3, 1, 2, 1] });
    expect(plain(csrRows(source, Int32Array.from([3, 1, 3])))).toEqual({
      rows: 3, cols: 7, indptr: [0, 5, 5, 10], indices: [0, 1, 4, 5, 6, 0, 1, 4, 5, 6], values: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    });
    expect(plain(csrRows(source, []))).toEqual({ rows: 0, cols: 7, indptr: [0], indices: [], values: [] });
    expect(plain(csrRows(source, [0, 1, 2, 3, 4]))).toEqual(plain(source));
    picked.values[0] = 99;
    expect(source.values[8]).toBe(3);
  });

  it('csrRows rejects rows out of range', () => {
    const source = new Vectorizer(vocabulary).batch(texts);
    for (const bad of [5, -1, 0.5, Number.NaN]) {
      expect(() => csrRows(source, [bad])).toThrow(/out of range/);
      expect(() => csrRows(source, [0, bad])).toThrow(RangeError);
    }
  });
});
