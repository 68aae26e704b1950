import { join } from 'node:path';
import fc from 'fast-check';
import { Config, ConfigError, type ConfigValue } from '../../src/config';
import { tempFiles } from './temp-files';

const TRICKY = ['007', '10', '-3', 'true', 'FALSE', ' x', 'x ', '${A}', '1${A}', '"', '""', '"q"', '\\', 'a\\"',
  'a ;b', 'a;b', ';x', '#x', '[x]', '1.5', '9007199254740993', 'k = v', '\t', '\u00a0x', 'é ünï'];

const scalar: fc.Arbitrary<string | number | boolean> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(...TRICKY),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.boolean(),
);
const value: fc.Arbitrary<ConfigValue> = fc.oneof(scalar, fc.array(scalar, { minLength: 1, maxLength: 4 }));
const name = fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.constantFrom('DEFAULT', 'one', 'host:node0', 'A.b'));

describe('properties (fast-check)', () => {
  test('set() either throws a ConfigError or reads back the value, and toString() → parse() keeps every value', () => {
    fc.assert(fc.property(fc.array(fc.tuple(name, name, value), { maxLength: 12 }), (entries) => {
      const c = Config.parse('', { env: {} });
      for (const [section, option, v] of entries) {
        try {
          c.set(section, option, v);
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
          continue;
        }
        expect(c.get(section, option)).toStrictEqual(v);
      }
      const again = Config.parse(c.toString(), { env: {} });
      expect(again.sections()).toStrictEqual(c.sections());
      expect(again.getMap()).toStrictEqual(c.getMap());
      expect(again.getMap('DEFAULT')).toStrictEqual(c.getMap('DEFAULT'));
    }), { numRuns: 500 });
  });

  test('on random text the parser throws nothing but ConfigError, and what parses survives toString()', () => {
    const dir = tempFiles({});
    const fragment = fc.constantFrom('[', ']', '=', ':', ';', '#', ' ', '\t', '\n', '\n', '\n', '\r\n', '"', '\\',
      'a', 'B', '1', '-', '${', '}', 'A', 'DEFAULT', 'extends', 'rem', '\ufeff', 'é');
    const text = fc.oneof(fc.array(fragment, { maxLength: 60 }).map((parts) => parts.join('')), fc.string({ unit: 'binary' }));
    fc.assert(fc.property(text, (t) => {
      let c: Config;
      let flat;
      try {
        c = Config.parse(t, { filename: join(dir, 'random.ini'), env: { A: 'a' } });
        flat = c.getMap();
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return;
      }
      expect(Config.parse(c.toString(), { env: { A: 'a' } }).getMap()).toStrictEqual(flat);
    }), { numRuns: 2000 });
  });
});
