import { ConfigError } from './errors';
import type { ConfigValue } from './types';

// One reader for typed settings, shared by the app, CEF and auth backends: the same words mean
// true and false everywhere, a missing key or an empty value gives the default, and every
// error names the key. The INI reader already types `true`, `12` and so on; quoted values and
// `${VAR}` substitutions arrive as text, so each reader also takes its text.

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

/** The value, or undefined when it is missing or empty (both mean "the default"). */
export function presentValue(value: ConfigValue | undefined): ConfigValue | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function got(value: ConfigValue): string {
  return JSON.stringify(value);
}

/** `true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0` (any case). */
export function readBoolean(key: string, value: ConfigValue | undefined, fallback: boolean): boolean {
  const v = presentValue(value);
  if (v === undefined) return fallback;
  if (typeof v === 'boolean') return v;
  const word = Array.isArray(v) ? undefined : String(v).trim().toLowerCase();
  if (word !== undefined && TRUE.has(word)) return true;
  if (word !== undefined && FALSE.has(word)) return false;
  throw new ConfigError(`${key}: expected true or false, got ${got(v)} (or yes/no, on/off, 1/0)`);
}

/** A finite number (`0.5`), or its text. */
export function readNumber(key: string, value: ConfigValue | undefined, fallback: number, min = -Infinity): number {
  const v = presentValue(value);
  if (v === undefined) return fallback;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < min) {
    throw new ConfigError(`${key}: expected a number${min > -Infinity ? ` >= ${min}` : ''}, got ${got(v)}`);
  }
  return n;
}

/** A whole number of at least `min` (and at most `max`), or its text. */
export function readInteger(key: string, value: ConfigValue | undefined, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = presentValue(value);
  if (v === undefined) return fallback;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max < Number.MAX_SAFE_INTEGER ? `from ${min} to ${max}`
      : min === 1 ? 'a positive integer' : min <= Number.MIN_SAFE_INTEGER ? 'an integer' : `an integer >= ${min}`;
    throw new ConfigError(`${key}: expected ${max < Number.MAX_SAFE_INTEGER ? `an integer ${range}` : range}, got ${got(v)}`);
  }
  return n;
}

/** A duration in seconds (fractions allowed), at least 0. */
export function readSeconds(key: string, value: ConfigValue | undefined, fallback: number): number {
  const v = presentValue(value);
  if (v === undefined) return fallback;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${key}: expected a number of seconds, got ${got(v)}`);
  return n;
}

const UNITS: Record<string, number> = { '': 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** A size in bytes: `1048576`, or with a binary unit (`512k`, `1m`, `1g`), at least 1. */
export function readBytes(key: string, value: ConfigValue | undefined, fallback: number): number {
  const v = presentValue(value);
  if (v === undefined) return fallback;
  const match = typeof v === 'number' ? null : /^(\d{1,15})\s*([a-z]{0,3})$/i.exec(String(v).trim());
  const unit = match ? UNITS[match[2].toLowerCase()] : undefined;
  const n = typeof v === 'number' ? v : match && unit !== undefined ? Number(match[1]) * unit : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new ConfigError(`${key}: expected a positive number of bytes (e.g. 1048576 or 1m), got ${got(v)}`);
  return n;
}

/** One of `allowed` (exact words, surrounding space ignored). */
export function readEnum<T extends string>(key: string, value: ConfigValue | undefined, allowed: readonly T[], fallback: T): T {
  const v = presentValue(value);
  if (v === undefined) return fallback;
  const word = String(v).trim() as T;
  if (!Array.isArray(v) && allowed.includes(word)) return word;
  throw new ConfigError(`${key}: unknown value ${got(v)} (expected one of ${allowed.join(', ')})`);
}
