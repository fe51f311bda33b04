/**
 * Train a rating model from reviews, end to end: vocabulary from the training texts → vectors → network →
 * (optional) denoising pretraining on labeled and unlabeled texts → supervised fine-tuning with early
 * stopping on dev → metrics. Options are plain data, so they can be stored with the model and replayed.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_TOKENIZER, tokenize, type TokenizerOptions } from '../data/tokenize.js';
import { toCsr, Vectorizer, type SparseVector, type Weighting } from '../data/vectorizer.js';
import { VocabularyBuilder } from '../data/vocabulary.js';
import type { Activation } from './activations.js';
import { getBackend } from './backend.js';
import { evaluate, type LabeledSet, type Metrics } from './evaluate.js';
import { DEFAULT_FINETUNE, fineTune, type EpochRecord, type FineTuneOptions } from './finetune.js';
import type { HeadKind } from './heads.js';
import { Network } from './network.js';
import { RatingModel } from './predictor.js';
import { DEFAULT_PRETRAIN, pretrain, type LayerReport, type PretrainOptions } from './pretrain.js';
import type { RunControl } from './progress.js';

export interface TrainConfig {
  vocabSize: number;
  minDf: number;
  tokenizer: TokenizerOptions;
  weighting: Weighting;
  layers: number[];
  activation: Activation;
  head: HeadKind;
  /** Run greedy layer-wise denoising pretraining before fine-tuning. */
  pretrain: boolean;
  pretraining: PretrainOptions;
  finetuning: FineTuneOptions;
  seed: number;
  /** Share of the labeled reviews held out for early stopping when no dev set is given. */
  devFraction: number;
  backend?: string;
}

export const DEFAULT_CONFIG: TrainConfig = {
  vocabSize: 5000,
  minDf: 2,
  tokenizer: DEFAULT_TOKENIZER,
  weighting: 'binary',
  layers: [1000, 1000, 1000],
  activation: 'relu',
  head: 'softmax',
  pretrain: true,
  pretraining: DEFAULT_PRETRAIN,
  finetuning: DEFAULT_FINETUNE,
  seed: 1,
  devFraction: 0.1,
};

export interface Review {
  text: string;
  rating: number;
}

export interface TrainData {
  train: readonly Review[];
  dev?: readonly Review[];
  /** Texts without labels, used for pretraining only. */
  unlabeled?: Iterable<string>;
}

export interface TrainReport {
  config: TrainConfig;
  data: { train: number; dev: number; unlabeled: number; vocabulary: number; meanActiveTerms: number };
  pretraining: LayerReport[];
  finetuning: { history: EpochRecord[]; bestEpoch: number; examplesPerSecond: number };
  dev?: Metrics;
  backend: string;
  seconds: number;
}

/** Merge partial options (nested ones too) over the defaults. */
export function resolveConfig(partial: Partial<Omit<TrainConfig, 'pretraining' | 'finetuning' | 'tokenizer'>> & {
  pretraining?: Partial<PretrainOptions>; finetuning?: Partial<FineTuneOptions>; tokenizer?: Partial<TokenizerOptions>;
} = {}): TrainConfig {
  const seed = partial.seed ?? DEFAULT_CONFIG.seed;
  return {
    ...DEFAULT_CONFIG,
    ...partial,
    seed,
    tokenizer: { ...DEFAULT_CONFIG.tokenizer, ...partial.tokenizer },
    pretraining: { ...DEFAULT_PRETRAIN, seed, ...partial.pretraining },
    finetuning: { ...DEFAULT_FINETUNE, seed, ...partial.finetuning },
  };
}

/**
 * Hold out about `fraction` of the reviews for early stopping, chosen by a hash of each review's text: the
 * same review always falls on the same side, whatever else the set holds, so models trained at different
 * times from a growing store are compared on dev reviews none of them trained on.
 */
