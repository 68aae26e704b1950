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
 * Last words of an option name that mark a secret whatever the section (`accounts.demo_password`,
 * `sync.secret`, `github.api_token`, `signing_key`); `public_key` is not one. A word, not a
 * substring: `max_password_length` and `auth.password_scheme` show.
 */
const SECRET_WORDS: ReadonlySet<string> = new Set(['password', 'secret', 'token', 'key']);

function endsWithSecretWord(key: string): boolean {
  const words = key.toLowerCase().split(/[._-]/);
  const last = words[words.length - 1];
  return SECRET_WORDS.has(last) && !(last === 'key' && words[words.length - 2] === 'public');
}

/** The config key where an app lists its own secret-bearing keys (same `*` patterns). */
export const SECRET_KEYS_KEY = 'global.secret_keys';

export interface MaskOptions {
  /** More secret-bearing keys, added to `SECRET_KEYS` and to the config's `global.secret_keys`. */
  secretKeys?: readonly string[];
}

/**
 * A copy of `flat` fit for showing: the value of every secret-bearing key (`SECRET_KEYS`, the
 * keys listed in `global.secret_keys`, `options.secretKeys`, and any key whose last word is
 * `password`, `secret`, `token` or `key`, but not `public_key`; any case) becomes `********`, and
 * credentials in URIs inside the other string values (list items too) become `****:****`.
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
