import { fork } from 'node:child_process';
import { isServePlan } from './reload-plan';
import type { ServePlan } from './serve-plan';

/** Set in the environment of the process that checks a reload. */
export const CHECK_ENV = 'SERVICES_CORE_SERVE_CHECK';

export interface CheckOptions {
  /** The bin, its arguments (`serve …`) and the node options the workers get. */
  exec: string;
  args: string[];
  execArgv: string[];
  signal: AbortSignal;
  timeoutMs?: number;
}

const MAX_STDERR = 64 * 1024;

/**
 * Runs the checks of `serve` (the .ini, the app module, every framework key, as `services-core
 * config` does) in a new process, so the code on disk is checked, not the primary's module cache.
 * Resolves to the plan that passed; rejects with the one line the check printed.
 */
export function checkInChild(options: CheckOptions): Promise<ServePlan> {
  const { timeoutMs = 60_000 } = options;
  return new Promise((resolve, reject) => {
    const child = fork(options.exec, options.args, {
      execArgv: options.execArgv, env: { ...process.env, [CHECK_ENV]: '1' }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    let plan: ServePlan | undefined;
    let failure: string | undefined;
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_STDERR) stderr += chunk.toString();
    });
    child.on('message', (message: unknown) => {
      const m = message as { type?: unknown; plan?: unknown } | null;
      if (m?.type === 'checked' && isServePlan(m.plan)) plan = m.plan;
    });
    const end = (why: string) => {
      failure ??= why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => end(`the check did not finish within ${timeoutMs / 1000} s`), timeoutMs);
    const onAbort = () => end('serve is stopping');
    options.signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => end(`cannot run the check: ${err.message}`));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      if (failure === undefined && code === 0 && plan) {
        resolve(plan);
        return;
      }
      const said = stderr.split('\n').find((line) => line.trim() !== '')?.replace(/^services-core serve: /, '');
      reject(new Error(failure ?? said ?? `the check exited with ${signal ? `signal ${signal}` : `code ${code}`}`));
    });
  });
}
