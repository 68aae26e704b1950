/* eslint-disable @typescript-eslint/no-require-imports -- a scheme's modules load when it is configured */
import type { AuthBackend } from '../../auth/backend';
import type { HawkCredentialsSource, SqlHawkCredentials } from '../../auth/schemes/hawk-credentials';
import type { SchemeSettings } from '../../auth/schemes/scheme-settings';
import type { TokenScheme } from '../../auth/schemes/token-scheme';

// The bearer and Hawk schemes' modules (with jose and hawk) load when a scheme is built: an app
// on Basic alone does not parse them at every start.
const bearer = () => require('../../auth/schemes/bearer-scheme') as typeof import('../../auth/schemes/bearer-scheme');
const hawkScheme = () => require('../../auth/schemes/hawk-scheme') as typeof import('../../auth/schemes/hawk-scheme');
const hawkCredentials = () => require('../../auth/schemes/hawk-credentials') as typeof import('../../auth/schemes/hawk-credentials');
const nonceStore = () => require('../../auth/schemes/nonce-store') as typeof import('../../auth/schemes/nonce-store');

/**
 * The token strategies `settings` configures, built (nothing is fetched or opened: `open()`
 * does it at start). Hawk with `auth.hawk_credentials = app` needs the app's `hawkCredentials`;
 * without it the app does not construct.
 */
export function buildTokenSchemes(settings: SchemeSettings, deps: {
  owner: string;
  warn: (message: string) => void;
  users?: Pick<AuthBackend, 'getUserId'>;
  hawkCredentials?: HawkCredentialsSource;
}): Partial<Record<'bearer' | 'hawk', TokenScheme>> {
  const cache = { cacheSize: settings.cacheSize, cacheTtlMs: settings.cacheTtlSeconds * 1000 };
  const tokens: Partial<Record<'bearer' | 'hawk', TokenScheme>> = {};
  if (settings.bearer) {
    if (settings.bearer.userLookup && !deps.users) {
      throw new TypeError(`${deps.owner}: auth.bearer_user_lookup = true needs an auth backend (auth.backend) to look users up in`);
    }
    tokens.bearer = new (bearer().BearerScheme)(settings.bearer, { warn: deps.warn, users: deps.users, ...cache });
  }
  const hawk = settings.hawk;
  if (hawk) {
    let credentials = deps.hawkCredentials;
    let sql: SqlHawkCredentials | undefined;
    if (hawk.credentials === 'sql') {
      sql = new (hawkCredentials().SqlHawkCredentials)(hawk.sqluri!, hawk.table);
      credentials = sql.find;
    } else if (!credentials) {
      throw new TypeError(`${deps.owner}: auth.hawk_credentials = app needs ${deps.owner}.hawkCredentials(id) (or set auth.hawk_credentials = sql)`);
    }
    tokens.hawk = new (hawkScheme().HawkScheme)(hawk, {
      credentials, nonces: new (nonceStore().NonceStore)(hawk.nonceStore, 2 * hawk.skewSeconds + 1, hawk.sqluri), ...cache,
      closeCredentials: sql && (() => sql.close()), checkCredentials: sql && (() => sql.checkHealth()),
    });
  }
  return tokens;
}
