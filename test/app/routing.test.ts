import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { HttpError, SyncServerApp, jsonResponse, route, textResponse, type AppContext } from '../../src/app';
import { createTestApp } from '../../src/testing/test-app';
import { webobDetail } from '../support/webob-page';

class RoutingApp extends SyncServerApp {
  @route('GET', '/hello/:name')
  hello(ctx: AppContext) {
    return { hello: ctx.params.name };
  }

  @route('GET', '/{api:1.0|1|1.1}/{username:[a-zA-Z0-9._-]+}/info/collections')
  collections(ctx: AppContext) {
    return { api: ctx.params.api, username: ctx.params.username };
  }

  @route('GET', '/legacy/{name}')
  legacy(ctx: AppContext) {
    return `legacy ${ctx.params.name}`;
  }

  @route('GET', '/digits/{id:\\d{3}}')
  digits(ctx: AppContext) {
    return ctx.params.id;
  }

  @route(['PUT', 'DELETE'], '/secret')
  secretWrite(ctx: AppContext) {
    return ctx.method;
  }

  @route('GET', '/secret')
  secret() {
    return 'secret';
  }

  @route('GET', '/query')
  query(ctx: AppContext) {
    return ctx.query;
  }

  @route('GET', '/text')
  text() {
    return '<b>not html</b>';
  }

  @route('GET', '/response')
  response() {
    return textResponse('made', { status: 202, headers: { 'X-Made': 'yes' } });
  }

  @route('GET', '/json-response')
  jsonResponse() {
    return jsonResponse([1, 2]);
  }

  @route('GET', '/returned-error')
  returnedError() {
    return new HttpError(409, 'Conflict here');
  }

  @route('GET', '/ctx-body')
  ctxBody(ctx: AppContext) {
    ctx.status = 201;
    ctx.body = 'set on ctx';
  }

  @route('GET', '/nothing')
  nothing() {}

  @route('GET', '/number')
  number() {
    return 42;
  }

  @route('GET', '/config')
  hostConfig(ctx: AppContext) {
    return { value: ctx.state.config['one.two'] ?? null };
  }

  @route('GET', '/state')
  state(ctx: AppContext) {
    return { serverTime: ctx.state.serverTime, requestId: ctx.state.requestId, clientIp: ctx.state.clientIp };
  }

  @route('GET', '/logs')
  logs(ctx: AppContext) {
    ctx.state.log.info({ step: 1 }, 'handler says hello');
    return 'logged';
  }

  @route('POST', '/echo', { body: 'json', limit: 64 })
  echo(ctx: AppContext) {
    return { got: ctx.request.body };
  }
}

