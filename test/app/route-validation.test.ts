import request from 'supertest';
import * as v from 'valibot';
import { SyncServerApp, authenticated, route, type StandardSchemaV1, type ValidContext } from '../../src/app';
import { createTestApp } from '../../src/testing';

const NoteInput = {
  params: v.object({ id: v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1)) }),
  query: v.object({
    limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(100)), '10'),
    full: v.optional(v.pipe(v.picklist(['true', 'false']), v.transform((s) => s === 'true'))),
    tag: v.optional(v.pipe(v.union([v.string(), v.array(v.string())]), v.transform((t) => [t].flat()), v.maxLength(3))),
  }),
  body: v.object({ text: v.pipe(v.string(), v.minLength(1), v.maxLength(500)), token: v.optional(v.picklist(['alpha', 'beta'])) }),
};

const Signup = { body: v.object({ password: v.pipe(v.string(), v.minLength(8)), email: v.pipe(v.string(), v.email()) }) };

/** A Standard Schema written by hand: nothing ties the routes to one library. */
const evenNumber: StandardSchemaV1<unknown, { n: number }> = {
  '~standard': {
    version: 1,
    vendor: 'hand-written',
    validate: (value) => {
      const n = Number((value as { n?: unknown }).n);
      return Number.isInteger(n) && n % 2 === 0 ? { value: { n } } : { issues: [{ message: 'must be even', path: [{ key: 'n' }] }] };
    },
  },
};

const SlowCheck = {
  body: v.pipeAsync(v.object({ name: v.string() }), v.checkAsync(async ({ name }) => {
    await new Promise((resolve) => setImmediate(resolve));
    return name !== 'taken';
  }, 'the name is taken')),
};

class ValidatedApp extends SyncServerApp {
  @route('POST', '/notes/:id', { body: 'json', validate: NoteInput })
  addNote(ctx: ValidContext<typeof NoteInput>) {
    // The types flow from the schemas: a number, a boolean, a string list.
    const id: number = ctx.valid.params.id;
    const limit: number = ctx.valid.query.limit;
    const full: boolean | undefined = ctx.valid.query.full;
    const tags: string[] | undefined = ctx.valid.query.tag;
    return { id, limit, full: full ?? null, tags: tags ?? [], text: ctx.valid.body.text };
  }

  @route('PUT', '/user/:username', { body: 'json', validate: Signup, invalid: 7 })
  @authenticated({ optional: true })
  signup(ctx: ValidContext<typeof Signup>) {
    return ctx.valid.body.email;
  }

  @route('GET', '/even', { validate: { query: evenNumber } })
  even(ctx: ValidContext<{ query: typeof evenNumber }>) {
    return ctx.valid.query.n / 2;
  }

  @route('POST', '/names', { body: 'json', validate: SlowCheck })
  name(ctx: ValidContext<typeof SlowCheck>) {
    return ctx.valid.body.name;
  }

  @route('POST', '/private', { body: 'json', validate: Signup })
  @authenticated
  privateRoute() {
    return 'ok';
  }
}

const post = (http: ReturnType<typeof request>, path: string, body: unknown, method: 'post' | 'put' = 'post') =>
  http[method](path).set('Content-Type', 'application/json').send(JSON.stringify(body));

