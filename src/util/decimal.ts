/**
 * Exact decimal arithmetic on digit strings, the small part of Python's `Decimal` that the time
 * helpers need: a value is `(-1)^neg × coef × 10^exp`, `coef` a digit string.
 */
export interface Decimal {
  neg: boolean;
  coef: string;
  exp: number;
}

// Python's Decimal accepts surrounding whitespace; NaN and Infinity are not times.
const DECIMAL_TEXT = /^\s*([+-])?(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?\s*$/;
// Far beyond any double (1e308); keeps a typo like `1e999999999` from building a huge string.
const MAX_EXPONENT = 1000;

/** Parses decimal text (`12`, `-1.50`, `.5`, `1e-7`); undefined when it is not a finite number. */
export function parseDecimal(text: string): Decimal | undefined {
  const m = DECIMAL_TEXT.exec(text);
  if (!m) return undefined;
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? m[4] ?? '';
  const exp = Number(m[5] ?? 0) - fracPart.length;
  if (Math.abs(exp) > MAX_EXPONENT) return undefined;
  return { neg: m[1] === '-', coef: stripLeadingZeros(intPart + fracPart), exp };
}

/** The decimal a finite double's shortest round-trip text denotes (`String(v)`), without a regex. */
export function shortestDecimal(v: number): Decimal {
  // String(-0) is '0'; Python's str(-0.0) keeps the sign.
  const neg = v < 0 || Object.is(v, -0);
  let text = String(Math.abs(v));
  let exp = 0;
  const e = text.indexOf('e');
  if (e >= 0) {
    exp = Number(text.slice(e + 1));
    text = text.slice(0, e);
  }
  const dot = text.indexOf('.');
  if (dot >= 0) {
    exp -= text.length - dot - 1;
    text = text.slice(0, dot) + text.slice(dot + 1);
  }
  return { neg, coef: stripLeadingZeros(text), exp };
}

/** The exact value of a finite double (every double is a finite decimal). */
export function exactDecimal(v: number): Decimal {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & 0xfffffffffffffn;
  if (biased !== 0) mant |= 1n << 52n;
  const exp2 = (biased === 0 ? 1 : biased) - 1075;
  const neg = bits >> 63n === 1n;
  if (exp2 >= 0) return { neg, coef: stripLeadingZeros((mant << BigInt(exp2)).toString()), exp: 0 };
  // m / 2^k = m × 5^k / 10^k
  return { neg, coef: stripLeadingZeros((mant * 5n ** BigInt(-exp2)).toString()), exp: exp2 };
}

/** Rounds to `places` decimals, ROUND_HALF_EVEN (Python's `quantize`). */
export function quantize(d: Decimal, places: number): Decimal {
  return roundAt(d, d.exp + places);
}

/** Rounds to `digits` significant digits, ROUND_HALF_EVEN. */
export function roundSignificant(d: Decimal, digits: number): Decimal {
  if (d.coef === '0') return d;
  const excess = d.coef.length - digits;
  return excess > 0 ? roundAt(d, -excess) : d;
}

/**
 * Shifts the coefficient so that `shift` digits are added (shift > 0, exact) or dropped
 * (shift < 0, rounded half to even).
 */
function roundAt(d: Decimal, shift: number): Decimal {
  if (shift >= 0) return { neg: d.neg, coef: d.coef === '0' ? '0' : d.coef + '0'.repeat(shift), exp: d.exp - shift };
  const drop = -shift;
  const padded = d.coef.padStart(drop + 1, '0');
  const kept = padded.slice(0, padded.length - drop);
  const dropped = padded.slice(padded.length - drop);
  const half = '5'.padEnd(drop, '0');
  const lastOdd = Number(kept[kept.length - 1]) % 2 === 1;
  const up = dropped > half || (dropped === half && lastOdd);
  return { neg: d.neg, coef: stripLeadingZeros(up ? increment(kept) : kept), exp: d.exp + drop };
}

/** Plain notation, as Python's `str(Decimal)` writes a quantized value (`-0.05`, `12.00`). */
export function formatDecimal(d: Decimal): string {
  const sign = d.neg ? '-' : '';
  if (d.exp >= 0) return sign + (d.coef === '0' ? '0' : d.coef + '0'.repeat(d.exp));
  const places = -d.exp;
  const padded = d.coef.padStart(places + 1, '0');
  return `${sign}${padded.slice(0, padded.length - places)}.${padded.slice(padded.length - places)}`;
}

function increment(digits: string): string {
  let i = digits.length - 1;
  while (i >= 0 && digits[i] === '9') i--;
  if (i < 0) return '1' + '0'.repeat(digits.length);
  return digits.slice(0, i) + String(Number(digits[i]) + 1) + '0'.repeat(digits.length - i - 1);
}

function stripLeadingZeros(digits: string): string {
  return digits.replace(/^0+(?=\d)/, '') || '0';
}
