import type { ParameterizedContext } from 'koa';
import type { Logger } from 'pino';
import type { AuthBackend, UserId } from '../auth/backend';
import type { SchemeName } from '../auth/schemes/token-scheme';
import type { CefSink } from '../cef/types';
import type { FlatConfig } from '../config/types';

/** The authenticated user: the backend's id and the (hashed, for emails) user name. */
export interface AppUser {
  id: UserId;
  name: string;
  /** The user's storage node, when the scheme that logged in knows it (read by `auth.check_node`). */
  syncNode?: string;
  /** The scheme that authenticated the request (undefined: Basic, or the app's own `authenticate`). */
  scheme?: SchemeName;
  /** What a token or Hawk credentials allow (their scopes). */
  scopes?: ReadonlySet<string>;
}

/** What the app puts on `ctx.state` before any handler runs. */
export interface AppState {
  /** From a sane incoming `X-Request-Id`, else generated; echoed on the response. */
  requestId: string;
  /** The client address after walking `X-Forwarded-For` through `global.trusted_proxies`. */
  clientIp: string;
  /** Server time with exactly 2 decimals, as sent in `X-Weave-Timestamp` (docs/compatibility.md C.11). */
  serverTime: string;
  /** The config for this request's Host header (`host:<host>` sections merged, Q-C8). */
  config: FlatConfig;
  /** Set by `@authenticated` routes when the request carried valid credentials. */
  user?: AppUser;
  /** The `Authorization` header that authenticated `user` (default Basic authentication); `proxy()` forwards it. */
  authorization?: string;
  /** The app's logger with `requestId` on every line (made on first use). */
  readonly log: Logger;
  [key: string]: unknown;
}

export interface AppContextExtras {
  /** The matched route's params, decoded. */
  params: Record<string, string>;
  /** The matched route's path as declared (legacy placeholders as `:name`); undefined when no route matched. */
  routePath?: string;
  /** `ctx.request.body` holds the parsed body of a `{ body: 'json' }` route. */
  request: { body?: unknown };
}

/**
 * The context handlers and hooks get. `State` types what the app keeps on `ctx.state` itself
 * (`AppContext<{ startedAt: number }>` in a hook and a handler); without it, extras are `unknown`.
 */
export type AppContext<State extends object = Record<never, never>> = ParameterizedContext<AppState & State, AppContextExtras>;

export interface AppOptions {
  /** The auth backend; default: built from `auth.*` when `auth.backend` is set. */
  auth?: AuthBackend;
  /** Where CEF lines go instead of the sink `cef.file` names (tests pass a MemoryCefSink). */
  cefSink?: CefSink;
  /** The `syncserver` logger; default: pino at `global.log_level`. */
  logger?: Logger;
  /** Directory that `auth.backend = ./module.js#Export` is relative to (default: cwd). */
  baseDir?: string;
  /**
   * Run the app's declared migrations (`static data = { migrations }`) at start, on its own
   * connection, before the start hooks (default false: `services-core migrate` is the deploy
   * step). `createTestApp` turns it on.
   */
  migrate?: boolean;
}
