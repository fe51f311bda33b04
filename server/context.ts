/** What every router needs: the store, the served models, the job manager, metrics and limits. */
import type { ReviewStore } from '../data/store.js';
import type { JobManager } from './jobs.js';
import type { AppMetrics } from './metrics.js';
import type { ModelHolder } from './model-holder.js';
import type { Limits } from './schemas.js';
import type { Serving } from './serving.js';

export interface AppContext {
  store: ReviewStore;
  holder: ModelHolder;
  serving: Serving;
  jobs: JobManager;
  metrics: AppMetrics;
  limits: Limits;
  apiKey: string | undefined;
  log: (line: string) => void;
}
