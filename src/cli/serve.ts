import cluster from 'node:cluster';
import { asConfigError, checkFrameworkConfig } from './check-config';
import { runPrimary } from './cluster-primary';
import { runWorker } from './cluster-worker';
import { checkAppData } from './check-app-data';
import { loadAppClass } from './load-app-class';
import { openLogOutput } from './log-output';
import type { CommandIO } from './command-io';
import { USAGE, UsageError, readServePlan } from './serve-plan';

// Workers run the bin again; from the TypeScript sources (development, tests) they need ts-node too.
function workerExecArgv(exec: string): string[] {
  const hasLoader = process.execArgv.some((arg) => arg.includes('ts-node'));
  return exec.endsWith('.ts') && !hasLoader ? [...process.execArgv, '-r', 'ts-node/register/transpile-only'] : process.execArgv;
}

/**
 * `services-core serve <deployment.ini> [--workers N] [--port P] [--host H]`. The primary checks
 * the .ini and the app module before forking, so their errors come out once and clearly.
 */
export async function serveCommand(args: string[], io: CommandIO): Promise<number> {
  // A worker listens for stops before it reads or opens anything.
  if (cluster.isWorker) process.exit(await runWorker(() => readServePlan(args)));
  let plan;
  try {
    plan = readServePlan(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`services-core serve: ${err.message}\nusage: services-core ${USAGE}\n`);
    return 2;
  }

  try {
    checkAppData(loadAppClass(plan.appSpec, plan.baseDir, plan.iniPath), plan.config, plan.baseDir);
  } catch (err) {
    throw asConfigError(err, plan.iniPath);
  }
  await checkFrameworkConfig(plan.config, { file: plan.iniPath, baseDir: plan.baseDir });
  const output = openLogOutput(plan.config);
  for (const notice of plan.notices) output.logger.warn(notice);
  const exec = require.resolve('./main');
  return runPrimary({
    plan, io, logger: output.logger, reopenLog: output.reopen,
    exec, args: ['serve', ...args], execArgv: workerExecArgv(exec),
  });
}
