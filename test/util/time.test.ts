import fc from 'fast-check';
import { exactDecimal, formatDecimal, quantize, roundSignificant } from '../../src/util/decimal';
import { bigint2time, roundTime, time2bigint } from '../../src/util/time';

describe('roundTime (docs/compatibility.md C.11 round_time)', () => {
  it.each<[number | string, number, string]>([
    [129084.198271987, 2, '129084.20'],
    ['129084.198271987', 2, '129084.20'],
    [129084.198271987, 3, '129084.198'],
    [1297417122.0, 2, '1297417122.00'],
  ])('legacy vector %p (precision %p) → %p', (value, precision, expected) => {
    expect(roundTime(value, precision)).toBe(expected);
  });

  it.each(['bleh', '', '1.2.3', 'NaN', 'Infinity', '0x10', '1e'])('rejects non-numeric text %p with a TypeError naming it', (text) => {
    expect(() => roundTime(text)).toThrow(TypeError);
    expect(() => roundTime(text)).toThrow(`roundTime: not a decimal number: ${JSON.stringify(text)}`);
  });

  it('rejects an object whose text is not numeric, and non-finite numbers', () => {
    expect(() => roundTime({} as unknown as string)).toThrow('not a decimal number: "[object Object]"');
    expect(() => roundTime(Number.NaN)).toThrow(TypeError);
    expect(() => roundTime(Number.POSITIVE_INFINITY)).toThrow(TypeError);
  });

  it('rejects a bad precision', () => {
    expect(() => roundTime(1, -1)).toThrow(RangeError);
    expect(() => roundTime(1, 1.5)).toThrow('precision must be an integer from 0 to 100, got 1.5');
  });

  // Expected values computed with Python: Decimal('%.12g' % v).quantize(..., ROUND_HALF_EVEN).
  it.each<[number | string, number, string]>([
    [1700000000.125, 2, '1700000000.12'], // exact binary tie at 12 digits: half to even (toPrecision would round up)
    [1700000000.375, 2, '1700000000.38'],
    [1700000000.625, 2, '1700000000.62'],
    [12345678901250, 2, '12345678901200.00'], // tie hidden behind a trailing zero
    [1700000000.105, 2, '1700000000.11'], // looks like a tie, the double is above it
    [123456.7890125, 6, '123456.789012'], // looks like a tie, the double is below it
    [0.1 + 0.2, 2, '0.30'],
    [0.1 + 0.2, 17, '0.30000000000000000'], // 12 significant digits first, like str(float)
    [0.5, 0, '0'],
    [1.5, 0, '2'],
    [2.5, 0, '2'],
    ['-1.005', 2, '-1.00'],
    [-0.001, 2, '-0.00'], // Decimal keeps the sign of a negative value rounded to zero
    [-0, 2, '-0.00'],
    [1e-7, 2, '0.00'],
    [1e21, 2, '1000000000000000000000.00'],
    ['1e3', 0, '1000'],
    ['  12.5 ', 0, '12'],
    ['.125', 2, '0.12'],
  ])('matches Python for %p (precision %p) → %p', (value, precision, expected) => {
    expect(roundTime(value, precision)).toBe(expected);
  });

  it('without a value is now, to the hundredth', () => {
    const before = Math.floor(Date.now() / 10) / 100;
    const now = roundTime();
    const after = Math.ceil(Date.now() / 10) / 100;
    expect(now).toMatch(/^\d{10}\.\d{2}$/);
    expect(Number(now)).toBeGreaterThanOrEqual(before);
    expect(Number(now)).toBeLessThanOrEqual(after);
    expect(roundTime(null)).toMatch(/^\d{10}\.\d{2}$/);
  });

  it.each<[number, number, string]>([
    [1700000000125, 2, '1700000000.12'],
    [1700000000135, 2, '1700000000.14'],
    [1700000000105, 2, '1700000000.10'], // the milliseconds are exact: half to even, no float error
    [1700000000106, 2, '1700000000.11'],
    [1700000000125, 3, '1700000000.125'],
    [1700000000500, 0, '1700000000'],
    [1700000001500, 0, '1700000002'],
  ])('without a value rounds Date.now() %p as an exact decimal (precision %p) → %p', (ms, precision, expected) => {
    const now = jest.spyOn(Date, 'now').mockReturnValue(ms);
    try {
      expect(roundTime(undefined, precision)).toBe(expected);
      expect(roundTime(null, precision)).toBe(expected);
    } finally {
      now.mockRestore();
    }
  });

  it('cuts a number to 12 digits exactly as rounding its exact binary value would', () => {
    // The shortcut through the shortest text against the slow exact route, on random doubles
    // and on 13-digit decimals ending in 5 (the midpoints where the two could part).
    const exactRoute = (v: number, p: number) => formatDecimal(quantize(roundSignificant(exactDecimal(v), 12), p));
    const midpoints = fc.tuple(fc.integer({ min: 1e11, max: 1e12 - 1 }), fc.integer({ min: -20, max: 10 }))
      .map(([m, e]) => Number(`${m}5e${e}`));
    fc.assert(fc.property(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }), midpoints), fc.integer({ min: 0, max: 8 }), (v, p) => {
      expect(roundTime(v, p)).toBe(exactRoute(v, p));
    }), { numRuns: 2000 });
  });

  it('always writes exactly `precision` decimals, within half a unit of the 12-digit value', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 1e11, noNaN: true }), fc.integer({ min: 0, max: 6 }), (v, precision) => {
      const text = roundTime(v, precision);
      const decimals = text.split('.')[1] ?? '';
      expect(decimals.length).toBe(precision);
      const twelve = Number(v.toPrecision(12));
      expect(Math.abs(Number(text) - twelve)).toBeLessThanOrEqual(0.5 * 10 ** -precision * (1 + 1e-9) + Math.abs(twelve) * 1e-15);
    }));
  });
});

