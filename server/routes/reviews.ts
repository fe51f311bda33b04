/** POST /v1/reviews — add labeled and unlabeled reviews (validated whole, stored in one transaction); GET counts them. */
import { Router } from 'express';
import type { AppContext } from '../context.js';
import { parseOr400 } from '../errors.js';
import { jsonBody, requireKey } from '../middleware.js';
import { schemas } from '../schemas.js';

export function reviewsRouter(ctx: AppContext): Router {
  const router = Router();
  const { reviewsBody } = schemas(ctx.limits);
  router.post('/v1/reviews', requireKey(ctx.apiKey), ...jsonBody(ctx.limits.bodyLimit), (req, res) => {
    const { reviews } = parseOr400(reviewsBody, req.body);
    const result = ctx.store.insertReviews(reviews);
    res.status(201).json(result);
  });
  router.get('/v1/reviews', (_req, res) => {
    const labeled = ctx.store.countReviews({ labeled: true });
    const unlabeled = ctx.store.countReviews({ labeled: false });
    res.json({ total: labeled + unlabeled, labeled, unlabeled });
  });
  return router;
}
