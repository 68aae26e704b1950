import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { SERVICE_DIR_VAR, startedEnv, startedServices, stopService } from './services';

/**
 * Stops the servers this run started (each by the PID its script recorded) and removes the run
 * folder. KEEP_SERVICES=1 leaves them up and prints the variables that make a later run use them.
 */
export default async function globalTeardown(): Promise<void> {
  const runDir = process.env.SC_TEST_RUN_DIR;
  if (!runDir) return;
  const started = startedServices(runDir);
  if (process.env.KEEP_SERVICES === '1') {
    const up = started.filter((name) => existsSync(path.join(runDir, name, 'env')));
    if (up.length === 0) return;
    const exports = up.flatMap((name) => Object.entries(startedEnv(runDir, name)).map(([key, value]) => `export ${key}='${value}'`));
    const stops = up.map((name) => `${SERVICE_DIR_VAR[name]}=${runDir}/${name} bash test/services/${name}-down.sh`);
    process.stderr.write(`\nKEEP_SERVICES=1: left running; to reuse them:\n${exports.join('\n')}\nto stop them:\n${stops.join('\n')}\n`);
    return;
  }
  const errors: string[] = [];
  for (const name of started) {
    try {
      stopService(runDir, name);
    } catch (err) {
      errors.push(`${name}: ${(err as Error).message}`);
    }
  }
  rmSync(runDir, { recursive: true, force: true });
  if (errors.length > 0) throw new Error(`could not stop every test service:\n${errors.join('\n')}`);
}

