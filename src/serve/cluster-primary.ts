import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { type AuthRelay, startAuthRelay } from './cluster-auth';
import { type PrimaryMessage, type WorkerMessage, readWorkerMessage, sendToWorker } from './cluster-messages';
import { ClusterMetrics } from './cluster-metrics';
import { planForReload } from './reload-plan';
import { RateLimitedLog } from '../util/rate-limited-log';
import { RestartPolicy } from './restart-policy';
import type { ServePlan } from './serve-plan';

export interface PrimaryOptions {
  plan: ServePlan;
  /** Where serve's own last words go (the command's stderr). */
  io: { stderr: { write(text: string): unknown } };
  logger: Logger;
  /** Reopens the primary's log file; a file that cannot be opened is a warning (false). */
  reopenLog: () => boolean;
  /** How workers are started: the bin again, with these arguments. */
  exec: string;
  args: string[];
  execArgv: string[];
  /** Checks the deployment file and the app module on disk (src/serve/reload-check.ts); rejects with one line. */
  checkReload: (signal: AbortSignal) => Promise<ServePlan>;
  /** `--workers` was given: the command line wins over a reloaded `[server:main] workers`. */
  workersFromCommandLine?: boolean;
  policy?: RestartPolicy;
  /** Seconds a reload's new workers get to report ready (default 60). */
  readyTimeout?: number;
}

/** The workers started with one plan. */
interface Generation {
  n: number;
  plan: ServePlan;
  members: Set<Member>;
  /** Called on every change of a member (ready, exit). */
  onChange?: () => void;
}

/** One worker: starting until it reports ready; retiring once told to drain. */
interface Member {
  worker: Worker;
  generation: Generation;
  ready: boolean;
  retiring: boolean;
  error?: string;
}

/**
 * The primary's states. `starting`: the first generation is not all ready (a worker that fails
 * then stops everything). `serving`: one generation serves; a dead worker is restarted into it.
 * `reloading`: as serving, while a checked plan's new generation starts and the old one drains
 * (a HUP meanwhile is remembered: one more reload after this one). `stopping`: every worker drains.
 */
type State = 'starting' | 'serving' | 'reloading' | 'stopping';

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGTTIN', 'SIGTTOU'] as const;

const how = (code: number | null, signal: string | null) => (signal ? `signal ${signal}` : `code ${code}`);

/**
 * The primary of `serve`: forks `plan.workers` workers on one shared port and resolves to the
 * exit code. A worker that dies is restarted after a back-off with its generation's plan; a
 * crash loop, or a worker that cannot start before the first generation is up (bad module, port
 * in use), stops everything with a message and exit code 1. SIGTERM/SIGINT drain the workers
 * (exit 0 when they all close cleanly, 1 when they had to be killed after `plan.stopTimeout`).
 * SIGHUP reloads: the deployment file and app module are checked on disk, a new generation of
 * workers starts with the checked plan, and once all of it is ready the old one drains; the
 * listening socket stays open throughout. SIGUSR1 makes every process reopen its log and CEF
 * files; SIGTTIN/SIGTTOU add or retire one worker.
 */
