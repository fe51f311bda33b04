/** Messages between the job manager (main thread) and the training worker. */
import type { Metrics } from '../model/evaluate.js';
import type { TrainConfig, TrainReport } from '../model/train.js';

export interface WorkerInput {
  dbPath: string;
  jobId: number;
  modelName: string;
  config: TrainConfig;
  /** Where to save the trained bundle. */
  bundleDir: string;
  /** The model served when the job started, to evaluate on the job's dev set. */
  baselineDir?: string;
  /** Nice value for the training thread (Linux), so serving wins the CPU. Default 10. */
  nice?: number;
}

/** What the API reports as a job's progress. */
export interface JobProgress {
  phase: string;
  epoch?: number;
  epochs?: number;
  batch?: number;
  batches?: number;
  loss?: number;
  examples_per_second?: number;
  /** Latest dev RMSE seen during fine-tuning. */
  dev_rmse?: number;
  updated_at: string;
}

export type FromWorker =
  | { type: 'progress'; progress: Omit<JobProgress, 'updated_at' | 'dev_rmse'> & { dev_rmse?: number }; final?: boolean }
  | { type: 'done'; report: Omit<TrainReport, 'config'>; baseline?: { rmse: number; n: number } | { error: string } }
  | { type: 'cancelled' }
  | { type: 'failed'; error: string };

export type ToWorker = { type: 'cancel' };

export type { Metrics };
