import { asciiTrim } from './ascii';
import { EnvironmentNotFoundError } from './errors';
import type { ConfigValue } from './types';

/** The environment `${VAR}` reads from. */
export type Env = Record<string, string | undefined>;

/** Where a raw value came from, for error messages. */
export interface Origin {
  file?: string;
  line?: number;
  /** `section.option`, when known. */
  key?: string;
}

const INTEGER = /^-?[0-9]+$/;
const WORD_CHAR = /\w/;

/**
 * Types a raw value as the extended-INI reader does on every read (docs/compatibility.md A.3–A.5): a value
 * with several lines is a list of typed lines without `''` items; a line is an int (safe
 * integers only), a quoted string, a boolean, or a string with `${VAR}` substituted from `env`.
 * A value that is not a string is returned unchanged.
 */
export function convert(raw: ConfigValue, env: Env = process.env): ConfigValue {
  return convertAt(raw, env, {});
}

/** `convert`, with errors placed at `origin`. */
export function convertAt(raw: ConfigValue, env: Env, origin: Origin): ConfigValue {
  if (typeof raw !== 'string') return raw;
  if (!raw.includes('\n')) return convertLine(raw, env, origin);
  const items: ConfigValue[] = [];
  for (const line of raw.split('\n')) {
    const value = convertLine(line, env, origin);
    if (value !== '') items.push(value);
  }
  return items;
}

function convertLine(raw: string, env: Env, origin: Origin): ConfigValue {
  const value = asciiTrim(raw);
  if (startsLikeNumber(value)) {
    // A number-like value that is not an int skips the quote and boolean rules (docs/compatibility.md A.3).
    if (INTEGER.test(value)) {
      const n = Number(value);
      if (Number.isSafeInteger(n)) return n === 0 ? 0 : n;
      return value;
    }
    return substituteEnv(value, env, origin);
  }
  if (value.length === 4 && value.toLowerCase() === 'true') return true;
  if (value.length === 5 && value.toLowerCase() === 'false') return false;
  return convertText(value, env, origin);
}

/** A string value: the inside of a quoted value (`\"` and `\\` unescaped), else `${VAR}`-substituted. */
export function convertText(value: string, env: Env, origin: Origin): string {
  if (value.startsWith('"') && (value.length === 1 || value.endsWith('"'))) return unquote(value.slice(1, -1));
  return substituteEnv(value, env, origin);
}

function startsLikeNumber(value: string): boolean {
  const first = value.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  const c = value.charCodeAt(first);
  return c >= 48 && c <= 57;
}

function unquote(inner: string): string {
  if (!inner.includes('\\')) return inner;
  return inner.replace(/\\(["\\])/g, '$1');
}

/**
 * Replaces each `${NAME}` (NAME starting with a word character, up to the first `}`) with the
 * variable from `env`; `${}` and a missing variable throw. `${NAME:-text}` gives `text` when the
 * variable is unset or empty, as the shell does. Substituted text is not rescanned.
 */
function substituteEnv(value: string, env: Env, origin: Origin): string {
  let start = value.indexOf('${');
  if (start === -1) return value;
  let out = '';
  let done = 0;
  while (start !== -1) {
    const end = value.indexOf('}', start + 2);
    if (end === -1) break;
    const inside = value.slice(start + 2, end);
    if (inside === '' || WORD_CHAR.test(inside[0])) {
      const dash = inside.indexOf(':-');
      const name = dash === -1 ? inside : inside.slice(0, dash);
      let found = name === '' ? undefined : env[name];
      if (dash !== -1 && !found) found = inside.slice(dash + 2);
      if (found === undefined) throw new EnvironmentNotFoundError(name === '' ? null : name, origin);
      out += value.slice(done, start) + found;
      done = end + 1;
      start = value.indexOf('${', done);
    } else {
      start = value.indexOf('${', start + 2);
    }
  }
  return out + value.slice(done);
}
