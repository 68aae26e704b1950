import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { CefLogger, getSourceIp, type CefEnviron } from '../../src/cef';
import { MemoryCefSink } from '../../src/testing/memory-cef-sink';

const config = { 'cef.version': 0, 'cef.vendor': 'mozilla', 'cef.device_version': '3', 'cef.product': 'weave' };

describe('getSourceIp (docs/compatibility.md B.7)', () => {
  test.each([
    [{ HTTP_X_FORWARDED_FOR: 'one' }, 'one'],
    [{ HTTP_X_FORWARDED_FOR: 'three, four,five' }, 'three'],
    [{ REMOTE_ADDR: 'two' }, 'two'],
    [{}, null],
    // The left-most, client-supplied entry wins over REMOTE_ADDR, even when empty.
    [{ HTTP_X_FORWARDED_FOR: ' , 10.0.0.1', REMOTE_ADDR: '127.0.0.1' }, ''],
    [{ HTTP_X_FORWARDED_FOR: '  9.9.9.9 ,1.1.1.1', REMOTE_ADDR: '127.0.0.1' }, '9.9.9.9'],
  ])('%j → %j', (environ, expected) => {
    expect(getSourceIp(environ)).toBe(expected);
  });
});

/** Serves one request through `handler` and returns the CEF event it logged. */
async function logThrough(
  makeServer: (log: (environ: CefEnviron) => void) => http.Server,
  path: string,
  headers: Record<string, string>,
) {
  const sink = new MemoryCefSink();
  const logger = new CefLogger(config, { sink });
  const server = makeServer((environ) => logger.log('Auth', 5, environ, { username: 'bob' }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await new Promise<void>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  expect(sink.events).toHaveLength(1);
  return { event: sink.events[0], line: sink.lines[0] };
}

function koaServer(setClientIp: boolean) {
  return (log: (environ: CefEnviron) => void) => {
    const app = new Koa();
    app.use(async (ctx) => {
      if (setClientIp) ctx.state.clientIp = '203.0.113.7'; // the app's proxy-trust computation
      log(ctx);
      ctx.body = 'ok';
    });
    return http.createServer(app.callback());
  };
}

describe('environ: a Koa context', () => {
  const headers = { 'User-Agent': 'Firefox/99', Host: 'sync.example.com', 'X-Forwarded-For': '6.6.6.6' };

  test('reads method, decoded path without query, host and user agent from the request', async () => {
    const { event, line } = await logThrough(koaServer(true), '/1.0/bob%20smith/info?x=1', headers);
    expect(event.extensions).toMatchObject({
      cs1: 'Firefox/99',
      requestMethod: 'POST',
      request: '/1.0/bob smith/info',
      dhost: 'sync.example.com',
      suser: 'bob',
    });
    expect(line).toContain('cs1=Firefox/99 requestMethod=POST request=/1.0/bob smith/info src=203.0.113.7 dhost=sync.example.com suser=bob');
  });

  test('the source is ctx.state.clientIp when the app set it', async () => {
    expect((await logThrough(koaServer(true), '/', headers)).event.extensions.src).toBe('203.0.113.7');
  });

  test('otherwise the socket address: X-Forwarded-For is not trusted implicitly', async () => {
    expect((await logThrough(koaServer(false), '/', headers)).event.extensions.src).toBe('127.0.0.1');
  });

  test('a malformed escape in the path is kept as is', async () => {
    expect((await logThrough(koaServer(false), '/a%zz%41/%E2%82', {})).event.extensions.request).toBe('/a%zzA/%E2%82');
  });
});

describe('environ: a Node IncomingMessage', () => {
  const plain = (log: (environ: CefEnviron) => void) =>
    http.createServer((req, res) => {
      log(req);
      res.end('ok');
    });

  test('reads the request and uses the socket address', async () => {
    const { event } = await logThrough(plain, '/x%2Fy?q=1', { 'User-Agent': 'curl/8', 'X-Forwarded-For': '6.6.6.6' });
    expect(event.extensions).toMatchObject({ cs1: 'curl/8', requestMethod: 'POST', request: '/x/y', src: '127.0.0.1' });
    expect(event.extensions.dhost).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  test('missing headers give the legacy defaults', async () => {
    const { event } = await logThrough(plain, '/', {});
    expect(event.extensions.cs1).toBe('none');
  });
});
