import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import * as argon2 from '@node-rs/argon2';
import type * as Bcrypt from 'bcryptjs';
import { ConfigError } from '../config/errors';
import { loadOptional } from '../util/load-optional';
import { BCRYPT_MAX_BYTES, PasswordTooLongError } from './password-length';

/** Names accepted by `auth.password_scheme`. */
export const PASSWORD_SCHEMES = ['argon2id', 'bcrypt', 'ssha', 'ssha-256', 'ssha256', 'ssha512'] as const;
export type PasswordScheme = (typeof PASSWORD_SCHEMES)[number];

export interface HashPasswordOptions {
  /** Salt for the `{SSHA…}` schemes (tests, migrations); random otherwise. */
  salt?: string | Buffer;
}

/** Salted SHA schemes: `{PREFIX}base64(digest(password + salt) + salt)`. */
const SALTED_SHA: Record<string, { prefix: string; digest: string; size: number }> = {
  'ssha': { prefix: '{SSHA}', digest: 'sha1', size: 20 },
  'ssha-256': { prefix: '{SSHA-256}', digest: 'sha256', size: 32 }, // Python server-core
  'ssha256': { prefix: '{SSHA256}', digest: 'sha256', size: 32 }, // slapd pw-sha2
  'ssha512': { prefix: '{SSHA512}', digest: 'sha512', size: 64 }, // slapd pw-sha2
};

const ARGON2ID = { algorithm: 2 as argon2.Algorithm, memoryCost: 19456, timeCost: 2, parallelism: 1 };
const BCRYPT_COST = 12;
/** bcryptjs, loaded by the first bcrypt hash: most stores hold argon2id or legacy SSHA hashes only. */
let bcryptLib: typeof Bcrypt | undefined;
const bcrypt = (): typeof Bcrypt => (bcryptLib ??= loadOptional<typeof Bcrypt>('bcryptjs', 'bcrypt passwords'));
const SALT_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function isPasswordScheme(name: string): name is PasswordScheme {
  return (PASSWORD_SCHEMES as readonly string[]).includes(name);
}

/** The scheme a stored hash was written with, or null when it is not one this module reads. */
export function schemeOf(stored: string): PasswordScheme | null {
  if (stored.startsWith('$argon2id$')) return 'argon2id';
  if (/^\$2[aby]\$\d\d\$/.test(stored)) return 'bcrypt';
  const prefix = /^\{([A-Za-z0-9-]+)\}/.exec(stored)?.[1].toLowerCase();
  return prefix !== undefined && prefix in SALTED_SHA ? (prefix as PasswordScheme) : null;
}

/** Legacy salts are 8 characters from [0-9A-Za-z] (docs/compatibility.md D.10), so Python readers take them back. */
function legacySalt(): string {
  return Array.from({ length: 8 }, () => SALT_ALPHABET[randomInt(SALT_ALPHABET.length)]).join('');
}

function saltedSha(password: string, scheme: string, salt: Buffer): string {
  const { prefix, digest } = SALTED_SHA[scheme];
  const sum = createHash(digest).update(password, 'utf8').update(salt).digest();
  return prefix + Buffer.concat([sum, salt]).toString('base64');
}

/**
 * Hashes a password for storage. `argon2id` (the default) and `bcrypt` are for new passwords;
 * the `{SSHA…}` schemes exist to write what older readers (Python services, slapd) expect.
 * bcrypt refuses a password longer than 72 bytes (PasswordTooLongError).
 */
export async function hashPassword(password: string, scheme: string = 'argon2id', options: HashPasswordOptions = {}): Promise<string> {
  if (!isPasswordScheme(scheme)) {
    throw new ConfigError(`auth.password_scheme: unknown password scheme '${scheme}' (one of ${PASSWORD_SCHEMES.join(', ')})`);
  }
  switch (scheme) {
    case 'argon2id':
      return argon2.hash(password, ARGON2ID);
    case 'bcrypt':
      // bcrypt ignores what follows byte 72: refuse rather than store a shorter password.
      if (Buffer.byteLength(password) > BCRYPT_MAX_BYTES) throw new PasswordTooLongError(`${BCRYPT_MAX_BYTES} bytes (bcrypt)`);
      return bcrypt().hash(password, BCRYPT_COST);
    default: {
      const salt = options.salt ?? (scheme === 'ssha' || scheme === 'ssha-256' ? legacySalt() : randomBytes(8));
      return saltedSha(password, scheme, Buffer.isBuffer(salt) ? salt : Buffer.from(salt, 'utf8'));
    }
  }
}

/**
 * Whether `password` matches `stored`. The salt of a `{SSHA…}` hash is whatever follows the
 * digest: 8 bytes from Python, 4 or 8 from slapd. Digests compare in constant time. A hash
 * in no known format (including a legacy hash stored without its prefix) never matches, nor
 * does a password longer than 72 bytes against a bcrypt hash.
 */
export async function validatePassword(password: string, stored: string): Promise<boolean> {
  const scheme = schemeOf(stored);
  if (scheme === 'argon2id') return argon2.verify(stored, password).catch(() => false);
  if (scheme === 'bcrypt') {
    // Past 72 bytes bcrypt would match any password with the same first 72: such input never matches.
    if (Buffer.byteLength(password) > BCRYPT_MAX_BYTES) return false;
    return bcrypt().compare(password, stored).catch(() => false);
  }
  if (scheme === null) return false;
  const { digest, size } = SALTED_SHA[scheme];
  const payload = Buffer.from(stored.slice(stored.indexOf('}') + 1), 'base64');
  if (payload.length <= size) return false;
  const expected = payload.subarray(0, size);
  const actual = createHash(digest).update(password, 'utf8').update(payload.subarray(size)).digest();
  return timingSafeEqual(expected, actual);
}

/**
 * Whether a stored hash should be replaced after a successful login: it uses another scheme
 * than `scheme`, or weaker argon2id / bcrypt parameters than this module writes.
 */
export function needsRehash(stored: string, scheme: string = 'argon2id'): boolean {
  const current = schemeOf(stored);
  if (current !== scheme) return true;
  if (current === 'argon2id') {
    try {
      const { memoryCost, timeCost, parallelism } = argon2.parseOptions(stored);
      return memoryCost < ARGON2ID.memoryCost || timeCost < ARGON2ID.timeCost || parallelism < ARGON2ID.parallelism;
    } catch {
      return true;
    }
  }
  if (current === 'bcrypt') return Number(stored.slice(4, 6)) < BCRYPT_COST;
  return false;
}
