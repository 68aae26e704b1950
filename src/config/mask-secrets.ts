import { setKey } from './set-key';
import type { ConfigValue, FlatConfig } from './types';

const MASK = '********';
const SCHEME_CHAR = /[A-Za-z0-9+.-]/;
const AUTHORITY_END = /[\s/?#]/;

/**
 * The framework's secret-bearing keys, `section.option`; `*` stands for a whole section or option
 * name (`*.password`: an option named exactly `password` in any section). Most are also caught by
 * the last-word rule below; the list names them all (and `cef.tls.passphrase`, `cef.tls.pfx`,
 * which only it catches). Masking goes by this list and by whole words, never by substrings.
 */
export const SECRET_KEYS: readonly string[] = [
  '*.password', '*.secret',
  'auth.bind_password', 'auth.admin_password',
  'smtp.password',
  'cef.tls.key', 'cef.tls.passphrase', 'cef.tls.pfx',
  'captcha.private_key',
];

/**
 * The secret-bearing words. A key is secret when its last word (split at `.`, `_`, `-`; any case;
 * trailing digits dropped: `password2`) is one of them, a plural of one but `keys` (`tokens`,
 * `secrets`), or a word ending in one (`apikey`, `authtoken`: the INI reader lower-cases keys);
 * `QUALIFIERS` at the end are skipped first (`password_old`, `secret_key_base`,
 * `private_key_pem`). `public_key` and `publickey` are not secrets. A last word, not a substring:
 * `max_password_length`, `auth.password_scheme`, `api_key_id` and `secret_keys` show.
 */
const SECRET_WORDS = ['password', 'passwd', 'pwd', 'passphrase', 'secret', 'token', 'credential', 'key'] as const;
const QUALIFIERS: ReadonlySet<string> = new Set(['old', 'new', 'current', 'previous', 'base', 'pem', 'hex', 'b64', 'base64']);

function isSecretWord(raw: string): boolean {
  let end = raw.length;
  while (end > 0 && raw.charCodeAt(end - 1) >= 48 && raw.charCodeAt(end - 1) <= 57) end--;
  const word = raw.slice(0, end);
  if (word.endsWith('publickey')) return false;
  return SECRET_WORDS.some((secret) => word.endsWith(secret) || (secret !== 'key' && word.endsWith(`${secret}s`)));
}

function endsWithSecretWord(key: string): boolean {
  const words = key.toLowerCase().split(/[._-]/);
  let last = words.length - 1;
  while (last > 0 && QUALIFIERS.has(words[last])) last--;
  return isSecretWord(words[last]) && !(words[last] === 'key' && words[last - 1] === 'public');
}

/** The config key where an app lists its own secret-bearing keys (same `*` patterns). */
export const SECRET_KEYS_KEY = 'global.secret_keys';

export interface MaskOptions {
  /** More secret-bearing keys, added to `SECRET_KEYS` and to the config's `global.secret_keys`. */
  secretKeys?: readonly string[];
}

/**
 * A copy of `flat` fit for showing: the value of every secret-bearing key (`SECRET_KEYS`, the
 * keys listed in `global.secret_keys`, `options.secretKeys`, and any key whose last word is a
 * secret word, see `SECRET_WORDS`) becomes `********`, and credentials in URIs inside the other
 * string values (list items too) become `****:****`, as does a whole value `user:pw@host…`.
 */
export function maskSecrets(flat: FlatConfig, options: MaskOptions = {}): FlatConfig {
  const isSecret = secretKeyMatcher([...SECRET_KEYS, ...listed(flat[SECRET_KEYS_KEY]), ...(options.secretKeys ?? [])]);
  const out: FlatConfig = {};
  for (const [key, value] of Object.entries(flat)) {
    setKey(out, key, isSecret(key) || endsWithSecretWord(key) ? MASK : maskValue(value));
  }
  return out;
}

function listed(value: ConfigValue | undefined): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') return value.split(',');
  return [];
}

/**
 * A predicate for `section.option` keys: exact matches of `patterns`, where a `*` section or
 * option matches any (the section is everything before the last dot: `cef.tls.key`).
 */
export function secretKeyMatcher(patterns: readonly string[]): (key: string) => boolean {
  const exact = new Set<string>();
  const anySection = new Set<string>();
  const anyOption = new Set<string>();
  for (const raw of patterns) {
    const pattern = raw.trim().toLowerCase();
    if (pattern === '') continue;
    if (pattern.startsWith('*.')) anySection.add(pattern.slice(2));
    else if (pattern.endsWith('.*')) anyOption.add(pattern.slice(0, -2));
    else exact.add(pattern);
  }
  return (key) => {
    const lower = key.toLowerCase();
    const dot = lower.lastIndexOf('.');
    return exact.has(lower) || anySection.has(lower.slice(dot + 1)) || (dot > 0 && anyOption.has(lower.slice(0, dot)));
  };
}

function maskValue(value: ConfigValue): ConfigValue {
  if (typeof value === 'string') return maskBareCredentials(maskUriCredentials(value));
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

/**
 * A whole value `user:pw@host…` without a scheme (a memcache or proxy address) as
 * `****:****@host…`: the user-info runs to the last `@` before the first `/`, and holds no space.
 */
function maskBareCredentials(value: string): string {
  if (value.includes('://')) return value;
  const slash = value.indexOf('/');
  const authority = slash === -1 ? value : value.slice(0, slash);
  const at = authority.lastIndexOf('@');
  const colon = authority.indexOf(':');
  if (colon <= 0 || at < colon || at === authority.length - 1 || /\s/.test(authority)) return value;
  return `****:****${value.slice(at)}`;
}

/** Whether a URI scheme (a letter, then letters, digits, `+`, `-`, `.`) ends at `at`. */
function hasScheme(text: string, at: number): boolean {
  let i = at;
  while (i > 0 && SCHEME_CHAR.test(text[i - 1])) i--;
  while (i < at && !/[A-Za-z]/.test(text[i])) i++;
  return i < at;
}
