import cluster, { type Worker } from 'node:cluster';
import type { RateLimiterClusterMaster as Master } from 'rate-limiter-flexible';
import { loadOptional } from '../util/load-optional';
import type { SyncServerApp } from '../app/sync-server-app';
import { authCacheOf } from '../auth/cached-auth-backend';
import { type ThrottleMessage, type WorkerMessage, readPrimaryMessage, sendToPrimary, sendToWorker } from './cluster-messages';

// The auth state `serve` shares between the workers of one host: login-cache purges (a
// password changed or a user deleted through one worker is dropped from every worker's cache
// before the change is answered) and the login-throttle counters of
// `auth.throttle_store = cluster`, kept in the primary.

type AuthPurge = Extract<WorkerMessage, { type: 'auth-purge' }>;
type AuthPurged = Extract<WorkerMessage, { type: 'auth-purged' }>;

/**
 * How long a change waits for the other workers to drop the user. Past it (a worker busy or
 * gone) the change is answered anyway: that worker sees it at its next stamp read
 * (`auth.cache_recheck`).
 */
export const PURGE_WAIT_MS = 1000;

/** The primary's side, fed with checked messages by the primary. */
export interface AuthRelay {
  /** Passes a purge on to every other worker, and answers `from` once they all have applied it. */
  purge(from: Worker, message: AuthPurge): void;
  /** A worker has applied a purge the relay passed on. */
  purged(from: Worker, message: AuthPurged): void;
  /** A worker is gone: no purge waits for it. */
  gone(worker: Worker): void;
  /** Hands a throttle message to the counters; false when it names no limiter they hold. */
  throttle(from: Worker, message: ThrottleMessage): boolean;
}

/**
 * In the primary: holds the throttle counters and passes each purge on to the other workers.
 * A change waits only for the workers that `serving` says answer requests: one still starting
 * has no login to drop, and would answer only once its start is done.
 */
export function startAuthRelay(options: {
  serving: (worker: Worker) => boolean;
  /** The primary's workers (default: node:cluster's). */
  workers?: () => Worker[];
}): AuthRelay {
  const { serving, workers = () => Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined) } = options;
  // A process-wide singleton (its own module: the package index loads every store). It listens
  // to every worker itself; that listener is taken off and fed only checked messages, so a
  // malformed one cannot throw in the primary.
  const { RateLimiterClusterMaster } = loadOptional<{ RateLimiterClusterMaster: typeof Master }>('rate-limiter-flexible/lib/RateLimiterCluster', 'auth.throttle_store = cluster');
  const before = new Set(cluster.listeners('message'));
  const master = new RateLimiterClusterMaster() as unknown as { _rateLimiters: Record<string, unknown> };
  const handlers = cluster.listeners('message').filter((listener) => !before.has(listener)) as ((worker: unknown, message: unknown) => void)[];
  for (const handler of handlers) cluster.off('message', handler);
  // Purges passed on and not yet applied by every other worker, by the relay's own id.
  const pending = new Map<number, { from: Worker; id: number; waiting: Set<Worker>; timer: NodeJS.Timeout }>();
  let relayed = 0;
  const settle = (relayId: number) => {
    const purge = pending.get(relayId);
    if (!purge || purge.waiting.size > 0) return;
    clearTimeout(purge.timer);
    pending.delete(relayId);
    sendToWorker(purge.from, { type: 'auth-purged', id: purge.id } satisfies AuthPurged);
  };
  return {
    purge(from, message) {
      const others = workers().filter((worker) => worker !== from && worker.isConnected());
      const relayId = ++relayed;
      const timer = setTimeout(() => {
        pending.get(relayId)?.waiting.clear();
        settle(relayId);
      }, PURGE_WAIT_MS);
      timer.unref();
      pending.set(relayId, { from, id: message.id, waiting: new Set(others.filter(serving)), timer });
      for (const worker of others) sendToWorker(worker, { type: 'auth-purge', userId: message.userId, id: relayId } satisfies AuthPurge);
      settle(relayId);
    },
    purged(from, message) {
      pending.get(message.id)?.waiting.delete(from);
      settle(message.id);
    },
    gone(worker) {
      for (const [relayId, purge] of pending) {
        if (purge.waiting.delete(worker)) settle(relayId);
      }
    },
    throttle(from, message) {
      if (!('opts' in message) && !Object.hasOwn(master._rateLimiters, message.keyPrefix)) return false;
      // The library answers asynchronously with `worker.send`: to an exiting worker that must not throw.
      // (An exiting worker's limiter call times out there.)
      const to = { send: (reply: unknown) => sendToWorker(from, reply as object) };
      for (const handler of handlers) handler(to, message);
      return true;
    },
  };
}

/**
 * In a worker: a change of the app's (a password change, a deletion) is answered once the other
 * workers have dropped the user, or after `PURGE_WAIT_MS`; the others' purges are applied here.
 */
export function linkAuthPurges(app: SyncServerApp): void {
  const cache = app.auth ? authCacheOf(app.auth) : undefined;
  if (!cache || !process.send) return;
  const waiting = new Map<number, () => void>();
  let sent = 0;
  cache.onForget = (userId) => new Promise<void>((resolve) => {
    const id = ++sent;
    const done = () => {
      clearTimeout(timer);
      waiting.delete(id);
      resolve();
    };
    const timer = setTimeout(done, PURGE_WAIT_MS * 2);
    timer.unref();
    waiting.set(id, done);
    // Not sent (the primary is gone): no other worker to tell.
    void sendToPrimary({ type: 'auth-purge', userId, id }).then((sent) => sent || done());
  });
  process.on('message', (value: unknown) => {
    const message = readPrimaryMessage(value);
    if (message?.type === 'auth-purge') {
      cache.purgeUser(message.userId);
      void sendToPrimary({ type: 'auth-purged', id: message.id });
    } else if (message?.type === 'auth-purged') {
      waiting.get(message.id)?.();
    }
  });
}
