import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { SyncServerApp } from '../app/sync-server-app';
import { linkAuthPurges } from './cluster-auth';
import { attachClusterMetrics } from './cluster-metrics';
import { readPrimaryMessage, sendToPrimary } from './cluster-messages';
import { loadAppClass } from './load-app-class';
import { type LogOutput, openLogOutput } from './log-output';
import type { ServePlan } from './serve-plan';

/**
 * The worker's states. `starting`: the log output, the app and its listener are being opened
 * (synchronously up to the listen, so a stop can only come once the app exists). `serving`:
 * listening, `ready` sent. `draining`: `app.close()` runs; it is valid in every app state, so a
 * stop while the app starts drains at once, and no `ready` is sent.
 */
type WorkerState = 'starting' | 'serving' | 'draining';

/**
 * One worker process. Before it opens anything it listens for stops (`shutdown` from the
 * primary, SIGTERM, SIGINT, losing the primary), so a stop at any moment drains it. Then it opens
 * the log output, builds the app, listens on the shared port and reports `ready` (or why it could
 * not). `reopen` (the primary's SIGUSR1) reopens the log and CEF files. Resolves to the exit code.
 * Its plan comes from the primary (`planFromPrimary`): the one its generation was checked with.
 */
export async function runWorker(readPlan: () => Promise<ServePlan>): Promise<number> {
  let state = 'starting' as WorkerState;
  let app: SyncServerApp | undefined;
  let output: LogOutput | undefined;
  let drained!: (exitCode: Promise<number>) => void;
  const exitCode = new Promise<number>((resolve) => (drained = resolve));
  const log = (): Logger | undefined => output?.logger;

  const stop = (reason: string): void => {
    if (state === 'draining') return;
    state = 'draining';
    drained((async () => {
      log()?.info({ reason }, 'worker draining');
      try {
        await app?.close();
        return 0;
      } catch (err) {
        log()?.error({ err }, 'worker did not close cleanly');
        return 1;
      }
    })());
  };
  const reopen = () => {
    const reopened = output?.reopen() ?? true;
    app?.cef.reopen();
    // A log file that could not be reopened has said so: no "reopened" after "cannot reopen".
    if (reopened) log()?.info('log and CEF files reopened');
  };
  process.on('message', (value: unknown) => {
    const message = readPrimaryMessage(value);
    if (message?.type === 'shutdown') stop('shutdown');
    else if (message?.type === 'reopen') reopen();
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // SIGHUP (a reload) is the primary's, and would end the process; SIGUSR1 sent to a worker
  // itself reopens its files as the primary's `reopen` does (and never opens the inspector).
  process.on('SIGHUP', () => undefined);
  process.on('SIGUSR1', reopen);
  process.on('disconnect', () => stop('primary gone'));

  // Read through a function: the handlers above change `state` while this awaits.
  const starting = () => state === 'starting';
  try {
    // A stop while the plan is on its way ends the wait: there is nothing to open.
    const plan = await Promise.race([readPlan(), exitCode.then(() => undefined)]);
    if (plan === undefined) return await exitCode;
    output = openLogOutput(plan.config);
    const logger = output.logger;
    process.on('uncaughtException', (err) => {
      const crashId = randomBytes(8).toString('hex');
      logger.fatal({ err, crashId }, `crash id ${crashId}: uncaught exception, worker exits`);
      process.exit(1);
    });
    const AppClass = loadAppClass(plan.appSpec, plan.baseDir, plan.iniPath);
    app = new AppClass(plan.config, { baseDir: plan.baseDir, logger });
    attachClusterMetrics(app); // scrapes answer the sum over all workers (src/serve/cluster-metrics.ts)
    linkAuthPurges(app); // a purge in one worker reaches the others through the primary (src/serve/cluster-auth.ts)
    const server = await app.listen(plan.port, plan.host);
    if (starting()) {
      state = 'serving';
      await sendToPrimary({ type: 'ready', host: plan.host, port: (server.address() as AddressInfo).port });
    }
  } catch (err) {
    if (starting()) {
      await sendToPrimary({ type: 'failed', error: (err as Error).message });
      await app?.close().catch(() => undefined);
      return 1;
    }
    log()?.warn({ err }, 'the worker was stopped while starting, and the start failed');
  }
  return exitCode;
}

/**
 * Asks the primary for this worker's plan and resolves with its answer. The plan holds every
 * config secret, so it travels over the IPC channel only this process reads, never through the
 * environment (`/proc/<pid>/environ`, `ps eww`, and every child process the app starts).
 */
export function planFromPrimary(): Promise<ServePlan> {
  return new Promise((resolve) => {
    const onMessage = (value: unknown) => {
      const message = readPrimaryMessage(value);
      if (message?.type !== 'plan') return;
      process.off('message', onMessage);
      resolve(message.plan);
    };
    process.on('message', onMessage);
    void sendToPrimary({ type: 'plan:request' });
  });
}
