import { ConfigError } from '../../src/config/errors';
import { checkInstalled, loadOptional } from '../../src/util/load-optional';

describe('loadOptional', () => {
  test('loads an installed package or a file of it', () => {
    expect(typeof loadOptional<{ RateLimiterMemory: unknown }>('rate-limiter-flexible/lib/RateLimiterMemory', 'login throttling')).toBe('function');
  });

  test('a package that is not installed is one line naming the feature and the npm i to run', () => {
    expect(() => loadOptional('@nosuch-scope/nosuch-driver/lib/x', 'auth.backend = nosuch')).toThrow(new ConfigError(
      'auth.backend = nosuch needs the package @nosuch-scope/nosuch-driver, which is not installed: npm i @nosuch-scope/nosuch-driver'));
  });
});

describe('checkInstalled', () => {
  test('finds an installed package without loading it', () => {
    const loaded = () => Object.keys(require.cache).some((file) => file.includes('/node_modules/nodemailer/'));
    expect(loaded()).toBe(false);
    expect(() => checkInstalled('nodemailer', 'sendEmail')).not.toThrow();
    expect(loaded()).toBe(false);
  });

  test('a package that is not installed fails as loadOptional does, naming the setting', () => {
    expect(() => checkInstalled('nosuch-driver', 'auth.sqluri = nosuch://')).toThrow(new ConfigError(
      'auth.sqluri = nosuch:// needs the package nosuch-driver, which is not installed: npm i nosuch-driver'));
  });
});
