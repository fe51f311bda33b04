/** GET /healthz (process up), GET /readyz (default model loaded), GET /metrics (Prometheus text). */
import { Router } from 'express';
import type { AppContext } from '../context.js';
import { DEFAULT_MODEL_NAME } from '../../model/registry.js';
import { NO_MODEL_MESSAGE } from '../serving.js';

export function healthRouter(ctx: AppContext, ready: () => boolean): Router {
  const router = Router();
  const started = Date.now();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptime_seconds: Math.round((Date.now() - started) / 1000) });
  });
  router.get('/readyz', (_req, res) => {
    const served = ctx.holder.peek(DEFAULT_MODEL_NAME);
    if (served) return void res.json({ status: 'ready', model: DEFAULT_MODEL_NAME, model_version: served.version, source: served.source });
    const reason = ready() ? ctx.holder.problem(DEFAULT_MODEL_NAME) ?? NO_MODEL_MESSAGE : 'the model is still loading';
    res.status(503).json({ status: 'not_ready', reason });
  });
  router.get('/metrics', async (_req, res) => {
    const text = await ctx.metrics.registry.metrics();
    res.type(ctx.metrics.registry.contentType).send(text);
  });
  return router;
}
