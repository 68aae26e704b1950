import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../../config/errors';
import { HttpError, ServiceUnavailableError, isHttpError } from '../responses/errors';
import type { AppContext } from '../types';

/**
 * A heartbeat check: resolving is `ok`; resolving to `{ status: 'warning', message }` is a
 * warning (the heartbeat still answers 200); throwing, or taking longer than
 * `global.heartbeat_timeout`, is an error (503).
 */
export type HeartbeatCheck = (ctx: AppContext) => unknown;

export type CheckStatus = 'ok' | 'warning' | 'error';

/** What a check may resolve to instead of nothing. */
export interface CheckOutcome {
  status: CheckStatus;
  message?: string;
}

/** The Dockerflow heartbeat body (the python-dockerflow shape). */
export interface HeartbeatReport {
  status: CheckStatus;
  checks: Record<string, CheckStatus>;
  details: Record<string, { status: CheckStatus; level: number; messages: Record<string, string> }>;
}

// Python logging levels, as python-dockerflow reports them.
const LEVEL: Record<CheckStatus, number> = { ok: 0, warning: 30, error: 40 };
const CHECK_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * A failed check with the short fixed message the public body shows ("database unreachable");
 * the error behind it (`cause`) goes to the log only.
 */
export class CheckFailure extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'CheckFailure';
  }
}

/**
 * What the body says about an error from a check: monitoring behind a public proxy reads it, so
 * never a raw error (addresses, paths): a CheckFailure's or an exposed HttpError's own message,
 * the timeout, or `check failed`.
 */
function describe(err: unknown): string {
  if (err instanceof CheckFailure) return err.message;
  if (err instanceof CheckTimeout) return `Timeout: ${err.message}`;
  if (isHttpError(err)) return err.expose ? err.message.slice(0, 200) : `${err.status}`;
  return 'check failed';
}

class CheckTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms / 1000} s`);
    this.name = 'Timeout';
  }
}

function withTimeout(run: () => unknown, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    Promise.resolve().then(run),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new CheckTimeout(ms)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function outcomeOf(value: unknown): CheckOutcome {
  const status = (value as Partial<CheckOutcome> | null | undefined)?.status;
  if (status === 'warning' || status === 'error') return { status, message: (value as CheckOutcome).message };
  return { status: 'ok' };
}

export interface HeartbeatOptions {
  format: 'legacy' | 'dockerflow';
  timeoutMs: number;
  /** The app's `checkServer`: the whole legacy heartbeat, and one check of the Dockerflow one. */
  checkServer: (ctx: AppContext) => unknown;
  /** Checks only the Dockerflow heartbeat runs (the legacy one had them inside `checkServer`). */
  builtIn: [name: string, check: HeartbeatCheck][];
}

/**
 * The `/__heartbeat__` page and the checks it runs. Built-in checks (`auth_backend`,
 * `cef_sink`, `check_server`) come first, then those an app adds with `addHeartbeatCheck`,
 * in order. Every check runs at once, each bounded by the timeout.
 */
export class Heartbeat {
  private readonly added: [string, HeartbeatCheck][] = [];

  constructor(private readonly options: HeartbeatOptions) {}

  /** Registers a check under a unique name (letters, digits, `_`, `.`, `-`). */
  add(name: string, check: HeartbeatCheck): void {
    if (!CHECK_NAME.test(name)) throw new TypeError(`addHeartbeatCheck: bad name ${JSON.stringify(name)} (letters, digits, _ . - only)`);
    if (typeof check !== 'function') throw new TypeError(`addHeartbeatCheck('${name}'): the check must be a function`);
    if ([...this.options.builtIn, ...this.added].some(([other]) => other === name)) {
      throw new TypeError(`addHeartbeatCheck: a check named '${name}' is already registered`);
    }
    this.added.push([name, check]);
  }

  /** Runs every check (the Dockerflow format's view of them). */
  async report(ctx: AppContext): Promise<HeartbeatReport> {
    const all = [...this.options.builtIn, ...this.added];
    const results = await Promise.all(all.map(async ([name, check]) => {
      try {
        return [name, outcomeOf(await withTimeout(() => check(ctx), this.options.timeoutMs))] as const;
      } catch (err) {
        const raw = err instanceof CheckFailure && err.cause !== undefined ? err.cause : err;
        ctx.state.log.warn({ err: raw, check: name }, `heartbeat: check ${name} failed`);
        return [name, { status: 'error', message: describe(err) } as CheckOutcome] as const;
      }
    }));
    const report: HeartbeatReport = { status: 'ok', checks: {}, details: {} };
    for (const [name, outcome] of results) {
      report.checks[name] = outcome.status;
      if (LEVEL[outcome.status] > LEVEL[report.status]) report.status = outcome.status;
      if (outcome.status !== 'ok') {
        report.details[name] = { status: outcome.status, level: LEVEL[outcome.status], messages: { [`${name}.${outcome.status}`]: outcome.message ?? outcome.status } };
      }
    }
    return report;
  }

  /** Answers the heartbeat request; `closing` turns it into a 503 at once. */
  async serve(ctx: AppContext, closing: boolean): Promise<void> {
    if (this.options.format === 'legacy') return this.legacy(ctx, closing);
    const report: HeartbeatReport = closing
      ? { status: 'error', checks: { shutdown: 'error' }, details: { shutdown: { status: 'error', level: 40, messages: { 'shutdown.error': 'shutting down' } } } }
      : await this.report(ctx);
    ctx.status = report.status === 'error' ? 503 : 200;
    ctx.body = report;
  }

  // The legacy page: 200 with an empty body, 503 (or the HttpError `checkServer` threw).
  private async legacy(ctx: AppContext, closing: boolean): Promise<void> {
    if (closing) throw new ServiceUnavailableError('Shutting down');
    for (const [name, check] of [['check_server', this.options.checkServer] as const, ...this.added]) {
      let outcome: CheckOutcome;
      try {
        outcome = outcomeOf(await withTimeout(() => check(ctx), this.options.timeoutMs));
      } catch (err) {
        if (err instanceof HttpError) throw err;
        ctx.state.log.warn({ err, check: name }, name === 'check_server' ? 'heartbeat: checkServer failed' : `heartbeat: check ${name} failed`);
        throw new ServiceUnavailableError(undefined, { cause: err });
      }
      if (outcome.status === 'error') throw new ServiceUnavailableError();
    }
    ctx.status = 200;
    ctx.type = 'text/plain';
    ctx.body = '';
  }
}

const MAX_VERSION_BYTES = 64 * 1024;

/**
 * The `version.json` served at `/__version__`, read once at start: `file` when configured
 * (relative to `baseDir`), else `version.json` in `baseDir`. Undefined when there is none;
 * a configured file that is missing, or any file that is not a JSON object, is a ConfigError.
 */
export function readVersionFile(file: string | undefined, baseDir: string): string | undefined {
  const path = resolve(baseDir, file ?? 'version.json');
  let text: string;
  try {
    if (statSync(path).size > MAX_VERSION_BYTES) throw new ConfigError(`global.version_file: ${path} is larger than ${MAX_VERSION_BYTES} bytes`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    if (file === undefined && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`global.version_file: cannot read ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`global.version_file: ${path} is not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`global.version_file: ${path} must hold a JSON object (source, version, commit, build)`);
  }
  return JSON.stringify(parsed);
}

/** The fixed message of a failed auth backend check: what failed, never how (the log has that). */
function backendMessage(backend: string, err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  if (backend === 'sql' || backend === 'ldap+sql') {
    return /SQLite database .* is missing/.test(text) ? 'database file missing' : 'database unreachable';
  }
  if (backend === 'ldap') return /SQL|sqluri/i.test(text) ? 'database unreachable' : 'directory unreachable';
  return 'auth backend unavailable';
}

/**
 * The checks every app's Dockerflow heartbeat runs first, by what the app has; each failure
 * shows a short fixed message ("database unreachable", "database file missing", "directory
 * unreachable", "CEF sink unreachable", "check failed") and logs the error itself.
 */
export function builtInChecks(parts: {
  auth?: { readonly name: string; checkHealth(): Promise<void> };
  /** The app's own data (`static data`): a SQL database. */
  data?: { checkHealth(): Promise<void> };
  cef: { readonly enabled: boolean; health(): { ok: boolean; detail?: string } | null };
  /** The app's `checkServer`, only when the app overrides it (the default checks the auth backend). */
  checkServer?: HeartbeatCheck;
}): [string, HeartbeatCheck][] {
  const checks: [string, HeartbeatCheck][] = [];
  const { auth, data, cef, checkServer } = parts;
  if (auth) {
    checks.push(['auth_backend', () => auth.checkHealth().catch((err: unknown) => {
      throw new CheckFailure(backendMessage(auth.name, err), { cause: err });
    })]);
  }
  if (data) {
    checks.push(['app_data', () => data.checkHealth().catch((err: unknown) => {
      throw new CheckFailure(backendMessage('sql', err), { cause: err });
    })]);
  }
  // By the settings: the sink opens only when the app starts, after the checks are listed.
  if (cef.enabled) {
    // A CEF outage queues events and does not stop the service: a warning, not an error.
    checks.push(['cef_sink', (ctx) => {
      const health = cef.health();
      if (!health || health.ok) return undefined;
      ctx.state.log.warn({ check: 'cef_sink', detail: health.detail }, 'heartbeat: check cef_sink: the CEF sink is failing');
      return { status: 'warning', message: 'CEF sink unreachable; events queued' };
    }]);
  }
  if (checkServer) checks.push(['check_server', checkServer]);
  return checks;
}
