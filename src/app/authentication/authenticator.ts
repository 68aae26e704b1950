import { hasSchemeWord, type SchemeName, type TokenScheme } from '../../auth/schemes/token-scheme';
import { type BasicAuthenticationDeps, basicAuthentication, unauthorized } from './basic-authentication';
import { type RouteAuth, type TokenAuthenticationDeps, challengeAll, tokenAuthentication } from './token-authentication';
import type { AppContext, AppUser } from '../types';

/**
 * "Who is calling" for `@authenticated` routes: the user, null when the request carries no
 * credentials, or throws an HttpError (401, 400). The user store behind it is the auth backend;
 * an app with another scheme overrides `SyncServerApp.authenticate` and needs no backend.
 */
export interface Authenticator {
  authenticate(ctx: AppContext, urlUsername?: string, route?: RouteAuth): Promise<AppUser | null>;
}

/**
 * The default: HTTP Basic against the auth backend. The header that authenticated is kept in
 * `ctx.state.authorization`, which `proxy()` forwards upstream.
 */
export class BasicAuthenticator implements Authenticator {
  constructor(private readonly deps: BasicAuthenticationDeps) {}

  async authenticate(ctx: AppContext, urlUsername?: string): Promise<AppUser | null> {
    const user = await basicAuthentication(ctx, urlUsername, this.deps);
    if (user) ctx.state.authorization = ctx.req.headers.authorization;
    return user;
  }
}

/**
 * The strategies of an app (hapi's model): the route's schemes (else `auth.scheme`) in order;
 * the first whose `Authorization` word the request uses decides. A route that takes Basic alone
 * is today's Basic flow, byte for byte; a request whose header none of the route's schemes
 * reads is a 401 with every scheme's challenge.
 */
export class StrategyAuthenticator implements Authenticator {
  constructor(private readonly strategies: {
    basic?: BasicAuthenticator;
    tokens: Partial<Record<Exclude<SchemeName, 'basic'>, TokenScheme>>;
    defaults: RouteAuth;
    deps: TokenAuthenticationDeps;
  }) {}

  authenticate(ctx: AppContext, urlUsername?: string, route?: RouteAuth): Promise<AppUser | null> {
    const { basic, tokens, defaults, deps } = this.strategies;
    const auth = route ?? defaults;
    const { schemes } = auth;
    if (schemes.length === 1 && schemes[0] === 'basic' && basic) return basic.authenticate(ctx, urlUsername);
    const header = ctx.req.headers.authorization;
    if (header === undefined) return Promise.resolve(null);
    for (const name of schemes) {
      if (name === 'basic') {
        if (basic && hasSchemeWord(header, 'Basic')) return basic.authenticate(ctx, urlUsername);
        continue;
      }
      const scheme = tokens[name];
      if (scheme && hasSchemeWord(header, scheme.word)) return tokenAuthentication(ctx, scheme, header, urlUsername, auth, deps);
    }
    return Promise.reject(challengeAll(schemes, deps.realm, 'Invalid token'));
  }
}

/** The 401 of a route whose request carried no credentials: Basic's as always, else each scheme's challenge. */
export function missingCredentials(schemes: readonly SchemeName[], realm: string): Error {
  return schemes.length === 1 && schemes[0] === 'basic' ? unauthorized(realm) : challengeAll(schemes, realm);
}
