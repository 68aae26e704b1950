import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type * as Hawk from 'hawk';
import type { HawkCredentials, HawkCredentialsSource } from './hawk-credentials';
import type { NonceStore } from './nonce-store';
import type { HawkSettings } from './scheme-settings';
import { TokenCache } from './token-cache';
import { loadHawk } from './token-libraries';
import { TokenFailure, type TokenIdentity, type TokenScheme } from './token-scheme';

/** The longest Hawk header read (the library's own bound). */
const MAX_HEADER = 4096;

// The library's 401 messages, as fixed reasons (its 400 messages may name a client's attribute).
const REASONS: Record<string, string> = {
  'Unknown credentials': 'unknown credentials',
  'Bad mac': 'bad MAC',
  'Stale timestamp': 'stale timestamp',
};

interface Boomed {
  isBoom?: boolean;
  message: string;
  output?: { statusCode: number; headers: Record<string, string> };
  credentials?: HawkCredentials;
}

function expiryOf(credentials: HawkCredentials): number | undefined {
  const { expiresAt } = credentials;
  return expiresAt instanceof Date ? expiresAt.getTime() : expiresAt;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The `hawk` scheme, through the `hawk` package: a MAC over the method, path and query, host,
 * port, timestamp, nonce and (when the client sends one) the payload hash, with the
 * credentials of the id (from the app or a SQL table, remembered until they expire or the cache
 * TTL). A timestamp outside the skew is answered with the protocol's `ts`/`tsm` challenge; a
 * nonce seen before within the window is refused. The body's hash is checked once a route reads
 * the body (`checkPayload`).
 */
export class HawkScheme implements TokenScheme {
  readonly name = 'hawk';
  readonly word = 'Hawk';
  readonly cache: TokenCache<HawkCredentials>;
  // Passed as it is: the library only fills in a missing timestampSkewSec, which is always set.
  private readonly options: { timestampSkewSec: number; host?: string; port?: number; localtimeOffsetMsec?: number };
  /** Each credentials' scopes as a Set, made once. */
  private readonly scopeSets = new WeakMap<HawkCredentials, ReadonlySet<string>>();
  private readonly hawk: typeof Hawk;

  constructor(private readonly settings: HawkSettings, private readonly deps: {
    credentials: HawkCredentialsSource;
    nonces: NonceStore;
    cacheSize: number;
    cacheTtlMs: number;
    /** Closed with the scheme (the SQL credentials' connection). */
    closeCredentials?: () => Promise<void>;
    checkCredentials?: () => Promise<void>;
  }) {
    this.hawk = loadHawk();
    this.cache = new TokenCache(deps.cacheSize, deps.cacheTtlMs);
    this.options = { timestampSkewSec: settings.skewSeconds, host: settings.host, port: settings.port };
  }

  async open(): Promise<void> {}

  private readonly credentialsOf = async (id: string): Promise<HawkCredentials | null> => {
    const known = this.cache.get(id);
    if (known !== undefined) return known;
    const found = await this.deps.credentials(id);
    if (!found) return null;
    const expiresAt = expiryOf(found);
    if (expiresAt !== undefined && expiresAt <= Date.now()) return null;
    this.cache.set(id, found, expiresAt);
    return found;
  };

  async verify(req: IncomingMessage, header: string): Promise<TokenIdentity> {
    if (header.length > MAX_HEADER) throw new TokenFailure('too long', 400);
    let result: { credentials: HawkCredentials; artifacts: { id: string; nonce: string; ts: string; hash?: string } };
    try {
      result = await this.hawk.server.authenticate(req, this.credentialsOf as unknown as Hawk.server.CredentialsFunc, this.options) as unknown as typeof result;
    } catch (err) {
      const boom = err as Boomed;
      const status = boom.output?.statusCode;
      if (!boom.isBoom || (status !== 400 && status !== 401)) throw err;
      if (status === 400) throw new TokenFailure('malformed', 400);
      const reason = REASONS[boom.message] ?? 'refused';
      const challenge: Record<string, string> = {};
      if (reason === 'stale timestamp') {
        // The library's signed server time, so the client can correct its clock.
        const attributes = /\bts="(\d+)", tsm="([^"]*)"/.exec(boom.output!.headers['WWW-Authenticate'] ?? '');
        if (attributes) Object.assign(challenge, { ts: attributes[1], tsm: attributes[2] });
      }
      challenge.error = boom.message in REASONS ? boom.message : 'Unauthorized';
      throw new TokenFailure(reason, 401, challenge, boom.credentials?.user);
    }
    const { credentials, artifacts } = result;
    // After the MAC and the timestamp passed: a forged request cannot use up a client's nonces.
    if (!(await this.deps.nonces.claim(artifacts.id, artifacts.nonce, artifacts.ts))) {
      throw new TokenFailure('replayed nonce', 401, { error: 'Invalid nonce' }, credentials.user);
    }
    const sent = artifacts.hash;
    return {
      subject: credentials.user,
      id: credentials.userId,
      scopes: this.scopesOf(credentials),
      expiresAt: expiryOf(credentials),
      checkPayload: sent === undefined || sent === '' ? undefined
        : (body, contentType) => sameText(this.hawk.crypto.calculatePayloadHash(body as unknown as string, credentials.algorithm, contentType ?? ''), sent),
    };
  }

  private scopesOf(credentials: HawkCredentials): ReadonlySet<string> {
    let scopes = this.scopeSets.get(credentials);
    if (scopes === undefined) {
      scopes = new Set(credentials.scopes ?? []);
      this.scopeSets.set(credentials, scopes);
    }
    return scopes;
  }

  async checkHealth(): Promise<void> {
    await this.deps.checkCredentials?.();
  }

  async close(): Promise<void> {
    this.cache.clear();
    await this.deps.nonces.close();
    await this.deps.closeCredentials?.();
  }
}
