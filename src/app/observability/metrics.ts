import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Middleware } from 'koa';
import type * as PromClient from 'prom-client';
import type { Counter, Metric, Registry } from 'prom-client';
import { loadOptional } from '../../util/load-optional';
import { authCacheOf } from '../../auth/cached-auth-backend';
import type { AuthBackend } from '../../auth/backend';
import type { CefLogger } from '../../cef';
import type { MetricsSettings } from './operability-settings';
import { BackendError, isHttpError } from '../responses/errors';
import { type Scrape, closeScrapeListener, listenForScrapes } from './metrics-listener';
import { RequestHistogram } from './request-histogram';
import type { AppContext, AppContextExtras, AppState, AppUser } from '../types';

export type { Scrape } from './metrics-listener';

export type AuthOutcome = 'success' | 'failure' | 'throttled' | 'backend_error';

/** What the metrics read at scrape time (nothing of it costs a request anything). */
export interface MetricsSources {
  /** Every route's path template, as mounted on the router (`/user/1.0/:username`). */
  routes: string[];
  /** Pages served outside the router (heartbeats, version, …), labelled by their path. */
  pages: (string | undefined)[];
  /** The login cache's counters, when there is a cache. */
  loginCache?: () => { hits: number; misses: number } | undefined;
  /** CEF events per sink. */
  cef?: () => { sink: string; written: number; dropped: number } | undefined;
}

type Observer = { observe: (value: number) => void };

/** One route label and its histogram children, made on first use per method and status. */
class RouteSlot {
  private readonly byMethod = new Map<string, Map<number, Observer>>();

  constructor(private readonly route: string, private readonly histogram: RequestHistogram) {}

  observer(method: string, status: number): Observer {
    let byStatus = this.byMethod.get(method);
    if (!byStatus) this.byMethod.set(method, byStatus = new Map());
    let observer = byStatus.get(status);
    if (!observer) byStatus.set(status, observer = this.histogram.labels({ method, route: this.route, status_code: String(status) }));
    return observer;
  }
}

/** The route label of requests no route or page answered (their paths are the client's). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The Prometheus metrics of one app, in a registry of its own: the request histogram (the
 * per-request cost is two timer reads, three Map lookups and a bucket increment, see
 * request-histogram.ts), and counters read from their sources at scrape time. Served at `metrics.path` on the app port, or on `metrics.port`.
 */
export class AppMetrics {
  readonly registry: Registry;
  private readonly duration = new RequestHistogram('http_request_duration_seconds', 'Time to answer HTTP requests, by route template, method and status');
  private readonly outcomes: Counter<'outcome'>;
  private readonly outcomeOf: Record<AuthOutcome, { inc: () => void }>;
  private readonly slots = new Map<unknown, RouteSlot>();
  private readonly unmatched: RouteSlot;
  private source: () => Promise<Scrape> = () => this.local();
  private delegated = false;
  private server?: Server;

  constructor(readonly settings: MetricsSettings, sources: MetricsSources) {
    // prom-client (~35 ms, ~10 MB) loads only when metrics are on.
    const { Counter, Registry, collectDefaultMetrics } = loadOptional<typeof PromClient>('prom-client', 'metrics.enabled');
    this.registry = new Registry();
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.registry.registerMetric(this.duration as unknown as Metric);
    const duration = this.duration;
    new Counter({
      name: 'http_requests_total', help: 'HTTP requests answered, by route template, method and status',
      labelNames: ['method', 'route', 'status_code'] as const, registers,
      // The histogram already counts them: copied at scrape time, so a request pays for one metric.
      collect() {
        this.reset();
        for (const series of duration.all()) this.inc(series.labels as Record<'method' | 'route' | 'status_code', string>, series.count);
      },
    });
    this.outcomes = new Counter({ name: 'auth_outcomes_total', help: 'Logins of @authenticated routes, by outcome', labelNames: ['outcome'] as const, registers });
    const outcome = (name: AuthOutcome) => this.outcomes.labels(name);
    this.outcomeOf = { success: outcome('success'), failure: outcome('failure'), throttled: outcome('throttled'), backend_error: outcome('backend_error') };
    for (const name of Object.keys(this.outcomeOf)) this.outcomes.labels(name).inc(0);

    if (sources.loginCache) {
      const read = sources.loginCache;
      new Counter({ name: 'auth_login_cache_hits_total', help: 'Logins answered by the login cache', registers,
        collect() { const v = read(); if (v) { this.reset(); this.inc(v.hits); } } });
      new Counter({ name: 'auth_login_cache_misses_total', help: 'Logins the login cache sent to the backend', registers,
        collect() { const v = read(); if (v) { this.reset(); this.inc(v.misses); } } });
    }
    if (sources.cef) {
      const read = sources.cef;
      new Counter({ name: 'cef_events_written_total', help: 'CEF events handed to the sink', labelNames: ['sink'] as const, registers,
        collect() { const v = read(); if (v) { this.reset(); this.inc({ sink: v.sink }, v.written); } } });
      new Counter({ name: 'cef_events_dropped_total', help: 'CEF events the sink dropped (its queue was full)', labelNames: ['sink'] as const, registers,
        collect() { const v = read(); if (v) { this.reset(); this.inc({ sink: v.sink }, v.dropped); } } });
    }

    for (const path of sources.routes) this.slots.set(path, new RouteSlot(path, this.duration));
    for (const page of sources.pages) if (page !== undefined) this.slots.set(page, new RouteSlot(page, this.duration));
    this.unmatched = new RouteSlot(UNMATCHED_ROUTE, this.duration);
  }

