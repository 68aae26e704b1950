import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { SyncServerApp } from '../app/sync-server-app';
import { attachClusterMetrics } from './cluster-metrics';
import { linkAuthPurges } from './cluster-auth';
import { type PrimaryMessage, type WorkerMessage, isPrimaryMessage } from './cluster-messages';
import { loadAppClass } from './load-app-class';
import { openLogOutput } from './log-output';
import type { ServePlan } from './serve-plan';

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

/**
 * One worker process: builds the app, listens on the shared port and reports `ready` (or why it
 * could not). `shutdown` from the primary, SIGTERM, SIGINT or losing the primary drain it with
 * `app.close()` and exit; `reopen` (the primary's SIGHUP) reopens the log and CEF files.
 */
export async function runWorker(plan: ServePlan): Promise<number> {
  const output = openLogOutput(plan.config);
  const logger = output.logger;
  process.on('uncaughtException', (err) => {
    const crashId = randomBytes(8).toString('hex');
    logger.fatal({ err, crashId }, `crash id ${crashId}: uncaught exception, worker exits`);
    process.exit(1);
  });

  let app: SyncServerApp;
  try {
    const AppClass = loadAppClass(plan.appSpec, plan.baseDir, plan.iniPath);
    app = new AppClass(plan.config, { baseDir: plan.baseDir, logger });
    attachClusterMetrics(app); // scrapes answer the sum over all workers (src/cli/cluster-metrics.ts)
    linkAuthPurges(app);
    const server = await app.listen(plan.port, plan.host);
    const { port } = server.address() as AddressInfo;
    await send({ type: 'ready', host: plan.host, port });
  } catch (err) {
    await send({ type: 'failed', error: (err as Error).message });
    return 1;
  }

  return new Promise<number>((resolve) => {
    let stopping: Promise<void> | undefined;
    const stop = (reason: string) => {
      stopping ??= (async () => {
        logger.info({ reason }, 'worker draining');
        try {
          await app.close();
          resolve(0);
        } catch (err) {
          logger.error({ err }, 'worker did not close cleanly');
          resolve(1);
        }
      })();
    };
    const reopen = () => {
      output.reopen();
      app.cef.reopen();
      logger.info('log and CEF files reopened');
    };
    process.on('message', (message: unknown) => {
      if (!isPrimaryMessage(message)) return;
      const cmd: PrimaryMessage['cmd'] = message.cmd;
      if (cmd === 'shutdown') stop('shutdown');
      else reopen();
    });
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    // SIGHUP would end the process; the primary passes it on to every worker as `reopen`.
    process.on('SIGHUP', () => undefined);
    process.on('disconnect', () => stop('primary gone'));
  });
}
