import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../support/wait-for';
import { describeWithBinaries } from './describe-service';

// A killed test run (timeout, Ctrl-C, SIGKILL of jest) must not leave its servers running: each
// server started for a run has a watchdog (die-with-run.sh) that stops it once the jest process
// owning the run is gone. Here a stand-in process owns a run of its own, so killing it stops
// nothing of this run's.

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const pidIn = (file: string) => Number(readFileSync(file, 'utf8').trim());

describeWithBinaries('rsyslog', 'the servers of a killed test run stop with it', () => {
  let runDir: string;
  let owner: ChildProcess;

  /** Starts rsyslogd for a run owned by `owner` as jest's globalSetup would, through ensure-service.sh. */
  function startForOwner(): { server: number; watchdog: Promise<number> } {
    execFileSync('bash', [path.join(__dirname, 'ensure-service.sh'), 'rsyslog'], {
      env: { ...process.env, SC_TEST_RUN_DIR: runDir, SC_TEST_OWNER_PID: String(owner.pid) }, stdio: 'pipe', timeout: 120_000,
    });
    const dir = path.join(runDir, 'rsyslog');
    const watchdog = waitFor(() => (existsSync(`${dir}/.watchdog.pid`) ? pidIn(`${dir}/.watchdog.pid`) : undefined), { what: 'the watchdog' });
    return { server: pidIn(`${dir}/rsyslogd.pid`), watchdog };
  }

  beforeEach(() => {
    runDir = mkdtempSync(path.join(os.tmpdir(), 'sc-die-with-run-'));
    chmodSync(runDir, 0o755);
    owner = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], { stdio: 'ignore' });
  });
  afterEach(() => {
    owner.kill('SIGKILL');
    if (existsSync(path.join(runDir, 'rsyslog'))) {
      execFileSync('bash', [path.join(__dirname, 'rsyslog-down.sh')], { env: { ...process.env, SYSLOG_DIR: path.join(runDir, 'rsyslog') } });
    }
    rmSync(runDir, { recursive: true, force: true });
  });

  test('the owner killed with SIGKILL: the server is stopped and its folder removed within the deadline', async () => {
    const { server, watchdog } = startForOwner();
    expect(alive(server)).toBe(true);
    const watcher = await watchdog;
    owner.kill('SIGKILL');
    await waitFor(() => !alive(server), { timeoutMs: 20_000, intervalMs: 50, what: `rsyslogd ${server} to stop` });
    await waitFor(() => !existsSync(path.join(runDir, 'rsyslog')) && !alive(watcher), { timeoutMs: 10_000, what: 'the folder and the watchdog to go' });
  }, 60_000);

  test('the owner alive: a normal teardown stops it and the watchdog ends with it', async () => {
    const { server, watchdog } = startForOwner();
    const watcher = await watchdog;
    expect(alive(server) && alive(watcher)).toBe(true);
    execFileSync('bash', [path.join(__dirname, 'rsyslog-down.sh')], { env: { ...process.env, SYSLOG_DIR: path.join(runDir, 'rsyslog') } });
    expect(alive(server)).toBe(false);
    await waitFor(() => !alive(watcher), { timeoutMs: 10_000, what: `the watchdog ${watcher} to end` });
  }, 60_000);
});
