const LOCAL_PART = /^[^\s@]{1,64}$/u;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
// Two labels or more, the last one alphabetic (or an IDNA `xn--` label): `moz` and
// `192.12.32334.3` are not mail domains.
const LABEL = '[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?';
const HOSTNAME = new RegExp(`^(?:${LABEL}\\.)+(?:\\p{L}{2,63}|xn--[a-z0-9-]{1,59})$`, 'iu');
const RESET_CODE = /^[A-Z0-9]{4}(?:-[A-Z0-9]{4}){3}$/;
// Controls (C0, DEL, C1: NUL included), format characters (zero-width, bidi marks, BOM, tags),
// unassigned code points and lone surrogates: invisible or meaningless in a name, and some
// databases refuse them (PostgreSQL: NUL) or ignore them when comparing (MariaDB).
const UNSAFE_IN_NAME = /[\p{Cc}\p{Cf}\p{Cn}\p{Cs}]/u;
const EDGE_SPACE = /^[\s\p{Z}]|[\s\p{Z}]$/u;

/**
 * A plausible mail address (legacy `valid_email`): `local@host.tld` or `local@1.2.3.4`.
 * It checks the shape only; delivery is the proof.
 */
export function validEmail(email: unknown): boolean {
  if (typeof email !== 'string' || email.length > 254) return false;
  const at = email.lastIndexOf('@');
  if (at < 0) return false;
  const domain = email.slice(at + 1);
  return LOCAL_PART.test(email.slice(0, at)) && (IPV4.test(domain) || HOSTNAME.test(domain));
}

/**
 * Whether a user name holds a control character (NUL included), a format character (zero-width
 * space, bidi marks), an unassigned code point or a lone surrogate. Such a name is no account:
 * the login flow refuses it (401) and the backends never send it to a database or directory.
 */
export function hasUnsafeNameCharacters(name: string): boolean {
  return UNSAFE_IN_NAME.test(name);
}

export interface UsernameRules {
  /** Most characters (code points) allowed; default 255. */
  maxLength?: number;
}

/**
 * Whether `name` may be registered: a string of 1 to `maxLength` code points, without unsafe
 * characters (`hasUnsafeNameCharacters`) and without white space at either end (which
 * databases that pad or trim would read as another account's name). Answer a failure with
 * `jsonBadRequest(ERROR_INVALID_USER)`. An app may add its own, stricter rule after it.
 */
export function validUsername(name: unknown, { maxLength = 255 }: UsernameRules = {}): boolean {
  if (typeof name !== 'string' || name.length === 0 || name.length > 2 * maxLength) return false;
  return [...name].length <= maxLength && !UNSAFE_IN_NAME.test(name) && !EDGE_SPACE.test(name);
}

export interface PasswordRules {
  /** Fewest characters (code points) allowed; default 8. */
  minLength?: number;
}

/**
 * Whether `password` is acceptable for `user` (legacy `valid_password`): long enough, and not
 * the username itself, ignoring case and surrounding whitespace.
 */
export function validPassword(user: string, password: unknown, { minLength = 8 }: PasswordRules = {}): boolean {
  if (typeof password !== 'string' || [...password].length < minLength) return false;
  return password.trim().toLowerCase() !== String(user ?? '').trim().toLowerCase();
}

/**
 * Whether `code` has the reset-code format, 4 groups of 4 `[A-Z0-9]` joined by `-`
 * (`7QX2-P0A9-ZK3M-4B1C`). Anchored at both ends: the original accepted trailing text.
 */
export function checkResetCode(code: unknown): boolean {
  return typeof code === 'string' && RESET_CODE.test(code);
}
