import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { migrateDeployment } from '../cli/migrate-command';

export interface ServeAppOptions {
  /** `--workers` (default: the deployment file's, else one per core). */
  workers?: number;
  /** `--port` (default 0: a free port, shared by the workers, read from the "listening" line). */
  port?: number;
  /** Added to the environment of `serve` (the rest is this process's). */
  env?: NodeJS.ProcessEnv;
  /** How long the start may take before `serveApp` fails with the output so far (default 60 s). */
  startTimeoutMs?: number;
  /**
   * Run the app's pending migrations first, as `services-core migrate` does in a deploy (default
   * true; nothing happens when the app declares none). false: the database is the test's to prepare.
   */
  migrate?: boolean;
}

export interface ServedApp {
  /** `http://<host>:<port>` as `serve` listens (a wildcard host as loopback), no trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Everything `serve` wrote so far, stdout and stderr (JSON log lines). */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects when `serve` exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM, and the exit (the workers drain); SIGKILL after `timeoutMs` (default 15 s). */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const LISTENING = /listening on http:\/\/([^\s"]+):(\d+) with/;
// A wildcard address is reached on loopback.
const REACHABLE: Record<string, string> = { '0.0.0.0': '127.0.0.1', '[::]': '[::1]' };

/** The `services-core` bin next to this module: compiled, or the sources through ts-node. */
function serveCommand(): string[] {
  const compiled = join(__dirname, '../cli/main.js');
  if (existsSync(compiled)) return [compiled];
  return ['-r', 'ts-node/register/transpile-only', join(__dirname, '../cli/main.ts')];
}

/**
 * Runs `services-core serve <ini>` as a deployment does (a primary and its workers, in their own
 * processes) and resolves once every worker is ready, with its address:
 *
 *   const served = await serveApp('deploy/development.ini', { workers: 2 });
 *   await fetch(`${served.url}/__heartbeat__`);
 *   await served.stop();
 *
 * For what `createTestApp` cannot show: several workers (a change made through one seen by the
 * other), signals, the deployment file itself. A start that fails rejects with the output.
 */
export async function serveApp(ini: string, options: ServeAppOptions = {}): Promise<ServedApp> {
  if (options.migrate !== false) await migrateDeployment(ini, { ...process.env, ...options.env });
  return spawnServe(ini, options);
}

function spawnServe(ini: string, options: ServeAppOptions): Promise<ServedApp> {
  const args = ['serve', ini, '--port', String(options.port ?? 0)];
  if (options.workers !== undefined) args.push('--workers', String(options.workers));
  const child = spawn(process.execPath, [...serveCommand(), ...args], {
    env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve({ code, signal });
      for (const listener of listeners) listener();
    });
  });
  const gone = () => child.exitCode !== null || child.signalCode !== null;

  const waitFor = (pattern: RegExp, timeoutMs = 60_000) => new Promise<RegExpMatchArray>((resolve, reject) => {
    const done = () => {
      listeners.delete(check);
      clearTimeout(timer);
    };
    const check = () => {
      const match = text.match(pattern);
      if (match) {
        done();
        resolve(match);
      } else if (gone()) {
        done();
        reject(new Error(`services-core serve exited before ${String(pattern)} appeared; its output:\n${text}`));
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no ${String(pattern)} from services-core serve within ${timeoutMs} ms; its output:\n${text}`));
    }, timeoutMs);
    listeners.add(check);
    check();
  });

  const stop = async (timeoutMs = 15_000) => {
    if (!gone()) {
      const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(kill);
    }
    return exited;
  };

  return waitFor(LISTENING, options.startTimeoutMs).then(
    ([, host, port]) => ({ url: `http://${REACHABLE[host] ?? host}:${port}`, port: Number(port), child, output: () => text, waitFor, stop }),
    async (err: unknown) => {
      await stop();
      throw err;
    },
  );
}
