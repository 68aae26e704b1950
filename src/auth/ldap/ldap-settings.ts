import { ConfigError } from '../../config/errors';
import { checkInstalled } from '../../util/load-optional';
import { checkReadableFile } from '../../config/readable-file';
import type { FlatConfig } from '../../config/types';
import type { ConnectionOptions } from 'node:tls';
import { boolParam, listParam, numberParam, stringParam } from '../auth-params';

/** Schemes slapd verifies itself (pw-sha2 for the SHA-2 ones). */
const DIRECTORY_SCHEMES = ['ssha', 'ssha256', 'ssha512'];

export interface LdapSettings {
  urls: string[];
  useTls: boolean;
  /** `ca` is filled from `caFile` when the first connection is made (`tlsOptions`). */
  tls: ConnectionOptions;
  /** `auth.tls_ca`: checked to be readable by the constructor, read by `open()`. */
  caFile?: string;
  bindUser: string;
  bindPassword: string;
  adminUser?: string;
  adminPassword?: string;
  usersRoot: string;
  /** Milliseconds; 0 waits forever. */
  timeout: number;
  usePool: boolean;
  poolSize: number;
  retryMax: number;
  retryDelay: number;
  maxLifetime: number;
  checkAccountState: boolean;
  singleBox: boolean;
  nodesScheme: string;
  passwordScheme: string;
  sqluri?: string;
  /** Operational attributes that change with every write to an entry (`credentialStamp`). */
  stampAttributes: string[];
}

// --- settings -------------------------------------------------------------------------------

/** Reads the `auth.*` keys (prefix removed; `auth.ldap.pool_size` arrives as `ldap_pool_size`). */
export function parseSettings(params: FlatConfig): LdapSettings {
  checkInstalled('ldapjs', 'auth.backend = ldap');
  const urls = listParam(params, 'ldapuri');
  if (urls.length === 0) throw new ConfigError('auth.ldapuri is required for auth.backend = ldap (one or more ldap:// or ldaps:// URIs)');
  for (const url of urls) {
    if (!/^ldaps?:\/\/[^/\s]+\/?$/i.test(url)) throw new ConfigError(`auth.ldapuri: '${url}' is not an ldap://host[:port] or ldaps://host[:port] URI`);
  }
  const usersRoot = stringParam(params, 'users_root', 'ou=users,dc=mozilla');
  if (usersRoot === 'md5') throw new ConfigError('auth.users_root = md5 (hashed user trees) is not supported; give the DN of the users entry');
  const scheme = stringParam(params, 'password_scheme', 'ssha').toLowerCase().replace(/^\{|\}$/g, '');
  if (!DIRECTORY_SCHEMES.includes(scheme)) {
    throw new ConfigError(`auth.password_scheme = ${scheme}: the directory verifies the hash itself, so use one of ${DIRECTORY_SCHEMES.join(', ')}`);
  }
  const caFile = stringParam(params, 'tls_ca');
  if (caFile !== undefined) checkReadableFile('auth.tls_ca', caFile);
  const timeout = numberParam(params, 'ldap_timeout', 10);
  const nodesScheme = stringParam(params, 'nodes_scheme', 'https');
  return {
    urls,
    useTls: boolParam(params, 'use_tls', false),
    tls: { rejectUnauthorized: boolParam(params, 'tls_reject_unauthorized', true) },
    caFile,
    bindUser: stringParam(params, 'bind_user', ''),
    bindPassword: stringParam(params, 'bind_password', ''),
    adminUser: stringParam(params, 'admin_user'),
    adminPassword: stringParam(params, 'admin_password'),
    usersRoot,
    timeout: timeout > 0 ? timeout * 1000 : 0,
    usePool: boolParam(params, 'ldap_use_pool', false),
    poolSize: numberParam(params, 'ldap_pool_size', 10),
    retryMax: numberParam(params, 'ldap_retry_max', 3),
    retryDelay: numberParam(params, 'ldap_retry_delay', 0.1) * 1000,
    maxLifetime: numberParam(params, 'ldap_max_lifetime', 600) * 1000,
    checkAccountState: boolParam(params, 'check_account_state', true),
    singleBox: boolParam(params, 'single_box', false),
    nodesScheme,
    passwordScheme: scheme,
    sqluri: stringParam(params, 'sqluri'),
    stampAttributes: params.ldap_stamp_attributes === undefined ? ['entryCSN', 'modifyTimestamp'] : listParam(params, 'ldap_stamp_attributes'),
  };
}
