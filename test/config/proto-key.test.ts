import { Config, filterParams, loadAppConfig, maskSecrets } from '../../src/config';
import { join } from 'node:path';
import { tempFiles } from './temp-files';

// An option may be called `__proto__`: it stays an ordinary key everywhere a flat map is built.
describe('an option named __proto__', () => {
  const isOrdinary = (map: object, value: unknown) => {
    expect(Object.getPrototypeOf(map)).toBe(Object.prototype);
    expect(Object.keys(map)).toContain('__proto__');
    expect(Object.getOwnPropertyDescriptor(map, '__proto__')?.value).toEqual(value);
  };

  test('getMap(section), filterParams, maskSecrets and a deployment .ini keep it as a key', () => {
    const c = Config.parse('[s]\n__proto__ =\n  a\n  b\n[auth]\n__proto__ = x\n');
    isOrdinary(c.getMap('s'), ['a', 'b']);
    expect(c.getMap()['s.__proto__']).toEqual(['a', 'b']);
    isOrdinary(filterParams('auth', c.getMap()), 'x');
    isOrdinary(maskSecrets(filterParams('s', c.getMap())), ['a', 'b']);
    const dir = tempFiles({ 'd.ini': '[app:main]\nuse = ./a.js#A\n__proto__ =\n  p\n' });
    isOrdinary(loadAppConfig(join(dir, 'd.ini')), ['p']);
  });
});
