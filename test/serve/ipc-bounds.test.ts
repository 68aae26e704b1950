import type { Worker } from 'node:cluster';
import pino from 'pino';
import { MAX_MESSAGE_TEXT, readPrimaryMessage, readWorkerMessage } from '../../src/serve/cluster-messages';
import { ClusterMetrics } from '../../src/serve/cluster-metrics';
import { RateLimitedLog } from '../../src/util/rate-limited-log';
import { waitFor } from '../support/wait-for';

// What a worker's own code can send the primary is bounded: the size of what the primary keeps
// and logs, the warnings about bad messages, and the work a flood of scrapes makes.

/** A worker as the primary sees it: what it was sent. */
function fakeWorker(id: number) {
  const sent: { type: string; id: number; scrape?: unknown; error?: string }[] = [];
  const worker = {
    id, process: { pid: 1000 + id }, sent,
    isConnected: () => true,
    send: (message: (typeof sent)[number], _handle: unknown, _options: unknown, done: (err: null) => void) => {
      sent.push(message);
      done(null);
      return true;
    },
  };
  return worker;
}
const asWorker = (fake: ReturnType<typeof fakeWorker>) => fake as unknown as Worker;

function lines() {
  const written: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => written.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, written };
}

describe('IPC edges: sizes, warnings and scrapes a worker can cause', () => {
  test('a `failed` message of 50 MB is kept and logged as its first 4 KB, ending in …; an oversized host or user id is refused', () => {
    const received = readWorkerMessage({ type: 'failed', error: 'E'.repeat(50 * 1024 * 1024) });
    expect(received.ok).toBe(true);
    const error = (received as { message: { error: string } }).message.error;
    expect(error).toHaveLength(MAX_MESSAGE_TEXT);
    expect(error.endsWith('E…')).toBe(true);
    expect(readWorkerMessage({ type: 'failed', error: 'port in use' })).toEqual({ ok: true, message: { type: 'failed', error: 'port in use' } });
    const local = readWorkerMessage({ type: 'metrics:local', id: 1, error: 'x'.repeat(100_000) });
    expect((local as { message: { error: string } }).message.error).toHaveLength(MAX_MESSAGE_TEXT);
    expect(readWorkerMessage({ type: 'ready', host: 'h'.repeat(5000), port: 8000 }).ok).toBe(false);
    expect(readWorkerMessage({ type: 'auth-purge', userId: 'u'.repeat(5000), id: 1 }).ok).toBe(false);
  });

  test('the plan travels as a message: the worker asks, the primary\'s answer is checked', () => {
    expect(readWorkerMessage({ type: 'plan:request' })).toEqual({ ok: true, message: { type: 'plan:request' } });
    const plan = { iniPath: '/a.ini', config: {}, appSpec: './a#A', baseDir: '/', host: '127.0.0.1', port: 0, workers: 1, stopTimeout: 16, notices: [] };
    expect(readPrimaryMessage({ type: 'plan', plan })).toEqual({ type: 'plan', plan });
    expect(readPrimaryMessage({ type: 'plan', plan: { ...plan, port: 'x' } })).toBeUndefined();
  });

  test('20,000 malformed messages within a minute: 10 warnings, then one line with the count', () => {
    const { logger, written } = lines();
    let now = 0;
    const warnings = new RateLimitedLog(logger, { level: 'warn', what: 'warnings about messages from workers', now: () => now });
    for (let i = 0; i < 20_000; i++) warnings.write({ worker: 1 }, `dropped a malformed message from worker 1: no type (${i})`);
    expect(written).toHaveLength(10);
    now = 60_000;
    warnings.write({ worker: 1 }, 'dropped a malformed message from worker 1: no type (next minute)');
    expect(written.map((l) => l.msg).slice(10)).toEqual([
      '19990 more warnings about messages from workers in 60 s were not logged',
      'dropped a malformed message from worker 1: no type (next minute)',
    ]);
    warnings.flush();
    expect(written).toHaveLength(12);
  });

  test('1,000 scrapes from one worker while a sum is collected: the other worker is asked once, the flood is capped', async () => {
    const { logger } = lines();
    const [a, b] = [fakeWorker(1), fakeWorker(2)];
    const metrics = (await ClusterMetrics.start({ 'metrics.enabled': true }, logger, () => [a, b].map(asWorker)))!;
    try {
      const refused = Array.from({ length: 1000 }, (_, id) => metrics.receive(asWorker(a), { type: 'metrics:scrape', id }));
      expect(refused.filter((why) => why === undefined)).toHaveLength(4);
      expect(refused[999]).toBe('4 scrapes of it are already waiting');
      const collects = b.sent.filter((m) => m.type === 'metrics:collect');
      expect(collects).toHaveLength(1);
      for (const worker of [a, b]) metrics.receive(asWorker(worker), { type: 'metrics:local', id: collects[0].id, metrics: [] });
      await waitFor(() => a.sent.filter((m) => m.type === 'metrics:aggregate').length === 4, { what: 'the four answers' });
      expect(a.sent.filter((m) => m.type === 'metrics:aggregate').map((m) => [m.id, m.error])).toEqual([[0, undefined], [1, undefined], [2, undefined], [3, undefined]]);
      // Answered: the worker may ask again, and a new sum is collected.
      expect(metrics.receive(asWorker(a), { type: 'metrics:scrape', id: 1000 })).toBeUndefined();
      expect(b.sent.filter((m) => m.type === 'metrics:collect')).toHaveLength(2);
    } finally {
      await metrics.close();
    }
  });
});
