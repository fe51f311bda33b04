/**
 * Tokenisation with natural's RegexpTokenizer (only that submodule is loaded, so start-up stays fast).
 * Words keep inner apostrophes ("don't"); clause punctuation bounds negation scope and bigrams and is
 * then dropped. Options: bigrams, negation marking ("not_good"), Porter stemming.
 */
import { createRequire } from 'node:module';
import { normalize } from './normalize.js';

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

const WORD_OR_PUNCT = /[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*|[.,!?;:()]/gu;
const CLAUSE_END = /^[.,!?;:()]$/;
const NEGATORS = new Set(['not', 'no', 'never', 'nothing', 'nobody', 'none', 'nowhere', 'neither', 'nor', 'cannot', 'without']);

const wordTokenizer = new RegexpTokenizer({ pattern: WORD_OR_PUNCT, gaps: false });
let stemmer: NaturalStemmer | undefined;

function porter(): NaturalStemmer {
  stemmer ??= require('natural/lib/natural/stemmers/porter_stemmer.js') as NaturalStemmer;
  return stemmer;
}

function isNegator(word: string): boolean {
  return NEGATORS.has(word) || word.endsWith("n't");
}

/** Tokenise already-normalised text into terms (unigrams, then bigrams when enabled). */
export function tokenizeNormalized(text: string, options: TokenizerOptions = DEFAULT_TOKENIZER): string[] {
  const raw = wordTokenizer.tokenize(text) ?? [];
  const terms: string[] = [];
  const bigrams: string[] = [];
  let negated = false;
  let previous: string | undefined;
  for (const token of raw) {
    if (CLAUSE_END.test(token)) {
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
  return tokenizeNormalized(normalize(text), options);
}
