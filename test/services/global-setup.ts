import { SERVICES, runScript, servicesRequired } from './services';

/**
 * Starts every installed service the suites use, once per jest run. An instance that already
 * answers (started by hand with test/services/<name>-up.sh) is reused and left running.
 */
export default async function globalSetup(): Promise<void> {
  const started: string[] = [];
  const missing: string[] = [];
  for (const service of SERVICES) {
    if (process.env.SKIP_SERVICES?.split(',').includes(service.name)) continue;
    if (!(await service.running())) {
      if (!service.installed()) { missing.push(service.name); continue; }
      runScript(service.name, 'up');
      started.push(service.name);
    }
    Object.assign(process.env, service.env, { [`SC_SERVICE_${service.name.toUpperCase()}`]: 'up' });
  }
  process.env.SC_SERVICES_STARTED = started.join(',');
  if (missing.length > 0) {
    const line = `services: not installed: ${missing.join(', ')}; their suites are skipped`;
    if (servicesRequired()) throw new Error(`${line} (CI=true or REQUIRE_SERVICES=1 requires them)`);
    process.stderr.write(`\n${line}\n`);
  }
}
