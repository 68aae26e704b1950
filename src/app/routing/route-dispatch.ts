import type { Middleware } from 'koa';
import type { RouteTree } from './route-tree';
import type { AppContextExtras, AppState } from '../types';

type AppMiddleware = Middleware<AppState, AppContextExtras>;

/** A route in the tree: its middleware chain and its path as compiled (the metrics' route label). */
export interface MountedRoute {
  chain: AppMiddleware;
  path: string;
}

/**
 * The routing middleware: the route the tree finds for the method and path runs with
 * `ctx.params` and `ctx.routePath` set; a request no route serves goes to `fallback` (404, 405).
 */
export function routeDispatch(tree: RouteTree<MountedRoute>, fallback: AppMiddleware): AppMiddleware {
  return function routeDispatchMiddleware(ctx, next) {
    const match = tree.find(ctx.method, ctx.path);
    if (!match) return fallback(ctx, next);
    ctx.params = match.params;
    ctx.routePath = match.value.path;
    return match.value.chain(ctx, next);
  };
}
