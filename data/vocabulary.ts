/**
 * Vocabulary: the K most frequent terms by document frequency over the training texts.
 * Term ids are ranks: descending document frequency, ties broken by code-unit order of the term,
 * so the same corpus always gives the same ids. Serialises to JSON and back with identical ids.
 */

export interface VocabularyOptions {
  /** Keep at most this many terms (the paper: 5000). */
  size: number;
  /** Drop terms seen in fewer documents than this. */
  minDf: number;
}

export const DEFAULT_VOCABULARY: VocabularyOptions = { size: 5000, minDf: 2 };

export interface VocabularyJSON {
  terms: string[];
  df: number[];
  documents: number;
}

export class Vocabulary {
  readonly terms: readonly string[];
  /** Document frequency of each term, by id. */
  readonly df: readonly number[];
  /** Number of documents the vocabulary was built from. */
  readonly documents: number;
  private readonly ids: Map<string, number>;

  constructor(terms: readonly string[], df: readonly number[], documents: number) {
    if (terms.length !== df.length) throw new Error(`vocabulary: ${terms.length} terms but ${df.length} frequencies`);
    this.terms = terms;
    this.df = df;
    this.documents = documents;
    this.ids = new Map(terms.map((t, i) => [t, i]));
    if (this.ids.size !== terms.length) throw new Error('vocabulary: duplicate terms');
  }

  get size(): number {
    return this.terms.length;
  }

  id(term: string): number | undefined {
    return this.ids.get(term);
  }

  toJSON(): VocabularyJSON {
    return { terms: [...this.terms], df: [...this.df], documents: this.documents };
  }

  static fromJSON(json: VocabularyJSON): Vocabulary {
    if (!json || !Array.isArray(json.terms) || !Array.isArray(json.df)) throw new Error('vocabulary: expected {terms, df, documents}');
    return new Vocabulary(json.terms, json.df, json.documents ?? 0);
  }
}

/** Counts document frequencies one document at a time (streaming), then picks the top K. */
export class VocabularyBuilder {
  private readonly counts = new Map<string, number>();
  private documents = 0;

  /** Add one document's terms (duplicates within a document count once). */
  add(terms: Iterable<string>): void {
    this.documents++;
    for (const term of new Set(terms)) this.counts.set(term, (this.counts.get(term) ?? 0) + 1);
  }

  build(options: Partial<VocabularyOptions> = {}): Vocabulary {
    const { size, minDf } = { ...DEFAULT_VOCABULARY, ...options };
    const kept = [...this.counts].filter(([, df]) => df >= minDf);
    kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const top = kept.slice(0, size);
    return new Vocabulary(top.map(([t]) => t), top.map(([, df]) => df), this.documents);
  }
}
