import cluster from 'node:cluster';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { planFromPrimary, runWorker } from '../serve/cluster-worker';
import { openLogOutput } from '../serve/log-output';
import { CHECK_ENV, checkInChild } from '../serve/reload-check';
import type { CommandIO } from './command-io';
import { type ServePlan, USAGE, UsageError, parseServeArgs, readServePlan } from '../serve/serve-plan';

// Workers run the bin again; from the TypeScript sources (development, tests) they need ts-node too.
function workerExecArgv(exec: string): string[] {
  const hasLoader = process.execArgv.some((arg) => arg.includes('ts-node'));
  return exec.endsWith('.ts') && !hasLoader ? [...process.execArgv, '-r', 'ts-node/register/transpile-only'] : process.execArgv;
}

function pidIn(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

// The deployment check and the primary's modules load in the primary only: a worker starts its app without them.
const checkDeployment = async (plan: ServePlan) => (await import('./check-config')).checkDeployment(plan);

/**
 * The process a reload runs to check the files on disk as `serve` does before it forks (the
 * .ini, the app module, every framework key): the plan goes back to the primary, an error to stderr.
 */
async function checkForReload(args: string[]): Promise<number> {
  const plan = readServePlan(args);
  await checkDeployment(plan);
  await new Promise<void>((done) => process.send!({ type: 'checked', plan }, undefined, {}, () => done()));
  process.disconnect();
  return 0;
}

/**
 * `services-core serve <deployment.ini> [--workers N] [--port P] [--host H] [--pid-file F]`. The
 * primary checks the .ini and the app module before forking, so their errors come out once and
 * clearly; SIGHUP checks them again, in a new process, before a reload.
 */
export async function serveCommand(args: string[], io: CommandIO): Promise<number> {
  // A worker listens for stops before it reads or opens anything; its plan is its generation's.
  if (cluster.isWorker) process.exit(await runWorker(planFromPrimary));
  if (process.env[CHECK_ENV] === '1' && process.send) return checkForReload(args);
  let plan;
  let flags;
  try {
    flags = parseServeArgs(args);
    plan = readServePlan(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`services-core serve: ${err.message}\nusage: services-core ${USAGE}\n`);
    return 2;
  }

  const notices = await checkDeployment(plan);
  const output = openLogOutput(plan.config);
  for (const notice of notices) output.logger.warn(notice);
  const exec = require.resolve('./main');
  const execArgv = workerExecArgv(exec);
  const serveArgs = ['serve', ...args];
  const pidPath = flags['pid-file'] === undefined ? undefined : resolve(flags['pid-file']);
  if (pidPath) writeFileSync(pidPath, `${process.pid}\n`);
  try {
    const { runPrimary } = await import('../serve/cluster-primary');
    return await runPrimary({
      plan, io, logger: output.logger, reopenLog: output.reopen, exec, args: serveArgs, execArgv,
      checkReload: (signal) => checkInChild({ exec, args: serveArgs, execArgv, signal }),
      workersFromCommandLine: flags.workers !== undefined,
    });
  } finally {
    // Another serve may have taken the file over since: only ours is removed.
    if (pidPath && pidIn(pidPath) === String(process.pid)) rmSync(pidPath, { force: true });
  }
}
