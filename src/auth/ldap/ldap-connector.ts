import { isIP } from 'node:net';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import type * as Ldapjs from 'ldapjs';
import { BackendError, BackendTimeoutError, isBackendError } from '../../util/errors';
import { readSettingFile } from '../../config/readable-file';
import { loadOptional } from '../../util/load-optional';
import type { PoolConnector } from './ldap-pool';
import type { LdapSettings } from './ldap-settings';

// The only module that imports ldapjs (docs/compatibility.md R.3): one bound client, its errors
// mapped to backend errors and LDAP result codes. LDAPAuth (ldap-auth.ts) drives it.

let ldapjs: typeof Ldapjs | undefined;
const ldap = (): typeof Ldapjs => (ldapjs ??= loadOptional<typeof Ldapjs>('ldapjs', 'auth.backend = ldap'));

/** An LDAP result code other than success, for the callers that turn some of them into `null`/`false`. */
export class LdapResultError extends Error {
  constructor(readonly code: number, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'LdapResultError';
  }
}

export const INVALID_CREDENTIALS = 49;
export const NO_SUCH_OBJECT = 32;
export const ENTRY_ALREADY_EXISTS = 68;
export const INVALID_ATTRIBUTE_SYNTAX = 21;
const TIME_LIMIT_EXCEEDED = 3;
const BUSY = 51;
const UNAVAILABLE = 52;
/** The server said the user or password is wrong: a failed login, not a backend failure. */
export const REJECTED = new Set([INVALID_CREDENTIALS, NO_SUCH_OBJECT]);
export interface Entry {
  dn: string;
  attributes: Record<string, string[]>;
}

/** One bound ldapjs client. */
export class LdapConnector implements PoolConnector {
  private broken = false;

  private constructor(private readonly client: Ldapjs.Client, private readonly settings: LdapSettings) {
    // After setup a socket error only means this connector is done; the pool drops it.
    client.on('error', () => { this.broken = true; });
    client.on('close', () => { this.broken = true; });
  }

  get connected(): boolean {
    return !this.broken && this.client.connected;
  }

  /**
   * Connects to the first URL that answers (fail-over in the listed order), secures it with
   * StartTLS when `use_tls` is on and the URL is not `ldaps://`, and binds as `dn`.
   */
  static async open(settings: LdapSettings, dn: string, password: string): Promise<LdapConnector> {
    const failures: string[] = [];
    for (const url of settings.urls) {
      let client: Ldapjs.Client;
      try {
        client = await connectClient(url, settings);
      } catch (err) {
        if (err instanceof BackendTimeoutError) throw err;
        failures.push(`${url}: ${(err as Error).message}`);
        continue;
      }
      const connector = new LdapConnector(client, settings);
      try {
        if (settings.useTls && !url.startsWith('ldaps:')) await connector.startTls(url);
        if (dn !== '') await connector.bind(dn, password);
        return connector;
      } catch (err) {
        client.destroy();
        throw err;
      }
    }
    throw new BackendError(`LDAP server unreachable: ${failures.join('; ')}`);
  }

  async close(): Promise<void> {
    this.broken = true;
    await new Promise<void>((resolve) => {
      try {
        this.client.unbind(() => resolve());
      } catch {
        resolve();
      }
    });
    this.client.destroy();
  }

  /** Entries with `attribute = value` (BER-encoded: the value can never be filter syntax). */
  search(base: string, scope: 'base' | 'sub', attribute: string, value: string, attributes: string[]): Promise<Entry[]> {
    return this.searchWith(base, scope, new (ldap().EqualityFilter)({ attribute, value }), attributes);
  }

  /** The entry at `dn`, or null when there is none. */
  async read(dn: string, attributes: string[]): Promise<Entry | null> {
    try {
      return (await this.searchWith(dn, 'base', new (ldap().PresenceFilter)({ attribute: 'objectClass' }), attributes))[0] ?? null;
    } catch (err) {
      if (err instanceof LdapResultError && err.code === NO_SUCH_OBJECT) return null;
      throw err;
    }
  }

  add(dn: string, attributes: Record<string, string[]>): Promise<void> {
    return this.call((cb) => this.client.add(dn, attributes, cb));
  }