describe('time2bigint / bigint2time', () => {
  it('time2bigint truncates hundredths, exactly for decimal text', () => {
    expect(time2bigint('12.349')).toBe(1234);
    expect(time2bigint(-1.239)).toBe(-123);
    expect(time2bigint('1297417122.00')).toBe(129741712200);
    expect(time2bigint(roundTime(129084.198271987))).toBe(12908420);
    expect(time2bigint(-0.001)).toBe(0);
  });

  it('time2bigint reads a number by its shortest text, not by float product', () => {
    // Python: int(1.15 * 100) == 114
    expect(time2bigint(1.15)).toBe(115);
  });

  it('time2bigint rejects bad input', () => {
    expect(() => time2bigint('soon')).toThrow('time2bigint: not a decimal number: "soon"');
    expect(() => time2bigint(Number.NaN)).toThrow(TypeError);
    expect(() => time2bigint('1e20')).toThrow(RangeError);
  });

  it('bigint2time writes two decimals; null stays null', () => {
    expect(bigint2time(12345)).toBe('123.45');
    expect(bigint2time(-5)).toBe('-0.05');
    expect(bigint2time(0)).toBe('0.00');
    expect(bigint2time('129741712200')).toBe('1297417122.00'); // pg returns BIGINT as text
    expect(bigint2time(12345678901234567890n)).toBe('123456789012345678.90');
    expect(bigint2time(null)).toBeNull();
    expect(bigint2time(undefined)).toBeNull();
  });

  it('bigint2time rejects non-integers', () => {
    expect(() => bigint2time(1.5)).toThrow('bigint2time: not an integer: "1.5"');
    expect(() => bigint2time('12a')).toThrow(TypeError);
  });

  it('round-trips through both', () => {
    fc.assert(fc.property(fc.integer({ min: -1e12, max: 1e12 }), (n) => {
      expect(time2bigint(bigint2time(n) as string)).toBe(n);
    }));
  });
});
