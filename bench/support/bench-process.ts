import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

// A bench runs its servers and load generators as child processes of itself (the same file with
// other arguments), so the app and its bare-Koa reference are measured in one process tree.

/** `file` (a bench's `__filename`) again, with `args`, through ts-node. */
export function child(file: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', file, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
}

export async function firstLine(proc: ChildProcess): Promise<string> {
  const lines = createInterface({ input: proc.stdout! });
  const [line] = await once(lines, 'line') as [string];
  lines.close();
  return line;
}

/** A server's CPU time so far, in microseconds: it answers each line on stdin (see `answerCpu`). */
export async function cpuOf(server: ChildProcess): Promise<number> {
  server.stdin!.write('cpu\n');
  const { user, system } = JSON.parse(await firstLine(server)) as NodeJS.CpuUsage;
  return user + system;
}

/** In a server child: answers every line on stdin with its `process.cpuUsage()`. */
export function answerCpu(): void {
  createInterface({ input: process.stdin }).on('line', () => process.stdout.write(`${JSON.stringify(process.cpuUsage())}\n`));
}
