import { type Decimal, exactDecimal, formatDecimal, parseDecimal, quantize, roundSignificant, shortestDecimal } from './decimal';

/**
 * The timestamp as exact decimal text with exactly `precision` decimals (legacy `round_time`):
 * a number is first cut to 12 significant digits, as Python 2's `str(float)` did, then rounded
 * half to even. Without a value it is now (`Date.now()` in seconds, rounded the same way).
 * Throws a TypeError for text that is not a decimal number.
 *
 *   roundTime(129084.198271987)     // '129084.20'
 *   roundTime('129084.198271987', 3) // '129084.198'
 */
export function roundTime(value?: number | string | null, precision = 2): string {
  if (!Number.isInteger(precision) || precision < 0 || precision > 100) {
    throw new RangeError(`roundTime: precision must be an integer from 0 to 100, got ${String(precision)}`);
  }
  // Now is a whole number of milliseconds, an exact decimal: no float detour on this hot path.
  const d = value == null ? { neg: false, coef: String(Date.now()), exp: -3 } : typeof value === 'number' ? floatValue(value) : textValue(value);
  return formatDecimal(quantize(d, precision));
}

/** Hundredths of a second as an integer, truncated (legacy `time2bigint`): `'12.349'` → 1234. */
export function time2bigint(value: number | string): number {
  const d = typeof value === 'number' ? finite(value, 'time2bigint') : textValue(value, 'time2bigint');
  // Exact on the decimal text: 1.15 gives 115 (Python's float product gave 114).
  const exp = d.exp + 2;
  const digits = exp >= 0 ? d.coef + '0'.repeat(exp) : d.coef.slice(0, Math.max(0, d.coef.length + exp)) || '0';
  const n = Number(digits) * (d.neg ? -1 : 1);
  if (!Number.isSafeInteger(n)) throw new RangeError(`time2bigint: ${String(value)} is out of range`);
  return n === 0 ? 0 : n;
}

/** Hundredths of a second back to 2-decimal text (legacy `bigint2time`); null stays null. */
export function bigint2time(value: number | bigint | string | null | undefined): string | null {
  if (value == null) return null;
  const text = String(value).trim();
  if (!/^[+-]?\d+$/.test(text) || (typeof value === 'number' && !Number.isSafeInteger(value))) {
    throw new TypeError(`bigint2time: not an integer: ${JSON.stringify(String(value))}`);
  }
  const coef = text.replace(/^[+-]?0*(?=\d)/, '');
  return formatDecimal({ neg: text.startsWith('-') && coef !== '0', coef, exp: -2 });
}

/** Python 2 `str(float)`: the value to 12 significant digits. */
function floatValue(v: number): Decimal {
  const d = finite(v, 'roundTime');
  let end = d.coef.length;
  while (end > 0 && d.coef.charCodeAt(end - 1) === 0x30) end--;
  const significant = d.coef.slice(0, end);
  if (significant.length <= 12) return d;
  // The shortest text rounds like the double itself, except at a 12-digit midpoint (13 digits
  // ending in 5): there the double may be just off it, or exactly on it (Python: half to even).
  if (significant.length === 13 && significant.endsWith('5')) return roundSignificant(exactDecimal(v), 12);
  return roundSignificant(d, 12);
}

/** A finite number as the decimal its shortest text denotes. */
function finite(v: number, fn: string): Decimal {
  if (!Number.isFinite(v)) throw new TypeError(`${fn}: not a finite number: ${v}`);
  return shortestDecimal(v);
}

function textValue(value: unknown, fn = 'roundTime'): Decimal {
  const text = String(value);
  const d = parseDecimal(text);
  if (!d) throw new TypeError(`${fn}: not a decimal number: ${JSON.stringify(text)}`);
  return d;
}
