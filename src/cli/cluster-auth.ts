import cluster from 'node:cluster';
import type { RateLimiterClusterMaster as Master } from 'rate-limiter-flexible';
import { loadOptional } from '../util/load-optional';
import type { SyncServerApp } from '../app/sync-server-app';
import { authCacheOf } from '../auth/cached-auth-backend';
import type { UserId } from '../auth/backend';

// The auth state `serve` shares between the workers of one host: login-cache purges (a
// password changed or a user deleted through one worker is dropped from every worker's cache)
// and the login-throttle counters of `auth.throttle_store = cluster`, kept in the primary.

interface AuthPurge {
  type: 'auth-purge';
  userId: UserId;
}

function isAuthPurge(message: unknown): message is AuthPurge {
  const { type, userId } = (message ?? {}) as Partial<AuthPurge>;
  return type === 'auth-purge' && (typeof userId === 'string' || typeof userId === 'number');
}

/** In the primary: holds the throttle counters and passes each purge on to the other workers. */
export function startAuthRelay(): void {
  // A process-wide singleton that listens to every worker (its own module: the package index loads every store).
  const { RateLimiterClusterMaster } = loadOptional<{ RateLimiterClusterMaster: typeof Master }>('rate-limiter-flexible/lib/RateLimiterCluster', 'auth.throttle_store = cluster');
  new RateLimiterClusterMaster();
  cluster.on('message', (from, message: unknown) => {
    if (!isAuthPurge(message)) return;
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker && worker !== from && worker.isConnected()) worker.send(message);
    }
  });
}

/** In a worker: sends the app's login-cache purges to the primary and applies the others'. */
export function linkAuthPurges(app: SyncServerApp): void {
  const cache = app.auth ? authCacheOf(app.auth) : undefined;
  if (!cache || !process.send) return;
  cache.onForget = (userId) => {
    if (process.connected) process.send!({ type: 'auth-purge', userId } satisfies AuthPurge);
  };
  process.on('message', (message: unknown) => {
    if (isAuthPurge(message)) cache.purgeUser(message.userId);
  });
}
