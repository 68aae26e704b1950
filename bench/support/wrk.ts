import { spawn } from 'node:child_process';
import { once } from 'node:events';

/** `command` with `args`, on CPU `cpu` only (taskset) when one is given. */
export function pinned(cpu: number | undefined, command: string, args: readonly string[]): [string, string[]] {
  return cpu === undefined ? [command, [...args]] : ['taskset', ['-c', String(cpu), command, ...args]];
}

export interface WrkOptions {
  seconds: number;
  connections: number;
  threads?: number;
  headers?: Record<string, string>;
  /** A wrk Lua script (requests built there instead of GET `url`). */
  script?: string;
  /** The CPU wrk runs on (taskset), or anywhere. */
  cpu?: number;
}

export interface WrkResult {
  requests: number;
  rps: number;
  p99ms: number;
  /** Connect, read and write errors and timeouts wrk counted (a saturated server times out). */
  socketErrors: number;
}

/**
 * Loads `url` with wrk (/usr/bin/wrk) and resolves with the requests it completed, their rate,
 * the p99 latency and the socket errors. Throws when an answer was not 2xx/3xx: a bench whose
 * requests fail measures the failure, not the route.
 */
export async function runWrk(url: string, { seconds, connections, threads = 1, headers = {}, script, cpu }: WrkOptions): Promise<WrkResult> {
  const args = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--latency',
    ...Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]), ...(script ? ['-s', script] : []), url];
  const wrk = spawn(...pinned(cpu, '/usr/bin/wrk', args), { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  wrk.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const [code] = await once(wrk, 'exit') as [number | null];
  const requests = Number(out.split('\n').find((line) => line.includes(' requests in '))?.trim().split(' ')[0]);
  if (code !== 0 || !Number.isFinite(requests)) throw new Error(`wrk ${url} failed (exit ${code}):\n${out}`);
  if (/Non-2xx/.test(out)) throw new Error(`wrk ${url}: answers that were not 2xx or 3xx:\n${out}`);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const p99 = /99%\s+([\d.]+)(us|ms|s)\b/.exec(out);
  const p99ms = p99 ? Number(p99[1]) * { us: 0.001, ms: 1, s: 1000 }[p99[2] as 'us' | 'ms' | 's'] : NaN;
  return { requests, rps: requests / seconds, p99ms, socketErrors: errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0 };
}
