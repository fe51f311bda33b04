/** GET /v1/models/{name} — versions, metrics, which is active and served; POST …/versions/{v}:activate — switch or roll back. */
import { Router } from 'express';
import type { ModelVersion } from '../../data/store.js';
import { BundleError } from '../../model/bundle.js';
import type { AppContext } from '../context.js';
import { HttpError, notFound, parseOr400 } from '../errors.js';
import { requireKey } from '../middleware.js';
import { MODEL_NAME, versionNumber } from '../schemas.js';
import { matchAction, splitAction } from './action.js';

const versionView = (v: ModelVersion, servedVersion: number | null | undefined) => ({
  version: v.version, active: v.active, serving: servedVersion === v.version, created_at: v.createdAt,
  job_id: v.jobId, metrics: v.metrics, options: v.options,
});

export function modelsRouter(ctx: AppContext): Router {
  const router = Router();

  router.get('/v1/models/:name', (req, res) => {
    const { action } = splitAction(req.params.name);
    if (action !== undefined) {
      throw new HttpError(405, 'method_not_allowed', `use POST for /v1/models/{name}:${action}`, {}, { Allow: 'POST' });
    }
    const name = String(req.params.name);
    const versions = MODEL_NAME.test(name) ? ctx.store.listModelVersions(name) : [];
    const served = ctx.holder.peek(name);
    if (versions.length === 0 && !served) throw notFound(`model ${JSON.stringify(name)} not found${name === 'default' ? ': train one with POST /v1/training-jobs' : ''}`);
    res.json({
      name,
      active_version: versions.find((v) => v.active)?.version ?? null,
      serving: served ? { version: served.version, source: served.source, loaded_at: served.loadedAt } : null,
      problem: served ? null : ctx.holder.problem(name) ?? null,
      versions: versions.map((v) => versionView(v, served?.version)),
    });
  });

  router.post('/v1/models/:name/versions/:target', matchAction('target', 'activate'), requireKey(ctx.apiKey), async (req, res) => {
    res.locals.route = '/v1/models/{name}/versions/{version}:activate';
    const name = String(req.params.name);
    const version = parseOr400(versionNumber, res.locals.target, 'version');
    const found = MODEL_NAME.test(name) ? ctx.store.getModelVersion(name, version) : undefined;
    if (!found) {
      const known = MODEL_NAME.test(name) ? ctx.store.listModelVersions(name).map((v) => v.version) : [];
      throw notFound(known.length === 0 ? `model ${JSON.stringify(name)} not found` : `model ${name} has no version ${version} (versions: ${known.join(', ')})`);
    }
    const previous = ctx.holder.peek(name);
    let entry;
    try {
      entry = await ctx.holder.load({ kind: 'store', dir: found.path, name, version }, found.metrics);
    } catch (err) {
      if (err instanceof BundleError) throw new HttpError(409, 'model_unloadable', `version ${version} of model ${name} cannot be loaded: ${err.message}`);
      throw err;
    }
    // no await between the store update and the swap: both switch together
    const active = ctx.store.activateModelVersion(name, version);
    ctx.holder.swap(entry);
    ctx.log(`rectify serve: model ${name} version ${version} activated${previous ? ` (was ${previous.version ?? previous.dir})` : ''}`);
    res.json({ name, active_version: version, previous_version: previous?.version ?? null, version: versionView(active, version) });
  });
  return router;
}
