import type { Layer } from '@koa/router';
import type { Middleware } from 'koa';
import { MethodNotAllowedError, NotFoundError } from '../responses/errors';
import { type CompiledPath, satisfies } from './route-path';
import type { AppContextExtras, AppState } from '../types';

/**
 * What answers when no route did: 405 with `Allow` when the path is served with other
 * methods (Q-C5; legacy constraints counted), an empty 204 with `Allow` for OPTIONS, else 404.
 */
export function routeFallback(constraintsOf: ReadonlyMap<Layer<AppState, AppContextExtras>, CompiledPath['constraints']>): Middleware<AppState, AppContextExtras> {
  return function fallback(ctx) {
    const path = ctx.path;
    const allowed = new Set<string>();
    for (const layer of (ctx as { matched?: Array<Layer<AppState, AppContextExtras>> }).matched ?? []) {
      const constraints = constraintsOf.get(layer);
      if (!constraints) continue;
      if (constraints.length > 0 && !satisfies(constraints, layer.params(path, layer.captures(path)))) continue;
      for (const method of layer.methods) allowed.add(method);
    }
    if (allowed.size === 0 || allowed.has(ctx.method)) throw new NotFoundError();
    if (ctx.method === 'OPTIONS') {
      ctx.status = 204;
      ctx.set('Allow', [...allowed].join(', '));
      return;
    }
    throw new MethodNotAllowedError([...allowed]);
  };
}
