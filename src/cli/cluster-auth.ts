import cluster, { type Worker } from 'node:cluster';
import type { RateLimiterClusterMaster as Master } from 'rate-limiter-flexible';
import { loadOptional } from '../util/load-optional';
import type { SyncServerApp } from '../app/sync-server-app';
import { authCacheOf } from '../auth/cached-auth-backend';
import { type ThrottleMessage, type WorkerMessage, readPrimaryMessage } from './cluster-messages';

// The auth state `serve` shares between the workers of one host: login-cache purges (a
// password changed or a user deleted through one worker is dropped from every worker's cache)
// and the login-throttle counters of `auth.throttle_store = cluster`, kept in the primary.

type AuthPurge = Extract<WorkerMessage, { type: 'auth-purge' }>;

/** The primary's side, fed with checked messages by the primary. */
export interface AuthRelay {
  /** Passes a purge on to every other worker. */
  purge(from: Worker, message: AuthPurge): void;
  /** Hands a throttle message to the counters; false when it names no limiter they hold. */
  throttle(from: Worker, message: ThrottleMessage): boolean;
}

/** In the primary: holds the throttle counters and passes each purge on to the other workers. */
export function startAuthRelay(): AuthRelay {
  // A process-wide singleton (its own module: the package index loads every store). It listens
  // to every worker itself; that listener is taken off and fed only checked messages, so a
  // malformed one cannot throw in the primary.
  const { RateLimiterClusterMaster } = loadOptional<{ RateLimiterClusterMaster: typeof Master }>('rate-limiter-flexible/lib/RateLimiterCluster', 'auth.throttle_store = cluster');
  const before = new Set(cluster.listeners('message'));
  const master = new RateLimiterClusterMaster() as unknown as { _rateLimiters: Record<string, unknown> };
  const handlers = cluster.listeners('message').filter((listener) => !before.has(listener)) as ((worker: unknown, message: unknown) => void)[];
  for (const handler of handlers) cluster.off('message', handler);
  return {
    purge(from, message) {
      for (const worker of Object.values(cluster.workers ?? {})) {
        if (worker && worker !== from && worker.isConnected()) {
          try {
            worker.send(message satisfies AuthPurge, undefined, {}, () => undefined);
          } catch {
            // an exiting worker has no cache left to purge
          }
        }
      }
    },
    throttle(from, message) {
      if (!('opts' in message) && !Object.hasOwn(master._rateLimiters, message.keyPrefix)) return false;
      // The library answers asynchronously with `worker.send`: to an exiting worker that must not throw.
      const to = {
        send: (reply: unknown) => {
          if (!from.isConnected()) return;
          try {
            from.send(reply as object, undefined, {}, () => undefined);
          } catch {
            // the worker is gone; its limiter call times out there
          }
        },
      };
      for (const handler of handlers) handler(to, message);
      return true;
    },
  };
}

/** In a worker: sends the app's login-cache purges to the primary and applies the others'. */
export function linkAuthPurges(app: SyncServerApp): void {
  const cache = app.auth ? authCacheOf(app.auth) : undefined;
  if (!cache || !process.send) return;
  cache.onForget = (userId) => {
    if (process.connected) process.send!({ type: 'auth-purge', userId } satisfies AuthPurge);
  };
  process.on('message', (value: unknown) => {
    const message = readPrimaryMessage(value);
    if (message?.type === 'auth-purge') cache.purgeUser(message.userId);
  });
}
