import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReviewStore } from '../data/store.js';
import { createApp, type AppHandle } from '../server/app.js';
import { isLoopback, startServer } from '../server/index.js';
import { corpus, NEG, POS, serverFixture } from './helpers/server.js';

const fx = serverFixture();

describe('reviews', () => {
  it('stores a validated batch in one go and counts duplicates', async () => {
    const before = (await request(fx.app).get('/v1/reviews')).body;
    const res = await request(fx.app).post('/v1/reviews').send({ reviews: [{ text: 'a brand new great place', rating: 5 }, { text: 'unlabeled words here' }, { text: ' a brand new great place ' }, { text: corpus[0].text, rating: corpus[0].rating }] });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ inserted: 2, duplicates: 2 });
    const after = (await request(fx.app).get('/v1/reviews')).body;
    expect(after).toEqual({ total: before.total + 2, labeled: before.labeled + 1, unlabeled: before.unlabeled + 1 });
  });

  it.each([
    [{ reviews: [{ text: 'ok', rating: 5 }, { text: 'bad', rating: 0 }] }, 'reviews[1].rating: must be at least 1, got 0'],
    [{ reviews: [{ text: 'ok', rating: 6 }] }, 'reviews[0].rating: must be at most 5, got 6'],
    [{ reviews: [{ text: 'ok', rating: 4.5 }] }, 'reviews[0].rating: must be an integer, got 4.5'],
    [{ reviews: [{ text: 'ok', rating: '4' }] }, 'reviews[0].rating: must be a number, got "4"'],
    [{ reviews: [{ text: 'ok' }, { rating: 3 }] }, 'reviews[1].text: is required'],
    [{ reviews: [{ text: 'ok', stars: 3 }] }, 'reviews[0].stars: unknown field'],
    [{ reviews: [] }, 'reviews: must have at least 1 item'],
  ])('refuses %j whole, storing nothing', async (body, message) => {
    const before = (await request(fx.app).get('/v1/reviews')).body.total;
    const res = await request(fx.app).post('/v1/reviews').send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(message);
    expect((await request(fx.app).get('/v1/reviews')).body.total).toBe(before);
  });
});

describe('models: versions, activation and rollback', () => {
  it('lists versions with metrics and marks the active and served one', async () => {
    const res = await request(fx.app).get('/v1/models/default');
    expect(res.status).toBe(200);
    expect(res.body.active_version).toBe(1);
    expect(res.body.serving).toMatchObject({ version: 1, source: 'store' });
    expect(res.body.versions.map((v: any) => [v.version, v.active, v.serving])).toEqual([[1, true, true], [2, false, false]]);
    expect(res.body.versions[0].metrics.rmse).toBeGreaterThan(0);
    expect((await request(fx.app).get('/v1/models/nothing')).status).toBe(404);
  });

  it('switches the served model and rolls back', async () => {
    const two = await request(fx.app).post('/v1/models/default/versions/2:activate');
    expect(two.status).toBe(200);
    expect(two.body).toMatchObject({ name: 'default', active_version: 2, previous_version: 1 });
    expect((await fx.predict({ instances: [POS] })).body.model_version).toBe(2);
    expect((await request(fx.app).get('/readyz')).body.model_version).toBe(2);
    const back = await request(fx.app).post('/v1/models/default/versions/1:activate');
    expect(back.body.active_version).toBe(1);
    const after = await fx.predict({ instances: [POS, NEG] });
    expect(after.body).toMatchObject({ model_version: 1, predictions: fx.modelA.predict([POS, NEG]) });
    expect((await request(fx.app).get('/v1/models/default')).body.active_version).toBe(1);
  });

  it('follows a version activated in the store by another process (rectify models activate)', async () => {
    const other = ReviewStore.open(fx.db);
    other.activateModelVersion('default', 2);
    other.close();
    const deadline = Date.now() + 5000;
    while ((await fx.predict({ instances: [POS] })).body.model_version !== 2) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(fx.logs.join('\n')).toMatch(/now serving version 2 \(activated in the store\)/);
    await request(fx.app).post('/v1/models/default/versions/1:activate').expect(200);
    expect((await fx.predict({ instances: [POS] })).body.model_version).toBe(1);
  });

  it('answers 404 for unknown models, versions and actions, 400 for a malformed version', async () => {
    const missing = await request(fx.app).post('/v1/models/default/versions/99:activate');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('model default has no version 99 (versions: 1, 2)');
    expect((await request(fx.app).post('/v1/models/ghost/versions/1:activate')).status).toBe(404);
    expect((await request(fx.app).post('/v1/models/default/versions/1:nope')).status).toBe(404);
    const bad = await request(fx.app).post('/v1/models/default/versions/abc:activate');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^version: /);
  });
});

describe('API key and an empty store', () => {
  const keyDb = join(fx.dir, 'keyed', 'rectify.db');
  let keyed: AppHandle;
  beforeAll(async () => {
    keyed = createApp({ db: keyDb, apiKey: 'sesame', log: fx.log, backend: 'ts', defaultMetrics: false });
    await keyed.ready;
  });
  afterAll(() => keyed.close());

  it('requires the bearer key on write endpoints only', async () => {
    const k = keyed.app;
    const body = { reviews: [{ text: 'great', rating: 5 }] };
    const none = await request(k).post('/v1/reviews').send(body);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(none.body.error.code).toBe('unauthorized');
    expect((await request(k).post('/v1/reviews').set('Authorization', 'Bearer wrong').send(body)).status).toBe(401);
    expect((await request(k).post('/v1/reviews').set('Authorization', 'sesame').send(body)).status).toBe(401);
    expect((await request(k).post('/v1/reviews').set('Authorization', 'Bearer sesame').send(body)).status).toBe(201);
    expect((await request(k).post('/v1/training-jobs').send({})).status).toBe(401);
    expect((await request(k).delete('/v1/training-jobs/1')).status).toBe(401);
    expect((await request(k).post('/v1/models/default/versions/1:activate')).status).toBe(401);
    expect((await request(k).get('/v1/training-jobs')).status).toBe(200);
    expect((await request(k).get('/v1/reviews')).status).toBe(200);
  });

  it('without any model: predict is 503 saying how to train one, /readyz is not ready', async () => {
    const res = await request(keyed.app).post('/v1/models/default:predict').send({ instances: ['great'] });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('no_model');
    expect(res.body.error.message).toMatch(/POST \/v1\/training-jobs/);
    expect(res.body.error.message).toMatch(/rectify train/);
    const ready = await request(keyed.app).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('not_ready');
    expect((await request(keyed.app).get('/v1/models/default')).status).toBe(404);
  });

  it('needs labeled reviews before training', async () => {
    const store = ReviewStore.open(join(fx.dir, 'empty', 'rectify.db'));
    store.close();
    const empty = createApp({ db: join(fx.dir, 'empty', 'rectify.db'), log: fx.log, defaultMetrics: false });
    await empty.ready;
    const res = await request(empty.app).post('/v1/training-jobs');
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('no_training_data');
    await empty.close();
  });

  it('refuses to listen on a non-loopback address without a key', async () => {
    expect(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('localhost')).toBe(true);
    expect(isLoopback('0.0.0.0') || isLoopback('192.168.1.2')).toBe(false);
    await expect(startServer({ host: '0.0.0.0', port: 0, db: keyDb, log: fx.log })).rejects.toThrow(/refusing to listen on 0\.0\.0\.0 without an API key/);
  });
});

