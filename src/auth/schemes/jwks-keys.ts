import type { JSONWebKeySet, JWTVerifyGetKey } from 'jose';
import { httpRequest } from '../../util/http-request';
import { BackendError } from '../../util/errors';
import { loadJose } from './token-libraries';

/** The largest JWKS document read (a set of a few keys is a few kB). */
const MAX_JWKS_BYTES = 1024 * 1024;

type GetKey = JWTVerifyGetKey;

/**
 * The keys of a JWKS URL: fetched by `open()` (the app's start fails when it cannot), kept, and
 * fetched again when a token names a `kid` the set lacks, at most once per `refreshMs`. A
 * failed fetch keeps the set that was served (a JWKS outage does not stop the tokens signed by
 * known keys) and is reported through `warn`.
 */
export class JwksKeys {
  private keys?: GetKey;
  private lastAttempt = -Infinity;
  private fetching?: Promise<boolean>;

  constructor(private readonly url: string, private readonly options: {
    refreshMs: number; timeoutMs: number; warn: (message: string) => void; now?: () => number;
  }) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** The first fetch; it does not count against the interval, so a key rotated since is fetched at its first use. */
  async open(): Promise<void> {
    this.keys = loadJose().createLocalJWKSet(await this.fetchSet());
  }

  /** jose's key resolver: the set's key for the token's header, after one refresh when it has none. */
  readonly getKey: GetKey = async (header, token) => {
    if (!this.keys && !(await this.refresh())) throw new BackendError(`the JWKS at ${this.url} could not be fetched yet`);
    try {
      return await this.keys!(header, token);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY' || !(await this.refresh())) throw err;
      return this.keys!(header, token);
    }
  };

  /** Fetches the set again unless that was tried within `refreshMs`; true when a new set is in use. */
  refresh(): Promise<boolean> {
    if (this.fetching) return this.fetching;
    const now = this.now();
    if (now - this.lastAttempt < this.options.refreshMs) return Promise.resolve(false);
    this.lastAttempt = now;
    this.fetching = this.fetchSet().then((set) => {
      this.keys = loadJose().createLocalJWKSet(set);
      return true;
    }, (err: unknown) => {
      this.options.warn(`bearer: ${(err as Error).message}; ${this.keys ? 'serving the keys fetched before' : 'no keys yet'}`);
      return false;
    }).finally(() => {
      this.fetching = undefined;
    });
    return this.fetching;
  }

  /** Throws a BackendError when no set was ever fetched. */
  async checkHealth(): Promise<void> {
    if (!this.keys && !(await this.refresh())) throw new BackendError(`the JWKS at ${this.url} could not be fetched`);
  }

  private async fetchSet(): Promise<JSONWebKeySet> {
    const res = await httpRequest('JWKS', this.url, { timeoutMs: this.options.timeoutMs, headers: { accept: 'application/json' } });
    if (res.status !== 200) throw new BackendError(`the JWKS at ${this.url} answered ${res.status}`);
    if (res.body.length > MAX_JWKS_BYTES) throw new BackendError(`the JWKS at ${this.url} is larger than ${MAX_JWKS_BYTES} bytes`);
    let set: unknown;
    try {
      set = JSON.parse(res.body.toString('utf8'));
    } catch {
      throw new BackendError(`the JWKS at ${this.url} is not JSON`);
    }
    if (typeof set !== 'object' || set === null || !Array.isArray((set as JSONWebKeySet).keys)) {
      throw new BackendError(`the JWKS at ${this.url} has no "keys" list`);
    }
    return set as JSONWebKeySet;
  }
}
