/** Declarations for the untyped npm packages the benchmarks use (lexicon peers in bench/peers.ts). */

declare module 'sentiment' {
  namespace Sentiment {
    interface AnalysisOptions {
      /** Two-letter language code; 'en' (AFINN-165) by default. */
      language?: string;
      /** Extra or overriding word scores. */
      extras?: Record<string, number>;
    }
    interface AnalysisResult {
      /** Sum of the AFINN scores of the words found (negation flips the next word's sign). */
      score: number;
      /** score / number of tokens. */
      comparative: number;
      calculation: Array<Record<string, number>>;
      tokens: string[];
      words: string[];
      positive: string[];
      negative: string[];
    }
  }
  class Sentiment {
    constructor(options?: object);
    analyze(phrase: string, options?: Sentiment.AnalysisOptions): Sentiment.AnalysisResult;
    registerLanguage(languageCode: string, language: object): void;
  }
  export = Sentiment;
}

declare module 'vader-sentiment' {
  namespace vader {
    interface PolarityScores {
      neg: number;
      neu: number;
      pos: number;
      /** Normalised sum of valences in [-1, 1]. */
      compound: number;
    }
    const SentimentIntensityAnalyzer: { polarity_scores(text: string): PolarityScores };
  }
  export = vader;
}
