import { BadRequestError } from '../util/errors';
import { ERROR_WEAK_PASSWORD } from '../util/respcodes';
import type { FlatConfig } from '../config/types';
import { intParam } from './auth-params';

/** Default of `auth.max_password_length`, in characters (UTF-16 code units). */
export const DEFAULT_MAX_PASSWORD_LENGTH = 256;

/** bcrypt reads only the first 72 bytes of a password. */
export const BCRYPT_MAX_BYTES = 72;

/**
 * A password too long to be set: a 400 whose JSON body is respcode 9 (ERROR_WEAK_PASSWORD, the
 * code for a password the server refuses). Thrown before any hash is computed.
 */
export class PasswordTooLongError extends BadRequestError {
  constructor(limit: string) {
    super(`Bad Request (code ${ERROR_WEAK_PASSWORD})`, { body: ERROR_WEAK_PASSWORD });
    this.name = 'PasswordTooLongError';
    this.message = `the password is longer than ${limit}`;
  }
}

/** `auth.max_password_length` from the backend params (`auth.` stripped): an integer >= 1. */
export function maxPasswordLength(params: FlatConfig): number {
  return intParam(params, 'max_password_length', DEFAULT_MAX_PASSWORD_LENGTH, 1);
}

/** Throws PasswordTooLongError when `password` has more than `max` characters. */
export function checkNewPasswordLength(password: string, max: number): void {
  if (password.length > max) throw new PasswordTooLongError(`${max} characters (auth.max_password_length)`);
}
