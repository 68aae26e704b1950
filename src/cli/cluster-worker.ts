import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { SyncServerApp } from '../app/sync-server-app';
import { linkAuthPurges } from './cluster-auth';
import { attachClusterMetrics } from './cluster-metrics';
import { type WorkerMessage, readPrimaryMessage } from './cluster-messages';
import { loadAppClass } from './load-app-class';
import { type LogOutput, openLogOutput } from './log-output';
import type { ServePlan } from './serve-plan';

/** Sends to the primary; a primary that is gone (EPIPE, closed channel) is expected, never thrown. */
function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) {
      resolve();
      return;
    }
    try {
      process.send(message, undefined, {}, () => resolve());
    } catch {
      resolve();
    }
  });
}

/**
 * One worker process. Before it opens anything it listens for stops (`shutdown` from the
 * primary, SIGTERM, SIGINT, losing the primary), so a stop at any moment drains it: while it
 * starts, the start settles and what it opened is closed (`app.close()` is valid in every
 * state). Then it opens the log output, builds the app, listens on the shared port and reports
 * `ready` (or why it could not). `reopen` (the primary's SIGUSR1) reopens the log and CEF files.
 * Resolves to the exit code. Its plan comes from the primary: the one its generation was checked with.
 */
export async function runWorker(readPlan: () => ServePlan): Promise<number> {
  let app: SyncServerApp | undefined;
  let output: LogOutput | undefined;
  let reason: string | undefined;
  let draining: Promise<number> | undefined;
  let wake!: () => void;
  const stopRequested = new Promise<void>((resolve) => (wake = resolve));
  const log = (): Logger | undefined => output?.logger;

  const drain = (): Promise<number> => {
    draining ??= (async () => {
      log()?.info({ reason }, 'worker draining');
      try {
        await app?.close();
        return 0;
      } catch (err) {
        log()?.error({ err }, 'worker did not close cleanly');
        return 1;
      }
    })();
    return draining;
  };
  const stop = (why: string) => {
    if (reason !== undefined) return;
    reason = why;
    wake();
    if (app) void drain();
  };
  const reopen = () => {
    output?.reopen();
    app?.cef.reopen();
    log()?.info('log and CEF files reopened');
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

  try {
    const plan = readPlan();
    output = openLogOutput(plan.config);
    const logger = output.logger;
    process.on('uncaughtException', (err) => {
      const crashId = randomBytes(8).toString('hex');
      logger.fatal({ err, crashId }, `crash id ${crashId}: uncaught exception, worker exits`);
      process.exit(1);
    });
    if (reason === undefined) {
      const AppClass = loadAppClass(plan.appSpec, plan.baseDir, plan.iniPath);
      app = new AppClass(plan.config, { baseDir: plan.baseDir, logger });
      attachClusterMetrics(app); // scrapes answer the sum over all workers (src/cli/cluster-metrics.ts)
      linkAuthPurges(app); // a purge in one worker reaches the others through the primary (src/cli/cluster-auth.ts)
      if (reason !== undefined) void drain();
      const server = await app.listen(plan.port, plan.host);
      if (reason === undefined) await send({ type: 'ready', host: plan.host, port: (server.address() as AddressInfo).port });
    }
  } catch (err) {
    if (reason === undefined) {
      await send({ type: 'failed', error: (err as Error).message });
      await app?.close().catch(() => undefined);
      return 1;
    }
    log()?.warn({ err }, 'the worker was stopped while starting, and the start failed');
  }
  await stopRequested;
  return drain();
}
