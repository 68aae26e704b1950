import request from 'supertest';
import * as v from 'valibot';
import {
  BackendError, ERROR_INVALID_WBO, HttpError, SyncServerApp, authenticated, jsonBadRequest, route, type AppContext,
} from '../../src/app';
import { DummyAuth } from '../../src/auth/dummy-auth';
import { createTestApp } from '../../src/testing/test-app';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

class JsonApi extends SyncServerApp {
  static override readonly answerProfile = 'json';

  @route('POST', '/:username/things', { body: 'json', limit: 64, validate: { body: v.object({ name: v.pipe(v.string(), v.minLength(1)), size: v.number() }) } })
  @authenticated
  add(ctx: AppContext) {
    return { created: (ctx.request.body as { name: string }).name };
  }

  @route('POST', '/legacy-import', { body: 'json', validate: { body: v.object({ items: v.array(v.string()) }) }, invalid: ERROR_INVALID_WBO })
  legacyImport() {
    return { ok: true };
  }

  @route('GET', '/things/:id')
  thing(ctx: AppContext) {
    if (ctx.params.id === 'secret') throw new HttpError(403, 'Not yours');
    if (ctx.params.id === 'taken') throw new HttpError(409, 'A thing with this name exists', { body: { status: 'exists' }, problem: { type: 'https://example.com/problems/exists', existing: 'taken' } });
    if (ctx.params.id === 'respcode') throw jsonBadRequest(ERROR_INVALID_WBO);
    return { id: ctx.params.id };
  }

  @route('GET', '/down')
  down() {
    throw new BackendError('database is down', { retryAfter: 30 });
  }

  @route('GET', '/crash')
  crash() {
    throw new TypeError('secret detail of the failure');
  }
}

function setup(config = {}) {
  const auth = new DummyAuth({ allow_dummy: true });
  const test = createTestApp(JsonApi, config, { auth });
  return { ...test, auth, agent: () => request(test.app.callback()) };
}

function problem(res: request.Response): Record<string, unknown> {
  expect(res.headers['content-type']).toBe('application/problem+json');
  expect(res.headers['x-weave-timestamp']).toBeUndefined();
  return JSON.parse(res.text) as Record<string, unknown>;
}

