import { asciiTrim } from './ascii';
import { ConfigError } from './errors';
import type { ConfigValue } from './types';

const INTEGER = /^-?[0-9]+$/;
const INLINE_COMMENT = /\s;/;

/**
 * The raw text that reads back as `value` (docs/compatibility.md A.8 `set`, with strings quoted when they would
 * otherwise retype, Q-A6). A list becomes continuation lines. Values the format cannot hold throw
 * a ConfigError that starts with `context`.
 */
export function formatValue(value: ConfigValue, context: string): string {
  if (!Array.isArray(value)) return formatScalar(value, context);
  if (value.length === 0) throw new ConfigError(`${context}: an empty list cannot be written (it reads back as '')`);
  return value.map((item, i) => {
    const where = `${context}[${i}]`;
    if (Array.isArray(item)) throw new ConfigError(`${where}: lists cannot be nested`);
    if (item === '') throw new ConfigError(`${where}: a list cannot hold '' (empty lines are dropped on read)`);
    return '\n' + formatScalar(item, where);
  }).join('');
}

function formatScalar(value: string | number | boolean, context: string): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new ConfigError(`${context}: ${value} is not a safe integer and would read back as a string; pass a string`);
    }
    return String(value);
  }
  if (value.includes('\n')) throw new ConfigError(`${context}: a string cannot contain a newline (use a list)`);
  return needsQuotes(value) ? `"${value.replace(/["\\]/g, '\\$&')}"` : value;
}

function needsQuotes(s: string): boolean {
  const lower = s.toLowerCase();
  return s !== asciiTrim(s) || s.startsWith('"') || INTEGER.test(s) || lower === 'true' || lower === 'false' ||
    s.includes('${') || INLINE_COMMENT.test(s);
}
