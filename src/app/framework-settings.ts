import { resolve } from 'node:path';
import { AUTH_SETTINGS, DUMMY_SETTINGS, THROTTLE_SETTINGS, TOKEN_SETTINGS } from '../auth/auth-schema';
import { type SchemeSettings, readSchemeSettings } from '../auth/schemes/scheme-settings';
import { LDAP_SETTINGS } from '../auth/ldap/ldap-schema';
import { maxPasswordLength } from '../auth/password-length';
import { type AuthRegistry, DEFAULT_CACHE_TTL, backendSettings } from '../auth/registry';
import { SQL_SETTINGS } from '../auth/sql/sql-schema';
import { type LoginThrottleSettings, readThrottleSettings } from '../auth/throttle/throttle-settings';
import { CEF_SETTINGS } from '../cef/cef-schema';
import { type CefSettings, parseCefSettings } from '../cef/cef-settings';
import { hostConfigs } from '../config/host-configs';
import { checkReadableFile } from '../config/readable-file';
import { type KeyReport, type SettingsSchema, checkKeys } from '../config/schema';
import { readDeclaredSettings } from '../config/setting-values';
import { readBoolean, readInteger, readSeconds } from '../config/settings';
import { DEFAULT_CACHE_RECHECK } from '../auth/auth-cache';
import type { FlatConfig } from '../config/types';
import { SMTP_SETTINGS } from '../util/smtp-schema';
import { GLOBAL_SETTINGS, IGNORED_SERVER_KEYS, METRICS_SETTINGS, SERVER_SETTINGS, TOP_LEVEL_SETTINGS } from './app-schema';
import { type AppSettings, readAppSettings } from './app-settings';
import { type OperabilitySettings, readOperabilitySettings } from './observability/operability-settings';
import { ClientIpResolver } from './request/client-ip';

/** Every framework key with its docs, built-in backends included: the configuration reference. */
export const FRAMEWORK_SETTINGS: SettingsSchema = {
  ...TOP_LEVEL_SETTINGS, ...GLOBAL_SETTINGS, ...METRICS_SETTINGS, ...SERVER_SETTINGS,
  ...AUTH_SETTINGS, ...THROTTLE_SETTINGS, ...TOKEN_SETTINGS, ...DUMMY_SETTINGS, ...SQL_SETTINGS, ...LDAP_SETTINGS,
  ...CEF_SETTINGS, ...SMTP_SETTINGS,
};

const COMMON: SettingsSchema = {
  ...TOP_LEVEL_SETTINGS, ...GLOBAL_SETTINGS, ...METRICS_SETTINGS, ...SERVER_SETTINGS,
  ...AUTH_SETTINGS, ...THROTTLE_SETTINGS, ...TOKEN_SETTINGS, ...CEF_SETTINGS, ...SMTP_SETTINGS,
};

/** The framework's own sections: a key no schema declares there is an error. */
const FRAMEWORK_SECTIONS = ['global', 'auth', 'cef', 'metrics', 'smtp', 'server'];

/** Everything the framework reads from a config, read once: frozen. */
export interface FrameworkSettings {
  readonly app: AppSettings;
  readonly operability: OperabilitySettings;
  /** `[cef]`; null when CEF is off. */
  readonly cef: CefSettings | null;
  /** `auth.throttle_*`, `auth.max_password_length` and `auth.check_node`, when `auth.backend` is set or a token strategy is configured. */
  readonly auth?: {
    readonly throttle: LoginThrottleSettings;
    readonly maxPasswordLength: number;
    /** `auth.check_node`, and how long a user's node is remembered: `auth.cache_recheck` seconds, 0 with `auth.cache_ttl = 0`. */
    readonly checkNode: false | { readonly recheckSeconds: number };
  };
  /** `auth.scheme` and the token strategies' settings (docs/auth-tokens.md). */
  readonly schemes: SchemeSettings;
  readonly clientIp: ClientIpResolver;
  /** `[host:…]` views (src/config/host-configs.ts). */
  readonly hosts: ReadonlyMap<string, FlatConfig>;
  /** Unknown keys that are only warned about, and Python-era keys noticed. */
  readonly keys: KeyReport;
  /** The app's declared keys (`appSettings`), read by their declared type, defaults applied. */
  readonly appValues: Readonly<Record<string, unknown>>;
}

