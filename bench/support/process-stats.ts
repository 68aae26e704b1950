import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

// What a bench reads of a server it spawned (Linux /proc), and how it waits for it.

/** Resolves at the first 200 from `url`; throws if `child` exits first. */
export async function firstOk(url: string, child: ChildProcess): Promise<void> {
  for (;;) {
    const res = await fetch(url).catch(() => undefined);
    if (res?.status === 200) return;
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    await new Promise((done) => setTimeout(done, 2));
  }
}

/** Resident memory of `pid`, in MB. */
export function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:')) ?? '';
  return Number(/(\d+)/.exec(line)?.[1] ?? NaN) / 1024;
}

/**
 * CPU time so far (user + system) of every thread of `pid`, in ms: the first field of each
 * /proc/<pid>/task/<tid>/schedstat, nanoseconds on a CPU (finer than /proc/<pid>/stat's ticks).
 */
export function cpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  }
  return ns / 1e6;
}
