import { ConfigError } from '../config/errors';
import type { FlatConfig } from '../config/types';

/**
 * The Python class names that deployment files of the original select backends by, and the
 * built-in backend each stands for. `services.auth.ldap.LDAPAuth` is the original docs' misspelling
 * of `services.auth.ldapsql.LDAPAuth`; files copied from the docs use it.
 */
export const LEGACY_BACKEND_NAMES: Readonly<Record<string, string>> = Object.freeze({
  'services.auth.sql.SQLAuth': 'sql',
  'services.auth.ldapsql.LDAPAuth': 'ldap',
  'services.auth.ldap.LDAPAuth': 'ldap',
  'services.auth.dummy.DummyAuth': 'dummy',
});

const IDENTIFIER = /^[A-Za-z_]\w*$/;

// A Python dotted path ending in a class (`pkg.module.Class`): the original imported any such name.
function isPythonClass(spec: string): boolean {
  const parts = spec.split('.');
  return parts.length > 1 && parts.every((part) => IDENTIFIER.test(part)) && /^[A-Z]/.test(parts[parts.length - 1]);
}

function describe(spec: string): string {
  if (spec.startsWith('services.auth.mozilla')) return 'the Python LDAP + sreg backend';
  if (spec.startsWith('services.user.')) return 'a server-core 2.x user backend';
  return spec.startsWith('services.') ? 'a class of the Python server-core' : 'a Python class';
}

/**
 * The backend name `auth.backend = spec` stands for: a legacy dotted name's built-in, else `spec`
 * unchanged (a registered name or a module path, which the registry resolves). Any other Python
 * class name (`services.auth.mozilla.MozillaAuth`, `services.user.*`, …) throws a one-line
 * ConfigError that names it and points at docs/migrating.md.
 */
export function checkBackendName(spec: string): string {
  const alias = Object.hasOwn(LEGACY_BACKEND_NAMES, spec) ? LEGACY_BACKEND_NAMES[spec] : undefined;
  if (alias !== undefined) return alias;
  if ((spec.startsWith('services.') && /^[\w.]+$/.test(spec)) || isPythonClass(spec)) {
    throw new ConfigError(`auth.backend: ${spec} (${describe(spec)}) is not provided by services-core; ` +
      'see "Auth backends" in docs/migrating.md for what to use instead');
  }
  return spec;
}

/** `checkBackendName` on a flat config's `auth.backend`, when it is a string. */
export function checkAuthBackendSetting(config: FlatConfig): void {
  const spec = config['auth.backend'];
  if (typeof spec === 'string') checkBackendName(spec);
}
