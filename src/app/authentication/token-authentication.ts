import { TokenFailure, type SchemeName, type TokenIdentity, type TokenScheme } from '../../auth/schemes/token-scheme';
import type { CefLogger } from '../../cef';
import { AUTH_FAILURE } from '../../cef/signatures';
import { BadRequestError, ForbiddenError, UnauthorizedError } from '../responses/errors';
import { CEF_BACKEND_FAILURE, CEF_URL_MISMATCH } from './basic-authentication';
import type { LoginThrottling } from './login-throttling';
import type { AppContext, AppUser } from '../types';

// New CEF event names (docs/cef.md "Events of the token schemes").
export const CEF_INVALID_BEARER = 'Invalid bearer token';
export const CEF_INVALID_HAWK = 'Invalid Hawk request';
export const CEF_HAWK_REPLAY = 'Replayed Hawk nonce';
export const CEF_INSUFFICIENT_SCOPE = 'Insufficient scope';
export const CEF_BAD_PAYLOAD = 'Hawk payload does not match its hash';

/** What a route asks of its callers: `@authenticated` as the route table resolved it. */
export interface RouteAuth {
  optional: boolean;
  /** The strategies tried in order (the route's `scheme`, else `auth.scheme`). */
  schemes: readonly SchemeName[];
  /** Scopes the credentials must all carry. */
  scopes: readonly string[];
}

/**
 * The throttle's per-subject counter of a token's or Hawk credentials' user: the name as the
 * issuer wrote it (an identifier, not a name a person typed: no canonical form).
 */
const subjectKey = (subject: string) => `token:${subject}`;

const quote = (value: string) => `"${value.replace(/["\\]/g, '\\$&')}"`;

/** One scheme's `WWW-Authenticate` challenge: `Bearer realm="Sync", error="invalid_token"`. */
export function challenge(word: string, params: Record<string, string>): string {
  const list = Object.entries(params).map(([key, value]) => `${key}=${quote(value)}`);
  return list.length === 0 ? word : `${word} ${list.join(', ')}`;
}

const WORDS: Record<SchemeName, string> = { basic: 'Basic', bearer: 'Bearer', hawk: 'Hawk' };

/** The scheme's own attributes of a challenge: a realm, except for Hawk, whose protocol has none. */
export function schemeChallenge(scheme: SchemeName, realm: string, params: Record<string, string> = {}): string {
  return challenge(WORDS[scheme], scheme === 'hawk' ? params : { realm, ...params });
}

/** The 401 for a request without credentials (or with a scheme the route does not take): every scheme's challenge, in order. */
export function challengeAll(schemes: readonly SchemeName[], realm: string, message?: string): UnauthorizedError {
  return new UnauthorizedError(message, { headers: { 'WWW-Authenticate': schemes.map((s) => schemeChallenge(s, realm)).join(', ') } });
}

export interface TokenAuthenticationDeps {
  cef: Pick<CefLogger, 'log'>;
  realm: string;
  throttle?: LoginThrottling;
}

/** The Hawk body checks of requests in flight, for the route's body reader (`checkSignedBody`). */
const payloadChecks = new WeakMap<object, NonNullable<TokenIdentity['checkPayload']>>();

/**
 * A body the route read against the payload hash its Hawk request signed: a mismatch is a 401
 * (and a CEF event) before the handler runs. Nothing to do for other requests.
 */
export function checkSignedBody(ctx: AppContext, body: Buffer, deps: Pick<TokenAuthenticationDeps, 'cef'>): void {
  const check = payloadChecks.get(ctx.req);
  if (check === undefined || check(body, ctx.req.headers['content-type'])) return;
  deps.cef.log(CEF_BAD_PAYLOAD, 5, ctx, { signature: AUTH_FAILURE, username: ctx.state.user?.name, reason: 'bad payload hash' });
  throw new UnauthorizedError('Bad payload hash', { headers: { 'WWW-Authenticate': challenge('Hawk', { error: 'Bad payload hash' }) } });
}

/**
 * A request with a token scheme's credentials: refused early while its address is blocked,
 * checked by the scheme, then held to the URL's user and the route's scopes. Every refusal
 * writes a CEF event (the token itself never: only why) and counts against the address and,
 * once the credentials proved whose they are, the subject.
 */
export async function tokenAuthentication(ctx: AppContext, scheme: TokenScheme, header: string, urlUsername: string | undefined,
  route: RouteAuth, deps: TokenAuthenticationDeps): Promise<AppUser> {
  const { cef, realm, throttle } = deps;
  // A remembered token costs one throttle read (its subject's and address's); a new one is
  // refused before any check while its address is blocked.
  let identity = scheme.recall?.(header);
  try {
    if (identity === undefined) {
      await throttle?.admit(ctx, undefined, false);
      identity = await scheme.verify(ctx.req, header);
    }
  } catch (err) {
    if (!(err instanceof TokenFailure)) throw err;
    const subject = err.subject;
    const name = err.reason === 'for an unknown user' ? `${CEF_BACKEND_FAILURE} ${subject ?? ''}`
      : err.reason === 'replayed nonce' ? CEF_HAWK_REPLAY : scheme.name === 'bearer' ? CEF_INVALID_BEARER : CEF_INVALID_HAWK;
    cef.log(name, err.reason === 'replayed nonce' ? 7 : 5, ctx, { signature: AUTH_FAILURE, username: subject, reason: err.reason });
    await throttle?.failed(ctx, subject === undefined ? undefined : subjectKey(subject), subject);
    const headers = err.status === 400 && scheme.name === 'hawk' ? undefined
      : { 'WWW-Authenticate': schemeChallenge(scheme.name, realm, err.challenge) };
    const message = err.challenge.error_description ?? err.challenge.error;
    throw err.status === 400 ? new BadRequestError(message ?? 'Malformed Authorization header', { headers }) : new UnauthorizedError(message, { headers });
  }
  const name = identity.subject;
  await throttle?.admit(ctx, subjectKey(name), false);
  if (urlUsername !== undefined && urlUsername !== name) {
    cef.log(CEF_URL_MISMATCH, 7, ctx);
    throw new UnauthorizedError(undefined, { headers: { 'WWW-Authenticate': schemeChallenge(scheme.name, realm) } });
  }
  const missing = route.scopes.filter((scope) => !identity.scopes.has(scope));
  if (missing.length > 0) {
    cef.log(CEF_INSUFFICIENT_SCOPE, 5, ctx, { signature: AUTH_FAILURE, username: name, reason: `missing ${missing.join(' ')}` });
    const params = { error: 'insufficient_scope', scope: route.scopes.join(' ') };
    throw new ForbiddenError('Insufficient scope', { headers: { 'WWW-Authenticate': schemeChallenge(scheme.name, realm, params) } });
  }
  if (identity.checkPayload) payloadChecks.set(ctx.req, identity.checkPayload);
  if (scheme.name === 'bearer') ctx.state.authorization = header;
  return { id: identity.id ?? name, name, scheme: scheme.name, scopes: identity.scopes };
}
