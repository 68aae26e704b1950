import type { Middleware } from 'koa';
import { MethodNotAllowedError, NotFoundError } from '../responses/errors';
import type { AppContextExtras, AppState } from '../types';

/**
 * What answers when no route did: 405 with `Allow` when the path is served with other
 * methods (Q-C5; legacy constraints counted), an empty 204 with `Allow` for OPTIONS, else 404.
 * `methodsAt` gives the methods served at a path.
 */
export function routeFallback(methodsAt: (path: string) => string[]): Middleware<AppState, AppContextExtras> {
  return function fallback(ctx) {
    const allowed = new Set(methodsAt(ctx.path));
    if (allowed.size === 0 || allowed.has(ctx.method)) throw new NotFoundError();
    if (ctx.method === 'OPTIONS') {
      ctx.status = 204;
      ctx.set('Allow', [...allowed].join(', '));
      return;
    }
    throw new MethodNotAllowedError([...allowed]);
  };
}
