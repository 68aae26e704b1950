import { gzipSync } from 'node:zlib';
import Koa from 'koa';
import request from 'supertest';
import { proxy } from '../../src/app/responses/proxy';
import { type LocalServer, closedPort, later, startServer } from '../util/local-server';

/** A Koa app that keeps the Authorization header in ctx.state, as the app's Basic auth does, then proxies. */
function proxyApp(netloc: () => string, options: { keepHeader?: boolean; before?: Koa.Middleware; timeoutMs?: number } = {}): Koa {
  const app = new Koa();
  app.use(async (ctx, next) => {
    if (!options.keepHeader && ctx.get('Authorization')) {
      ctx.state.authorization = ctx.get('Authorization');
      delete ctx.req.headers.authorization;
    }
    await next();
  });
  if (options.before) app.use(options.before);
  app.use((ctx) => proxy(ctx, 'http', netloc(), { timeoutMs: options.timeoutMs }));
  return app;
}

describe('proxy (docs/compatibility.md C.11) with a real upstream', () => {
  let upstream: LocalServer;
  const netloc = () => `127.0.0.1:${upstream.port}`;

  beforeAll(async () => {
    upstream = await startServer((req, res, body) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/created') {
        res.setHeader('Set-Cookie', ['a=1; Path=/', 'b=2']);
        res.writeHead(201, { 'Content-Type': 'application/octet-stream', 'X-Weave-Timestamp': '1297417122.00', 'Proxy-Authenticate': 'Basic' });
        res.end(Buffer.from([0, 255, 1, body.length]));
      } else if (path === '/error') {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end('upstream exploded');
      } else if (path === '/redirect') {
        res.writeHead(302, { Location: '/elsewhere' });
        res.end();
      } else if (path === '/gzip') {
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip' });
        res.end(gzipSync('hello, decoded'));
      } else if (path === '/untyped') {
        res.writeHead(200);
        res.end('raw');
      } else if (path === '/head') {
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '1234' });
        res.end();
      } else if (path === '/slow') {
        later(res, () => res.end('late'));
      } else {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok');
      }
    });
  });

  afterAll(() => upstream.close());

  const lastRequest = () => upstream.requests[upstream.requests.length - 1];

  it('forwards method, path and query, body, Content-Type and X-* headers only', async () => {
    await request(proxyApp(netloc).callback())
      .post('/1.0/tarek/storage?full=1&x=%20')
      .set('Content-Type', 'application/json')
      .set('X-Weave-Records', '3')
      .set('X-If-Unmodified-Since', '12.00')
      .set('Cookie', 'session=private')
      .set('Referer', 'http://client.example/')
      .send('{"id":"a"}')
      .expect(200, 'ok');
    const seen = lastRequest();
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/1.0/tarek/storage?full=1&x=%20');
    expect(seen.body.toString()).toBe('{"id":"a"}');
    expect(seen.headers['content-type']).toBe('application/json');
    expect(seen.headers['x-weave-records']).toBe('3');
    expect(seen.headers['x-if-unmodified-since']).toBe('12.00');
    expect(seen.headers.cookie).toBeUndefined();
    expect(seen.headers.referer).toBeUndefined();
  });

  it('re-attaches the original Authorization kept in ctx.state.authorization', async () => {
    const basic = `Basic ${Buffer.from('tarek:secret').toString('base64')}`;
    await request(proxyApp(netloc).callback()).get('/x').set('Authorization', basic).expect(200);
    expect(lastRequest().headers.authorization).toBe(basic);
  });

  it("forwards the request's own Authorization when the app left it there", async () => {
    await request(proxyApp(netloc, { keepHeader: true }).callback()).get('/x').set('Authorization', 'Basic abc').expect(200);
    expect(lastRequest().headers.authorization).toBe('Basic abc');
    await request(proxyApp(netloc).callback()).get('/x').expect(200);
    expect(lastRequest().headers.authorization).toBeUndefined();
  });

  it('adds X-Forwarded-For from the client address when missing, keeps it when present', async () => {
    await request(proxyApp(netloc).callback()).get('/x').expect(200);
    expect(lastRequest().headers['x-forwarded-for']).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    await request(proxyApp(netloc).callback()).get('/x').set('X-Forwarded-For', '203.0.113.7').expect(200);
    expect(lastRequest().headers['x-forwarded-for']).toBe('203.0.113.7');
  });

  it('returns the upstream status, headers (every Set-Cookie) and bytes, minus hop-by-hop headers', async () => {
    const res = await request(proxyApp(netloc).callback()).put('/created').send('abc')
      .buffer(true).parse((r, cb) => { const c: Buffer[] = []; r.on('data', (d: Buffer) => c.push(d)); r.on('end', () => cb(null, Buffer.concat(c))); });
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['x-weave-timestamp']).toBe('1297417122.00');
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2']);
    expect(res.headers['proxy-authenticate']).toBeUndefined();
    expect(res.body).toEqual(Buffer.from([0, 255, 1, 3]));
    expect(lastRequest().body.toString()).toBe('abc');
  });

  it('passes upstream errors and redirects back as they are', async () => {
    await request(proxyApp(netloc).callback()).get('/error').expect(500, 'upstream exploded');
    const res = await request(proxyApp(netloc).callback()).get('/redirect').redirects(0);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/elsewhere');
  });

  it('sends a decoded body without the upstream Content-Encoding', async () => {
    const res = await request(proxyApp(netloc).callback()).get('/gzip').set('Accept-Encoding', 'identity');
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.text).toBe('hello, decoded');
  });

  it('adds no Content-Type the upstream did not send', async () => {
    const res = await request(proxyApp(netloc).callback()).get('/untyped').buffer(true);
    expect(res.headers['content-type']).toBeUndefined();
  });

  it('keeps the Content-Length upstream announced for HEAD', async () => {
    const res = await request(proxyApp(netloc).callback()).head('/head');
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('1234');
    expect(lastRequest().method).toBe('HEAD');
  });

  it('answers 502 when the upstream is down and 504 when it is too slow', async () => {
    const port = await closedPort();
    const down = await request(proxyApp(() => `127.0.0.1:${port}`).callback()).get('/x');
    expect(down.status).toBe(502);
    expect(down.text).toBe(`upstream unreachable: GET http://127.0.0.1:${port}/x (ECONNREFUSED)`);
    const slow = await request(proxyApp(netloc, { timeoutMs: 200 }).callback()).get('/slow');
    expect(slow.status).toBe(504);
  });

  it("uses a body parser's ctx.request.rawBody, and says so when the body is gone", async () => {
    const parsed: Koa.Middleware = async (ctx, next) => {
      for await (const _ of ctx.req) { /* consume, as a body parser does */ }
      if (ctx.get('X-Keep-Raw')) (ctx.request as unknown as { rawBody: string }).rawBody = 'from rawBody';
      await next();
    };
    const app = proxyApp(netloc, { before: parsed });
    const errors: Error[] = [];
    app.on('error', (err: Error) => errors.push(err));
    await request(app.callback()).post('/x').set('X-Keep-Raw', '1').send('original').expect(200);
    expect(lastRequest().body.toString()).toBe('from rawBody');
    await request(app.callback()).post('/x').send('original').expect(500);
    expect(errors[0].message).toBe('proxy: the request body was already read (by a body parser?) and no ctx.request.rawBody keeps it');
  });

  it('refuses a scheme other than http or https', async () => {
    const app = new Koa();
    let error: unknown;
    app.use(async (ctx) => { try { await proxy(ctx, 'ftp', 'x'); } catch (err) { error = err; } ctx.body = ''; });
    await request(app.callback()).get('/');
    expect(String(error)).toBe('TypeError: proxy: scheme must be http or https, got "ftp"');
  });
});
