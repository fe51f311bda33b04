/** Training jobs: start (202 + Location), list, status with live progress, cancel. */
import { Router } from 'express';
import type { TrainingJob } from '../../data/store.js';
import type { AppContext } from '../context.js';
import { conflict, notFound, parseOr400 } from '../errors.js';
import { jsonBody, requireKey } from '../middleware.js';
import { jobId, listQuery, trainingJobBody } from '../schemas.js';

export function jobView(job: TrainingJob) {
  return {
    id: job.id,
    model: job.modelName,
    status: job.status,
    options: job.options,
    progress: job.progress,
    metrics: job.metrics,
    model_version: job.modelVersion,
    activation: {
      policy: job.options?.activate ?? 'if-better',
      activated: job.metrics?.activation?.activated ?? null,
      note: job.activation,
    },
    error: job.error,
    created_at: job.createdAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
  };
}

export function trainingJobsRouter(ctx: AppContext): Router {
  const router = Router();
  const findJob = (raw: string): TrainingJob => {
    const id = parseOr400(jobId, raw, 'id');
    const job = ctx.jobs.get(id);
    if (!job) throw notFound(`training job ${id} not found`);
    return job;
  };

  router.post('/v1/training-jobs', requireKey(ctx.apiKey), ...jsonBody(ctx.limits.bodyLimit, { optional: true }), (req, res) => {
    const body = parseOr400(trainingJobBody, req.body);
    const job = ctx.jobs.start(body);
    res.status(202).location(`/v1/training-jobs/${job.id}`).json(jobView(job));
  });

  router.get('/v1/training-jobs', (req, res) => {
    const { limit } = parseOr400(listQuery, req.query, 'query');
    const jobs = ctx.store.listJobs(limit ?? 50).map((j) => jobView(ctx.jobs.get(j.id) ?? j));
    res.json({ running_job_id: ctx.jobs.runningId() ?? null, jobs });
  });

  router.get('/v1/training-jobs/:id', (req, res) => {
    res.json(jobView(findJob(String(req.params.id))));
  });

  router.delete('/v1/training-jobs/:id', requireKey(ctx.apiKey), async (req, res) => {
    const job = findJob(String(req.params.id));
    const { job: after, accepted } = await ctx.jobs.cancel(job.id);
    if (!accepted) throw conflict('job_finished', `training job ${job.id} has already ${after.status === 'succeeded' ? 'succeeded' : `finished (${after.status})`}`, { job_id: job.id, status: after.status });
    res.status(after.status === 'cancelled' ? 200 : 202).json(jobView(after));
  });
  return router;
}