  /** Times every request; put it first, so the status is the one sent. */
  middleware(): Middleware<AppState, AppContextExtras> {
    const { slots, unmatched } = this;
    return async function metricsMiddleware(ctx, next) {
      const start = performance.now();
      try {
        await next();
      } finally {
        const matched = ctx.routePath;
        const slot = (matched === undefined ? slots.get(ctx.path) : slots.get(matched)) ?? unmatched;
        slot.observer(ctx.method, ctx.status).observe((performance.now() - start) / 1000);
      }
    };
  }

  /** Wraps the app's `authenticate` to count its outcomes (a request without credentials is none). */
  countAuthOutcomes<A extends unknown[]>(authenticate: (ctx: AppContext, ...rest: A) => Promise<AppUser | null>):
    (ctx: AppContext, ...rest: A) => Promise<AppUser | null> {
    const outcomes = this.outcomeOf;
    return async (ctx, ...rest) => {
      let user: AppUser | null;
      try {
        user = await authenticate(ctx, ...rest);
      } catch (err) {
        const status = isHttpError(err) ? err.status : undefined;
        if (status === 429) outcomes.throttled.inc();
        else if (err instanceof BackendError || status === 503) outcomes.backend_error.inc();
        else if (status === 400 || status === 401 || status === 403) outcomes.failure.inc();
        throw err;
      }
      if (user) outcomes.success.inc();
      return user;
    };
  }

  /** This process's metrics. */
  async local(): Promise<Scrape> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** What a scrape answers: this process's metrics, or what `delegate` set. */
  scrape(): Promise<Scrape> {
    return this.source();
  }

  /** Scrapes answer `source` instead (`serve`: the sum over the workers); `metrics.port` is then someone else's. */
  delegate(source: () => Promise<Scrape>): void {
    this.source = source;
    this.delegated = true;
  }

  /** Opens the `metrics.port` listener, when there is one of this app's own. */
  async listen(): Promise<void> {
    if (this.settings.port === undefined || this.delegated || this.server) return;
    this.server = await listenForScrapes(this.settings, () => this.scrape());
  }

  /** The `metrics.port` listener's address, when open. */
  address(): { port: number } | undefined {
    const address = this.server?.address();
    return address && typeof address === 'object' ? { port: address.port } : undefined;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await closeScrapeListener(server);
  }
}

/** The metrics of an app with these parts, or undefined when `metrics.enabled` is off. */
export function createAppMetrics(settings: MetricsSettings, parts: {
  routes: string[];
  pages: (string | undefined)[];
  auth?: AuthBackend;
  cef: CefLogger;
}): AppMetrics | undefined {
  if (!settings.enabled) return undefined;
  const { auth, cef } = parts;
  const cache = auth && authCacheOf(auth);
  // The sink opens when the app starts: read it at scrape time.
  const cefSource = () => {
    const sink = cef.sink;
    // The kind of sink only (`file`, `udp`, …): its description names a path or a host, which a scrape must not show.
    return sink ? { sink: sink.description.split(' ')[0], written: cef.written, dropped: sink.dropped ?? 0 } : undefined;
  };
  return new AppMetrics(settings, {
    routes: parts.routes,
    pages: parts.pages,
    loginCache: cache && (() => cache.stats),
    cef: cef.enabled ? cefSource : undefined,
  });
}
