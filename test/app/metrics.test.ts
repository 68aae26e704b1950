import { mkdtempSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import request from 'supertest';
import { BackendError, SyncServerApp, authenticated, route } from '../../src/app';
import { withAuthCache } from '../../src/auth/cached-auth-backend';
import { DummyAuth } from '../../src/auth/dummy-auth';
import type { FlatConfig } from '../../src/config/types';
import { RequestHistogram } from '../../src/app/observability/request-histogram';
import { createTestApp } from '../../src/testing/test-app';
import { type Metric, Registry } from 'prom-client';
import { parseSamples, sample } from '../support/prometheus-text';

class FlakyAuth extends DummyAuth {
  down = false;

  constructor() {
    super({ allow_dummy: true });
  }

  override async authenticateUser(username: string, password: string) {
    if (this.down) throw new BackendError('directory unreachable');
    return super.authenticateUser(username, password);
  }
}

class MeteredApp extends SyncServerApp {
  @route('GET', '/hello')
  hello() {
    return 'hi';
  }

  @route('GET', '/user/1.0/:username')
  @authenticated
  info() {
    return 'info';
  }
}

const ON: FlatConfig = { 'metrics.enabled': true };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function setup(config: FlatConfig = ON) {
  const flaky = new FlakyAuth();
  await flaky.createUser('alice', 'pw', 'a@example.com');
  const auth = withAuthCache(flaky, { ttlSeconds: 60, maxEntries: 100 });
  const test = createTestApp(MeteredApp, config, { auth });
  return { ...test, flaky, agent: () => request(test.app.callback()) };
}

describe('metrics', () => {
  test('off by default: no /__metrics__ page and no app.metrics', async () => {
    const { agent, app } = await setup({});
    await agent().get('/__metrics__').expect(404);
    expect(app.metrics).toBeUndefined();
  });

  test('http_request_duration_seconds and http_requests_total by method, route template and status', async () => {
    const { agent } = await setup();
    for (let i = 0; i < 3; i++) await agent().get('/hello').expect(200);
    await agent().get('/user/1.0/alice').set('Authorization', basic('alice', 'pw')).expect(200);
    await agent().get('/user/1.0/bob').expect(401);
    await agent().get('/nope/1').expect(404);
    await agent().get('/nope/2').expect(404);
    await agent().get('/__lbheartbeat__').expect(200);
    const res = await agent().get('/__metrics__').expect(200).expect('Content-Type', /^text\/plain; version=0\.0\.4/);
    const text = res.text;
    const hello = { method: 'GET', route: '/hello', status_code: '200' };
    expect(sample(text, 'http_request_duration_seconds_count', hello)).toBe(3);
    expect(sample(text, 'http_requests_total', hello)).toBe(3);
    expect(sample(text, 'http_request_duration_seconds_bucket', { ...hello, le: '+Inf' })).toBe(3);
    expect(sample(text, 'http_requests_total', { route: '/user/1.0/:username', status_code: '200' })).toBe(1);
    expect(sample(text, 'http_requests_total', { route: '/user/1.0/:username', status_code: '401' })).toBe(1);
    // Paths no route answered share one label: a client cannot grow the series.
    expect(sample(text, 'http_requests_total', { route: 'unmatched', status_code: '404' })).toBe(2);
    expect(sample(text, 'http_requests_total', { route: '/__lbheartbeat__', status_code: '200' })).toBe(1);
    expect(text).not.toContain('/nope');
    // Default process metrics are there too.
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  test('auth outcomes and login cache hits and misses', async () => {
    const { agent, flaky } = await setup();
    const info = (auth: string) => agent().get('/user/1.0/alice').set('Authorization', auth);
    await info(basic('alice', 'pw')).expect(200); // miss, then remembered
    await info(basic('alice', 'pw')).expect(200); // hit (the whole header)
    await info(basic('alice', 'wrong')).expect(401); // miss
    flaky.down = true;
    await info(basic('alice', 'other')).expect(503); // miss, backend error
    await agent().get('/user/1.0/alice').expect(401); // no credentials: no outcome
    const { text } = await agent().get('/__metrics__').expect(200);
    expect(sample(text, 'auth_outcomes_total', { outcome: 'success' })).toBe(2);
    expect(sample(text, 'auth_outcomes_total', { outcome: 'failure' })).toBe(1);
    expect(sample(text, 'auth_outcomes_total', { outcome: 'backend_error' })).toBe(1);
    expect(sample(text, 'auth_outcomes_total', { outcome: 'throttled' })).toBe(0);
    expect(sample(text, 'auth_login_cache_hits_total')).toBe(1);
    expect(sample(text, 'auth_login_cache_misses_total')).toBe(3);
  });

  test('CEF events written per sink', async () => {
    const { agent, cef } = await setup();
    await agent().get('/user/1.0/alice').set('Authorization', basic('alice', 'wrong')).expect(401);
    await agent().get('/user/1.0/alice').set('Authorization', basic('alice', 'bad')).expect(401);
    const { text } = await agent().get('/__metrics__').expect(200);
    expect(cef.events).toHaveLength(2);
    expect(sample(text, 'cef_events_written_total', { sink: 'memory' })).toBe(2);
    expect(sample(text, 'cef_events_dropped_total', { sink: 'memory' })).toBe(0);
  });

  test('the sink label is the kind of sink, never the CEF file\'s path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-metrics-cef-'));
    const app = new MeteredApp({
      ...ON, 'auth.backend': 'dummy', 'auth.allow_dummy': true, 'cef.file': join(dir, 'cef.log'),
      'cef.vendor': 'mozilla', 'cef.version': 0, 'cef.product': 'weave', 'cef.device_version': '1',
    }, { logger: pino({ level: 'silent' }) });
    await app.start();
    try {
      const { text } = await request(app.callback()).get('/__metrics__').expect(200);
      expect(sample(text, 'cef_events_written_total', { sink: 'file' })).toBe(0);
      expect(text).not.toContain(dir);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('each app has its own registry', async () => {
    const one = await setup();
    const two = await setup();
    await one.agent().get('/hello').expect(200);
    expect(sample((await two.agent().get('/__metrics__')).text, 'http_requests_total', { route: '/hello' })).toBeUndefined();
    expect(sample((await one.agent().get('/__metrics__')).text, 'http_requests_total', { route: '/hello' })).toBe(1);
  });

  test('metrics.port: a listener of its own, opened by listen() and closed by close(); not on the app port', async () => {
    const { app } = await setup({ ...ON, 'metrics.port': 0, 'metrics.path': '/metrics' });
    const server = await app.listen();
    const port = app.metrics!.address()!.port;
    const appPort = (server.address() as AddressInfo).port;
    const fetch = (p: number, path: string) => new Promise<{ status: number; body: string }>((done, fail) => {
      httpGet({ host: '127.0.0.1', port: p, path, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => done({ status: res.statusCode!, body }));
      }).on('error', fail);
    });
    expect((await fetch(appPort, '/hello')).status).toBe(200);
    expect((await fetch(appPort, '/metrics')).status).toBe(404);
    const scrape = await fetch(port, '/metrics');
    expect(scrape.status).toBe(200);
    expect(sample(scrape.body, 'http_requests_total', { route: '/hello' })).toBe(1);
    expect((await fetch(port, '/other')).status).toBe(404);
    await app.close();
    expect(app.metrics!.address()).toBeUndefined();
    await expect(fetch(port, '/metrics')).rejects.toThrow(/ECONNREFUSED/);
  });

  test('the request histogram: le is inclusive, buckets cumulative, sum and count', async () => {
    const histogram = new RequestHistogram('h', 'help', [0.005, 0.01]);
    const series = histogram.labels({ route: '/a' });
    for (const v of [0.005, 0.006, 0.01, 20]) series.observe(v);
    const registry = new Registry();
    registry.registerMetric(histogram as unknown as Metric);
    const text = await registry.metrics();
    expect([['0.005', 1], ['0.01', 3], ['+Inf', 4]].map(([le]) => sample(text, 'h_bucket', { route: '/a', le: String(le) }))).toEqual([1, 3, 4]);
    expect(sample(text, 'h_sum', { route: '/a' })).toBeCloseTo(20.021);
    expect(sample(text, 'h_count', { route: '/a' })).toBe(4);
  });

  test('bad keys fail at start', async () => {
    await expect(setup({ 'metrics.enabled': 'maybe' })).rejects.toThrow(/metrics.enabled: expected true or false/);
    await expect(setup({ ...ON, 'metrics.port': 'x' })).rejects.toThrow(/metrics.port: expected a port number/);
    await expect(setup({ ...ON, 'metrics.path': 'metrics' })).rejects.toThrow(/metrics.path: expected a path such as \/__metrics__/);
    expect(parseSamples('a{b="c"} 1\n')).toEqual([{ name: 'a', labels: { b: 'c' }, value: 1 }]);
  });
});