  replace(dn: string, attribute: string, values: string[]): Promise<void> {
    const change = new (ldap().Change)({ operation: 'replace', modification: new (ldap().Attribute)({ type: attribute, values }) });
    return this.call((cb) => this.client.modify(dn, change, cb));
  }

  del(dn: string): Promise<void> {
    return this.call((cb) => this.client.del(dn, cb));
  }

  private bind(dn: string, password: string): Promise<void> {
    return this.call((cb) => this.client.bind(dn, password, cb));
  }

  private startTls(url: string): Promise<void> {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    const options: ConnectionOptions = { ...tlsOptions(this.settings), host, servername: isIP(host) ? undefined : host };
    return this.call((cb) => this.client.starttls(options, [], cb));
  }

  private searchWith(base: string, scope: 'base' | 'sub', filter: Ldapjs.EqualityFilter | Ldapjs.PresenceFilter, attributes: string[]): Promise<Entry[]> {
    const timeLimit = Math.ceil(this.settings.timeout / 1000);
    return new Promise<Entry[]>((resolve, reject) => {
      const entries: Entry[] = [];
      this.client.search(base, { scope, filter, attributes, timeLimit }, (err, res) => {
        if (err) return reject(mapError(err));
        res.on('searchEntry', (entry) => {
          const attrs: Record<string, string[]> = {};
          for (const attribute of entry.pojo.attributes) attrs[attribute.type] = attribute.values;
          entries.push({ dn: entry.pojo.objectName, attributes: attrs });
        });
        res.on('error', (e: Error) => reject(mapError(e)));
        res.on('end', () => resolve(entries));
      });
    });
  }

  private call(start: (cb: (err: Error | null) => void) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      try {
        start((err) => (err ? reject(mapError(err)) : resolve()));
      } catch (err) {
        reject(mapError(err as Error));
      }
    });
  }
}

function connectClient(url: string, settings: LdapSettings): Promise<Ldapjs.Client> {
  return new Promise<Ldapjs.Client>((resolve, reject) => {
    const client = ldap().createClient({
      url,
      tlsOptions: tlsOptions(settings),
      timeout: settings.timeout || undefined,
      connectTimeout: settings.timeout || undefined,
      queueDisable: true,
    });
    const fail = (err: Error) => {
      client.removeAllListeners();
      client.on('error', () => undefined);
      client.destroy();
      reject(mapError(err));
    };
    client.once('connect', (socket: TLSSocket) => {
      client.removeListener('error', fail).removeListener('connectRefused', fail).removeListener('connectTimeout', fail);
      if (url.startsWith('ldaps:') && !socket.encrypted) return fail(new Error('ldaps:// connection is not encrypted'));
      resolve(client);
    });
    client.once('error', fail);
    client.once('connectRefused', fail);
    client.once('connectTimeout', fail);
  });
}

/** ldapjs and socket errors → timeouts, unreachable servers (retried) or LDAP result codes. */
function mapError(err: Error): Error {
  if (isBackendError(err) || err instanceof LdapResultError) return err;
  const code = (err as { code?: unknown }).code;
  const message = err.message || err.name;
  if (err.name === 'TimeoutError' || code === TIME_LIMIT_EXCEEDED || /connectTimeout|timed? ?out/i.test(message)) {
    return new BackendTimeoutError(`LDAP timeout: ${message}`, { cause: err });
  }
  if (typeof code === 'number' && code !== BUSY && code !== UNAVAILABLE && err.name !== 'ConnectionError') {
    return new LdapResultError(code, `${err.name}: ${message}`, { cause: err });
  }
  return new BackendError(`LDAP server unavailable: ${message}`, { cause: err });
}

/** The TLS options, with the CA file read the first time (at `open()`, or the first connection without it). */
export function tlsOptions(settings: LdapSettings): ConnectionOptions {
  if (settings.caFile !== undefined && settings.tls.ca === undefined) settings.tls.ca = readSettingFile('auth.tls_ca', settings.caFile);
  return settings.tls;
}


/** Whether `dn` is below `root` (both normalised by ldapjs' DN parser). */
export function isUnder(dn: string, root: string): boolean {
  try {
    const child = ldap().parseDN(dn).toString().toLowerCase();
    const parent = ldap().parseDN(root).toString().toLowerCase();
    return child.endsWith(`,${parent}`);
  } catch {
    return false;
  }
}
