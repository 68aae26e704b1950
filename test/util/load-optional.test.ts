import { ConfigError } from '../../src/config/errors';
import { loadOptional } from '../../src/util/load-optional';

describe('loadOptional', () => {
  test('loads an installed package or a file of it', () => {
    expect(typeof loadOptional<{ RateLimiterMemory: unknown }>('rate-limiter-flexible/lib/RateLimiterMemory', 'login throttling')).toBe('function');
  });

  test('a package that is not installed is one line naming the feature and the npm i to run', () => {
    expect(() => loadOptional('@nosuch-scope/nosuch-driver/lib/x', 'auth.backend = nosuch')).toThrow(new ConfigError(
      'auth.backend = nosuch needs the package @nosuch-scope/nosuch-driver, which is not installed: npm i @nosuch-scope/nosuch-driver'));
  });
});
