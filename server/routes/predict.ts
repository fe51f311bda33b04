/** POST /v1/models/{name}:predict — TensorFlow-Serving-style batch prediction, optionally explained. */
import { Router } from 'express';
import type { RatingModel } from '../../model/predictor.js';
import type { AppContext } from '../context.js';
import { badRequest, notFound, parseOr400, unavailable } from '../errors.js';
import { jsonBody } from '../middleware.js';
import { MODEL_NAME, predictQuery, schemas } from '../schemas.js';
import { matchAction } from './action.js';

/** Explaining costs one forward pass per term of a review: yield between reviews so other requests get through. */
async function explained(model: RatingModel, texts: string[], top: number) {
  const out = [];
  for (const [i, p] of model.predict(texts).entries()) {
    if (i > 0) await new Promise((r) => setImmediate(r));
    out.push({ ...p, explanation: model.explain(texts[i], top) });
  }
  return out;
}

export function predictRouter(ctx: AppContext): Router {
  const router = Router();
  const { predictBody } = schemas(ctx.limits);
  router.post('/v1/models/:target', matchAction('target', 'predict'), (_req, res, next) => {
    res.locals.route = '/v1/models/{name}:predict';
    if (!MODEL_NAME.test(res.locals.target)) return next(notFound(`model ${JSON.stringify(res.locals.target)} not found`));
    next();
  }, ...jsonBody(ctx.limits.bodyLimit), async (req, res) => {
    const name = res.locals.target as string;
    const query = parseOr400(predictQuery, req.query, 'query');
    const { instances } = parseOr400(predictBody, req.body);
    if (query.explain && instances.length > ctx.limits.maxExplainInstances) {
      throw badRequest(`instances: at most ${ctx.limits.maxExplainInstances} per request with explain=true, got ${instances.length}`);
    }
    await ctx.serving.ensure(name);
    const texts = instances.map((i) => i.text);
    const body = await ctx.holder.use(name, async (served) => {
      const predictions = query.explain ? await explained(served.model, texts, query.top ?? 10) : await served.batcher.predict(texts);
      return { model: name, model_version: served.version, predictions };
    });
    if (!body) throw unavailable('shutting_down', 'the server is shutting down'); // models are only dropped at close
    ctx.metrics.predictions.inc({ model: name }, texts.length);
    res.json(body);
  });
  return router;
}
