import type { SettingsSchema } from '../config/schema';

/** The `[auth]` keys of every backend: its name, the realm, the login cache, the password bound. */
export const AUTH_SETTINGS: SettingsSchema = {
  'auth.backend': ['name or module', 'none', '`sql`, `ldap`, `dummy`, `./module.js#Export`, `package#Export`'],
  'auth.realm': ['text', '`Sync`', 'Basic realm'],
  'auth.cache_ttl': ['integer seconds', '`60`', 'login cache: longest a login is remembered (`0` turns it off)'],
  'auth.cache_size': ['integer', '`10000`', 'login cache entries per process'],
  'auth.cache_mode': ['`stamp` | `ttl`', '`stamp`', 'remembered logins keyed on the stored credential (`ttl`: per process)'],
  'auth.cache_recheck': ['seconds', '`0.5`', 'seconds a credential-stamp read serves (a change made anywhere is refused within it)'],
  'auth.check_node': ['boolean', '`false`', "a login succeeds only on the user's storage node: its host must be the request's Host, else 401 and the CEF event `User authenticated to wrong node` (docs/app.md)"],
  'auth.max_password_length': ['integer', '`256`', 'longest password in characters: a longer one is refused when set (400, respcode 9 `ERROR_WEAK_PASSWORD`) and is a 401 at login, before any hash (SQL, LDAP)'],
};

/** The login throttle's keys (src/auth/throttle). */
export const THROTTLE_SETTINGS: SettingsSchema = {
  'auth.throttle_store': ['`memory` | `cluster` | `sql` | `none`', '`cluster` under `serve`, else `memory`', 'where the failed-login counters live (`sql`: a table shared by the fleet)'],
  'auth.throttle_user_limit': ['integer', '`10`', 'failures per account name within the window, then 429'],
  'auth.throttle_user_window': ['integer seconds', '`300`', 'that window'],
  'auth.throttle_user_block': ['integer seconds', '`300`', 'how long the account name is then refused'],
  'auth.throttle_ip_limit': ['integer', '`50`', 'failures per client address within the window, then 429'],
  'auth.throttle_ip_window': ['integer seconds', '`300`', 'that window'],
  'auth.throttle_ip_block': ['integer seconds', '`300`', 'how long the address is then refused'],
  'auth.throttle_ipv6_prefix': ['integer bits', '`64`', 'IPv6 clients are counted per network of this many bits (one host holds a whole /64); IPv4 per address'],
  'auth.throttle_timeout': ['seconds', '`1`', 'store deadline (then the throttle fails open)'],
  'auth.throttle_sqluri': ['database URI', '`auth.sqluri`', '`sql` store database'],
  'auth.throttle_table': ['SQL identifier', '`login_throttle`', '`sql` store table (checked by the pre-check)'],
};

/** `auth.backend = dummy`. */
export const DUMMY_SETTINGS: SettingsSchema = {
  'auth.allow_dummy': ['boolean', '`false`', 'must be `true` for `auth.backend = dummy` (accepts any password)'],
};

/** The schemes and the token strategies' keys (src/auth/schemes, docs/auth-tokens.md). */
export const TOKEN_SETTINGS: SettingsSchema = {
  'auth.scheme': ['list of `basic` `bearer` `hawk`', '`basic`', 'the app\'s schemes, tried in order (a route may name its own)'],
  'auth.bearer_issuer': ['text', 'required for `bearer`', 'the `iss` every token must carry'],
  'auth.bearer_audience': ['text', 'required for `bearer`', 'the `aud` every token must carry'],
  'auth.bearer_jwks_url': ['URL', 'none', 'the issuer\'s JWKS (one key source of three)'],
  'auth.bearer_key_file': ['path', 'none', 'a PEM public key or certificate (one key source of three)'],
  'auth.bearer_secret': ['text', 'none', 'an HMAC shared secret of 32 bytes or more (one key source of three)'],
  'auth.bearer_algorithms': ['list', '`RS256 ES256 EdDSA` (`HS256` with a secret)', 'the algorithms accepted (never `none`)'],
  'auth.bearer_clock_skew': ['seconds', '`30`', 'leeway on `exp` and `nbf`'],
  'auth.bearer_user_claim': ['claim name', '`sub`', 'the claim that names the user'],
  'auth.bearer_user_lookup': ['boolean', '`false`', 'the user must exist in the auth backend (its id becomes the user\'s)'],
  'auth.bearer_jwks_refresh': ['seconds', '`60`', 'least time between two JWKS fetches for an unknown `kid`'],
  'auth.bearer_jwks_timeout': ['seconds', '`5`', 'JWKS fetch deadline'],
  'auth.bearer_max_length': ['integer', '`8192`', 'longest token in characters (a longer one is a 400)'],
  'auth.hawk_credentials': ['`app` | `sql`', '`app`', 'where Hawk credentials come from: the app\'s `hawkCredentials(id)` or a table'],
  'auth.hawk_sqluri': ['database URI', '`auth.sqluri`', 'the database of the credentials table and the `sql` nonce store'],
  'auth.hawk_table': ['SQL identifier', '`hawk_credentials`', 'the credentials table'],
  'auth.hawk_skew': ['integer seconds', '`60`', 'timestamp skew allowed either way (then 401 with `ts`/`tsm`)'],
  'auth.hawk_nonce_store': ['`memory` | `cluster` | `sql`', '`cluster` under `serve`, else `memory`', 'where seen nonces are kept (`sql`: shared by the fleet)'],
  'auth.hawk_host': ['host name', 'the `Host` header', 'the host clients sign, when a proxy changes it'],
  'auth.hawk_port': ['integer', 'the `Host` header\'s', 'the port clients sign, when a proxy changes it'],
  'auth.token_cache_size': ['integer', '`10000`', 'verified tokens and Hawk credentials kept per process (`0`: none)'],
  'auth.token_cache_ttl': ['seconds', '`300`', 'longest a verified token is served from the cache (never past its `exp`)'],
};
