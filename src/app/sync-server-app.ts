import { type Server, createServer } from 'node:http';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Layer, Router } from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import { authCacheOf } from '../auth/auth-cache';
import type { AuthBackend } from '../auth/backend';
import { maxPasswordLength } from '../auth/password-length';
import { createAuthBackend } from '../auth/registry';
import { CefLogger } from '../cef';
import { type Config, hostConfigs, loadConfigFile } from '../config';
import type { FlatConfig } from '../config/types';
import { type AppSettings, readAppSettings } from './app-settings';
import { type BasicAuthenticationDeps, basicAuthentication, unauthorized } from './basic-authentication';
import { ClientIpResolver } from './client-ip';
import type { Heartbeat, HeartbeatCheck } from './dockerflow';
import { createLogger } from './logger';
import type { AppMetrics } from './metrics';
import { setUpOperability } from './operability';
import { createLoginThrottling } from './login-throttling';
import { CpuProfiler } from './profiler';
import { requestFrame } from './request-frame';
import { requestIdSource } from './request-id';
import { type Handler, buildRouteChain } from './route-chain';
import { routeFallback } from './route-fallback';
import type { CompiledPath } from './route-path';
import { readRouteTable } from './route-table';
import { serverClock } from './server-clock';
import { servicePages } from './service-pages';
import type { AppContext, AppContextExtras, AppOptions, AppState, AppUser } from './types';

type AppClass<T extends SyncServerApp> = new (config: Config | FlatConfig, options?: AppOptions) => T;

/**
 * The base of every app (legacy C): subclass it, declare routes with `@route`, `@authenticated`
 * and `@cef`, and override the hooks. The decorators' metadata is read once, here, into one
 * middleware chain per route mounted on @koa/router.
 */
export abstract class SyncServerApp {
  /** The flat `section.option` config (legacy A.9). */
  readonly config: FlatConfig;
  readonly koa: Koa<AppState, AppContextExtras>;
  readonly auth?: AuthBackend;
  readonly cef: CefLogger;
  readonly logger: Logger;
  /** Prometheus metrics (`metrics.enabled`), else undefined. */
  readonly metrics?: AppMetrics;
  protected readonly settings: AppSettings;
  private readonly heartbeat: Heartbeat;
  private readonly hostConfigs: Map<string, FlatConfig>;
  private readonly profiler?: CpuProfiler;
  private readonly basicAuth?: BasicAuthenticationDeps;
  private server?: Server;
  private closing = false;
  private draining = false;
  private closed?: Promise<void>;
  private handle?: ReturnType<Koa['callback']>;

  /** Loads a plain config file or a paste-style deployment file (one with `[app:main]`). */
  static async fromConfigFile<T extends SyncServerApp>(this: AppClass<T>, path: string, options: AppOptions = {}): Promise<T> {
    return new this(loadConfigFile(path), { baseDir: dirname(path), ...options });
  }

  constructor(config: Config | FlatConfig, options: AppOptions = {}) {
    this.config = typeof (config as Config).getMap === 'function' ? (config as Config).getMap() : { ...config as FlatConfig };
    this.settings = readAppSettings(this.config);
    this.logger = options.logger ?? createLogger(this.config);
    const warn = (message: string) => this.logger.warn(message);
    this.auth = options.auth ??
      (this.config['auth.backend'] === undefined ? undefined : createAuthBackend(this.config, { baseDir: options.baseDir, warn }));
    this.cef = new CefLogger(this.config, { sink: options.cefSink, warn });
    if (this.auth) {
      this.basicAuth = { backend: this.auth, cef: this.cef, realm: this.settings.realm, logins: authCacheOf(this.auth),
        maxPasswordLength: maxPasswordLength({ max_password_length: this.config['auth.max_password_length'] }),
        throttle: createLoginThrottling(this.config, this.cef, warn) };
    }
    this.hostConfigs = hostConfigs(this.config);
    const routes = readRouteTable(this, SyncServerApp, { hasAuth: this.auth !== undefined });
    if (!this.cef.enabled && routes.some((r) => r.authenticated || r.cef)) {
      this.logger.warn('CEF logging is off (no cef.* settings): authentication failures and @cef events are not logged');
    }
    if (this.settings.profile) this.profiler = new CpuProfiler();

    // Dockerflow pages, access log or MozLog summaries, metrics (src/app/operability.ts).
    const ops = setUpOperability(this.config, {
      heartbeatPath: this.settings.heartbeatPath, debugPath: this.settings.debugPath, baseDir: options.baseDir ?? process.cwd(),
      auth: this.auth, cef: this.cef, routes: routes.map((r) => r.compiled.path), accessLog: this.settings.accessLog,
      checkServer: (ctx) => this.checkServer(ctx), ownCheckServer: this.checkServer !== SyncServerApp.prototype.checkServer,
    });
    this.heartbeat = ops.heartbeat;
    this.metrics = ops.metrics;
    const authenticate = (ctx: AppContext, urlUsername?: string) => this.authenticate(ctx, urlUsername);

    const router = new Router<AppState, AppContextExtras>();
    const constraintsOf = new Map<Layer<AppState, AppContextExtras>, CompiledPath['constraints']>();
    const beforeCall = this.beforeCall === SyncServerApp.prototype.beforeCall ? undefined : this.beforeCall.bind(this);
    for (const route of routes) {
      const handler = (this as unknown as Record<string | symbol, Handler>)[route.property].bind(this);
      const chain = buildRouteChain(route, {
        handler,
        beforeCall,
        authenticate: this.metrics?.countAuthOutcomes(authenticate) ?? authenticate,
        unauthorized: () => unauthorized(this.settings.realm),
        cef: this.cef,
        maxBodySize: this.settings.maxBodySize,
      });
      let layer: Layer<AppState, AppContextExtras>;
      try {
        layer = router.register(route.compiled.path, route.methods, chain, { name: route.owner }) as Layer<AppState, AppContextExtras>;
      } catch (err) {
        throw new TypeError(`${route.owner}: invalid path '${route.source}': ${(err as Error).message}`, { cause: err });
      }
      constraintsOf.set(layer, route.compiled.constraints);
    }

    this.koa = new Koa<AppState, AppContextExtras>();
    this.koa.on('error', (err: unknown, ctx?: AppContext) => (ctx?.state.log ?? this.logger).error({ err }, 'response failed'));
    for (const middleware of ops.middleware) this.koa.use(middleware);
    this.koa.use(requestFrame({
      nextRequestId: requestIdSource(),
      clientIp: new ClientIpResolver(this.settings.trustedProxies),
      clock: serverClock(),
      configFor: this.hostConfigs.size === 0 ? () => this.config : (host) => (host === undefined ? undefined : this.hostConfigs.get(host)) ?? this.config,
      isDraining: () => this.draining,
      logger: this.logger,
      errors: { retryAfter: this.settings.retryAfter, clientDebug: this.settings.clientDebug },
    }));
    this.koa.use(servicePages({
      heartbeatPath: this.settings.heartbeatPath,
      debugPath: this.settings.debugPath,
      profiler: this.profiler,
      isClosing: () => this.closing,
      ...ops.pages,
      debugServer: (ctx) => this.debugServer(ctx),
    }));
    this.koa.use(router.routes());
    this.koa.use(routeFallback(constraintsOf));
  }

