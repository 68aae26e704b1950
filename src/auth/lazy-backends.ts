/* eslint-disable @typescript-eslint/no-require-imports -- the drivers load on first use, synchronously */
import type * as Ldap from './ldap/ldap-auth';
import type * as Sql from './sql/sql-auth';

// `SQLAuth` and `LDAPAuth` are exported by the package, but importing it must not load TypeORM
// or ldapjs: each export is a getter that loads its module the first time it is read (then
// Node's module cache answers). The declarations give them their real types.

export declare const SQLAuth: typeof Sql.SQLAuth;
export type SQLAuth = Sql.SQLAuth;
export declare const LDAPAuth: typeof Ldap.LDAPAuth;
export type LDAPAuth = Ldap.LDAPAuth;
export declare const NodeAttributionError: typeof Ldap.NodeAttributionError;
export type NodeAttributionError = Ldap.NodeAttributionError;

const lazy: Record<string, () => unknown> = {
  SQLAuth: () => (require('./sql/sql-auth') as typeof Sql).SQLAuth,
  LDAPAuth: () => (require('./ldap/ldap-auth') as typeof Ldap).LDAPAuth,
  NodeAttributionError: () => (require('./ldap/ldap-auth') as typeof Ldap).NodeAttributionError,
};
for (const [name, load] of Object.entries(lazy)) {
  Object.defineProperty(exports, name, { enumerable: true, get: load });
}
