import fc from 'fast-check';
import { readPrimaryMessage, readWorkerMessage } from '../../src/serve/cluster-messages';
import { isServePlan, planForReload } from '../../src/serve/reload-plan';
import type { ServePlan } from '../../src/serve/serve-plan';

describe('cluster messages: one check for everything a worker sends', () => {
  test('any value is read without throwing; what passes has the shape its handler reads', () => {
    fc.assert(fc.property(fc.oneof(fc.anything(), fc.jsonValue(), fc.record({ type: fc.string(), id: fc.anything(), metrics: fc.anything() })), (value) => {
      const received = readWorkerMessage(value);
      if (received.ok && !('channel' in received.message) && received.message.type === 'metrics:local' && received.message.metrics) {
        expect(Array.isArray(received.message.metrics)).toBe(true);
      }
      readPrimaryMessage(value);
    }), { numRuns: 2000 });
  });

  test('the payloads that crashed the primary are refused with a reason; good ones pass', () => {
    expect(readWorkerMessage({ type: 'metrics:local', id: 1, metrics: {} })).toEqual({ ok: false, why: "'metrics:local': metrics are not a prom-client registry as JSON" });
    expect(readWorkerMessage({ type: 'metrics:local', id: 1, metrics: [{ name: 'a', help: 'h', type: 'counter', aggregator: 'median', values: [] }] }).ok).toBe(false);
    expect(readWorkerMessage({ channel: 'rate_limiter_flexible', type: 'init' })).toMatchObject({ ok: false, why: expect.stringMatching(/init without keyPrefix/) });
    expect(readWorkerMessage({ channel: 'rate_limiter_flexible', keyPrefix: 'p', func: 'consume' }).ok).toBe(false);
    expect(readWorkerMessage(null)).toEqual({ ok: false, why: 'not an object (null)' });
    expect(readWorkerMessage({ type: 'nope' })).toEqual({ ok: false, why: "unknown type 'nope'" });
    expect(readWorkerMessage({ type: 'ready', host: '127.0.0.1', port: 8000 }).ok).toBe(true);
    expect(readWorkerMessage({ type: 'metrics:local', id: 1, metrics: [{ name: 'a', help: 'h', type: 'counter', aggregator: 'sum', values: [{ value: 1, labels: { a: 'b' } }] }] }).ok).toBe(true);
    expect(readWorkerMessage({ channel: 'rate_limiter_flexible', type: 'init', opts: { keyPrefix: 'p', points: 10, duration: 300 } }).ok).toBe(true);
    expect(readWorkerMessage({ channel: 'rate_limiter_flexible', keyPrefix: 'p', func: 'consume', promiseId: '1', data: { key: 'k', arg: 1 } }).ok).toBe(true);
    expect(readWorkerMessage({ type: 'auth-purge', userId: 7, id: 1 }).ok).toBe(true);
    expect(readWorkerMessage({ type: 'auth-purge', userId: 7 })).toMatchObject({ ok: false, why: expect.stringMatching(/numeric id/) });
    expect(readWorkerMessage({ type: 'auth-purged', id: 1 }).ok).toBe(true);
    expect(readPrimaryMessage({ type: 'auth-purge', userId: 'u', id: 2 })).toEqual({ type: 'auth-purge', userId: 'u', id: 2 });
    expect(readPrimaryMessage({ type: 'auth-purged', id: -1 })).toBeUndefined();
  });

  test('a registry\'s own JSON passes after the IPC channel turned its NaN gauges into null (default metrics do)', async () => {
    const { Registry, collectDefaultMetrics } = await import('prom-client');
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const lag = { name: 'lag_seconds', help: 'h', type: 'gauge', aggregator: 'average', values: [{ value: Number.NaN, labels: {} }] };
    const metrics = JSON.parse(JSON.stringify([...await registry.getMetricsAsJSON(), lag])) as unknown[];
    expect(JSON.stringify(metrics)).toContain('"value":null');
    expect(readWorkerMessage({ type: 'metrics:local', id: 1, metrics })).toEqual({ ok: true, message: expect.objectContaining({ type: 'metrics:local' }) });
  });

  test('the limiter\'s get and delete, which send an options object as arg, pass (a login check under serve is one)', () => {
    // RateLimiterCluster.get(key, options = {}) sends data: { key, arg: options }: refusing it turned
    // every fresh login's throttle check into a 1 s wait and a fail-open warning.
    for (const func of ['get', 'delete'] as const) {
      expect(readWorkerMessage({ channel: 'rate_limiter_flexible', keyPrefix: 'p', func, promiseId: '2', data: { key: 'k', arg: {} } }).ok).toBe(true);
    }
    expect(readWorkerMessage({ channel: 'rate_limiter_flexible', keyPrefix: 'p', func: 'get', promiseId: '2', data: { key: 'k', arg: 'x' } }).ok).toBe(false);
  });
});

describe('planForReload: what a reload cannot change is kept and named', () => {
  const plan = (config: ServePlan['config'], over: Partial<ServePlan> = {}): ServePlan => ({
    iniPath: '/etc/a.ini', config, appSpec: './a.js#A', baseDir: '/etc', host: '127.0.0.1', port: 8000, workers: 2, stopTimeout: 16, notices: [], ...over,
  });

  test('host and port, metrics.*, the primary log file, cluster throttle limits, --workers', () => {
    const old = plan({ 'metrics.enabled': true, 'metrics.port': 9102, 'global.log_file': '/var/log/a.log', 'auth.backend': 'sql', 'server.workers': 2 });
    const next = plan({ 'metrics.enabled': true, 'metrics.port': 9103, 'global.log_file': '/var/log/b.log', 'auth.backend': 'sql', 'auth.throttle_user_limit': 5, 'server.workers': 4 },
      { host: '0.0.0.0', port: 9000, workers: 2 });
    const { plan: kept, warnings } = planForReload(old, next, true);
    expect(kept).toMatchObject({ host: '127.0.0.1', port: 8000, workers: 2 });
    expect(kept.config['metrics.port']).toBe(9102);
    expect(kept.config['global.log_file']).toBe('/var/log/b.log');
    expect(warnings).toEqual([
      'reload: the listening address stays 127.0.0.1:8000 (the socket is kept open; 0.0.0.0:9000 takes a restart)',
      'reload: metrics.port unchanged: the metrics listener is the primary\'s (a restart changes it)',
      'reload: the primary goes on logging to /var/log/a.log; the new workers log to /var/log/b.log',
      'reload: auth.throttle_user_limit changed: the cluster throttle store keeps the limits its counters were created with until serve restarts',
      'reload: [server:main] workers changed, but --workers 2 on the command line wins',
    ]);
    expect(planForReload(old, old, false).warnings).toEqual([]);
    expect(isServePlan(JSON.parse(JSON.stringify(kept)))).toBe(true);
  });
});
