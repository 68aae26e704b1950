import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Creates this run's folder; no server starts here. A suite that needs one starts it on first use
 * (describe-service.ts) on free ports in a subfolder, so `npx jest test/config` starts nothing and
 * two runs on one machine never share a server.
 */
export default async function globalSetup(): Promise<void> {
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'sc-test-'));
  chmodSync(runDir, 0o755); // PostgreSQL runs as the postgres account and must reach its folder
  process.env.SC_TEST_RUN_DIR = runDir;
  // The servers started for this run stop when this process is gone, even killed (die-with-run.sh).
  process.env.SC_TEST_OWNER_PID = String(process.pid);
}
