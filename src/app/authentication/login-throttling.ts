import { LoginThrottle, type LoginThrottleSettings, type ThrottleKey, type ThrottleVerdict } from '../../auth/throttle/login-throttle';
import type { CefLogger } from '../../cef';
import { ACCOUNT_LOCKED } from '../../cef/signatures';
import { HttpError } from '../responses/errors';
import type { AppContext } from '../types';

/** The CEF event written once, fleet-wide, when a block starts. */
export const CEF_ACCOUNT_LOCKED = 'Account locked after too many failed logins';

/** 429 Too Many Requests with `Retry-After` (whole seconds, at least 1). */
export class TooManyLoginsError extends HttpError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'Too many failed logins; try again later', { headers: { 'Retry-After': String(retryAfterSeconds) } });
  }
}

/**
 * Login throttling at the HTTP edge: failed Basic logins are counted per account and per
 * client address (`ctx.state.clientIp`, resolved through `global.trusted_proxies`); while either
 * is blocked, requests are answered 429 with `Retry-After` before the backend is asked, a
 * remembered login included. The first failure that reaches a limit writes one CEF
 * `AccountLockout` event.
 */
export class LoginThrottling {
  constructor(private readonly throttle: LoginThrottle, private readonly cef: Pick<CefLogger, 'log'>) {}

  /**
   * Throws TooManyLoginsError while the account (`accountKey`) or the address is blocked; at
   * once (no promise) when the block state was read recently, as for a remembered login.
   */
  admit(ctx: AppContext, account: string | undefined, fresh: boolean): void | Promise<void> {
    const verdict = this.throttle.check(account, ctx.state.clientIp, fresh);
    if (verdict instanceof Promise) return verdict.then(refuseWhileBlocked);
    refuseWhileBlocked(verdict);
  }

  /** Counts a failed login of `name` against its account (when known) and the address; writes the CEF event when it starts a block. */
  async failed(ctx: AppContext, account: string | undefined, name: string | undefined): Promise<void> {
    const { started } = await this.throttle.failed(account, ctx.state.clientIp);
    for (const kind of started) {
      const rule = this.throttle.settings[kind];
      this.cef.log(CEF_ACCOUNT_LOCKED, 7, ctx, {
        signature: ACCOUNT_LOCKED, username: name, cs2Label: 'blockedKey', cs2: KEY_LABEL[kind],
        cn1Label: 'blockSeconds', cn1: rule.blockSeconds,
      });
    }
  }

  close(): Promise<void> {
    return this.throttle.close();
  }
}

function refuseWhileBlocked({ blockedForMs }: ThrottleVerdict): void {
  if (blockedForMs > 0) throw new TooManyLoginsError(Math.max(1, Math.ceil(blockedForMs / 1000)));
}

const KEY_LABEL: Record<ThrottleKey, string> = { user: 'user', address: 'address' };

/** The throttling `auth.throttle_*` asks for, or undefined with `auth.throttle_store = none`. */
export function createLoginThrottling(cef: Pick<CefLogger, 'log'>, warn: (message: string) => void,
  settings: LoginThrottleSettings): LoginThrottling | undefined {
  return settings.store === 'none' ? undefined : new LoginThrottling(new LoginThrottle(settings, warn), cef);
}
