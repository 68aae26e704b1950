import type { AuthCache, RememberedLogin } from '../../auth/auth-cache';
import type { AuthBackend } from '../../auth/backend';
import { BasicAuthError, parseBasicAuth } from '../../auth/basic-auth';
import { accountKey } from '../../auth/throttle/login-throttle';
import { InvalidUsernameError, extractUsername } from '../../auth/username';
import { hasUnsafeNameCharacters } from '../../util/validation';
import type { CefLogger } from '../../cef';
import { BadRequestError, UnauthorizedError } from '../responses/errors';
import type { LoginThrottling } from './login-throttling';
import type { AppContext, AppUser } from '../types';

// The v1 event names, byte for byte: downstream rules match on them (docs/compatibility.md C.5, G.7).
export const CEF_URL_MISMATCH = 'Username Does Not Match URL';
export const CEF_INVALID_USERNAME = 'Invalid characters specified in username ';
export const CEF_BACKEND_FAILURE = 'Authentication Failed for Backend service';

export interface BasicAuthenticationDeps {
  backend: AuthBackend;
  cef: Pick<CefLogger, 'log'>;
  /** `auth.realm`, for WWW-Authenticate. */
  realm: string;
  /** The backend's login cache (`authCacheOf(backend)`), which also remembers whole headers. */
  logins?: AuthCache;
  /** `auth.max_password_length`: a longer password is a 401 before the backend or any hash. */
  maxPasswordLength?: number;
  /** Failed-login counters: 429 while the name or the address is blocked. */
  throttle?: LoginThrottling;
}

/** A 401 that asks for Basic credentials. */
export function unauthorized(realm: string, message?: string): UnauthorizedError {
  const quoted = realm.replace(/["\\]/g, '\\$&');
  return new UnauthorizedError(message, { headers: { 'WWW-Authenticate': `Basic realm="${quoted}"` } });
}

function checkUrlUsername(ctx: AppContext, urlUsername: string | undefined, username: string, deps: BasicAuthenticationDeps): void {
  if (urlUsername !== undefined && urlUsername !== username) {
    deps.cef.log(CEF_URL_MISMATCH, 7, ctx);
    throw unauthorized(deps.realm);
  }
}

function accountName(ctx: AppContext, username: string, deps: BasicAuthenticationDeps): string {
  try {
    return extractUsername(username);
  } catch (err) {
    if (err instanceof InvalidUsernameError) throw invalidUsername(ctx, deps);
    throw err;
  }
}

// A header that logged in before: only the check against the URL and the throttle can refuse
// it, as they would have; its names were read when it logged in.
async function rememberedUser(ctx: AppContext, login: RememberedLogin, urlUsername: string | undefined, deps: BasicAuthenticationDeps): Promise<AppUser> {
  checkUrlUsername(ctx, urlUsername, login.sentName, deps);
  const user: AppUser = { id: login.userId, name: login.name };
  const admitted = deps.throttle?.admit(ctx, accountKey(user.id, user.name), false);
  if (admitted) await admitted;
  return user;
}

function invalidUsername(ctx: AppContext, deps: BasicAuthenticationDeps): BadRequestError {
  deps.cef.log(CEF_INVALID_USERNAME, 5, ctx);
  return new BadRequestError('Invalid characters specified in username');
}

/**
 * The HTTP Basic flow of docs/compatibility.md C.5 with the v2 fixes: null when the request carries no
 * `Authorization` header; the user on success; otherwise throws 401 (or 400 for a user name
 * that is not BIDI-compliant UTF-8) after writing the legacy CEF event. Upstream identity
 * headers such as `Remote-User` are never read (Q-C6). A backend failure propagates as the
 * backend's BackendError, which the app answers with 503 + Retry-After (Q-C3). A header that
 * logged in is remembered in the login cache, so its next requests skip the parsing.
 */
export function basicAuthentication(ctx: AppContext, urlUsername: string | undefined,
  deps: BasicAuthenticationDeps): Promise<AppUser | null> {
  const header = ctx.req.headers.authorization;
  if (header === undefined) return Promise.resolve(null);
  // A remembered header is answered without an async step of its own while its stamp is recent.
  const recalled = deps.logins?.recall(header);
  if (recalled instanceof Promise) {
    return recalled.then((login) => (login ? rememberedUser(ctx, login, urlUsername, deps) : verifiedUser(ctx, header, urlUsername, deps)));
  }
  return recalled ? rememberedUser(ctx, recalled, urlUsername, deps) : verifiedUser(ctx, header, urlUsername, deps);
}

/** A header not remembered: parsed, checked, throttled and verified by the backend, then remembered. */
async function verifiedUser(ctx: AppContext, header: string, urlUsername: string | undefined,
  deps: BasicAuthenticationDeps): Promise<AppUser> {
  let credentials: { username: string; password: string | null };
  try {
    credentials = parseBasicAuth(header);
  } catch (err) {
    if (!(err instanceof BasicAuthError)) throw err;
    if (err.problem === 'username') throw invalidUsername(ctx, deps);
    if (err.problem !== 'password') throw unauthorized(deps.realm, 'Invalid token');
    credentials = { username: err.username ?? '', password: null };
  }
  const { username, password } = credentials;
  checkUrlUsername(ctx, urlUsername, username, deps);
  const name = accountName(ctx, username, deps);
  // A name with a NUL, a control or an invisible character is no account's: refused like a
  // wrong password, and never sent to the backend (PostgreSQL refuses NUL, MariaDB ignores it).
  const unsafe = hasUnsafeNameCharacters(username);
  // One counter per account, whatever spelling of its name the backend matched.
  const account = deps.throttle === undefined ? '' : accountKey(unsafe ? null : await deps.backend.getUserId(name), name);
  await deps.throttle?.admit(ctx, account, true);
  const generation = deps.logins?.generation;
  // A password that is not UTF-8 matches no account: the same answer as a wrong one.
  const tooLong = password !== null && deps.maxPasswordLength !== undefined && password.length > deps.maxPasswordLength;
  const id = unsafe || password === null || tooLong ? null : await deps.backend.authenticateUser(name, password);
  if (id === null || id === undefined) {
    deps.cef.log(`${CEF_BACKEND_FAILURE} ${name}${name === username ? '' : ` (${username})`}`, 5, ctx);
    await deps.throttle?.failed(ctx, account, name);
    throw unauthorized(deps.realm);
  }
  if (generation !== undefined) deps.logins?.remember(header, { userId: id, sentName: username, name }, generation);
  return { id, name };
}
