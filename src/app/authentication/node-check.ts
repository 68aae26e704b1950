import { performance } from 'node:perf_hooks';
import type { AuthBackend, UserId } from '../../auth/backend';
import type { CefLogger } from '../../cef';
import { AUTH_FAILURE } from '../../cef/signatures';
import { ConfigError } from '../../config/errors';
import { unauthorized } from './basic-authentication';
import type { AppContext, AppUser } from '../types';

// server-core's wsgiauth event, byte for byte (docs/compatibility.md C.5).
export const CEF_WRONG_NODE = 'User authenticated to wrong node';

type Authenticate<A extends unknown[]> = (ctx: AppContext, ...rest: A) => Promise<AppUser | null>;

export interface NodeCheckDeps {
  /** The user's storage node (a URL such as `https://node1.example.com/`, or a bare host), or null when it has none. */
  nodeOf: (user: AppUser) => Promise<string | null>;
  cef: Pick<CefLogger, 'log'>;
  realm: string;
}

const SCHEME = /^[a-z][a-z\d+.-]*:\/\//i;
/** A Host header is a host and a port, nothing the URL parser would drop (a path, user info). */
const HOST_HEADER = /^[^/\\?#@\s]+$/;

/**
 * The host part of a node (`https://node1.example.com/` or `node1.example.com:8443`) or of a
 * request's Host, normalised by the URL parser (case, IDNA, the scheme's default port); null
 * when it does not parse.
 */
function hostOf(node: string, scheme: string): string | null {
  try {
    return new URL(SCHEME.test(node) ? node : `${scheme}//${node}/`).host;
  } catch {
    return null;
  }
}

/**
 * True when the request reached the user's node. The hosts are compared, not the schemes, as
 * the original compared `syncNode` with `HTTP_HOST` (docs/compatibility.md C.5): behind a proxy
 * that ends TLS the app sees `http` for an `https` node.
 */
export function isUsersNode(node: string | null, ctx: AppContext): boolean {
  if (node === null || node === '' || !HOST_HEADER.test(ctx.host)) return false;
  const scheme = SCHEME.test(node) ? new URL(node).protocol : 'http:';
  const own = hostOf(node, scheme);
  return own !== null && own === hostOf(ctx.host, scheme);
}

/**
 * `auth.check_node`: wraps the app's `authenticate` (any scheme) so that a login of a user whose
 * node is not the host the request was sent to fails as a 401, after the CEF event
 * `User authenticated to wrong node` (severity 7), as server-core's wsgiauth did. A user without
 * a node is on no node. Requests without credentials (null) pass through unchanged.
 */
export function checkingNode<A extends unknown[]>(authenticate: Authenticate<A>, deps: NodeCheckDeps): Authenticate<A> {
  return async (ctx, ...rest) => {
    const user = await authenticate(ctx, ...rest);
    if (user === null || isUsersNode(await deps.nodeOf(user), ctx)) return user;
    deps.cef.log(CEF_WRONG_NODE, 7, ctx, { username: user.name, signature: AUTH_FAILURE });
    throw unauthorized(deps.realm);
  };
}

/** Most users whose node is remembered per process. */
const MAX_REMEMBERED = 10_000;

/**
 * Where `auth.check_node` reads a user's node: the `syncNode` a scheme put on the user, else
 * the backend's `getUserNode(id, false)` (never assigning one), remembered for `recheckSeconds`
 * (`auth.cache_recheck`: a node moved is seen as late as a changed password; one query per user
 * and period instead of one per request). A backend without `getUserNode` cannot tell: a
 * ConfigError at construction.
 */
export function userNodeReader(backend: AuthBackend | undefined, recheckSeconds = 0): (user: AppUser) => Promise<string | null> {
  const getUserNode = backend?.getUserNode?.bind(backend);
  if (!getUserNode) {
    throw new ConfigError(`auth.check_node: the auth backend${backend ? ` '${backend.name}'` : ''} keeps no user nodes (it has no getUserNode)`);
  }
  const recheckMs = recheckSeconds * 1000;
  const known = new Map<UserId, { node: string | null; at: number }>();
  return async (user) => {
    if (user.syncNode !== undefined) return user.syncNode;
    const hit = known.get(user.id);
    if (hit && performance.now() - hit.at < recheckMs) return hit.node;
    const node = await getUserNode(user.id, false);
    if (recheckMs > 0) {
      known.delete(user.id);
      known.set(user.id, { node, at: performance.now() });
      if (known.size > MAX_REMEMBERED) known.delete(known.keys().next().value!);
    }
    return node;
  };
}
