import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../../config/errors';
import { originsOf } from '../../config/origins';
import { readBoolean, readEnum, readInteger, readSeconds } from '../../config/settings';
import type { ConfigValue, FlatConfig } from '../../config/types';
import { SCHEME_NAMES, type SchemeName } from './token-scheme';

/** Where Hawk nonces are remembered: this process, the `serve` primary, or a SQL table of the fleet. */
export type NonceStoreKind = 'memory' | 'cluster' | 'sql';

export interface BearerSettings {
  issuer: string;
  audience: string;
  /** Exactly one key source. */
  jwksUrl?: string;
  /** A PEM public key (SPKI or X.509 certificate), read at construction. */
  publicKey?: string;
  secret?: Uint8Array;
  algorithms: string[];
  clockSkewSeconds: number;
  userClaim: string;
  userLookup: boolean;
  /** Least seconds between two JWKS fetches on an unknown `kid`. */
  jwksRefreshSeconds: number;
  jwksTimeoutSeconds: number;
  /** Longest token accepted, in characters. */
  maxLength: number;
}

export interface HawkSettings {
  credentials: 'app' | 'sql';
  sqluri?: string;
  table: string;
  skewSeconds: number;
  nonceStore: NonceStoreKind;
  /** The host and port the clients sign, when a proxy in front changes them. */
  host?: string;
  port?: number;
}

/** The `auth.scheme` list and each configured strategy's settings. */
export interface SchemeSettings {
  /** The app's default, tried in order. */
  schemes: SchemeName[];
  /** The strategies routes may name: the default ones and those with their settings given. */
  available: ReadonlySet<SchemeName>;
  bearer?: BearerSettings;
  hawk?: HawkSettings;
  /** The token verification cache: entries per process, longest seconds an entry serves. */
  cacheSize: number;
  cacheTtlSeconds: number;
}

// Never `none`, and no algorithm a key of the other kind could be confused with.
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const SYMMETRIC = ['HS256', 'HS384', 'HS512'];
const MIN_SECRET_BYTES = 32;

function text(config: FlatConfig, key: string): string | undefined {
  const value = config[key];
  if (value === undefined || value === '') return undefined;
  if (Array.isArray(value)) throw new ConfigError(`${key}: expected a single value, got a list`);
  return String(value);
}

function words(value: ConfigValue | undefined): string[] {
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value.map(String) : [String(value)];
  return items.flatMap((item) => item.split(/[\s,]+/)).filter((item) => item !== '');
}

/**
 * Runs a reader of `key`; its ConfigError gets the file and line the key was written at (a
 * missing key: the first of its strategy's keys, `auth.bearer_…` or `auth.hawk_…`, or `auth.scheme`).
 */
function at<T>(config: FlatConfig, key: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof ConfigError) || err.file !== undefined) throw err;
    const origins = originsOf(config);
    const family = key.slice(0, key.indexOf('_') + 1);
    const near = [...origins.entries()].filter(([k]) => k.startsWith(family) || k === 'auth.scheme')
      .sort((a, b) => (a[1].line ?? 0) - (b[1].line ?? 0))[0];
    const origin = origins.get(key) ?? near?.[1];
    const message = err.message.startsWith(`${key}`) ? err.message : `${key}: ${err.message}`;
    throw new ConfigError(message, { file: origin?.file, line: origin?.line });
  }
}

