import { filterParams } from '../../src/config';

describe('filterParams (docs/compatibility.md A.10)', () => {
  test.each<[string, string | undefined]>([
    ['cef.file', 'file'],
    ['cef.syslog.facility', 'syslog_facility'],
    ['cef', undefined],
    ['cefx.file', undefined],
    ['host:h.cef.file', undefined],
    ['cef.', ''],
  ])('%s → %s', (key, expected) => {
    const out = filterParams('cef', { [key]: 'v' });
    expect(out).toStrictEqual(expected === undefined ? {} : { [expected]: 'v' });
  });

  test('values are unchanged and auth.ldap.pool_size is the same option as auth.ldap_pool_size', () => {
    expect(filterParams('auth', { 'auth.ldap.pool_size': 10, 'auth.list': [1, 'a'], 'other.x': 1 }))
      .toStrictEqual({ ldap_pool_size: 10, list: [1, 'a'] });
  });

  test('replaceDot chooses the joiner', () => {
    expect(filterParams('cef', { 'cef.syslog.facility': 'USER' }, '.')).toStrictEqual({ 'syslog.facility': 'USER' });
  });
});
