import { ConfigError } from '../config/errors';
import type { ConfigValue, FlatConfig } from '../config/types';

// Readers for `auth.*` params (already typed by the config reader): a wrong type is a
// ConfigError naming the key, never a silent default. A missing key or `''` gives the fallback.
// The reader types `12345` as a number but leaves `0.1`, quoted values and `${VAR}`
// substitutions as strings, so a string param takes any single value as its text and the
// number and boolean params also take their text.

function present(params: FlatConfig, key: string): ConfigValue | undefined {
  const value = params[key];
  return value === undefined || value === '' ? undefined : value;
}

/** A single value as text (`bind_password = 12345` arrives as a number); a list is refused. */
export function stringParam(params: FlatConfig, key: string): string | undefined;
export function stringParam(params: FlatConfig, key: string, fallback: string): string;
export function stringParam(params: FlatConfig, key: string, fallback?: string): string | undefined {
  const value = present(params, key);
  if (value === undefined) return fallback;
  if (Array.isArray(value)) throw new ConfigError(`auth.${key} must be a single value, got a list: ${JSON.stringify(value)}`);
  return String(value);
}

/** A finite number, or its text (`0.1` stays a string in the reader). */
export function numberParam(params: FlatConfig, key: string, fallback: number): number {
  const value = present(params, key);
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new ConfigError(`auth.${key} must be a number, got ${JSON.stringify(value)}`);
  return n;
}

/** An integer of at least `min`, or its text. */
export function intParam(params: FlatConfig, key: string, fallback: number, min = 0): number {
  const value = present(params, key);
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min) {
    throw new ConfigError(`auth.${key} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** `true`/`false`, or that text exactly. */
export function boolParam(params: FlatConfig, key: string, fallback: boolean): boolean {
  const value = present(params, key);
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new ConfigError(`auth.${key} must be true or false, got ${JSON.stringify(value)}`);
}

/** Items from a list value (one a line in the file) and/or separated by white space; `[]` when unset. */
export function listParam(params: FlatConfig, key: string): string[] {
  const value = params[key];
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value.map(String) : [String(value)];
  return items.flatMap((item) => item.split(/\s+/)).filter((item) => item !== '');
}