describe('routing', () => {
  const { app, logs, logger } = createTestApp(RoutingApp, { 'host:here.one.two': 1, 'one.two': 2, 'host:here:8080.one.two': 3 });
  const agent = () => request(app.callback());

  test('/:name params are decoded and objects become JSON', async () => {
    const res = await agent().get('/hello/w%C3%B6rld').expect(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({ hello: 'wörld' });
  });

  test('legacy {name:regex} placeholders match like Routes did', async () => {
    await agent().get('/1.1/bob.x/info/collections').expect(200, { api: '1.1', username: 'bob.x' });
    await agent().get('/1.0/bob/info/collections').expect(200, { api: '1.0', username: 'bob' });
  });

  test('a value that fails the regex is a 404, not a 405 or a 500', async () => {
    await agent().get('/2.0/bob/info/collections').expect(404);
    await agent().get('/1.0/b%20b/info/collections').expect(404);
    await agent().post('/2.0/bob/info/collections').expect(404);
    await agent().get('/digits/12').expect(404);
    await agent().get('/digits/1234').expect(404);
    await agent().get('/digits/123').expect(200, '123');
  });

  test('legacy {name} without a regex', async () => {
    await agent().get('/legacy/abc').expect(200, 'legacy abc');
  });

  test('trailing slashes are ignored (C.3.5)', async () => {
    await agent().get('/secret/').expect(200, 'secret');
    await agent().get('/secret//').expect(200, 'secret');
    await agent().get('/hello/bob///?x=1').expect(200, { hello: 'bob' });
  });

  test('a wrong method is 405 with Allow (Q-C5); an unknown path is 404', async () => {
    const res = await agent().post('/secret').expect(405);
    expect(res.headers.allow.split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD', 'PUT']);
    await agent().delete('/secret').expect(200, 'DELETE');
    const missing = await agent().get('/nowhere').expect(404);
    expect(missing.headers.allow).toBeUndefined();
    expect(missing.text).toBe('404 Not Found\n\nThe resource could not be found.\n\n   ');
  });

  test('OPTIONS lists the allowed methods', async () => {
    const res = await agent().options('/secret').expect(204);
    expect(res.headers.allow.split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD', 'PUT']);
  });

  test('HEAD is served like GET, without a body (Q-C2)', async () => {
    const get = await agent().get('/hello/bob').expect(200);
    const head = await agent().head('/hello/bob').expect(200);
    expect(head.text).toBeUndefined();
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
    expect(head.headers['x-weave-timestamp']).toMatch(/^\d+\.\d\d$/);
  });

  test('query parameters are ctx.query; unknown or repeated ones never 500 (Q-C4)', async () => {
    await agent().get('/query?a=1&b=two&a=3&%zz=bad').expect(200, { a: ['1', '3'], b: 'two', '%zz': 'bad' });
    await agent().get('/secret?unexpected=1').expect(200, 'secret');
  });

  test('strings are text/plain whatever they look like', async () => {
    const res = await agent().get('/text').expect(200, '<b>not html</b>');
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  test('an HttpResponse is sent as it is', async () => {
    const res = await agent().get('/response').expect(202, 'made');
    expect(res.headers['x-made']).toBe('yes');
    expect(res.headers['x-weave-timestamp']).toBeDefined();
    await agent().get('/json-response').expect('Content-Type', 'application/json').expect(200, [1, 2]);
  });

  test('a returned HttpError is answered like a thrown one', async () => {
    const res = await agent().get('/returned-error').expect(409);
    expect(webobDetail(res.text)).toBe('Conflict here');
    expect(res.headers['x-weave-timestamp']).toBeUndefined();
  });

  test('undefined keeps what the handler set on ctx, or is a 204', async () => {
    await agent().get('/ctx-body').expect(201, 'set on ctx');
    await agent().get('/nothing').expect(204);
  });

  test('other values are JSON', async () => {
    await agent().get('/number').expect('Content-Type', /application\/json/).expect(200, '42');
  });

  test('X-Weave-Timestamp is the 2-decimal server time, also in ctx.state.serverTime', async () => {
    const before = Date.now() / 1000;
    const res = await agent().get('/state').expect(200);
    const after = Date.now() / 1000;
    expect(res.headers['x-weave-timestamp']).toBe(res.body.serverTime);
    expect(res.body.serverTime).toMatch(/^\d+\.\d{2}$/);
    expect(Number(res.body.serverTime)).toBeGreaterThanOrEqual(Math.floor(before * 100) / 100);
    expect(Number(res.body.serverTime)).toBeLessThanOrEqual(Math.ceil(after * 100) / 100);
  });

  test('host-specific config comes from host: sections, Host verbatim with its port (Q-C8, C.10)', async () => {
    await agent().get('/config').set('Host', 'localhost').expect(200, { value: 2 });
    await agent().get('/config').set('Host', 'here').expect(200, { value: 1 });
    await agent().get('/config').set('Host', 'here:8080').expect(200, { value: 3 });
    await agent().get('/config').set('Host', 'unknown.example').expect(200, { value: 2 });
    expect(app.config['one.two']).toBe(2);
  });

  test('X-Request-Id: a sane incoming id is kept, others are replaced by a fresh one', async () => {
    const kept = await agent().get('/state').set('X-Request-Id', 'abc-123.x').expect(200);
    expect(kept.headers['x-request-id']).toBe('abc-123.x');
    expect(kept.body.requestId).toBe('abc-123.x');
    const bad = await agent().get('/state').set('X-Request-Id', 'no spaces <allowed>').expect(200);
    expect(bad.headers['x-request-id']).not.toBe('no spaces <allowed>');
    const a = await agent().get('/state');
    const b = await agent().get('/state');
    expect(a.headers['x-request-id']).toMatch(/^[\w-]+-[0-9a-z]+$/);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
    const notFound = await agent().get('/nowhere');
    expect(notFound.headers['x-request-id']).toBeDefined();
  });

  test('ctx.state.log: the app logger with the request id on every line', async () => {
    const res = await agent().get('/logs').set('X-Request-Id', 'req-logs-1').expect(200, 'logged');
    expect(logs.filter((l) => l.msg === 'handler says hello'))
      .toEqual([expect.objectContaining({ level: 30, name: 'syncserver', requestId: 'req-logs-1', step: 1 })]);
    expect(res.headers['x-request-id']).toBe('req-logs-1');
  });

  test('ctx.state.log is made on first use only: a request that does not log makes no child logger', async () => {
    const child = jest.spyOn(logger, 'child');
    try {
      await agent().get('/hello/quiet').expect(200);
      expect(child).not.toHaveBeenCalled();
      await agent().get('/logs').expect(200);
      expect(child).toHaveBeenCalledTimes(1);
    } finally {
      child.mockRestore();
    }
  });

  describe('JSON bodies', () => {
    test('parsed into ctx.request.body', async () => {
      await agent().post('/echo').send({ a: [1, 'é'] }).expect(200, { got: { a: [1, 'é'] } });
    });

    test.each([
      ['bad JSON', '{"a":'],
      ['an empty body', ''],
      // Sent as raw bytes (no serializer): superagent would serialise a Buffer sent as JSON.
      ['bad UTF-8', Buffer.from([0x22, 0xff, 0x22])],
    ])('%s is a 400 with respcode 6 (malformed JSON)', async (_what, body) => {
      const res = await agent().post('/echo').set('Content-Type', 'application/json').serialize((b: unknown) => b as string).send(body).expect(400);
      expect(res.text).toBe('6');
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    });

    test('no Content-Type is a 415', async () => {
      const server = createServer(app.callback());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const status = await new Promise<number>((resolve, reject) => {
          const req = httpRequest({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, method: 'POST', path: '/echo', agent: false },
            (res) => res.resume().on('end', () => resolve(res.statusCode ?? 0)));
          req.on('error', reject).end('{"a":1}');
        });
        expect(status).toBe(415);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    test.each([
      ['text/plain', 'text/plain'],
      ['form data', 'application/x-www-form-urlencoded'],
      ['a bogus charset', 'application/json; charset=bogus'],
      ['a Latin-1 charset', 'application/json;charset=iso-8859-1'],
      ['a look-alike type', 'application/jsonx'],
      ['a bare +json', 'application/+json'],
    ])('%s is a 415 and the body is not parsed', async (_what, type) => {
      const res = await agent().post('/echo').set('Content-Type', type).serialize((b: unknown) => b as string).send('{"a":1}').expect(415);
      expect(webobDetail(res.text)).toBe('Content-Type must be application/json');
    });

    test.each([
      'application/json', 'Application/JSON', 'application/json; charset=utf-8', 'application/json;charset="UTF-8"',
      'application/json; charset=utf8; foo=bar', 'application/merge-patch+json', ' application/json ',
    ])('%s is read as JSON', async (type) => {
      await agent().post('/echo').set('Content-Type', type).serialize((b: unknown) => b as string).send('{"a":1}').expect(200, { got: { a: 1 } });
    });

    test('a body over the limit is a 413 (by Content-Length; streamed bodies: see malformed-input)', async () => {
      await agent().post('/echo').set('Content-Type', 'application/json').send(JSON.stringify({ big: 'x'.repeat(100) })).expect(413);
    });
  });
});
