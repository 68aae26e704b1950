import { randomInt, timingSafeEqual } from 'node:crypto';
import { checkResetCode } from '../util/validation';
import type { UserId } from './backend';

/** Reset codes live 6 hours (docs/compatibility.md D.6). */
export const RESET_CODE_TTL_MS = 6 * 60 * 60 * 1000;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A new code: 4 groups of 4 characters from [A-Z0-9], unbiased, e.g. `7QX2-P0A9-ZK3M-4B1C`. */
export function newResetCode(): string {
  return Array.from({ length: 4 }, () =>
    Array.from({ length: 4 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')).join('-');
}

export interface StoredResetCode {
  code: string;
  expiration: Date;
}

/** A stored code from a row's code and expiration columns; null unless both are set. */
export function storedResetCode(code: string | null | undefined, expiration: Date | null | undefined): StoredResetCode | null {
  return code && expiration ? { code, expiration } : null;
}

/** Where a backend keeps one reset code per user (SQL `users` columns, a `reset_codes` table, …). */
export interface ResetCodeStore {
  read(userId: UserId): Promise<StoredResetCode | null>;
  /** Returns false when there is no such user. */
  write(userId: UserId, stored: StoredResetCode): Promise<boolean>;
  /** Returns true when a code was removed. */
  clear(userId: UserId): Promise<boolean>;
}

/** The reset-code rules of legacy `ResetCodeManager` (docs/compatibility.md D.6) over any store. */
export class ResetCodes {
  constructor(private readonly store: ResetCodeStore, private readonly now: () => number = Date.now) {}

  /** The current unexpired code, or a new one (always a new one with `overwrite`). */
  async generate(userId: UserId, overwrite = false): Promise<string> {
    if (!overwrite) {
      const stored = await this.store.read(userId);
      if (stored && stored.code && stored.expiration.getTime() > this.now()) return stored.code;
    }
    const code = newResetCode();
    if (!(await this.store.write(userId, { code, expiration: new Date(this.now() + RESET_CODE_TTL_MS) }))) {
      throw new Error(`cannot store a reset code: no user with id ${userId}`);
    }
    return code;
  }

  /** Whether `code` is the user's unexpired code. An expired code is deleted when read. */
  async verify(userId: UserId, code: string): Promise<boolean> {
    if (!checkResetCode(code)) return false;
    const stored = await this.store.read(userId);
    if (!stored || !stored.code) return false;
    if (stored.expiration.getTime() <= this.now()) {
      await this.store.clear(userId);
      return false;
    }
    return stored.code.length === code.length && timingSafeEqual(Buffer.from(stored.code), Buffer.from(code));
  }

  clear(userId: UserId): Promise<boolean> {
    return this.store.clear(userId);
  }
}
