import { setKey } from './set-key';
import type { ConfigValue, FlatConfig } from './types';

const MASK = '********';
const SECRET_KEY = /password|secret|key/i;
const SCHEME_CHAR = /[A-Za-z0-9+.-]/;
const AUTHORITY_END = /[\s/?#]/;

/**
 * A copy of `flat` fit for showing: the value of every key whose name contains `password`,
 * `secret` or `key` (any case) becomes `********`, and credentials in URIs inside the other
 * string values (list items too) become `****:****`.
 */
export function maskSecrets(flat: FlatConfig): FlatConfig {
  const out: FlatConfig = {};
  for (const [key, value] of Object.entries(flat)) {
    setKey(out, key, SECRET_KEY.test(key) ? MASK : maskValue(value));
  }
  return out;
}

function maskValue(value: ConfigValue): ConfigValue {
  if (typeof value === 'string') return maskUriCredentials(value);
  if (Array.isArray(value)) return value.map(maskValue);
  return value;
}

/**
 * Replaces the user-info part of every `scheme://user:pass@host` in `text` with `****:****`
 * (`****` when there is no `:`), e.g. `mysql://****:****@db/sync`. The user-info runs to the last
 * `@` of the authority, so a password holding a raw `@` is masked whole.
 */
export function maskUriCredentials(text: string): string {
  let out = '';
  let done = 0;
  let at = text.indexOf('://');
  while (at !== -1) {
    const start = at + 3;
    let end = start;
    while (end < text.length && !AUTHORITY_END.test(text[end])) end++;
    const userEnd = text.lastIndexOf('@', end - 1);
    if (userEnd >= start && hasScheme(text, at)) {
      const userInfo = text.slice(start, userEnd);
      out += text.slice(done, start) + (userInfo.includes(':') ? '****:****' : '****');
      done = userEnd;
    }
    at = text.indexOf('://', end);
  }
  return done === 0 ? text : out + text.slice(done);
}

/** Whether a URI scheme (a letter, then letters, digits, `+`, `-`, `.`) ends at `at`. */
function hasScheme(text: string, at: number): boolean {
  let i = at;
  while (i > 0 && SCHEME_CHAR.test(text[i - 1])) i--;
  while (i < at && !/[A-Za-z]/.test(text[i])) i++;
  return i < at;
}
