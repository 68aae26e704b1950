import type { Worker } from 'node:cluster';
import { PURGE_WAIT_MS, startAuthRelay } from '../../src/serve/cluster-auth';

/** A worker as the relay sees it: what it was sent, whether it is connected. */
function fakeWorker(name: string) {
  const sent: unknown[] = [];
  const worker = {
    name, connected: true, sent,
    isConnected: () => worker.connected,
    send: (message: unknown, _handle: unknown, _options: unknown, done: () => void) => {
      sent.push(message);
      done();
      return true;
    },
  };
  return worker;
}
type Fake = ReturnType<typeof fakeWorker>;
const asWorker = (fake: Fake) => fake as unknown as Worker;

describe('the primary relays login-cache purges and answers once the serving workers applied them', () => {
  const setup = (starting: Fake[] = []) => {
    const [a, b, c] = ['a', 'b', 'c'].map(fakeWorker);
    const all = [a, b, c, ...starting];
    const relay = startAuthRelay({ serving: (w) => !starting.includes(w as unknown as Fake), workers: () => all.map(asWorker) });
    return { a, b, c, relay };
  };
  const relayIdOf = (fake: Fake) => (fake.sent.at(-1) as { id: number }).id;

  test('the changing worker is answered after every other serving worker said it dropped the user', () => {
    const { a, b, c, relay } = setup();
    relay.purge(asWorker(a), { type: 'auth-purge', userId: 7, id: 41 });
    expect(b.sent).toEqual([{ type: 'auth-purge', userId: 7, id: expect.any(Number) }]);
    expect(c.sent).toEqual(b.sent);
    expect(a.sent).toEqual([]);
    relay.purged(asWorker(b), { type: 'auth-purged', id: relayIdOf(b) });
    expect(a.sent).toEqual([]);
    relay.purged(asWorker(c), { type: 'auth-purged', id: relayIdOf(c) });
    expect(a.sent).toEqual([{ type: 'auth-purged', id: 41 }]);
    // A late or repeated answer changes nothing.
    relay.purged(asWorker(c), { type: 'auth-purged', id: relayIdOf(c) });
    expect(a.sent).toHaveLength(1);
  });

  test('a worker still starting gets the purge but is not waited for; one that exits is not waited for', () => {
    const starting = fakeWorker('d');
    const { a, b, c, relay } = setup([starting]);
    relay.purge(asWorker(a), { type: 'auth-purge', userId: 'u', id: 1 });
    expect(starting.sent).toHaveLength(1);
    relay.purged(asWorker(b), { type: 'auth-purged', id: relayIdOf(b) });
    expect(a.sent).toEqual([]);
    relay.gone(asWorker(c));
    expect(a.sent).toEqual([{ type: 'auth-purged', id: 1 }]);
  });

  test('alone, or with a disconnected worker, the change is answered at once', () => {
    const { a, b, c, relay } = setup();
    b.connected = false;
    c.connected = false;
    relay.purge(asWorker(a), { type: 'auth-purge', userId: 3, id: 9 });
    expect(b.sent).toEqual([]);
    expect(a.sent).toEqual([{ type: 'auth-purged', id: 9 }]);
  });

  test(`a worker that never answers holds the change for ${PURGE_WAIT_MS} ms at most`, () => {
    jest.useFakeTimers();
    try {
      const { a, relay } = setup();
      relay.purge(asWorker(a), { type: 'auth-purge', userId: 3, id: 5 });
      jest.advanceTimersByTime(PURGE_WAIT_MS - 1);
      expect(a.sent).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(a.sent).toEqual([{ type: 'auth-purged', id: 5 }]);
    } finally {
      jest.useRealTimers();
    }
  });
});
