import { ConfigError } from '../config/errors';
import { filterParams } from '../config/filter-params';
import { loadExport, parseExportRef } from '../config/load-export';
import { readEnum, readSeconds } from '../config/settings';
import type { SettingsSchema } from '../config/schema';
import type { FlatConfig } from '../config/types';
import { DUMMY_SETTINGS } from './auth-schema';
import { DummyAuth } from './dummy-auth';
import { type AuthCacheMode, DEFAULT_CACHE_RECHECK } from './auth-cache';
import { canCache, withAuthCache } from './cached-auth-backend';
import { intParam } from './auth-params';
import type { AuthBackend, AuthBackendContext, AuthBackendFactory } from './backend';
import { checkBackendName } from './legacy-backend-names';
import { LDAPAuth } from './ldap/ldap-auth';
import { LDAP_SETTINGS } from './ldap/ldap-schema';
import { SQLAuth } from './sql/sql-auth';
import { SQL_SETTINGS } from './sql/sql-schema';

/** Names → factories. A built-in loads its driver (TypeORM, ldapjs) only when it opens. */
export class AuthRegistry {
  private readonly factories = new Map<string, AuthBackendFactory>();
  private readonly schemas = new Map<string, SettingsSchema>();

  /** `settings`: the backend's own `auth.*` keys; without it, unknown `auth.*` keys are only warned about. */
  register(name: string, factory: AuthBackendFactory, settings?: SettingsSchema): void {
    if (!/^[A-Za-z][\w-]*$/.test(name)) throw new TypeError(`Invalid auth backend name '${name}'`);
    this.factories.set(name, factory);
    if (settings) this.schemas.set(name, settings);
    else this.schemas.delete(name);
  }

  get(name: string): AuthBackendFactory | undefined {
    return this.factories.get(name);
  }

  /** The keys a registered backend declared. */
  settingsOf(name: string): SettingsSchema | undefined {
    return this.schemas.get(name);
  }

  names(): string[] {
    return [...this.factories.keys()].sort();
  }
}

function builtinRegistry(): AuthRegistry {
  const registry = new AuthRegistry();
  registry.register('dummy', (params, ctx) => new DummyAuth(params, ctx), DUMMY_SETTINGS);
  registry.register('sql', (params, ctx) => new SQLAuth(params, ctx), SQL_SETTINGS);
  registry.register('ldap', (params, ctx) => new LDAPAuth(params, ctx), LDAP_SETTINGS);
  return registry;
}

/** The registry `auth.backend = <name>` is looked up in; `registerAuthBackend` adds to it. */
export const defaultAuthRegistry = builtinRegistry();

export function registerAuthBackend(name: string, factory: AuthBackendFactory, settings?: SettingsSchema): void {
  defaultAuthRegistry.register(name, factory, settings);
}

/**
 * The `auth.*` keys the configured backend declares: a registered backend's schema, or the
 * `static settingsSchema` of a backend class given as a module; undefined when it declares none
 * (then unknown `auth.*` keys are warnings). With no `auth.backend`, the built-ins' keys.
 */
export function backendSettings(config: FlatConfig, options: CreateAuthBackendOptions = {}): SettingsSchema | undefined {
  const registry = options.registry ?? defaultAuthRegistry;
  const spec = config['auth.backend'];
  if (typeof spec !== 'string' || spec === '') {
    return Object.assign({}, ...registry.names().map((name) => registry.settingsOf(name) ?? {})) as SettingsSchema;
  }
  const name = checkBackendName(spec);
  if (registry.get(name)) return registry.settingsOf(name);
  const ref = parseExportRef(name);
  if (!ref) return undefined;
  let exported: { settingsSchema?: unknown } | undefined;
  try {
    exported = loadExport(ref, options.baseDir ?? process.cwd(), { key: 'auth.backend' }) as { settingsSchema?: unknown } | undefined;
  } catch {
    return undefined; // createAuthBackend reports it
  }
  const settings = exported?.settingsSchema;
  return typeof settings === 'object' && settings !== null ? settings as SettingsSchema : undefined;
}