export function runPrimary(options: PrimaryOptions): Promise<number> {
  const { plan, io, logger } = options;
  const policy = options.policy ?? new RestartPolicy();
  const readyTimeoutMs = (options.readyTimeout ?? 60) * 1000;
  cluster.setupPrimary({ exec: options.exec, args: options.args, execArgv: options.execArgv });

  return new Promise<number>((resolve) => {
    let state = 'starting' as State;
    // Read after an await: whatever a signal made of it meanwhile.
    const stopping = () => state === 'stopping';
    let reloadAgain = false;
    let exitCode = 0;
    let generations = 0;
    let current = newGeneration(plan);
    let metrics: ClusterMetrics | undefined;
    let reloadAbort: AbortController | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const members = new Map<number, Member>();
    const relay: AuthRelay = startAuthRelay({ serving: (worker) => members.get(worker.id)?.ready === true });
    const restarts = new Set<NodeJS.Timeout>();
    const dropped = new RateLimitedLog(logger, { level: 'warn', what: 'warnings about messages from workers' });

    function newGeneration(generationPlan: ServePlan): Generation {
      return { n: ++generations, plan: generationPlan, members: new Set() };
    }

    const live = () => [...members.values()].filter((m) => !m.worker.isDead());
    const pid = (worker: Worker) => worker.process.pid;

    const tell = (worker: Worker, message: PrimaryMessage) => sendToWorker(worker, message,
      (err) => logger.debug({ worker: pid(worker), err: err.message }, `could not send '${message.type}'`));

    const fork = (generation: Generation) => {
      // The plan (config secrets included) goes over the IPC channel when the worker asks, never
      // through its environment, which `ps eww` shows and every child process inherits.
      const worker = cluster.fork();
      const member: Member = { worker, generation, ready: false, retiring: false };
      members.set(worker.id, member);
      generation.members.add(member);
      worker.on('error', (err: Error) => logger.debug({ worker: pid(worker), err: err.message }, 'worker channel error'));
    };

    /** Drains a member; one still starting may not listen for messages yet, but it handles SIGTERM from its first line. */
    const retire = (member: Member) => {
      member.retiring = true;
      tell(member.worker, { type: 'shutdown' });
      if (!member.ready) member.worker.process.kill('SIGTERM');
    };

    const allReady = (generation: Generation) => generation.members.size > 0 && [...generation.members].every((m) => m.ready) &&
      generation.members.size >= generation.plan.workers;

    const onReady = (member: Member, message: Extract<WorkerMessage, { type: 'ready' }>) => {
      member.ready = true;
      if (state === 'stopping') return;
      logger.info({ worker: pid(member.worker), generation: member.generation.n }, `worker ${pid(member.worker)} ready`);
      if (state === 'starting' && member.generation === current && allReady(current)) {
        state = 'serving';
        logger.info({ host: message.host, port: message.port, workers: plan.workers },
          `listening on http://${message.host.includes(':') ? `[${message.host}]` : message.host}:${message.port} with ${plan.workers} worker(s)`);
        if (reloadAgain) {
          reloadAgain = false;
          void reload();
        }
      }
      member.generation.onChange?.();
    };

    /** The one entry for messages from workers: each is checked; a bad one is dropped with a warning naming the worker. */
    const onMessage = (worker: Worker, value: unknown) => {
      const member = members.get(worker.id);
      const received = readWorkerMessage(value);
      if (!received.ok) {
        dropped.write({ worker: pid(worker) }, `dropped a malformed message from worker ${pid(worker)}: ${received.why}`);
        return;
      }
      const message = received.message;
      try {
        if ('channel' in message) {
          if (!relay.throttle(worker, message)) dropped.write({ worker: pid(worker) }, `dropped a throttle message from worker ${pid(worker)}: no limiter '${('opts' in message ? message.opts.keyPrefix : message.keyPrefix).slice(0, 80)}'`);
        } else if (message.type === 'plan:request') {
          if (member) tell(worker, { type: 'plan', plan: member.generation.plan });
        } else if (message.type === 'ready') {
          if (member) onReady(member, message);
        } else if (message.type === 'failed') {
          if (member) {
            member.error = message.error;
            member.generation.onChange?.();
          }
        } else if (message.type === 'auth-purge') {
          relay.purge(worker, message);
        } else if (message.type === 'auth-purged') {
          relay.purged(worker, message);
        } else if (metrics) {
          const refused = metrics.receive(worker, message);
          if (refused) dropped.write({ worker: pid(worker) }, `dropped '${message.type}' from worker ${pid(worker)}: ${refused}`);
        } else {
          dropped.write({ worker: pid(worker) }, `dropped '${message.type}' from worker ${pid(worker)}: metrics are off`);
        }
      } catch (err) {
        dropped.write({ worker: pid(worker) }, `dropped a message from worker ${pid(worker)} that failed: ${(err as Error).message.slice(0, 500)}`);
      }
    };

    const finish = () => {
      if (live().length > 0 || reloadAbort) return;
      void metrics?.close();
      dropped.flush();
      clearTimeout(killTimer);
      cluster.off('exit', onExit);
      cluster.off('message', onMessage);
      for (const signal of SIGNALS) process.removeListener(signal, onSignal);
      resolve(exitCode);
    };

    const stop = (code: number, reason: string) => {
      if (state === 'stopping') return;
      state = 'stopping';
      exitCode = code;
      for (const timer of restarts) clearTimeout(timer);
      reloadAbort?.abort();
      logger.info({ reason }, `stopping ${live().length} worker(s)`);
      for (const member of live()) retire(member);
      for (const generation of new Set([...members.values()].map((m) => m.generation))) generation.onChange?.();
      const timeout = Math.max(...[...members.values()].map((m) => m.generation.plan.stopTimeout), plan.stopTimeout);
      killTimer = setTimeout(() => {
        io.stderr.write(`services-core serve: workers still running after ${timeout} s; killing them\n`);
        exitCode = 1;
        for (const member of live()) member.worker.process.kill('SIGKILL');
      }, timeout * 1000);
      finish();
    };

    const giveUp = (message: string) => {
      io.stderr.write(`services-core serve: ${message}\n`);
      stop(1, 'giving up');
    };

    function onExit(worker: Worker, code: number | null, signal: string | null): void {
      const member = members.get(worker.id);
      if (!member) return;
      members.delete(worker.id);
      member.generation.members.delete(member);
      relay.gone(worker);
      const { error, generation } = member;
      if (state === 'stopping') {
        // A worker ended by the stop's SIGTERM before it ran any code had nothing to drain.
        const stoppedEarly = !member.ready && (signal === 'SIGTERM' || signal === 'SIGINT');
        if (code !== 0 && !stoppedEarly && exitCode === 0) exitCode = 1;
        finish();
        return;
      }
      generation.onChange?.();
      if (member.retiring) {
        if (code !== 0 && error === undefined && !(signal === 'SIGTERM' && !member.ready)) logger.warn({ worker: pid(worker), code, signal }, `retired worker ${pid(worker)} exited with ${how(code, signal)}`);
        return;
      }
      if (generation !== current) return; // a reload's new worker: the reload reports it
      if (state === 'starting') {
        giveUp(`a worker could not start (exited with ${how(code, signal)})${error ? `: ${error}` : ''}`);
        return;
      }
      const decision = policy.onCrash(Date.now());
      if (!decision.restart) {
        giveUp(`crash loop: workers died ${decision.crashes} times within ${decision.windowMs / 1000} s; ` +
          `the last one exited with ${how(code, signal)}${error ? `: ${error}` : ''}`);
        return;
      }
      logger.error({ worker: pid(worker), code, signal, error, restartInMs: decision.delayMs }, `worker exited with ${how(code, signal)}; restarting`);
      const timer = setTimeout(() => {
        restarts.delete(timer);
        // Restarted with the plan of its generation, never with the file on disk; after a reload, not at all.
        if (generation === current && state !== 'stopping') fork(generation);
      }, decision.delayMs);
      restarts.add(timer);
    }

    /** Resolves once `check` holds for `generation`, re-evaluated on each of its changes. */
    const until = (generation: Generation, check: () => string | true | undefined, timeoutMs: number, late: string) =>
      new Promise<string | true>((done) => {
        const timer = setTimeout(() => settle(late), timeoutMs);
        const settle = (outcome: string | true) => {
          clearTimeout(timer);
          generation.onChange = undefined;
          done(outcome);
        };
        generation.onChange = () => {
          const outcome = state === 'stopping' ? 'serve is stopping' : check();
          if (outcome !== undefined) settle(outcome);
        };
        generation.onChange();
      });

    /** One reload: check, start the new generation, switch, drain the old one. Old keeps serving on any failure. */
    const runReload = async () => {
      const started = Date.now();
      const old = current;
      logger.info({ generation: old.n }, `SIGHUP: reloading ${plan.iniPath}`);
      reloadAbort = new AbortController();
      const checked = await options.checkReload(reloadAbort.signal).catch((err: Error) => err);
      reloadAbort = undefined;
      if (stopping()) {
        finish();
        return;
      }
      if (checked instanceof Error) {
        logger.error({ generation: old.n }, `reload failed: ${checked.message}; generation ${old.n} goes on serving`);
        return;
      }
      const { plan: nextPlan, warnings } = planForReload(old.plan, checked, options.workersFromCommandLine ?? false);
      for (const warning of warnings) logger.warn(warning);
      const next = newGeneration(nextPlan);
      for (let i = 0; i < nextPlan.workers; i++) fork(next);
      const failedWorker = () => {
        const gone = next.members.size < nextPlan.workers;
        const failed = [...next.members].find((m) => m.error !== undefined);
        if (!gone && !failed) return undefined;
        return `a new worker could not start${failed?.error ? `: ${failed.error}` : ' (it exited)'}`;
      };
      const outcome = await until(next, () => failedWorker() ?? (allReady(next) ? true : undefined), readyTimeoutMs,
        `the new workers were not ready within ${readyTimeoutMs / 1000} s`);
      if (stopping()) return;
      if (outcome !== true) {
        logger.error({ generation: old.n }, `reload failed: ${outcome}; generation ${old.n} goes on serving`);
        for (const member of next.members) retire(member);
        return;
      }
      current = next;
      logger.info({ generation: next.n, workers: next.members.size, ms: Date.now() - started },
        `reload: generation ${next.n} serving with ${next.members.size} worker(s) after ${Date.now() - started} ms; draining generation ${old.n}`);
      for (const member of old.members) retire(member);
      await until(old, () => (old.members.size === 0 ? true : undefined), old.plan.stopTimeout * 1000, 'late');
      for (const member of old.members) member.worker.process.kill('SIGKILL');
      if (!stopping()) logger.info({ generation: old.n }, `generation ${old.n} drained`);
    };

    const reload = async () => {
      if (state === 'stopping') return;
      if (state !== 'serving') {
        reloadAgain = true;
        logger.info(`SIGHUP while ${state === 'starting' ? 'starting' : 'reloading'}: one more reload after this`);
        return;
      }
      state = 'reloading';
      try {
        await runReload();
      } catch (err) {
        logger.error({ err }, `reload failed: ${(err as Error).message}`);
      }
      if (stopping()) return;
      state = 'serving';
      if (reloadAgain) {
        reloadAgain = false;
        void reload();
      }
    };

    function onSignal(signal: NodeJS.Signals): void {
      if (signal === 'SIGHUP') {
        void reload();
      } else if (signal === 'SIGUSR1') {
        options.reopenLog();
        for (const member of live()) tell(member.worker, { type: 'reopen' });
        logger.info('SIGUSR1: workers reopen their log and CEF files');
      } else if (signal === 'SIGTTIN' || signal === 'SIGTTOU') {
        if (state !== 'serving') return;
        const active = [...current.members].filter((m) => !m.retiring);
        if (signal === 'SIGTTIN') {
          current.plan = { ...current.plan, workers: current.plan.workers + 1 };
          fork(current);
        } else if (active.length > 1) {
          current.plan = { ...current.plan, workers: current.plan.workers - 1 };
          retire(active[active.length - 1]);
        }
        logger.info({ workers: current.plan.workers }, `${signal}: ${current.plan.workers} worker(s)`);
      } else if (state === 'stopping') {
        // A second Ctrl-C does not wait for the drain.
        io.stderr.write(`services-core serve: ${signal} again; killing the workers\n`);
        exitCode = 1;
        for (const member of live()) member.worker.process.kill('SIGKILL');
      } else {
        stop(0, signal);
      }
    }

    cluster.on('exit', onExit);
    cluster.on('message', onMessage);
    for (const signal of SIGNALS) process.on(signal, onSignal);

    // Metrics of all workers, on metrics.port when set (src/serve/cluster-metrics.ts); a scrape sums the serving generation.
    ClusterMetrics.start(plan.config, logger, () => [...current.members].map((m) => m.worker)).then((started) => {
      metrics = started;
      if (state !== 'stopping') for (let i = 0; i < plan.workers; i++) fork(current);
    }, (err: Error) => giveUp(err.message));
  });
}
