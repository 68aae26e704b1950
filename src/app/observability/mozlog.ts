import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Middleware } from 'koa';
import pino, { type DestinationStream, type LoggerOptions } from 'pino';
import type { AppContextExtras, AppState } from '../types';

/** pino level → syslog severity, as MozLog wants it. */
export const MOZLOG_SEVERITY: Record<number, number> = { 10: 7, 20: 7, 30: 6, 40: 4, 50: 3, 60: 2 };

/** The envelope fields every MozLog line has, in order. */
export const MOZLOG_FIELDS = ['Timestamp', 'Type', 'Logger', 'Hostname', 'EnvVersion', 'Severity', 'Pid', 'Fields'] as const;

/** What pino writes that the envelope carries, so it is not repeated in `Fields`. */
const ENVELOPE_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'type']);

/** Nanoseconds since the epoch as a decimal string (past 2^53, so never a JS number). */
function clockNs(): () => string {
  const originNs = BigInt(Math.round(performance.timeOrigin * 1e6));
  return () => (originNs + BigInt(Math.round(performance.now() * 1e6))).toString();
}

/** pino options for MozLog: the envelope brings its own timestamp. */
export const MOZLOG_PINO_OPTIONS: Pick<LoggerOptions, 'timestamp'> = { timestamp: false };

/**
 * Rewrites each pino JSON line into the MozLog envelope (EnvVersion 2.0) before it reaches
 * `destination` (default: stdout): `Type` is the record's `type` (`request.summary`) or the
 * logger name, `Logger` the logger name, and everything else goes under `Fields`, `msg` included.
 */
export function mozlogDestination(destination: DestinationStream = pino.destination(1), now: () => string = clockNs()): DestinationStream {
  const host = hostname();
  const write = (line: string) => {
    const record = JSON.parse(line) as Record<string, unknown>;
    const fields: Record<string, unknown> = {};
    for (const key of Object.keys(record)) if (!ENVELOPE_KEYS.has(key)) fields[key] = record[key];
    const name = typeof record.name === 'string' ? record.name : 'syncserver';
    const envelope = {
      Type: typeof record.type === 'string' ? record.type : name,
      Logger: name,
      Hostname: typeof record.hostname === 'string' ? record.hostname : host,
      EnvVersion: '2.0',
      Severity: MOZLOG_SEVERITY[record.level as number] ?? 6,
      Pid: typeof record.pid === 'number' ? record.pid : process.pid,
      Fields: fields,
    };
    // Timestamp goes in as digits: JSON.stringify of a number would round it.
    destination.write(`{"Timestamp":${now()},${JSON.stringify(envelope).slice(1)}\n`);
  };
  return { write };
}

const MAX_FIELD = 512;
const bounded = (value: string | string[] | undefined) => (value === undefined ? '' : String(value).slice(0, MAX_FIELD));

/**
 * One `request.summary` line per request, as Mozilla's pipelines parse it: method, path (no
 * query string), code, t (ms), uid, rid, agent, lang, errno (0, or the status of a 5xx answer).
 */
export function requestSummary(): Middleware<AppState, AppContextExtras> {
  return async function requestSummaryMiddleware(ctx, next) {
    const start = performance.now();
    try {
      await next();
    } finally {
      const headers = ctx.req.headers;
      const code = ctx.status;
      ctx.state.log.info({
        type: 'request.summary',
        method: ctx.method,
        path: bounded(ctx.path),
        code,
        t: Math.round(performance.now() - start),
        uid: ctx.state.user ? String(ctx.state.user.id) : '',
        rid: ctx.state.requestId,
        agent: bounded(headers['user-agent']),
        lang: bounded(headers['accept-language']),
        errno: code >= 500 ? code : 0,
      });
    }
  };
}
