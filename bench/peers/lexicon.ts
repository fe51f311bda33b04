/**
 * Lexicon peers from npm: `sentiment` (AFINN-165), `vader-sentiment` (VADER compound) and natural's
 * SentimentAnalyzer (only its submodule is loaded). Each gives a score per review; a monotone
 * (isotonic) fit on train maps the score to stars, and polarity follows from the fitted rating > 3.
 * Each lexicon has a few variants (which score, which vocabulary, stemming); dev RMSE picks one.
 */
import { createRequire } from 'node:module';
import Sentiment from 'sentiment';
import vader from 'vader-sentiment';
import { DEFAULT_TOKENIZER, tokenize } from '../../data/tokenize.js';
import type { LabeledReview } from '../corpora.js';
import { fitIsotonic, predictIsotonic } from './isotonic.js';
import type { Corpus, PeerName, PeerRun, TuningPoint } from './report.js';

const require = createRequire(import.meta.url);

interface NaturalStemmer { stem(token: string): string }
type NaturalAnalyzer = new (language: string, stemmer: NaturalStemmer | null, vocabulary: 'afinn' | 'senticon' | 'pattern') => { getSentiment(words: string[]): number };

type Scorer = (text: string) => number;

interface Variant {
  params: Record<string, unknown>;
  scorer: () => Scorer;
}

/** Sentences for VADER's averaged variant (VADER is built for sentence-length texts). */
const SENTENCE = /[^.!?\n]+[.!?]*/g;

export const LEXICONS: { peer: PeerName; variants: Variant[] }[] = [
  {
    peer: 'afinn',
    variants: (['score', 'comparative'] as const).map((field) => ({
      params: { package: 'sentiment', lexicon: 'AFINN-165', score: field },
      scorer: () => {
        const s = new Sentiment();
        return (text: string) => s.analyze(text)[field];
      },
    })),
  },
  {
    peer: 'vader',
    variants: [
      { params: { package: 'vader-sentiment', score: 'compound of the whole text' }, scorer: () => (text: string) => vader.SentimentIntensityAnalyzer.polarity_scores(text).compound },
      {
        params: { package: 'vader-sentiment', score: 'mean compound over sentences' },
        scorer: () => (text: string) => {
          const sentences = text.match(SENTENCE) ?? [];
          if (!sentences.length) return 0;
          return sentences.reduce((s, x) => s + vader.SentimentIntensityAnalyzer.polarity_scores(x).compound, 0) / sentences.length;
        },
      },
    ],
  },
  {
    peer: 'natural',
    variants: (['afinn', 'senticon'] as const).flatMap((vocabulary) => [false, true].map((stem) => ({
      params: { package: 'natural SentimentAnalyzer', language: 'English', vocabulary, stemmer: stem ? 'porter' : 'none', tokens: 'rectify tokenize()' },
      scorer: () => {
        const Analyzer = require('natural/lib/natural/sentiment/SentimentAnalyzer.js') as NaturalAnalyzer;
        const stemmer = stem ? (require('natural/lib/natural/stemmers/porter_stemmer.js') as NaturalStemmer) : null;
        const analyzer = new Analyzer('English', stemmer, vocabulary);
        return (text: string) => analyzer.getSentiment(tokenize(text, DEFAULT_TOKENIZER));
      },
    }))),
  },
];

function timedScores(scorer: Scorer, reviews: readonly LabeledReview[]): { scores: Float64Array; seconds: number } {
  const t = performance.now();
  const scores = new Float64Array(reviews.length);
  for (let i = 0; i < reviews.length; i++) {
    const s = scorer(reviews[i].text);
    scores[i] = Number.isFinite(s) ? s : 0; // natural divides by the token count: an empty text is 0/0
  }
  return { scores, seconds: (performance.now() - t) / 1000 };
}

export function lexiconPeer(lexicon: (typeof LEXICONS)[number], corpus: Corpus): PeerRun {
  const tuning: TuningPoint[] = [];
  let best: { dev: number; variant: Variant; scorer: Scorer; fit: ReturnType<typeof fitIsotonic>; trainSeconds: number } | undefined;
  for (const variant of lexicon.variants) {
    const scorer = variant.scorer();
    const train = timedScores(scorer, corpus.train);
    const t = performance.now();
    const fit = fitIsotonic(train.scores, corpus.train.map((r) => r.rating));
    const trainSeconds = train.seconds + (performance.now() - t) / 1000;
    const dev = timedScores(scorer, corpus.dev).scores;
    let se = 0;
    for (let i = 0; i < dev.length; i++) se += (predictIsotonic(fit, dev[i]) - corpus.dev[i].rating) ** 2;
    const rmse = Math.sqrt(se / dev.length);
    tuning.push({ params: variant.params, dev: rmse });
    if (!best || rmse < best.dev) best = { dev: rmse, variant, scorer, fit, trainSeconds };
  }
  const chosen = best!;
  const t = performance.now();
  const test = timedScores(chosen.scorer, corpus.test).scores;
  const ratings = Float64Array.from(test, (s) => predictIsotonic(chosen.fit, s));
  const seconds = (performance.now() - t) / 1000;
  return {
    peer: lexicon.peer,
    ratings,
    trainSeconds: chosen.trainSeconds,
    predictMsPer1000: (seconds * 1e6) / corpus.test.length,
    params: { ...chosen.variant.params, mapping: `isotonic on train (${chosen.fit.x.length} distinct scores)` },
    devCriterion: 'rmse',
    tuning,
  };
}
