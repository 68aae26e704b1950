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
