/**
 * Tokenisation with natural's RegexpTokenizer (only that submodule is loaded, so start-up stays fast).
 * Words keep inner apostrophes ("don't"); clause punctuation bounds negation scope and bigrams and is
 * then dropped. Options: bigrams, negation marking ("not_good"), Porter stemming.
 */
import { createRequire } from 'node:module';
import { normalizeKeepingWhitespace } from './normalize.js';

const require = createRequire(import.meta.url);

interface NaturalTokenizer { tokenize(text: string): string[] | null }
interface NaturalStemmer { stem(token: string): string }

const { RegexpTokenizer } = require('natural/lib/natural/tokenizers/regexp_tokenizer.js') as {
  RegexpTokenizer: new (opts: { pattern: RegExp; gaps: boolean }) => NaturalTokenizer;
};

export interface TokenizerOptions {
  /** Add adjacent word pairs ("not good") within a clause. */
  bigrams: boolean;
  /** Prefix words after a negation ("not", "never", "...n't") with "not_" until clause punctuation. */
  negation: boolean;
  /** Porter-stem every word (natural's PorterStemmer). */
  stem: boolean;
}

export const DEFAULT_TOKENIZER: TokenizerOptions = { bigrams: false, negation: false, stem: false };

/** A word (letters/digits with their combining marks, inner apostrophes allowed) or clause punctuation. */
const WORD_OR_PUNCT = /[\p{L}\p{N}][\p{L}\p{M}\p{N}]*(?:'[\p{L}\p{N}][\p{L}\p{M}\p{N}]*)*|[.,!?;:()]/gu;
const NEGATORS = new Set(['not', 'no', 'never', 'nothing', 'nobody', 'none', 'nowhere', 'neither', 'nor', 'cannot', 'without']);

const wordTokenizer = new RegexpTokenizer({ pattern: WORD_OR_PUNCT, gaps: false });
let stemmer: NaturalStemmer | undefined;

function porter(): NaturalStemmer {
  stemmer ??= require('natural/lib/natural/stemmers/porter_stemmer.js') as NaturalStemmer;
  return stemmer;
}

/** True for the clause punctuation tokens . , ! ? ; : ( ) (a word never starts with one). */
function isClauseEnd(token: string): boolean {
  if (token.length !== 1) return false;
  const c = token.charCodeAt(0);
  return c === 46 || c === 44 || c === 33 || c === 63 || c === 59 || c === 58 || c === 40 || c === 41;
}

function isNegator(word: string): boolean {
  return NEGATORS.has(word) || word.endsWith("n't");
}

/** Tokenise already-normalised text into terms (unigrams, then bigrams when enabled). */
export function tokenizeNormalized(text: string, options: TokenizerOptions = DEFAULT_TOKENIZER): string[] {
  const raw = wordTokenizer.tokenize(text) ?? [];
  if (!options.bigrams && !options.negation && !options.stem) {
    // Fast path (the default): drop the punctuation in place.
    let n = 0;
    for (let i = 0; i < raw.length; i++) if (!isClauseEnd(raw[i])) raw[n++] = raw[i];
    raw.length = n;
    return raw;
  }
  const terms: string[] = [];
  const bigrams: string[] = [];
  let negated = false;
  let previous: string | undefined;
  for (const token of raw) {
    if (isClauseEnd(token)) {
      negated = false;
      previous = undefined;
      continue;
    }
    let term = options.stem ? porter().stem(token) : token;
    if (options.negation) {
      if (negated) term = `not_${term}`;
      if (isNegator(token)) negated = true;
    }
    terms.push(term);
    if (options.bigrams && previous !== undefined) bigrams.push(`${previous} ${term}`);
    previous = term;
  }
  return bigrams.length > 0 ? terms.concat(bigrams) : terms;
}

/** Normalise then tokenise raw review text. */
export function tokenize(text: string, options: TokenizerOptions = DEFAULT_TOKENIZER): string[] {
  return tokenizeNormalized(normalizeKeepingWhitespace(text), options);
}
