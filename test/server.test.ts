import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { PredictBatcher } from '../server/batcher.js';
import { NEG, POS, serverFixture } from './helpers/server.js';

const fx = serverFixture();

describe('health and metrics', () => {
  it('reports liveness, readiness with the served version, and Prometheus metrics', async () => {
    expect((await request(fx.app).get('/healthz')).body.status).toBe('ok');
    const ready = await request(fx.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', model_version: 1, source: 'store' });
    await fx.predict({ instances: [POS] });
    const metrics = await request(fx.app).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    expect(metrics.text).toMatch(/http_requests_total\{method="POST",route="\/v1\/models\/\{name\}:predict",status="200"\} \d+/);
    expect(metrics.text).toMatch(/http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/readyz",status="200"\}/);
    expect(metrics.text).toMatch(/rectify_model_version\{model="default",source="store"\} 1/);
    expect(metrics.text).toMatch(/rectify_predictions_total\{model="default"\} \d+/);
  });

  it('answers unknown endpoints with a JSON 404', async () => {
    const res = await request(fx.app).get('/nope');
    expect(res.status).toBe(404);
    expect(res.body.error).toEqual({ code: 'not_found', message: 'no such endpoint: GET /nope' });
  });
});

describe('POST /v1/models/{name}:predict', () => {
  it('rates strings and {text} objects in input order, like the model itself', async () => {
    const res = await fx.predict({ instances: [POS, { text: NEG }, 'the food was ok'] });
    expect(res.status).toBe(200);
    expect(res.body.model_version).toBe(1);
    expect(res.body.predictions).toEqual(fx.modelA.predict([POS, NEG, 'the food was ok']));
    const [good, bad] = res.body.predictions;
    expect(good.rating).toBeGreaterThan(bad.rating);
    expect(good.label).toBe('positive');
    expect(bad.label).toBe('negative');
    expect(good.distribution).toHaveLength(5);
    expect(good.distribution.reduce((s: number, p: number) => s + p, 0)).toBeCloseTo(1, 3);
  });

  it('coalesces concurrent calls into shared forward passes with unchanged results', async () => {
    const batcher = new PredictBatcher(fx.modelA, 3);
    const inputs = [[POS], [NEG, POS], ['the food was ok'], [NEG]];
    const results = await Promise.all(inputs.map((texts) => batcher.predict(texts)));
    expect(results).toEqual(inputs.map((texts) => fx.modelA.predict(texts)));
    expect(batcher.passes).toBe(2); // [POS] + [NEG, POS] fill 3; the rest share the next pass
    expect(batcher.reviews).toBe(5);
  });

  it('adds the top contributing terms with ?explain=true', async () => {
    const res = await fx.predict({ instances: ['great food but rude staff'] }, '/v1/models/default:predict?explain=true&top=2');
    expect(res.status).toBe(200);
    const [p] = res.body.predictions;
    expect(p.explanation).toHaveLength(2);
    expect(p.explanation.map((t: any) => t.term).sort()).toEqual(['great', 'rude']);
    expect(p.explanation.find((t: any) => t.term === 'great').contribution).toBeGreaterThan(0);
    expect((await fx.predict({ instances: [POS] }, '/v1/models/default:predict?explain=maybe')).body.error.message).toMatch(/^explain: must be one of/);
  });

  it('matches the :predict custom method despite Express reading ":" as a parameter prefix', async () => {
    expect((await fx.predict({ instances: [POS] }, '/v1/models/default%3Apredict')).status).toBe(200);
    const nope = await fx.predict({ instances: [POS] }, '/v1/models/default:nope');
    expect(nope.status).toBe(404);
    expect(nope.body.error.code).toBe('not_found');
    expect((await fx.predict({ instances: [POS] }, '/v1/models/default')).status).toBe(404);
    expect((await request(fx.app).get('/v1/models/default:predict')).status).toBe(405);
    const unknown = await fx.predict({ instances: [POS] }, '/v1/models/other:predict');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe('model other not found');
  });

  it.each([
    [{ instances: ['ok', 'fine', 'good', 5] }, 'instances[3].text: must be a string, got 5'],
    [{ instances: ['ok', ''] }, 'instances[1].text: must not be empty or only whitespace'],
    [{ instances: ['ok', { text: '   ' }] }, 'instances[1].text: must not be empty or only whitespace'],
    [{ instances: [{ txt: 'hello' }] }, 'instances[0].text: is required'],
    [{ instances: [{ text: 'a', rating: 3 }] }, 'instances[0].rating: unknown field'],
    [{ instances: [] }, 'instances: must have at least 1 item'],
    [{ instance: ['a'] }, 'instances: is required'],
    [{ instances: 'great' }, 'instances: must be an array, got "great"'],
    [['great'], 'body: must be an object, got an array'],
    [{ instances: Array(1001).fill('x') }, 'instances: at most 1000 items per request, got 1001'],
    [{ instances: ['a', 'b', 'c', 'x'.repeat(100_001)] }, 'instances[3].text: at most 100000 characters, got 100001'],
  ])('refuses %j with a 400 naming the item', async (body, message) => {
    const res = await fx.predict(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.message).toBe(message);
  });

  it('refuses malformed JSON, other content types, bodies over 1 MB and large explain batches', async () => {
    const bad = await request(fx.app).post('/v1/models/default:predict').set('Content-Type', 'application/json').send('{"instances": [');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_json');
    const text = await request(fx.app).post('/v1/models/default:predict').set('Content-Type', 'text/plain').send('great food');
    expect(text.status).toBe(415);
    const big = await fx.predict({ instances: ['y'.repeat(1_100_000)] });
    expect(big.status).toBe(413);
    expect(big.body.error).toMatchObject({ code: 'payload_too_large', message: 'the request body is over the 1mb limit' });
    const explain = await fx.predict({ instances: Array(11).fill(POS) }, '/v1/models/default:predict?explain=true');
    expect(explain.status).toBe(400);
    expect(explain.body.error.message).toMatch(/^instances: at most 10 per request with explain=true, got 11$/);
    expect((await request(fx.app).get('/healthz')).status).toBe(200);
  });
});

