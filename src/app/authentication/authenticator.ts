import { type BasicAuthenticationDeps, basicAuthentication } from './basic-authentication';
import type { AppContext, AppUser } from '../types';

/**
 * "Who is calling" for `@authenticated` routes: the user, null when the request carries no
 * credentials, or throws an HttpError (401, 400). The user store behind it is the auth backend;
 * an app with another scheme overrides `SyncServerApp.authenticate` and needs no backend.
 */
export interface Authenticator {
  authenticate(ctx: AppContext, urlUsername?: string): Promise<AppUser | null>;
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
