const LOCAL_PART = /^[^\s@]{1,64}$/u;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
// Two labels or more, the last one alphabetic (or an IDNA `xn--` label): `moz` and
// `192.12.32334.3` are not mail domains.
const LABEL = '[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?';
const HOSTNAME = new RegExp(`^(?:${LABEL}\\.)+(?:\\p{L}{2,63}|xn--[a-z0-9-]{1,59})$`, 'iu');
const RESET_CODE = /^[A-Z0-9]{4}(?:-[A-Z0-9]{4}){3}$/;

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
