import { servicesRequired } from './services';

/**
 * `describe` for suites that need a real server. When the server is not up the suite is
 * skipped with a visible line, or fails under CI=true / REQUIRE_SERVICES=1.
 */
export function describeService(service: 'ldap' | 'pg' | 'maria' | 'rsyslog', title: string, fn: () => void): void {
  if (process.env[`SC_SERVICE_${service.toUpperCase()}`] === 'up') {
    describe(title, fn);
  } else if (servicesRequired()) {
    describe(title, () => {
      test(`needs the ${service} service`, () => {
        throw new Error(`${service} is not running; CI=true or REQUIRE_SERVICES=1 requires it`);
      });
    });
  } else {
    // Skipped only on a developer machine without the server; CI fails above instead.
    process.stderr.write(`SKIPPED (${service} not installed): ${title}\n`);
    describe.skip(title, fn);
  }
}
