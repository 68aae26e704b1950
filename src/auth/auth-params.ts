import { ConfigError } from '../config/errors';
import { readBoolean, readInteger, readNumber } from '../config/settings';
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
  return readNumber(`auth.${key}`, params[key], fallback);
}

/** An integer of at least `min`, or its text. */
export function intParam(params: FlatConfig, key: string, fallback: number, min = 0): number {
  return readInteger(`auth.${key}`, params[key], fallback, min);
}

/** A switch: true/false, yes/no, on/off, 1/0 (the rule every setting follows). */
export function boolParam(params: FlatConfig, key: string, fallback: boolean): boolean {
  return readBoolean(`auth.${key}`, params[key], fallback);
}

/** Items from a list value (one a line in the file) and/or separated by white space; `[]` when unset. */
export function listParam(params: FlatConfig, key: string): string[] {
  const value = params[key];
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value.map(String) : [String(value)];
  return items.flatMap((item) => item.split(/\s+/)).filter((item) => item !== '');
}
