import { createPublicKey, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { JWTPayload, JWTVerifyGetKey, jwtVerify } from 'jose';
import type { AuthBackend } from '../backend';
import { JwksKeys } from './jwks-keys';
import { loadJose } from './token-libraries';
import type { BearerSettings } from './scheme-settings';
import { TokenCache } from './token-cache';
import { TokenFailure, type TokenIdentity, type TokenScheme } from './token-scheme';

// RFC 6750 2.1: `Bearer 1*SP b64token`; the token is bounded before this runs.
const B64TOKEN = /^[\w.~+/-]+=*$/;
const MAX_SUBJECT = 256;
const MAX_SCOPES = 64;

/** RFC 6750 3.1: a 401 that says why, in words that never repeat the token. */
function invalid(reason: string, subject?: string): TokenFailure {
  return new TokenFailure(reason, 401, { error: 'invalid_token', error_description: `The access token is ${reason}` }, subject);
}

function scopesOf(payload: JWTPayload): Set<string> {
  const raw = payload.scope ?? payload.scp;
  const list = typeof raw === 'string' ? raw.split(' ') : Array.isArray(raw) ? raw.filter((s): s is string => typeof s === 'string') : [];
  return new Set(list.filter((s) => s !== '').slice(0, MAX_SCOPES));
}

/**
 * The `bearer` scheme: a JWT (RFC 7519) in `Authorization: Bearer`, checked with jose against
 * the configured key (a JWKS URL, a PEM public key, or a shared secret): its signature with an
 * allowed algorithm, `iss`, `aud`, `exp` (required) and `nbf` with the clock skew. The user is
 * the configured claim (`sub`), looked up in the user store when asked. A token that passed is
 * remembered until it expires (at most the cache TTL), so its next requests cost a Map lookup.
 */
export class BearerScheme implements TokenScheme {
  readonly name = 'bearer';
  readonly word = 'Bearer';
  private readonly key: KeyObject | Uint8Array | JWTVerifyGetKey;
  private readonly jwks?: JwksKeys;
  readonly cache: TokenCache<TokenIdentity>;
  private readonly options: Parameters<typeof jwtVerify>[2];
  private readonly users?: Pick<AuthBackend, 'getUserId'>;
  /** A clock for tests; jose reads the real one otherwise. */
  private readonly now?: () => number;
  private readonly jwtVerify: typeof jwtVerify;

  constructor(private readonly settings: BearerSettings, deps: {
    warn: (message: string) => void;
    /** The user store, for `auth.bearer_user_lookup`. */
    users?: Pick<AuthBackend, 'getUserId'>;
    cacheSize: number;
    cacheTtlMs: number;
    now?: () => number;
  }) {
    this.jwtVerify = loadJose().jwtVerify;
    this.users = settings.userLookup ? deps.users : undefined;
    if (settings.jwksUrl !== undefined) {
      this.jwks = new JwksKeys(settings.jwksUrl, {
        refreshMs: settings.jwksRefreshSeconds * 1000, timeoutMs: settings.jwksTimeoutSeconds * 1000, warn: deps.warn, now: deps.now,
      });
      this.key = this.jwks.getKey;
    } else {
      this.key = settings.secret ?? createPublicKey(settings.publicKey!);
    }
    this.cache = new TokenCache(deps.cacheSize, deps.cacheTtlMs, deps.now);
    this.options = {
      issuer: settings.issuer, audience: settings.audience, algorithms: settings.algorithms,
      clockTolerance: settings.clockSkewSeconds, requiredClaims: ['exp'],
    };
    this.now = deps.now;
  }

  async open(): Promise<void> {
    await this.jwks?.open();
  }

  recall(header: string): TokenIdentity | undefined {
    return this.cache.get(header);
  }

  async verify(_req: IncomingMessage, header: string): Promise<TokenIdentity> {
    // Keyed on the whole header: a hit costs no slicing.
    const known = this.cache.get(header);
    if (known !== undefined) return known;
    const token = header.slice(this.word.length + 1).trim();
    if (token.length > this.settings.maxLength) throw new TokenFailure('too long', 400, { error: 'invalid_request', error_description: 'The access token is too long' });
    if (!B64TOKEN.test(token)) throw new TokenFailure('malformed', 400, { error: 'invalid_request', error_description: 'The Authorization header is malformed' });
    const payload = await this.check(token);
    const subject = payload[this.settings.userClaim];
    if (typeof subject !== 'string' || subject === '' || subject.length > MAX_SUBJECT) throw invalid('without a user');
    let id: TokenIdentity['id'];
    if (this.users) {
      const found = await this.users.getUserId(subject);
      if (found === null || found === undefined) throw invalid('for an unknown user', subject);
      id = found;
    }
    const identity: TokenIdentity = { subject, id, scopes: scopesOf(payload), expiresAt: (payload.exp! + this.settings.clockSkewSeconds) * 1000 };
    this.cache.set(header, identity, identity.expiresAt);
    return identity;
  }

  /** The verified claims, or a TokenFailure (a BackendError when the keys cannot be had). */
  private async check(token: string): Promise<JWTPayload> {
    const options = this.now ? { ...this.options, currentDate: new Date(this.now()) } : this.options;
    try {
      return (await this.jwtVerify(token, this.key as Parameters<typeof jwtVerify>[1], options)).payload;
    } catch (err) {
      const { code, claim, payload } = err as { code?: string; claim?: string; payload?: JWTPayload };
      // Claims are checked after the signature: the subject of a failing claim is known.
      const claimed = payload?.[this.settings.userClaim];
      const subject = typeof claimed === 'string' && claimed.length <= MAX_SUBJECT ? claimed : undefined;
      switch (code) {
        case 'ERR_JWT_EXPIRED': throw invalid('expired', subject);
        case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
          if (claim === 'nbf') throw invalid('not valid yet', subject);
          if (claim === 'iss') throw invalid('from another issuer', subject);
          if (claim === 'aud') throw invalid('for another audience', subject);
          throw invalid(`without a valid ${claim ?? 'claim'}`, subject);
        case 'ERR_JOSE_ALG_NOT_ALLOWED': throw invalid('signed with an algorithm not allowed');
        case 'ERR_JWKS_NO_MATCHING_KEY': throw invalid('signed with an unknown key');
        case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED': throw invalid('not signed by the issuer');
        case 'ERR_JWS_INVALID': case 'ERR_JWT_INVALID': case 'ERR_JOSE_NOT_SUPPORTED': case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
          throw invalid('malformed');
        default:
          if (err instanceof TypeError) throw invalid('malformed');
          throw err;
      }
    }
  }

  async checkHealth(): Promise<void> {
    await this.jwks?.checkHealth();
  }

  async close(): Promise<void> {
    this.cache.clear();
  }
}
