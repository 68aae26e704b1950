import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { SyncServerApp, authenticated, convertResponse, route, type AppContext } from '../../src';
import { createTestApp } from '../../src/testing';

// Every regex run on request input is linear: a 64 KB pathological path, header or user name
// costs about what a plain request costs. Only a generous bound relative to plain requests
// measured in the same run is asserted (the machine is shared and noisy).

const N = 64 * 1024;

class InputApp extends SyncServerApp {
  @route('GET', '/hello')
  hello() {
    return 'hi';
  }

  @route('GET', '/items')
  items(ctx: AppContext) {
    return convertResponse(ctx, ['a', 'b']);
  }

  @route('GET', '/:username/info')
  @authenticated
  info(ctx: AppContext) {
    return ctx.state.user?.name;
  }

  @route('PUT', '/:username/data', { body: 'json' })
  putData() {
    return 'ok';
  }
}

function send(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      res.resume().on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - start }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

describe('64 KB pathological inputs take linear time', () => {
  let server: Server;
  let port: number;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const { app } = createTestApp(InputApp, { 'global.trusted_proxies': '127.0.0.1' }, { logLevel: 'silent', dummyAuth: true });
    server = createServer({ maxHeaderSize: 8 * N }, app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    close = async () => {
      await new Promise((resolve) => server.close(resolve));
      await app.close();
    };
  });
  afterAll(() => close());

  const slashes = '/'.repeat(N);
  const cases: Array<{ name: string; method: string; path: string; headers: Record<string, string>; body?: string }> = ([
    ['slashes, a letter and a trailing slash', 'GET', `${slashes}a/`, {}],
    ['slashes only', 'GET', `/hello${slashes}`, {}],
    ['many segments', 'GET', `/${'a/'.repeat(N / 2)}x`, {}],
    ['percent signs', 'GET', `/${'%'.repeat(N)}/`, {}],
    ['percent escapes', 'GET', `/${'%41%'.repeat(N / 4)}`, {}],
    ['a long user name in the path', 'GET', `/${'a@'.repeat(N / 2)}/info`, { Authorization: basic('bob', 'pw') }],
    ['a long Basic user name', 'GET', '/bob/info', { Authorization: basic(`${'@.'.repeat(N / 2)}`, 'x') }],
    ['a long Basic token', 'GET', '/bob/info', { Authorization: `Basic ${'A'.repeat(N - 1)}=` }],
    ['spaces after Basic', 'GET', '/bob/info', { Authorization: `Basic${' '.repeat(N)}x` }],
    ['Accept ranges', 'GET', '/items', { Accept: 'a/b;q=0.5,'.repeat(N / 10) }],
    ['Accept spaces', 'GET', '/items', { Accept: `${' '.repeat(N)}a` }],
    ['Accept q spaces', 'GET', '/items', { Accept: `a/b;q${' '.repeat(N)}x` }],
    ['X-Forwarded-For commas', 'GET', '/hello', { 'X-Forwarded-For': ','.repeat(N) }],
    ['X-Forwarded-For addresses', 'GET', '/hello', { 'X-Forwarded-For': '127.0.0.1, '.repeat(N / 11) }],
    ['User-Agent', 'GET', '/bob/info', { 'User-Agent': '=\\|'.repeat(N / 3), Authorization: basic('bob', 'wrong') }],
    ['X-Request-Id', 'GET', '/hello', { 'X-Request-Id': 'a'.repeat(N) }],
    ['Content-Type parameters', 'PUT', '/bob/data', { 'Content-Type': `application/json;${' '.repeat(N)}charset=utf-8` }, '{}'],
    ['Content-Type semicolons', 'PUT', '/bob/data', { 'Content-Type': `application/json${';'.repeat(N)}` }, '{}'],
  ] as Array<[string, string, string, Record<string, string>, string?]>).map(([name, method, path, headers, body]) => ({ name, method, path, headers, body }));

  test.each(cases)('$name', async ({ method, path, headers, body }) => {
    const plain: number[] = [];
    for (let i = 0; i < 5; i++) plain.push((await send(port, 'GET', '/hello', {})).ms);
    const { status, ms } = await send(port, method, path, headers, body);
    expect(status).toBeLessThan(500);
    expect(ms).toBeLessThan(50 * median(plain) + 200);
  });
});