function readBearer(config: FlatConfig, baseDir: string): BearerSettings {
  const required = (key: string) => at(config, key, () => {
    const value = text(config, key);
    if (value === undefined) throw new ConfigError(`${key} is required for the bearer scheme`);
    return value;
  });
  const issuer = required('auth.bearer_issuer');
  const audience = required('auth.bearer_audience');
  const jwksUrl = at(config, 'auth.bearer_jwks_url', () => {
    const url = text(config, 'auth.bearer_jwks_url');
    if (url !== undefined && !/^https?:\/\/[^\s]+$/i.test(url)) throw new ConfigError(`auth.bearer_jwks_url: expected an http(s) URL, got ${JSON.stringify(url)}`);
    return url;
  });
  const keyFile = text(config, 'auth.bearer_key_file');
  const publicKey = keyFile === undefined ? undefined : at(config, 'auth.bearer_key_file', () => {
    let pem: string;
    try {
      pem = readFileSync(resolve(baseDir, keyFile), 'utf8');
    } catch (err) {
      throw new ConfigError(`auth.bearer_key_file: cannot read ${keyFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (!/-----BEGIN (?:PUBLIC KEY|CERTIFICATE)-----/.test(pem)) {
      throw new ConfigError(`auth.bearer_key_file: ${keyFile} holds no PEM public key or certificate (BEGIN PUBLIC KEY or BEGIN CERTIFICATE)`);
    }
    return pem;
  });
  const secretText = text(config, 'auth.bearer_secret');
  const secret = secretText === undefined ? undefined : at(config, 'auth.bearer_secret', () => {
    const bytes = new TextEncoder().encode(secretText);
    if (bytes.length < MIN_SECRET_BYTES) throw new ConfigError(`auth.bearer_secret: at least ${MIN_SECRET_BYTES} bytes are needed (got ${bytes.length})`);
    return bytes;
  });
  const sources = [jwksUrl, publicKey, secret].filter((source) => source !== undefined).length;
  if (sources !== 1) {
    at(config, 'auth.bearer_issuer', () => {
      throw new ConfigError(`auth.bearer_issuer: the bearer scheme needs exactly one of auth.bearer_jwks_url, auth.bearer_key_file, auth.bearer_secret (got ${sources})`);
    });
  }
  const allowed = secret ? SYMMETRIC : ASYMMETRIC;
  const algorithms = at(config, 'auth.bearer_algorithms', () => {
    const listed = words(config['auth.bearer_algorithms']);
    for (const alg of listed) {
      if (!allowed.includes(alg)) {
        throw new ConfigError(`auth.bearer_algorithms: ${JSON.stringify(alg)} is not allowed with ${secret ? 'a shared secret' : 'public keys'} (one of ${allowed.join(', ')})`);
      }
    }
    return listed.length > 0 ? listed : secret ? ['HS256'] : ['RS256', 'ES256', 'EdDSA'];
  });
  return {
    issuer, audience, jwksUrl, publicKey, secret, algorithms,
    clockSkewSeconds: at(config, 'auth.bearer_clock_skew', () => readSeconds('auth.bearer_clock_skew', config['auth.bearer_clock_skew'], 30)),
    userClaim: text(config, 'auth.bearer_user_claim') ?? 'sub',
    userLookup: at(config, 'auth.bearer_user_lookup', () => readBoolean('auth.bearer_user_lookup', config['auth.bearer_user_lookup'], false)),
    jwksRefreshSeconds: at(config, 'auth.bearer_jwks_refresh', () => readSeconds('auth.bearer_jwks_refresh', config['auth.bearer_jwks_refresh'], 60)),
    jwksTimeoutSeconds: at(config, 'auth.bearer_jwks_timeout', () => readSeconds('auth.bearer_jwks_timeout', config['auth.bearer_jwks_timeout'], 5)),
    maxLength: at(config, 'auth.bearer_max_length', () => readInteger('auth.bearer_max_length', config['auth.bearer_max_length'], 8192, 64, 65536)),
  };
}

function readHawk(config: FlatConfig, serveWorker: boolean): HawkSettings {
  const credentials = at(config, 'auth.hawk_credentials', () => readEnum('auth.hawk_credentials', config['auth.hawk_credentials'], ['app', 'sql'] as const, 'app'));
  const nonceStore = at(config, 'auth.hawk_nonce_store', () => {
    const store = readEnum('auth.hawk_nonce_store', config['auth.hawk_nonce_store'], ['memory', 'cluster', 'sql'] as const, serveWorker ? 'cluster' : 'memory');
    if (store === 'cluster' && !serveWorker) throw new ConfigError('auth.hawk_nonce_store = cluster needs a services-core serve worker (the primary keeps the nonces)');
    return store;
  });
  const sqluri = text(config, 'auth.hawk_sqluri') ?? text(config, 'auth.sqluri');
  if ((credentials === 'sql' || nonceStore === 'sql') && sqluri === undefined) {
    at(config, credentials === 'sql' ? 'auth.hawk_credentials' : 'auth.hawk_nonce_store', () => {
      throw new ConfigError(`${credentials === 'sql' ? 'auth.hawk_credentials' : 'auth.hawk_nonce_store'} = sql needs auth.hawk_sqluri or auth.sqluri`);
    });
  }
  const table = at(config, 'auth.hawk_table', () => {
    const name = text(config, 'auth.hawk_table') ?? 'hawk_credentials';
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new ConfigError(`auth.hawk_table: expected a plain SQL identifier, got ${JSON.stringify(name)}`);
    return name;
  });
  const port = config['auth.hawk_port'] === undefined || config['auth.hawk_port'] === '' ? undefined
    : at(config, 'auth.hawk_port', () => readInteger('auth.hawk_port', config['auth.hawk_port'], 0, 1, 65535));
  return {
    credentials, sqluri, table, nonceStore, port,
    skewSeconds: at(config, 'auth.hawk_skew', () => readInteger('auth.hawk_skew', config['auth.hawk_skew'], 60, 1, 3600)),
    host: text(config, 'auth.hawk_host'),
  };
}

/**
 * Reads `auth.scheme` and the settings of every strategy it names or whose keys are given
 * (docs/auth-tokens.md). `basicAvailable`: an auth backend is configured. Every error is a
 * one-line ConfigError naming the key, and its file and line when the config came from a file.
 */
export function readSchemeSettings(config: FlatConfig, options: { baseDir?: string; serveWorker?: boolean; basicAvailable: boolean }): SchemeSettings {
  const serveWorker = options.serveWorker ?? (cluster.isWorker && process.send !== undefined);
  const schemes = at(config, 'auth.scheme', () => {
    const listed = words(config['auth.scheme']);
    for (const name of listed) {
      if (!(SCHEME_NAMES as readonly string[]).includes(name)) {
        throw new ConfigError(`auth.scheme: unknown scheme ${JSON.stringify(name)} (known: ${SCHEME_NAMES.join(', ')})`);
      }
    }
    if (new Set(listed).size !== listed.length) throw new ConfigError(`auth.scheme: a scheme is listed twice: ${listed.join(' ')}`);
    return (listed.length > 0 ? listed : ['basic']) as SchemeName[];
  });
  const bearerGiven = schemes.includes('bearer') || Object.keys(config).some((key) => key.startsWith('auth.bearer_'));
  const hawkGiven = schemes.includes('hawk') || Object.keys(config).some((key) => key.startsWith('auth.hawk_'));
  const bearer = bearerGiven ? readBearer(config, options.baseDir ?? process.cwd()) : undefined;
  const hawk = hawkGiven ? readHawk(config, serveWorker) : undefined;
  const available = new Set<SchemeName>();
  if (options.basicAvailable) available.add('basic');
  if (bearer) available.add('bearer');
  if (hawk) available.add('hawk');
  if (schemes.length > 1 || schemes[0] !== 'basic') {
    // Without a backend, `basic` in the list is the route table's error (`@authenticated needs an auth backend`).
    if (schemes.includes('basic') && !options.basicAvailable) {
      at(config, 'auth.scheme', () => { throw new ConfigError('auth.scheme: basic needs auth.backend'); });
    }
  }
  return {
    schemes, available, bearer, hawk,
    cacheSize: at(config, 'auth.token_cache_size', () => readInteger('auth.token_cache_size', config['auth.token_cache_size'], 10000, 0)),
    cacheTtlSeconds: at(config, 'auth.token_cache_ttl', () => readSeconds('auth.token_cache_ttl', config['auth.token_cache_ttl'], 300)),
  };
}
