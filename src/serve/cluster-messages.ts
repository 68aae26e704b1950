import type { Worker } from 'node:cluster';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { Scrape } from '../app/observability/metrics-listener';
import type { UserId } from '../auth/backend';
import { isServePlan } from './reload-plan';
import type { ServePlan } from './serve-plan';

// Every message between the `serve` primary and its workers carries one discriminator, `type`,
// in both directions. The primary reads each one through `readWorkerMessage`: app code or a
// library of another version can send anything on the channel, and one bad message must cost
// that message (one warning), never the primary and with it the service.

export type WorkerMetrics = MetricObjectWithValues<MetricValue<string>>[];

/** Primary → worker. */
export type PrimaryMessage =
  | { type: 'plan'; plan: ServePlan }
  | { type: 'shutdown' }
  | { type: 'reopen' }
  | { type: 'metrics:collect'; id: number }
  | { type: 'metrics:aggregate'; id: number; scrape?: Scrape; error?: string }
  | { type: 'auth-purge'; userId: UserId; id: number }
  | { type: 'auth-purged'; id: number };

/** Worker → primary. */
export type WorkerMessage =
  | { type: 'plan:request' }
  | { type: 'ready'; host: string; port: number }
  | { type: 'failed'; error: string }
  | { type: 'metrics:local'; id: number; metrics?: WorkerMetrics; error?: string }
  | { type: 'metrics:scrape'; id: number }
  | { type: 'auth-purge'; userId: UserId; id: number }
  | { type: 'auth-purged'; id: number };

/** rate-limiter-flexible's cluster messages (`auth.throttle_store = cluster`): its shapes, its channel. */
export const THROTTLE_CHANNEL = 'rate_limiter_flexible';
export type ThrottleMessage =
  | { channel: typeof THROTTLE_CHANNEL; type: 'init'; opts: { keyPrefix: string; points: number; duration: number } & Record<string, unknown> }
  | { channel: typeof THROTTLE_CHANNEL; keyPrefix: string; func: ThrottleFunc; promiseId: string; data: { key: string | number; arg?: number | Record<string, unknown>; opts?: Record<string, unknown> } };
const THROTTLE_FUNCS = ['consume', 'penalty', 'reward', 'block', 'get', 'delete'] as const;
type ThrottleFunc = (typeof THROTTLE_FUNCS)[number];

/** What the primary got: a message it knows, or why it is dropped. */
export type Received = { ok: true; message: WorkerMessage | ThrottleMessage } | { ok: false; why: string };

type Shape = Record<string, unknown>;
const isObject = (value: unknown): value is Shape => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isId = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const optional = (value: unknown, check: (v: unknown) => boolean) => value === undefined || check(value);

/** The longest text a worker's message may carry (an error); a longer one is cut, ending in `…`. */
export const MAX_MESSAGE_TEXT = 4096;
/** The longest host name a `ready` and user id an `auth-purge` may carry; longer is malformed. */
const MAX_NAME = 1024;

const bounded = (text: string) => (text.length <= MAX_MESSAGE_TEXT ? text : `${text.slice(0, MAX_MESSAGE_TEXT - 1)}…`);
const isName = (value: unknown): value is string => isString(value) && value.length <= MAX_NAME;
const isUserId = (value: unknown): value is UserId => isName(value) || isFiniteNumber(value);

// prom-client's aggregators (AggregatorRegistry.aggregate throws on any other name).
const AGGREGATORS = new Set(['sum', 'first', 'omit', 'average', 'min', 'max']);
const METRIC_TYPES = new Set(['counter', 'gauge', 'histogram', 'summary']);

function isLabels(value: unknown): boolean {
  return isObject(value) && Object.values(value).every((v) => isString(v) || isFiniteNumber(v));
}

/**
 * `registry.getMetricsAsJSON()` of a worker, as prom-client's aggregation reads it. A value may be
 * null: the IPC channel's JSON turns NaN (an event-loop gauge before its first sample) into null.
 */
function isWorkerMetrics(value: unknown): value is WorkerMetrics {
  return Array.isArray(value) && value.every((metric) => isObject(metric) && isString(metric.name) && isString(metric.help) &&
    isString(metric.type) && METRIC_TYPES.has(metric.type) && isString(metric.aggregator) && AGGREGATORS.has(metric.aggregator) &&
    Array.isArray(metric.values) && metric.values.every((v) => isObject(v) && (typeof v.value === 'number' || v.value === null) &&
      optional(v.labels, isLabels) && optional(v.metricName, isString)));
}

