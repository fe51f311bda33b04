/** `rectify train` options → a full TrainConfig (model/train.ts resolveConfig). */
import type { FineTuneOptions } from '../model/finetune.js';
import type { PretrainOptions } from '../model/pretrain.js';
import { resolveConfig, type TrainConfig } from '../model/train.js';

export interface ModelOptions {
  layers?: number[];
  activation?: 'relu' | 'tanh' | 'softplus';
  head?: 'softmax' | 'linear';
  pretrain: boolean;
  noise?: number;
  maskNoise?: number;
  l1?: number;
  epochs?: number;
  pretrainEpochs?: number;
  batchSize?: number;
  lr?: number;
  pretrainLr?: number;
  patience?: number;
  vocabSize?: number;
  minDf?: number;
  weighting?: 'binary' | 'count';
  bigrams?: boolean;
  negation?: boolean;
  stem?: boolean;
  seed?: number;
  devFraction?: number;
  backend?: string;
}

/** Only the options the user gave; everything else keeps resolveConfig's defaults. */
export function buildConfig(o: ModelOptions): TrainConfig {
  const defined = <T extends object>(obj: T): Partial<T> =>
    Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
  const pretraining: Partial<PretrainOptions> = defined({
    epochs: o.pretrainEpochs, batchSize: o.batchSize, lr: o.pretrainLr ?? o.lr, noise: o.noise, maskNoise: o.maskNoise, l1: o.l1, seed: o.seed,
  });
  const finetuning: Partial<FineTuneOptions> = defined({
    epochs: o.epochs, batchSize: o.batchSize, lr: o.lr, l1: o.l1, patience: o.patience, seed: o.seed,
  });
  return resolveConfig({
    ...defined({
      layers: o.layers, activation: o.activation, head: o.head, vocabSize: o.vocabSize, minDf: o.minDf,
      weighting: o.weighting, seed: o.seed, devFraction: o.devFraction, backend: o.backend,
    }),
    pretrain: o.pretrain,
    tokenizer: defined({ bigrams: o.bigrams, negation: o.negation, stem: o.stem }),
    pretraining,
    finetuning,
  });
}