export interface CreateAuthBackendOptions {
  registry?: AuthRegistry;
  /** Directory that `./module.js#Export` paths are relative to (default: the working directory). */
  baseDir?: string;
  warn?: (message: string) => void;
}

/** Seconds a successful login is remembered (`auth.cache_ttl`; 0 turns the cache off). */
export const DEFAULT_CACHE_TTL = 60;
/** Most remembered logins per process (`auth.cache_size`). */
export const DEFAULT_CACHE_SIZE = 10000;

/**
 * Builds the backend named by `auth.backend`: a registered name (`sql`, `ldap`, `dummy`), a
 * module path `./path/module.js#ExportName`, or `package#Export`. Every other `auth.*` key is
 * passed to the factory (docs/compatibility.md D.3), except the login cache's own `cache_ttl`, `cache_size`,
 * `cache_mode` and `cache_recheck`: the backend comes back wrapped in that cache unless
 * `auth.cache_ttl = 0` (or, in `stamp` mode, the backend has no `credentialStamp`).
 */
export function createAuthBackend(config: FlatConfig, options: CreateAuthBackendOptions = {}): AuthBackend {
  const params = filterParams('auth', config);
  const spec = params.backend;
  if (spec === undefined || spec === '') throw new ConfigError('auth.backend is not set');
  if (typeof spec !== 'string') throw new ConfigError(`auth.backend must be a name or a module path, got ${JSON.stringify(spec)}`);
  const cache = { ...cacheSettings(params), maxEntries: intParam(params, 'cache_size', DEFAULT_CACHE_SIZE, 1) };
  for (const key of ['backend', 'cache_ttl', 'cache_size', 'cache_mode', 'cache_recheck']) delete params[key];
  const registry = options.registry ?? defaultAuthRegistry;
  const context: AuthBackendContext = {
    config,
    warn: options.warn ?? ((message) => process.emitWarning(message, 'ServicesCoreAuth')),
  };
  const name = checkBackendName(spec);
  const factory = registry.get(name) ?? loadFactory(name, options.baseDir ?? process.cwd(), registry);
  const backend = factory(params, context);
  if (cache.ttlSeconds > 0 && !canCache(backend, cache.mode)) {
    context.warn(`auth.backend '${backend.name}' has no credentialStamp, so logins are not cached; ` +
      'auth.cache_mode = ttl caches them per process for auth.cache_ttl seconds (a change made elsewhere is seen that late)');
  }
  return withAuthCache(backend, cache);
}

/** `auth.cache_ttl`, `auth.cache_mode` (`stamp` or `ttl`) and `auth.cache_recheck`. */
function cacheSettings(params: FlatConfig): { ttlSeconds: number; mode: AuthCacheMode; recheckSeconds: number } {
  const mode = readEnum<AuthCacheMode>('auth.cache_mode', params.cache_mode, ['stamp', 'ttl'], 'stamp');
  const recheckSeconds = readSeconds('auth.cache_recheck', params.cache_recheck, DEFAULT_CACHE_RECHECK);
  return { ttlSeconds: intParam(params, 'cache_ttl', DEFAULT_CACHE_TTL), mode, recheckSeconds };
}

function loadFactory(spec: string, baseDir: string, registry: AuthRegistry): AuthBackendFactory {
  const ref = parseExportRef(spec);
  if (!ref) {
    throw new ConfigError(`auth.backend: unknown backend '${spec}' (registered: ${registry.names().join(', ')}; ` +
      `or give a module as ./path/module.js#ExportName or package#Export)`);
  }
  const exported = loadExport(ref, baseDir, { key: 'auth.backend' });
  if (typeof exported !== 'function') {
    throw new ConfigError(`auth.backend: '${ref.exportName}' in '${ref.modulePath}' is not a function or class`);
  }
  const isClass = typeof (exported.prototype as { authenticateUser?: unknown } | undefined)?.authenticateUser === 'function';
  return isClass
    ? (params, ctx) => new (exported as new (p: FlatConfig, c: AuthBackendContext) => AuthBackend)(params, ctx)
    : (exported as AuthBackendFactory);
}
