import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { startAuthRelay } from './cluster-auth';
import { type PrimaryMessage, isWorkerMessage } from './cluster-messages';
import { ClusterMetrics } from './cluster-metrics';
import type { CommandIO } from './command-io';
import { RestartPolicy } from './restart-policy';
import type { ServePlan } from './serve-plan';

export interface PrimaryOptions {
  plan: ServePlan;
  io: CommandIO;
  logger: Logger;
  /** Reopens the primary's log file; a file that cannot be opened is a warning (false). */
  reopenLog: () => boolean;
  /** How workers are started: the bin again, with these arguments. */
  exec: string;
  args: string[];
  execArgv: string[];
  policy?: RestartPolicy;
}

/**
 * The primary of `serve`: forks `plan.workers` workers on one shared port and resolves to the
 * exit code. A worker that dies is restarted after a back-off; a crash loop, or a worker that
 * cannot start before any is up (bad module, port in use), stops everything with a message and
 * exit code 1. SIGTERM/SIGINT drain the workers (exit 0 when they all close cleanly, 1 when
 * they had to be killed after `plan.stopTimeout`); SIGHUP makes every worker reopen its files.
 */
export function runPrimary(options: PrimaryOptions): Promise<number> {
  const { plan, io, logger } = options;
  const policy = options.policy ?? new RestartPolicy();
  cluster.setupPrimary({ exec: options.exec, args: options.args, execArgv: options.execArgv });
  startAuthRelay();

  return new Promise<number>((resolve) => {
    const readyIds = new Set<number>();
    const lastError = new Map<number, string>();
    const restarts = new Set<NodeJS.Timeout>();
    let everReady = false;
    let stopping = false;
    let exitCode = 0;
    let killTimer: NodeJS.Timeout | undefined;

    const live = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());

    // A worker that is exiting closes its channel: EPIPE or a closed channel is expected then.
    const tell = (worker: Worker, message: PrimaryMessage) => {
      if (!worker.isConnected()) return;
      try {
        worker.send(message, undefined, {}, (err: Error | null) => {
          if (err) logger.debug({ worker: worker.process.pid, err: err.message }, `could not send '${message.cmd}'`);
        });
      } catch (err) {
        logger.debug({ worker: worker.process.pid, err: (err as Error).message }, `could not send '${message.cmd}'`);
      }
    };

    const fork = () => {
      const worker = cluster.fork();
      worker.on('error', (err: Error) => logger.debug({ worker: worker.process.pid, err: err.message }, 'worker channel error'));
      worker.on('message', (message: unknown) => {
        if (!isWorkerMessage(message)) return;
        if (message.type === 'failed') {
          lastError.set(worker.id, message.error);
          return;
        }
        readyIds.add(worker.id);
        if (stopping) return;
        logger.info({ worker: worker.process.pid }, `worker ${worker.process.pid} ready`);
        if (!everReady && readyIds.size === plan.workers) {
          everReady = true;
          logger.info({ host: message.host, port: message.port, workers: plan.workers },
            `listening on http://${message.host.includes(':') ? `[${message.host}]` : message.host}:${message.port} with ${plan.workers} worker(s)`);
        }
      });
    };

    const finish = () => {
      if (live().length > 0) return;
      void metrics.then((m) => m?.close());
      clearTimeout(killTimer);
      cluster.removeAllListeners('exit');
      for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.removeListener(signal, onSignal);
      resolve(exitCode);
    };

    const stop = (code: number, reason: string) => {
      if (stopping) return;
      stopping = true;
      exitCode = code;
      for (const timer of restarts) clearTimeout(timer);
      logger.info({ reason }, `stopping ${live().length} worker(s)`);
      for (const worker of live()) {
        tell(worker, { cmd: 'shutdown' });
        // One still starting may not listen for messages yet; it handles SIGTERM from its first line.
        if (!readyIds.has(worker.id)) worker.process.kill('SIGTERM');
      }
      killTimer = setTimeout(() => {
        io.stderr.write(`services-core serve: workers still running after ${plan.stopTimeout} s; killing them\n`);
        exitCode = 1;
        for (const worker of live()) worker.process.kill('SIGKILL');
      }, plan.stopTimeout * 1000);
      finish();
    };

    const giveUp = (message: string) => {
      io.stderr.write(`services-core serve: ${message}\n`);
      stop(1, 'giving up');
    };

    cluster.on('exit', (worker, code, signal) => {
      const how = signal ? `signal ${signal}` : `code ${code}`;
      const error = lastError.get(worker.id);
      const wasReady = readyIds.delete(worker.id);
      if (stopping) {
        // A worker ended by the stop's SIGTERM before it ran any code had nothing to drain.
        const stoppedEarly = !wasReady && (signal === 'SIGTERM' || signal === 'SIGINT');
        if (code !== 0 && !stoppedEarly && exitCode === 0) exitCode = 1;
        finish();
        return;
      }
      if (!everReady) {
        giveUp(`a worker could not start (exited with ${how})${error ? `: ${error}` : ''}`);
        return;
      }
      const decision = policy.onCrash(Date.now());
      if (!decision.restart) {
        giveUp(`crash loop: workers died ${decision.crashes} times within ${decision.windowMs / 1000} s; ` +
          `the last one exited with ${how}${error ? `: ${error}` : ''}`);
        return;
      }
      logger.error({ worker: worker.process.pid, code, signal, error, restartInMs: decision.delayMs }, `worker exited with ${how}; restarting`);
      const timer = setTimeout(() => {
        restarts.delete(timer);
        fork();
      }, decision.delayMs);
      restarts.add(timer);
    });

    function onSignal(signal: NodeJS.Signals): void {
      if (signal === 'SIGHUP') {
        options.reopenLog();
        for (const worker of live()) tell(worker, { cmd: 'reopen' });
        logger.info('SIGHUP: workers reopen their log and CEF files');
      } else if (stopping) {
        // A second Ctrl-C does not wait for the drain.
        io.stderr.write(`services-core serve: ${signal} again; killing the workers\n`);
        exitCode = 1;
        for (const worker of live()) worker.process.kill('SIGKILL');
      } else {
        stop(0, signal);
      }
    }
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, onSignal);

    // Metrics of all workers, on metrics.port when set (src/cli/cluster-metrics.ts).
    const metrics = ClusterMetrics.start(plan.config, logger).catch((err: Error) => {
      giveUp(err.message);
      return undefined;
    });
    for (let i = 0; i < plan.workers; i++) fork();
  });
}