describe("the JSON answer profile (static answerProfile = 'json')", () => {
  test('400 malformed JSON: problem details, no respcode body', async () => {
    const { agent, auth } = setup();
    await auth.createUser('ann', 'pw', 'ann@example.com');
    const res = await agent().post('/ann/things').set('Authorization', basic('ann', 'pw')).set('Content-Type', 'application/json').send('{"name":').expect(400);
    expect(problem(res)).toEqual({ type: 'about:blank', title: 'Bad Request', status: 400, detail: 'The request body is not valid JSON' });
  });

  test('400 validation lists the failing fields, also on a route that answers respcodes in the legacy profile', async () => {
    const { agent, auth } = setup();
    await auth.createUser('ann', 'pw', 'ann@example.com');
    const res = await agent().post('/ann/things').set('Authorization', basic('ann', 'pw')).send({ name: '', size: 'big' }).expect(400);
    const body = problem(res);
    expect(body).toMatchObject({ type: 'about:blank', title: 'Bad Request', status: 400, detail: 'Invalid request' });
    expect((body.errors as Array<{ location: string; name: string }>).map((e) => `${e.location}.${e.name}`)).toEqual(['body.name', 'body.size']);
    const legacy = problem(await agent().post('/legacy-import').send({ items: [1] }).expect(400));
    expect(legacy.errors).toEqual([{ location: 'body', name: 'items.0', description: expect.any(String) }]);
    expect(problem(await agent().get('/things/respcode').expect(400))).toEqual({ type: 'about:blank', title: 'Bad Request', status: 400, detail: 'Bad Request (code 8)' });
  });

  test('401 asks for Basic credentials in a realm named after the app; wrong ones are 401 too', async () => {
    const { agent, auth } = setup();
    await auth.createUser('ann', 'pw', 'ann@example.com');
    const none = await agent().post('/ann/things').send({ name: 'a', size: 1 }).expect(401);
    expect(none.headers['www-authenticate']).toBe('Basic realm="JsonApi"');
    expect(problem(none)).toEqual({ type: 'about:blank', title: 'Unauthorized', status: 401 });
    const wrong = await agent().post('/ann/things').set('Authorization', basic('ann', 'nope')).send({ name: 'a', size: 1 }).expect(401);
    expect(problem(wrong).status).toBe(401);
    const ok = await agent().post('/ann/things').set('Authorization', basic('ann', 'pw')).send({ name: 'a', size: 1 }).expect(200, { created: 'a' });
    expect(ok.headers['x-weave-timestamp']).toBeUndefined();
  });

  test('auth.realm still names the realm when set', async () => {
    const { agent } = setup({ 'auth.realm': 'Things' });
    const res = await agent().post('/ann/things').send({}).expect(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="Things"');
  });

  test('403, 404, 405 with Allow, 409 with the app\'s own members', async () => {
    const { agent } = setup();
    expect(problem(await agent().get('/things/secret').expect(403))).toEqual({ type: 'about:blank', title: 'Forbidden', status: 403, detail: 'Not yours' });
    expect(problem(await agent().get('/nowhere').expect(404))).toEqual({ type: 'about:blank', title: 'Not Found', status: 404 });
    const wrongMethod = await agent().delete('/things/1').expect(405);
    expect(wrongMethod.headers.allow).toBe('HEAD, GET');
    expect(problem(wrongMethod)).toEqual({ type: 'about:blank', title: 'Method Not Allowed', status: 405 });
    expect(problem(await agent().get('/things/taken').expect(409))).toEqual({
      type: 'https://example.com/problems/exists', title: 'Conflict', status: 409, detail: 'A thing with this name exists', existing: 'taken',
    });
  });

  test('413 and 415 for bodies', async () => {
    const { agent, auth } = setup();
    await auth.createUser('ann', 'pw', 'ann@example.com');
    const big = await agent().post('/ann/things').set('Authorization', basic('ann', 'pw')).send({ name: 'x'.repeat(100), size: 1 }).expect(413);
    expect(problem(big)).toEqual({ type: 'about:blank', title: 'Payload Too Large', status: 413, detail: 'Request body larger than 64 bytes' });
    const text = await agent().post('/ann/things').set('Authorization', basic('ann', 'pw')).set('Content-Type', 'text/plain').send('hi').expect(415);
    expect(problem(text)).toMatchObject({ title: 'Unsupported Media Type', status: 415, detail: 'Content-Type must be application/json' });
  });

  test('500 carries the crash id that is logged, never the message; 503 keeps Retry-After', async () => {
    const { agent, logs } = setup();
    const crash = problem(await agent().get('/crash').expect(500));
    expect(crash).toEqual({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: `An unexpected error occurred (crash id ${String(crash.crashId)})`, crashId: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(logs.some((l) => l.crashId === crash.crashId)).toBe(true);
    expect(JSON.stringify(crash)).not.toContain('secret detail');
    const down = await agent().get('/down').expect(503);
    expect(down.headers['retry-after']).toBe('30');
    const outage = problem(down);
    expect(outage).toMatchObject({ type: 'about:blank', title: 'Service Unavailable', status: 503, crashId: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });

  test('client_debug adds the stack as a member of the 500', async () => {
    const { agent } = setup({ client_debug: true });
    const crash = problem(await agent().get('/crash').expect(500));
    expect(String(crash.stack)).toContain('TypeError: secret detail of the failure');
  });

  test('an unknown profile fails at construction, naming the class', () => {
    class Typo extends SyncServerApp {
      static override readonly answerProfile = 'xml' as never;
    }
    expect(() => createTestApp(Typo)).toThrow("Typo.answerProfile must be 'legacy' or 'json', got \"xml\"");
  });
});

describe('the legacy profile is the default', () => {
  class Plain extends SyncServerApp {
    @route('GET', '/x')
    x() {
      return 'x';
    }
  }

  test('X-Weave-Timestamp on answers, WebOb pages on errors, realm Sync', async () => {
    const { app } = createTestApp(Plain);
    expect(app.answerProfile).toBe('legacy');
    const res = await request(app.callback()).get('/x').expect(200, 'x');
    expect(res.headers['x-weave-timestamp']).toMatch(/^\d+\.\d\d$/);
    const missing = await request(app.callback()).get('/y').expect(404);
    expect(missing.headers['content-type']).toBe('text/plain; charset=UTF-8');
  });
});