  /** Headers for every handler response (legacy `_before_call`); throw an HttpError to answer instead. */
  protected beforeCall(_ctx: AppContext): Record<string, string> | undefined | Promise<Record<string, string> | undefined> {
    return undefined;
  }

  /** The heartbeat's check: throw to answer 503. Default: the auth backend's health. */
  protected async checkServer(_ctx: AppContext): Promise<void> {
    await this.auth?.checkHealth();
  }

  /**
   * Adds a check to the heartbeat (docs/deploy.md): resolve for ok, resolve
   * `{ status: 'warning', message }` to warn, throw (or time out) to fail it.
   */
  addHeartbeatCheck(name: string, check: HeartbeatCheck): this {
    this.heartbeat.add(name, check);
    return this;
  }

  /** Extra lines for the debug page (URI credentials in them are masked). */
  protected debugServer(_ctx: AppContext): string[] | Promise<string[]> {
    return [];
  }

  /**
   * Who is calling, for `@authenticated` routes: the user, null when the request carries no
   * credentials, or throws an HttpError. Default: HTTP Basic against `auth` (legacy C.5).
   * `urlUsername` is the route's `username` param, which must name the same user.
   */
  protected authenticate(ctx: AppContext, urlUsername?: string): Promise<AppUser | null> {
    return basicAuthentication(ctx, urlUsername, this.basicAuth as BasicAuthenticationDeps);
  }

  /** The Node request listener (for supertest, or a server of your own). */
  callback(): ReturnType<Koa['callback']> {
    this.handle ??= this.koa.callback();
    return this.handle;
  }

  /** Opens the auth backend, then listens (default: a free port on 127.0.0.1). */
  async listen(port = 0, host = '127.0.0.1'): Promise<Server> {
    if (this.server || this.closed) throw new Error(`${this.constructor.name}.listen: already ${this.closed ? 'closed' : 'listening'}`);
    try {
      await this.auth?.open?.();
    } catch (err) {
      throw new Error(`${this.constructor.name}.listen: the auth backend '${this.auth?.name}' cannot be reached: ${(err as Error).message}`, { cause: err });
    }
    const server = createServer(this.callback());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((err: Error) => {
      throw new Error(`${this.constructor.name}.listen: cannot listen on ${host}:${port}: ${err.message}`, { cause: err });
    });
    this.server = server;
    await this.metrics?.listen();
    return server;
  }

  /**
   * Graceful stop: the heartbeat answers 503 at once, the listener keeps serving for
   * `global.graceful_shutdown_interval` seconds so load balancers notice, then stops accepting;
   * in-flight requests finish (connections are cut after `global.hard_shutdown_interval`);
   * the profile is written, the auth backend and the CEF sink are closed.
   */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    const server = this.server;
    if (server?.listening) {
      if (this.settings.gracefulShutdown > 0) await sleep(this.settings.gracefulShutdown * 1000);
      this.draining = true;
      await new Promise<void>((resolve) => {
        const hard = setTimeout(() => server.closeAllConnections(), this.settings.hardShutdown * 1000);
        server.close(() => {
          clearTimeout(hard);
          resolve();
        });
        server.closeIdleConnections();
      });
    }
    this.draining = true;
    const results = await Promise.allSettled([
      this.profiler?.stop(this.settings.profileFile),
      this.auth?.close(),
      this.basicAuth?.throttle?.close(),
      this.cef.close(),
      this.metrics?.close(),
    ]);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.length > 0) {
      throw new AggregateError(failures.map((f) => f.reason as unknown), `${this.constructor.name}.close: ${failures.length} part(s) failed to close`);
    }
  }
}