export function splitDev<T extends { text: string }>(reviews: readonly T[], fraction: number): { train: T[]; dev: T[] } {
  if (!(fraction > 0) || reviews.length < 10) return { train: [...reviews], dev: [] };
  const train: T[] = [];
  const dev: T[] = [];
  for (const r of reviews) {
    const h = createHash('sha1').update(r.text.trim().normalize('NFC')).digest().readUInt32BE(0) / 2 ** 32;
    (h < fraction ? dev : train).push(r);
  }
  if (train.length === 0) return { train: dev, dev: [] };
  return { train, dev };
}

function checkRatings(reviews: readonly Review[], name: string): void {
  reviews.forEach((r, i) => {
    if (!Number.isInteger(r.rating) || r.rating < 1 || r.rating > 5) throw new Error(`${name}[${i}].rating: must be an integer from 1 to 5, got ${r.rating}`);
  });
}

export async function trainModel(data: TrainData, config: TrainConfig = DEFAULT_CONFIG, control: RunControl = {}): Promise<{ model: RatingModel; report: TrainReport }> {
  const started = performance.now();
  checkRatings(data.train, 'train');
  let train = data.train;
  let dev = data.dev ?? [];
  checkRatings(dev, 'dev');
  if (!data.dev) ({ train, dev } = splitDev(train, config.devFraction));
  if (train.length === 0) throw new Error('training needs at least one labeled review');

  const builder = new VocabularyBuilder();
  const trainTerms = train.map((r) => tokenize(r.text, config.tokenizer));
  for (const terms of trainTerms) builder.add(terms);
  const vocabulary = builder.build({ size: config.vocabSize, minDf: config.minDf });
  if (vocabulary.size === 0) throw new Error('the vocabulary is empty: too few training texts for the minimum document frequency');
  const vectorizer = new Vectorizer(vocabulary, { tokenizer: config.tokenizer, weighting: config.weighting });
  const toSet = (vectors: SparseVector[], reviews: readonly Review[]): LabeledSet => ({ x: toCsr(vectors, vocabulary.size), ratings: Uint8Array.from(reviews, (r) => r.rating) });
  const trainVectors = trainTerms.map((terms) => vectorizer.fromTerms(terms));
  const trainSet = toSet(trainVectors, train);
  const devSet = toSet(dev.map((r) => vectorizer.vectorize(r.text)), dev);

  const backend = await getBackend(config.backend);
  const net = new Network({ inputDim: vocabulary.size, layers: config.layers, activation: config.activation, head: config.head }, backend, config.seed);
  try {
    let unlabeledCount = 0;
    let pretraining: LayerReport[] = [];
    if (config.pretrain && config.layers.length > 0) {
      // Pretraining sees the training texts and the unlabeled ones, never dev or test texts.
      const texts = [...trainVectors];
      for (const text of data.unlabeled ?? []) {
        texts.push(vectorizer.vectorize(text));
        unlabeledCount++;
      }
      pretraining = await pretrain(net, toCsr(texts, vocabulary.size), config.pretraining, control);
    }
    const ft = await fineTune(net, trainSet, devSet.x.rows ? devSet : undefined, config.finetuning, control);
    const devMetrics = devSet.x.rows ? evaluate(net, devSet) : undefined;
    const nnz = trainSet.x.indptr[trainSet.x.rows];
    const report: TrainReport = {
      config,
      data: { train: train.length, dev: dev.length, unlabeled: unlabeledCount, vocabulary: vocabulary.size, meanActiveTerms: nnz / train.length },
      pretraining,
      finetuning: { history: ft.history, bestEpoch: ft.bestEpoch, examplesPerSecond: ft.examplesPerSecond },
      dev: devMetrics,
      backend: backend.name,
      seconds: (performance.now() - started) / 1000,
    };
    return { model: new RatingModel(vectorizer, net), report };
  } catch (err) {
    net.release();
    throw err;
  }
}
