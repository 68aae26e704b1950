import { readAppSettings } from '../../src/app/app-settings';
import { LDAPAuth } from '../../src/auth/ldap/ldap-auth';
import { CefLogger } from '../../src/cef';
import { ConfigError } from '../../src/config/errors';
import { readBoolean, readBytes, readEnum, readInteger, readSeconds } from '../../src/config/settings';

const CEF = { 'cef.file': '/dev/null', 'cef.vendor': 'v', 'cef.version': 0, 'cef.product': 'p', 'cef.device_version': 1 };

describe('one settings reader', () => {
  test.each(['true', 'TRUE', 'yes', 'on', '1', ' Yes ', true, 1])('%j is true', (value) => {
    expect(readBoolean('x.y', value, false)).toBe(true);
  });
  test.each(['false', 'no', 'off', '0', 'OFF', false, 0])('%j is false', (value) => {
    expect(readBoolean('x.y', value, true)).toBe(false);
  });
  test('missing or empty is the default; anything else names the key', () => {
    expect(readBoolean('x.y', undefined, true)).toBe(true);
    expect(readBoolean('x.y', '', true)).toBe(true);
    expect(() => readBoolean('x.y', 'maybe', true)).toThrow(new ConfigError('x.y: expected true or false, got "maybe" (or yes/no, on/off, 1/0)'));
    expect(() => readBoolean('x.y', ['a'], true)).toThrow(/x\.y: expected true or false/);
  });
  test('integers, seconds, bytes and enums', () => {
    expect(readInteger('a.n', '12', 0)).toBe(12);
    expect(() => readInteger('a.n', '1.5', 0)).toThrow('a.n: expected an integer >= 0, got "1.5"');
    expect(() => readInteger('a.n', 0, 5, 1)).toThrow('a.n: expected a positive integer, got 0');
    expect(() => readInteger('a.n', 99, 5, 1, 10)).toThrow('a.n: expected an integer from 1 to 10, got 99');
    expect(readSeconds('a.s', '0.25', 1)).toBe(0.25);
    expect(() => readSeconds('a.s', -1, 1)).toThrow('a.s: expected a number of seconds, got -1');
    expect(readBytes('a.b', '512k', 1)).toBe(512 * 1024);
    expect(readBytes('a.b', '2m', 1)).toBe(2 * 1024 * 1024);
    expect(readBytes('a.b', 100, 1)).toBe(100);
    expect(() => readBytes('a.b', '2 parsecs', 1)).toThrow(/a\.b: expected a positive number of bytes/);
    expect(readEnum('a.e', ' b ', ['a', 'b'] as const, 'a')).toBe('b');
    expect(() => readEnum('a.e', 'c', ['a', 'b'] as const, 'a')).toThrow('a.e: unknown value "c" (expected one of a, b)');
  });

  test('the same words work in app, CEF and auth settings (auth.use_tls = yes used to be refused)', () => {
    expect(new LDAPAuth({ ldapuri: 'ldap://x', use_tls: 'yes' }).settings.useTls).toBe(true);
    expect(new LDAPAuth({ ldapuri: 'ldap://x', use_tls: 'off' }).settings.useTls).toBe(false);
    expect(new CefLogger({ ...CEF, 'cef.use': 'no' }).enabled).toBe(false);
    expect(readAppSettings({ 'global.debug': 'yes' }).accessLog).toBe(true);
    // `cef.use =` (empty) used to be an error while `global.debug =` was the default.
    const cef = new CefLogger({ ...CEF, 'cef.use': '' });
    expect(cef.enabled).toBe(true);
    return cef.close();
  });

  test('the server timeouts: defaults for nginx in front, a bad value names its key', () => {
    expect(readAppSettings({}).timeouts).toEqual({ headers: 60, request: 300, keepAlive: 75 });
    expect(readAppSettings({ 'global.keep_alive_timeout': '5' }).timeouts.keepAlive).toBe(5);
    expect(() => readAppSettings({ 'global.request_timeout': 'soon' })).toThrow('global.request_timeout: expected a number of seconds, got "soon"');
    expect(() => readAppSettings({ 'global.headers_timeout': 20, 'global.request_timeout': 10 }))
      .toThrow('global.headers_timeout: 20 s is longer than global.request_timeout (10 s)');
  });
});
