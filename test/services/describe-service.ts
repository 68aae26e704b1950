import { type ServiceName, ensureService, givenEnv, installed, servicesRequired, skippedByRequest } from './services';

type Availability = { env: Record<string, string> } | { missing: string };

const known = new Map<ServiceName, Availability>();

function availability(name: ServiceName): Availability {
  if (skippedByRequest(name)) return { missing: 'skipped by SKIP_SERVICES' };
  const given = givenEnv(name);
  if (given) return { env: given };
  if (!installed(name)) return { missing: 'not installed' };
  try {
    const env = ensureService(name);
    Object.assign(process.env, env);
    return { env };
  } catch (err) {
    // installed but failed to start: that is a failure everywhere, never a skip
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`could not start the ${name} test service: ${(err as Error).message}\n${stderr}`, { cause: err });
  }
}

/**
 * The variables of a test service (SC_LDAP_URL, SC_PG_URL, …), starting it for this run on first
 * use, or undefined when it is not available (not installed, or in SKIP_SERVICES).
 */
export function useService(name: ServiceName): Record<string, string> | undefined {
  let state = known.get(name);
  if (!state) {
    state = availability(name);
    known.set(name, state);
  }
  return 'env' in state ? state.env : undefined;
}

function describeUnavailable(service: ServiceName, reason: string, title: string, fn: () => void): void {
  if (servicesRequired()) {
    describe(title, () => {
      test(`needs the ${service} service`, () => {
        throw new Error(`${service} is ${reason}; CI=true or REQUIRE_SERVICES=1 requires it`);
      });
    });
  } else {
    // Skipped only on a developer machine without the server; CI fails above instead.
    process.stderr.write(`SKIPPED (${service} ${reason}): ${title}\n`);
    describe.skip(title, fn);
  }
}

/**
 * `describe` for suites that need a real server: starts it for this run on first use (free ports,
 * its own folder) and hands its variables to `fn`. A service that is not available skips the
 * suite with a visible line, or fails it under CI=true / REQUIRE_SERVICES=1.
 */
export function describeService(service: ServiceName, title: string, fn: (env: Record<string, string>) => void): void {
  const env = useService(service);
  if (env) describe(title, () => fn(env));
  else describeUnavailable(service, (known.get(service) as { missing: string }).missing, title, () => fn({}));
}

/**
 * `describe` for suites that start (and stop) a server of their own and only need its binaries:
 * starts nothing, skips or fails like `describeService` when they are missing.
 */
export function describeWithBinaries(service: ServiceName, title: string, fn: () => void): void {
  if (skippedByRequest(service)) describeUnavailable(service, 'skipped by SKIP_SERVICES', title, fn);
  else if (!installed(service)) describeUnavailable(service, 'not installed', title, fn);
  else describe(title, fn);
}
