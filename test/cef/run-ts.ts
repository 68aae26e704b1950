import { execFile, type ExecFileOptions } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

/** Runs a snippet of TypeScript in a fresh Node process (own TZ, own pid) and returns its stdout. */
export function runTs(code: string, env: NodeJS.ProcessEnv = {}, options: ExecFileOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-e', code],
      { cwd: root, env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'tsconfig.json'), ...env }, encoding: 'utf8', ...options },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${String(stderr)}`)) : resolve(String(stdout))),
    );
  });
}
