import type { SettingsSchema } from '../config/schema';

/**
 * The app's keys (README.md "Configuration reference" is generated from these tables): the
 * top-level switches of a deployment `.ini` (`[DEFAULT]` or `[app:main]`), `[global]`,
 * `[metrics]` and `[server:main]`. Adding a key is one entry: `'section.option': [type, default, meaning]`.
 */
export const TOP_LEVEL_SETTINGS: SettingsSchema = {
  debug: ['boolean', '`false`', 'access log, one Apache combined line per request (also `global.debug`)'],
  translogger: ['boolean', '`false`', 'the same as `debug` (the Paste filter\'s name)'],
  profile: ['boolean', '`false`', 'CPU profile served at `/__profile__`, written to `global.profile_file` on close'],
  client_debug: ['boolean', '`false`', 'stack traces in 500 bodies (never in production)'],
  log_format: ['`json` | `mozlog`', '`json`', 'the same as `global.log_format`'],
  use: ['module#Export', 'required for `serve`', 'the app class (`[app:main]`): `./module.js#Export` or `package#Export`'],
  here: ['path', 'the `.ini`\'s directory', 'set by the reader, for `%(here)s`'],
  __file__: ['path', 'the `.ini`', 'set by the reader'],
};

export const GLOBAL_SETTINGS: SettingsSchema = {
  'global.debug': ['boolean', '`false`', 'the same as `debug`'],
  'global.translogger': ['boolean', '`false`', 'the same as `translogger`'],
  'global.profile': ['boolean', '`false`', 'the same as `profile`'],
  'global.client_debug': ['boolean', '`false`', 'the same as `client_debug`'],
  'global.retry_after': ['whole seconds', '`1800`', 'seconds in `Retry-After` on 503s'],
  'global.heartbeat_page': ['page', '`__heartbeat__`', 'heartbeat path'],
  'global.heartbeat_format': ['`legacy` | `dockerflow`', '`legacy`', '`legacy`: empty body, 200/503; `dockerflow`: JSON naming each check (docs/deploy.md)'],
  'global.heartbeat_timeout': ['seconds', '`5`', 'seconds each heartbeat check may take before it fails'],
  'global.lbheartbeat_page': ['page', '`__lbheartbeat__`', 'load balancer heartbeat path (no backend touched; 503 once closing); empty: off'],
  'global.version_page': ['page', '`__version__`', 'path serving `version.json`; empty: off'],
  'global.version_file': ['file', '`version.json` in the app\'s folder', 'the `version.json` to serve (404 without one); checked by the pre-check, read by `start()`'],
  'global.debug_page': ['page', 'off', 'debug page path (protect it in nginx)'],
  'global.openapi_page': ['page', 'off', 'path serving the app\'s OpenAPI 3.1 document (`openapi.json`; docs/app.md "OpenAPI")'],
  'global.trusted_proxies': ['IPs/CIDRs', '`127.0.0.0/8, ::1`', 'addresses whose `X-Forwarded-For` is believed'],
  'global.log_level': ['level', '`info`', 'level of the `syncserver` logger'],
  'global.log_file': ['file', 'stdout', 'log file (`serve`; reopened on SIGUSR1)'],
  'global.log_format': ['`json` | `mozlog`', '`json`', '`json` (pino lines) or `mozlog` (MozLog envelope + `request.summary` lines)'],
  'global.max_body_size': ['bytes', '`1048576`', 'byte limit of `{ body: \'json\' }` routes (`512k`, `1m` also work)'],
  'global.secret_keys': ['key patterns', 'none', 'the app\'s own secret-bearing keys (`myapp.token`, `vault.*`, `*.api_key`), masked like `auth.bind_password` by `services-core config` and the debug page'],
  'global.graceful_shutdown_interval': ['seconds', '`1`', 'seconds the heartbeat answers 503 before the listener stops'],
  'global.hard_shutdown_interval': ['seconds', '`10`', 'seconds in-flight requests get before connections are cut'],
  'global.headers_timeout': ['seconds', '`60`', 'seconds a client has to send the request head (408 after)'],
  'global.request_timeout': ['seconds', '`300`', 'seconds for the whole request, body included (408 after; 0: no limit)'],
  'global.keep_alive_timeout': ['seconds', '`75`', 'seconds an idle keep-alive connection stays open (longer than nginx\'s upstream 60 s)'],
  'global.profile_file': ['file', '`syncserver-<pid>.cpuprofile`', 'where the profile is written'],
};

export const METRICS_SETTINGS: SettingsSchema = {
  'metrics.enabled': ['boolean', '`false`', 'Prometheus metrics (docs/deploy.md)'],
  'metrics.path': ['path', '`/__metrics__`', 'where the metrics are served'],
  'metrics.port': ['port', 'the app port', 'a listener of its own for the metrics (under `serve`: the primary\'s, summing all workers)'],
  'metrics.host': ['address', '`127.0.0.1`', 'that listener\'s address'],
};

export const SERVER_SETTINGS: SettingsSchema = {
  'server.host': ['address', '`127.0.0.1`', '`services-core serve` listener address (`--host`)'],
  'server.port': ['port', '`8000`', '`services-core serve` port (`--port`)'],
  'server.workers': ['integer 1–1024', 'one per core', '`services-core serve` worker processes (`--workers`)'],
  'server.use': ['entry point', 'none', 'Paste\'s server (`egg:Paste#http`): accepted and ignored'],
};

/** gunicorn's and Paste's `[server:main]` options of Python deployments: one notice each, then ignored. */
export const IGNORED_SERVER_KEYS: ReadonlySet<string> = new Set([
  'worker_class', 'timeout', 'graceful_timeout', 'keepalive', 'backlog', 'proc_name', 'loglevel', 'accesslog', 'errorlog',
  'worker_connections', 'max_requests', 'max_requests_jitter', 'threads', 'daemon', 'pidfile', 'bind', 'preload_app',
  'threadpool_workers', 'use_threadpool', 'debug', 'reload',
]);
