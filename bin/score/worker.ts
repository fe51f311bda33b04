/** A scoring worker thread: loads the model once, then answers batches of texts with predictions. */
import { parentPort, workerData } from 'node:worker_threads';
import { loadBundle } from '../../model/bundle.js';
import { RatingModel } from '../../model/predictor.js';
import { FORWARD_ROWS, type ScorerOptions } from './scorer.js';

const opts = workerData as ScorerOptions;
const port = parentPort!;

try {
  const loaded = await loadBundle(opts.dir, { backend: opts.backend });
  const model = new RatingModel(loaded.model.vectorizer, loaded.model.net, FORWARD_ROWS);
  port.on('message', (msg: { id: number; texts: string[] }) => {
    try {
      const predictions = model.predict(msg.texts);
      const terms = opts.top > 0 ? msg.texts.map((t) => model.explain(t, opts.top)) : undefined;
      port.postMessage({ type: 'result', id: msg.id, predictions, terms });
    } catch (err) {
      port.postMessage({ type: 'error', id: msg.id, message: (err as Error).message });
    }
  });
  port.postMessage({ type: 'ready' });
} catch (err) {
  port.postMessage({ type: 'fatal', message: (err as Error).message });
}