function readThrottleMessage(value: Shape): Received {
  if (value.type === 'init') {
    const opts = value.opts;
    if (isObject(opts) && isString(opts.keyPrefix) && isFiniteNumber(opts.points) && opts.points >= 0 &&
      isFiniteNumber(opts.duration) && opts.duration >= 0 && optional(opts.blockDuration, isFiniteNumber) &&
      optional(opts.execEvenly, (v) => typeof v === 'boolean') && optional(opts.execEvenlyMinDelayMs, isFiniteNumber)) {
      return { ok: true, message: value as ThrottleMessage };
    }
    return { ok: false, why: `${THROTTLE_CHANNEL} init without keyPrefix, points or duration` };
  }
  const data = value.data;
  if (isString(value.keyPrefix) && (THROTTLE_FUNCS as readonly unknown[]).includes(value.func) && isString(value.promiseId) &&
    isObject(data) && (isString(data.key) || isFiniteNumber(data.key)) && optional(data.arg, (arg) => isFiniteNumber(arg) || isObject(arg)) && optional(data.opts, isObject)) {
    return { ok: true, message: value as ThrottleMessage };
  }
  return { ok: false, why: `${THROTTLE_CHANNEL} message without keyPrefix, a known func, promiseId or data.key` };
}

/** Checks the shape and types of a message from a worker; never throws, whatever `value` is. */
export function readWorkerMessage(value: unknown): Received {
  if (!isObject(value)) return { ok: false, why: `not an object (${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value})` };
  if (value.channel === THROTTLE_CHANNEL) return readThrottleMessage(value);
  const bad = (why: string): Received => ({ ok: false, why: `'${String(value.type)}': ${why}` });
  const ok = (): Received => ({ ok: true, message: value as WorkerMessage });
  switch (value.type) {
    case 'plan:request':
      return ok();
    case 'ready':
      return isName(value.host) && isId(value.port) && value.port <= 65535 ? ok() : bad('expected host and port');
    case 'failed':
      // A copy with the text cut: the primary keeps and logs it.
      return isString(value.error) ? { ok: true, message: { type: 'failed', error: bounded(value.error) } } : bad('expected an error text');
    case 'metrics:local':
      if (!isId(value.id)) return bad('expected a numeric id');
      if (value.error !== undefined) return isString(value.error) ? { ok: true, message: { type: 'metrics:local', id: value.id, error: bounded(value.error) } } : bad('error is not a text');
      return isWorkerMetrics(value.metrics) ? ok() : bad('metrics are not a prom-client registry as JSON');
    case 'metrics:scrape':
    case 'auth-purged':
      return isId(value.id) ? ok() : bad('expected a numeric id');
    case 'auth-purge':
      return isUserId(value.userId) && isId(value.id) ? ok() : bad('expected a user id and a numeric id');
    default:
      return { ok: false, why: isString(value.type) ? `unknown type '${value.type.slice(0, 40)}'` : 'no type' };
  }
}

/** A message from the primary that this side handles (the throttle's are the library's own); undefined otherwise. */
export function readPrimaryMessage(value: unknown): PrimaryMessage | undefined {
  if (!isObject(value)) return undefined;
  switch (value.type) {
    case 'plan':
      return isServePlan(value.plan) ? (value as PrimaryMessage) : undefined;
    case 'shutdown':
    case 'reopen':
      return value as PrimaryMessage;
    case 'metrics:collect':
    case 'auth-purged':
      return isId(value.id) ? (value as PrimaryMessage) : undefined;
    case 'metrics:aggregate':
      return isId(value.id) && optional(value.error, isString) &&
        optional(value.scrape, (s) => isObject(s) && isString(s.contentType) && isString(s.body)) ? (value as PrimaryMessage) : undefined;
    case 'auth-purge':
      return isUserId(value.userId) && isId(value.id) ? (value as PrimaryMessage) : undefined;
    default:
      return undefined;
  }
}

/**
 * Sends to a worker, never throwing: a worker that is exiting has closed its channel (EPIPE, a
 * closed channel), which is expected. `onError` hears why a send failed.
 */
export function sendToWorker(worker: Worker, message: PrimaryMessage | object, onError?: (err: Error) => void): void {
  if (!worker.isConnected()) return;
  try {
    worker.send(message, undefined, {}, (err: Error | null) => {
      if (err) onError?.(err);
    });
  } catch (err) {
    onError?.(err as Error);
  }
}

/** Sends to the primary, never throwing (a primary that is gone is expected): true once written. */
export function sendToPrimary(message: WorkerMessage): Promise<boolean> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) {
      resolve(false);
      return;
    }
    try {
      process.send(message, undefined, {}, (err: Error | null) => resolve(!err));
    } catch {
      resolve(false);
    }
  });
}
