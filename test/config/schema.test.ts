import { Config } from '../../src/config';
import { ConfigError } from '../../src/config/errors';
import { checkKeys, nearest, renderSchema, suggestion, type SettingsSchema } from '../../src/config/schema';
import { createTestApp } from '../../src/testing/test-app';
import { E2eApp } from '../e2e/fixtures/e2e-app';

const SCHEMA: SettingsSchema = {
  'global.retry_after': ['seconds', '`1800`', 'Retry-After'],
  'cef.syslog.facility': ['facility', '`LOCAL4`', 'facility'],
  debug: ['boolean', '`false`', 'access log'],
};
const STRICT = { strictSections: new Set(['global', 'cef']) };

describe('checkKeys', () => {
  test('an unknown key in a strict section names file, line and the nearest key', () => {
    const flat = Config.parse('[global]\nretry_after = 1\nretry_afer = 2\n', { filename: 'app.conf' }).getMap();
    expect(() => checkKeys(flat, SCHEMA, STRICT)).toThrow(new ConfigError('`retry_afer`: unknown key in [global]; did you mean `retry_after`?', { file: 'app.conf', line: 3 }));
  });

  test('dots and underscores are one (cef.syslog_facility), an app section is not checked, [DEFAULT] is one notice per name', () => {
    const flat = Config.parse('[DEFAULT]\nroot = /srv\n[cef]\nsyslog_facility = USER\n[storage]\nanything = 1\n', { filename: 'app.conf' }).getMap();
    expect(checkKeys(flat, SCHEMA, STRICT)).toEqual({ warnings: [], notices: ['app.conf:2: [DEFAULT] root: accepted (for %(root)s) and otherwise ignored'] });
  });

  test('errors: false turns them into warnings; a map built in code has no file or line', () => {
    expect(checkKeys({ 'global.retry_afer': 1, 'host:a.b.global.retry_afer': 1 }, SCHEMA, { ...STRICT, errors: false }).warnings).toEqual([
      '`retry_afer`: unknown key in [global]; did you mean `retry_after`?',
      '`global.retry_afer`: unknown key in [host:a.b]; did you mean `global.retry_after`?',
    ]);
  });

  test('nearest: one edit for short names, two for longer ones, nothing beyond', () => {
    expect(nearest('debgu', ['debug', 'profile'])).toBe('debug');
    expect(nearest('enable', ['enabled'])).toBe('enabled');
    expect(nearest('port', ['host'])).toBeUndefined();
    expect(nearest('quota', ['retry_after'])).toBeUndefined();
  });

  test('suggestion: the nearest name, else a name the key extends or shortens at an underscore (4+ characters)', () => {
    expect(suggestion('quota_mb', ['quota', 'sqluri'])).toBe('quota');
    expect(suggestion('retry', ['retry_after'])).toBe('retry_after');
    expect(suggestion('quota_sise', ['quota_size', 'quota'])).toBe('quota_size');   // an edit beats a prefix
    expect(suggestion('use_x', ['use'])).toBeUndefined();                          // too short to be a prefix
    expect(suggestion('quotas', ['quota_mb'])).toBeUndefined();                    // not at an underscore
  });

  test('an unknown section is reported at its header, also when it has no key; an app section is not', () => {
    const text = '[global]\nretry_after = 1\n\n[mystuff]\n\n[globl]\n# nothing yet\n';
    const flat = Config.parse(text, { filename: 'app.conf' }).getMap();
    expect(() => checkKeys(flat, SCHEMA, STRICT)).toThrow(new ConfigError('`[globl]`: unknown section; did you mean `[global]`?', { file: 'app.conf', line: 6 }));
    const withKey = Config.parse('[global]\nretry_after = 1\n[glbal]\n\nretry_after = 2\n', { filename: 'app.conf' }).getMap();
    expect(() => checkKeys(withKey, SCHEMA, STRICT)).toThrow(new ConfigError('`[glbal]`: unknown section; did you mean `[global]`?', { file: 'app.conf', line: 3 }));
    expect(checkKeys(Config.parse('[mystuff]\n', { filename: 'app.conf' }).getMap(), SCHEMA, STRICT)).toEqual({ warnings: [], notices: [] });
  });

  test('renderSchema: one row per key; [server:main] keys say so', () => {
    expect(renderSchema({ 'server.port': ['port', '`8000`', 'the port | and more'] })).toBe(
      '| key | type | default | meaning |\n|---|---|---|---|\n| `server.port` (`[server:main] port`) | port | `8000` | the port \\| and more |\n');
  });
});

test('an app built in code logs an unknown framework key as a warning', () => {
  const { logs } = createTestApp(E2eApp, { 'global.retry_afer': 60 }, { dummyAuth: true });
  expect(logs.map((r) => r.msg)).toContain('`retry_afer`: unknown key in [global]; did you mean `retry_after`?');
});