describe('route validation (Standard Schema)', () => {
  test('params, query and body are validated and coerced into ctx.valid', async () => {
    const { app } = createTestApp(ValidatedApp, {}, { dummyAuth: true });
    const http = request(app.callback());
    await post(http, '/notes/7?limit=20&full=true&tag=a&tag=b', { text: 'milk' })
      .expect(200, { id: 7, limit: 20, full: true, tags: ['a', 'b'], text: 'milk' });
    await post(http, '/notes/7?tag=solo', { text: 'milk' }).expect(200, { id: 7, limit: 10, full: null, tags: ['solo'], text: 'milk' });
    await http.get('/even?n=12').expect(200, '6');
    await post(http, '/names', { name: 'free' }).expect(200, 'free');
    await app.close();
  });

  test('without a respcode, a 400 names every failing field; the log names them too', async () => {
    const { app, logs } = createTestApp(ValidatedApp, {}, { dummyAuth: true });
    const http = request(app.callback());
    const res = await post(http, '/notes/0?limit=many&full=yes', { text: 42 }).expect(400);
    expect(res.body).toEqual({
      status: 'invalid',
      errors: [
        { location: 'params', name: 'id', description: 'Invalid value: Expected >=1 but received 0' },
        { location: 'query', name: 'limit', description: 'Invalid number: Received NaN' },
        { location: 'query', name: 'full', description: 'Invalid type: Expected ("true" | "false") but received "yes"' },
        { location: 'body', name: 'text', description: 'Invalid type: Expected string but received 42' },
      ],
    });
    const line = logs.find((l) => l.msg === 'invalid request');
    expect(line).toMatchObject({ requestId: res.headers['x-request-id'], invalidCount: 4 });
    expect((line?.invalid as Array<{ name: string }>).map((f) => f.name)).toEqual(['id', 'limit', 'full', 'text']);
    await http.get('/even?n=3').expect(400, { status: 'invalid', errors: [{ location: 'query', name: 'n', description: 'must be even' }] });
    await post(http, '/names', { name: 'taken' }).expect(400, { status: 'invalid', errors: [{ location: 'body', name: '', description: 'the name is taken' }] });
    await app.close();
  });

  test('a route\'s respcode is the whole 400 body; the fields go to the log, and into the body only with client_debug', async () => {
    const { app, logs } = createTestApp(ValidatedApp, {}, { dummyAuth: true });
    await post(request(app.callback()), '/user/bob', { password: 'short', email: 'bob@example.com' }, 'put').expect(400, '7');
    expect(logs.find((l) => l.msg === 'invalid request')?.invalid).toEqual([{ location: 'body', name: 'password', description: 'invalid value' }]);
    await app.close();

    const debug = createTestApp(ValidatedApp, { 'global.client_debug': true }, { dummyAuth: true });
    await post(request(debug.app.callback()), '/user/bob', { password: 'long enough', email: 'nope' }, 'put')
      .expect(400, { respcode: 7, errors: [{ location: 'body', name: 'email', description: 'Invalid email: Received "nope"' }] });
    await debug.app.close();
  });

  test('a value that may be a secret is never echoed: neither in the answer nor in the log', async () => {
    const { app, logs } = createTestApp(ValidatedApp, {}, { dummyAuth: true });
    const res = await post(request(app.callback()), '/notes/1', { text: 'x', token: 'hunter2-secret' }).expect(400);
    expect(res.body.errors).toEqual([{ location: 'body', name: 'token', description: 'invalid value' }]);
    expect(JSON.stringify(logs)).not.toContain('hunter2');
    await app.close();
  });

  test('bounds: a repeated query parameter where one is expected, too many values, at most 10 fields reported', async () => {
    const { app } = createTestApp(ValidatedApp, {}, { dummyAuth: true });
    const http = request(app.callback());
    const twice = await post(http, '/notes/1?limit=1&limit=2', { text: 'x' }).expect(400);
    expect(twice.body.errors).toEqual([{ location: 'query', name: 'limit', description: 'Invalid type: Expected string but received Array' }]);
    const many = await post(http, '/notes/1?tag=a&tag=b&tag=c&tag=d', { text: 'x' }).expect(400);
    expect(many.body.errors).toEqual([{ location: 'query', name: 'tag', description: 'Invalid length: Expected <=3 but received 4' }]);
    const wide = await post(http, `/notes/1?${Array.from({ length: 30 }, (_, i) => `x${i}=1`).join('&')}&limit=0`, { text: 'x' }).expect(400);
    expect(wide.body.errors).toHaveLength(1);
    const deep = v.object({ items: v.array(v.number()) });
    class ManyApp extends SyncServerApp {
      @route('POST', '/items', { body: 'json', validate: { body: deep } })
      items() {
        return 'ok';
      }
    }
    const { app: many2 } = createTestApp(ManyApp);
    const res = await post(request(many2.callback()), '/items', { items: Array.from({ length: 50 }, () => 'x') }).expect(400);
    expect(res.body.errors).toHaveLength(10);
    expect(res.body.errors[0]).toEqual({ location: 'body', name: 'items.0', description: 'Invalid type: Expected number but received "x"' });
    expect(res.body.more).toBe(40);
    await many2.close();
    await app.close();
  });

  test('authentication comes first: no credentials is a 401, not a 400', async () => {
    const { app } = createTestApp(ValidatedApp, {}, { dummyAuth: true });
    await post(request(app.callback()), '/private', { password: 1 }).expect(401);
    await app.close();
  });

  test('a validate option that cannot work fails at construction, naming the route', () => {
    const make = (options: object) => {
      class BadApp extends SyncServerApp {
        @route('POST', '/x', options)
        x() {
          return 'x';
        }
      }
      return () => createTestApp(BadApp);
    };
    expect(make({ body: 'json', validate: { body: { text: 'string' } } })).toThrow(/BadApp\.x: validate\.body is not a Standard Schema/);
    expect(make({ validate: { body: v.string() } })).toThrow(/BadApp\.x: validate\.body needs body: 'json' or 'text'/);
    expect(make({ validate: { headers: v.string() } })).toThrow(/BadApp\.x: validate\.headers: unknown part \(body, query, params\)/);
    expect(make({ validate: { query: v.object({}) }, invalid: 'six' })).toThrow(/BadApp\.x: invalid must be a respcode \(a whole number\), got six/);
  });
});
