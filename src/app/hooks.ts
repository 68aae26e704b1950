import type { AppContext } from './types';

/**
 * The app's extension points (docs/app.md "Hooks"), each with the shape of its function.
 * `onStart`/`onClose` run once per app; the others once per request.
 */
export interface AppHooks {
  /** At start, after the framework's parts are open, before the first request is served. */
  onStart: () => unknown;
  /** At close, after in-flight requests drained, before the framework's parts close. */
  onClose: () => unknown;
  /** Each request, after the request id and client IP are set, before app middleware and routing. */
  onRequest: (ctx: AppContext) => unknown;
  /** Each response, once its status, headers and body are final and before it is sent. */
  onResponse: (ctx: AppContext) => unknown;
  /** Each error the error boundary answers (HttpErrors such as 404 and 401 too), after the answer is set. */
  onError: (err: unknown, ctx: AppContext) => unknown;
}

export type HookName = keyof AppHooks;

export const HOOK_NAMES: readonly HookName[] = ['onStart', 'onClose', 'onRequest', 'onResponse', 'onError'];

type Observer<A extends unknown[]> = (...args: A) => unknown;

/**
 * One function that calls every hook in turn, awaiting each; undefined when there is none, so a
 * request pays for hooks only when an app has some. Built once, at start.
 */
export function composeHooks<A extends unknown[]>(hooks: ReadonlyArray<Observer<A>>): Observer<A> | undefined {
  if (hooks.length === 0) return undefined;
  if (hooks.length === 1) return hooks[0];
  const list = [...hooks];
  return async (...args: A) => {
    for (const hook of list) await hook(...args);
  };
}