export interface ReadSettingsOptions {
  /** The app's own keys (`static settingsSchema` of the app class): their sections are checked too, their values by declared type. */
  appSettings?: SettingsSchema;
  /** Who declared `appSettings`, for the message about a bad default (`LinkApp.settingsSchema`). */
  appSettingsOwner?: string;
  registry?: AuthRegistry;
  /** Where `auth.backend = ./module.js#Export` and `global.version_file` are resolved. */
  baseDir?: string;
  /** Read as a `serve` worker will (the throttle's default store is `cluster`). */
  serveWorker?: boolean;
  /** `error` (the default; `config` and `serve`'s pre-check): an unknown key throws; `warn`: it is reported in `keys.warnings`. */
  unknownKeys?: 'error' | 'warn';
  /** An auth backend is given in code (`options.auth`): the common `auth.*` settings are read as with `auth.backend`. */
  authGiven?: boolean;
  /** A CEF sink is given in code, so `cef.file` is not required. */
  cefSinkGiven?: boolean;
  warn?: (message: string) => void;
}

/**
 * Reads and checks every framework setting of `config` (docs/config.md "Settings"): unknown keys
 * (with the nearest known one), each reader's values, and that the files the settings name can
 * be read (none is read: `start()` reads them). The app's constructor, `services-core config`
 * and `serve`'s pre-check all call this, so they cannot drift. Throws a ConfigError naming the key.
 */
export function readSettings(config: FlatConfig, options: ReadSettingsOptions = {}): FrameworkSettings {
  const warn = options.warn ?? (() => undefined);
  const baseDir = options.baseDir ?? process.cwd();
  const backend = backendSettings(config, { registry: options.registry, baseDir });
  const schema = { ...COMMON, ...(backend ?? {}), ...(options.appSettings ?? {}) };
  const strict = new Set([...FRAMEWORK_SECTIONS, ...sectionsOf(options.appSettings ?? {})]);
  const keys = checkKeys(config, schema, {
    strictSections: strict,
    lenientSections: backend === undefined ? new Set(['auth']) : undefined,
    ignoredServerKeys: IGNORED_SERVER_KEYS,
    errors: options.unknownKeys !== 'warn',
  });
  const appValues = readDeclaredSettings(config, options.appSettings ?? {}, options.appSettingsOwner);
  const app = readAppSettings(config);
  const operability = readOperabilitySettings(config, app.heartbeatPath);
  if (operability.versionPath !== undefined && operability.versionFile !== undefined) {
    checkReadableFile('global.version_file', resolve(baseDir, operability.versionFile));
  }
  const clientIp = new ClientIpResolver(app.trustedProxies);
  const hosts = hostConfigs(config);
  const cef = parseCefSettings(config, { requireFile: !options.cefSinkGiven, warn });
  const basicAvailable = config['auth.backend'] !== undefined || options.authGiven === true;
  const schemes = readSchemeSettings(config, { baseDir, serveWorker: options.serveWorker, basicAvailable });
  const auth = !basicAvailable && schemes.bearer === undefined && schemes.hawk === undefined ? undefined : Object.freeze({
    throttle: readThrottleSettings(config, { serveWorker: options.serveWorker }),
    maxPasswordLength: maxPasswordLength({ max_password_length: config['auth.max_password_length'] }),
    checkNode: readBoolean('auth.check_node', config['auth.check_node'], false) && { recheckSeconds: nodeRecheckSeconds(config) },
  });
  return Object.freeze({ app: Object.freeze(app), operability: Object.freeze(operability), cef, auth, schemes, clientIp, hosts, keys, appValues });
}

/** The login cache's recheck period, also for the node check: a change is seen as late as a password change. */
function nodeRecheckSeconds(config: FlatConfig): number {
  if (readInteger('auth.cache_ttl', config['auth.cache_ttl'], DEFAULT_CACHE_TTL) === 0) return 0;
  return readSeconds('auth.cache_recheck', config['auth.cache_recheck'], DEFAULT_CACHE_RECHECK);
}

function sectionsOf(schema: SettingsSchema): string[] {
  return Object.keys(schema).filter((key) => key.includes('.')).map((key) => key.slice(0, key.indexOf('.')));
}

