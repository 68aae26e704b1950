import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { servicesRequired } from '../services/services';

/**
 * The wrk binary: `SC_WRK` when set (a path; a missing one means "no wrk", so the skip can be
 * tried on a machine that has it), else the first `wrk` on the PATH. Undefined when there is none.
 */
export function findWrk(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.SC_WRK !== undefined) return existsSync(env.SC_WRK) ? env.SC_WRK : undefined;
  return (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'wrk')).find((file) => existsSync(file));
}

/** The wrk this run uses, or undefined: its suites then skip with a SKIPPED line (or fail under CI). */
export const WRK = findWrk();
/** What a suite says when wrk is not there. */
export const WRK_MISSING = process.env.SC_WRK !== undefined ? `wrk not found at SC_WRK=${process.env.SC_WRK}` : 'wrk not on the PATH';

/**
 * `test` for a test that runs wrk. Without wrk it is skipped with a visible SKIPPED line, as the
 * service suites are, or fails under CI=true / REQUIRE_SERVICES=1 (.ci/run installs wrk).
 */
export function testWithWrk(title: string, fn: () => Promise<void>, timeout?: number): void {
  if (WRK !== undefined) {
    test(title, fn, timeout);
  } else if (servicesRequired()) {
    test(`needs wrk: ${title}`, () => {
      throw new Error(`${WRK_MISSING}; CI=true or REQUIRE_SERVICES=1 requires it (apt-get install wrk)`);
    });
  } else {
    // Skipped because wrk is not installed (the SKIPPED line says so); CI sets CI=true, so it
    // never skips there: the branch above fails instead.
    process.stderr.write(`SKIPPED (${WRK_MISSING}): ${title}\n`);
    test.skip(title, fn, timeout);
  }
}

export interface WrkResult {
  requests: number;
  /** Connections refused (after the listener closed): not a failure. */
  connectErrors: number;
  /** Resets and hang-ups on open connections, write failures, requests that got no answer. */
  read: number;
  write: number;
  timeout: number;
  non2xx: number;
  output: string;
}

export interface WrkRun {
  /** Resolves once wrk has had `loadedAfter` responses on one of its threads. */
  loaded: Promise<void>;
  done: Promise<WrkResult>;
  /** Ends the run now (wrk prints its summary on SIGINT). */
  stop(): void;
}

/**
 * Runs wrk (a real load generator, which honours `Connection: close` and counts resets and
 * hang-ups as read errors) against `url`. A Lua hook prints a marker once the load is on, so a
 * test can act under load without guessing a delay.
 */
export function runWrk(url: string, options: { connections?: number; seconds?: number; keepAlive?: boolean; loadedAfter?: number; timeoutSeconds?: number } = {}): WrkRun {
  const { connections = 20, seconds = 3, keepAlive = true, loadedAfter = 300, timeoutSeconds = 5 } = options;
  const dir = mkdtempSync(join(tmpdir(), 'wrk-'));
  const script = join(dir, 'loaded.lua');
  writeFileSync(script, [
    'local n = 0',
    'response = function(status, headers, body)',
    '  n = n + 1',
    `  if n == ${loadedAfter} then io.write("WRK-LOADED\\n"); io.flush() end`,
    'end',
  ].join('\n'));
  const args = ['-t', '2', '-c', String(connections), '-d', `${seconds}s`, '--timeout', `${timeoutSeconds}s`, '-s', script, url];
  if (!keepAlive) args.splice(0, 0, '-H', 'Connection: close');
  if (WRK === undefined) throw new Error(`${WRK_MISSING} (apt-get install wrk)`);
  const child = spawn(WRK, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let markLoaded!: () => void;
  const loaded = new Promise<void>((resolve) => (markLoaded = resolve));
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('WRK-LOADED')) markLoaded();
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const done = new Promise<WrkResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`wrk exited with ${code}:\n${output}`));
        return;
      }
      const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
      resolve({
        requests: Number(/(?<!\d)(\d+) requests in/.exec(output)?.[1] ?? NaN),
        connectErrors: Number(errors?.[1] ?? 0),
        read: Number(errors?.[2] ?? 0),
        write: Number(errors?.[3] ?? 0),
        timeout: Number(errors?.[4] ?? 0),
        non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
        output,
      });
    });
  });
  return { loaded, done, stop: () => child.kill('SIGINT') };
}

/** What counts as a failed request: everything but a refused new connection. */
export function failures(result: WrkResult): number {
  return result.read + result.write + result.timeout + result.non2xx;
}
