import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Koa, { type Middleware } from 'koa';
import compose from 'koa-compose';
import type { Logger } from 'pino';
import { authCacheOf, uncachedBackend } from '../auth/cached-auth-backend';
import type { AuthBackend } from '../auth/backend';
import { createAuthBackend } from '../auth/registry';
import { CefLogger } from '../cef';
import { type Config, loadConfigFile } from '../config';
import { copyFlat } from '../config/origins';
import type { SettingsSchema } from '../config/schema';
import type { SettingsValues } from '../config/setting-values';
import { AppData, type AppDataDeclaration } from '../data/app-data';
import type * as Migrations from '../data/migrations';
import { SqlConnection, isDataDeclarationError } from '../data/sql-connection';
import { appSettingsSchema } from '../data/data-schema';
import type { FlatConfig } from '../config/types';
import type { AppSettings } from './app-settings';
import { type AnswerProfile, readAnswerProfile } from './answer-profile';
import { type Authenticator, BasicAuthenticator, StrategyAuthenticator, missingCredentials } from './authentication/authenticator';
import { checkingNode, userNodeReader } from './authentication/node-check';
import type { HawkCredentials } from '../auth/schemes/hawk-credentials';
import type { TokenScheme } from '../auth/schemes/token-scheme';
import { buildTokenSchemes } from './authentication/token-strategies';
import type { RouteAuth } from './authentication/token-authentication';
import { type AppHooks, HOOK_NAMES, type HookName, composeHooks } from './hooks';
import { IdleSweeper } from './idle-sweeper';
import { Lifecycle, type LifecycleState, type RegisterPart } from './lifecycle';
import { readSettings } from './framework-settings';
import type { Heartbeat, HeartbeatCheck } from './pages/dockerflow';
import { createLogger } from './observability/logger';
import { type LoginThrottling, createLoginThrottling } from './authentication/login-throttling';
import type { AppMetrics } from './observability/metrics';
import { setUpOperability } from './observability/operability';
import { CpuProfiler } from './pages/profiler';
import { type RequestFrameDeps, requestFrame } from './request/request-frame';
import { RepeatedErrors } from './request/repeated-errors';
import { RateLimitedLog } from '../util/rate-limited-log';
import { requestIdSource } from './request/request-id';
import { requestListener } from './request/request-listener';
import { type Handler, buildRouteChain } from './routing/route-chain';
import { type ContentTypes, contentTypesProblem } from './routing/accepted-content-types';
import { routeFallback } from './routing/route-fallback';
import { type MountedRoute, routeDispatch } from './routing/route-dispatch';
import { RouteTree } from './routing/route-tree';
import { type RouteDefinition, readRouteTable } from './routing/route-table';
import type { OpenApiInfo } from './openapi/openapi-document';
import type { OpenApiSecurity } from './openapi/openapi-security';
import { serverClock } from './request/server-clock';
import { servicePages } from './pages/service-pages';
import type { AppContext, AppContextExtras, AppOptions, AppState, AppUser } from './types';

/* eslint-disable @typescript-eslint/no-require-imports -- below: modules a feature loads on first use */
// The OpenAPI document's and the migrations' modules load when asked for, not at every start.
const openApiModules = () => ({
  ...(require('./openapi/openapi-document') as typeof import('./openapi/openapi-document')),
  ...(require('./openapi/openapi-security') as typeof import('./openapi/openapi-security')),
});
const migrations = () => require('../data/migrations') as typeof Migrations;
/* eslint-enable @typescript-eslint/no-require-imports */

/** Koa middleware on the app's context. */
export type AppMiddleware = Middleware<AppState, AppContextExtras>;

type AppClass<T extends SyncServerApp> = new (config: Config | FlatConfig, options?: AppOptions) => T;

/**
 * The base of every app (docs/compatibility.md C): subclass it, declare routes with `@route`, `@authenticated`
 * and `@cef`, and override the hooks. The constructor only reads settings and builds the route
 * table (one middleware chain per route, in a tree of path segments); nothing is opened before `start()`
 * (which `listen()` and the first request through `callback()` call), and `close()` closes it
 * again. `lifecycleState` tells where the app is: see `LifecycleState`.
 */
export abstract class SyncServerApp {
  /** The app's own tables, declared by the subclass (docs/app.md, "Storing data"): `this.data` then opens them at start. */
  static readonly data?: AppDataDeclaration;
  /**
   * Request Content-Types every JSON body route reads besides JSON (`'any'` or a list such as
   * `['application/x-www-form-urlencoded']`, for legacy clients); a route's own `contentTypes` wins.
   */
  static contentTypes?: ContentTypes;
  /**
   * The app's own config keys (docs/app.md "Settings"): `'section.option': [type, default, meaning]`.
   * A section named here is checked like the framework's (an unknown key in it is an error for
   * `services-core config` and `serve`); other app sections are not checked. Values are read by
   * the declared type (`settingsOf`); `defineSettings({ … })` keeps the literal types for that.
   */
  static settingsSchema?: SettingsSchema;
  /**
   * How the app answers (docs/app.md "Answer profiles"): `'legacy'` (the default: WebOb's error
   * pages, respcode bodies, `X-Weave-Timestamp`, as the Python original) or `'json'` (every
   * error `application/problem+json`, no Weave header, the Basic realm named after the app).
   */
  static answerProfile?: AnswerProfile;
  /** The `info` of the app's OpenAPI document (`openApiDocument()`): title (default: the class name), version, description. */
  static openApi?: OpenApiInfo;

  /** The flat `section.option` config (docs/compatibility.md A.9). */
  readonly config: FlatConfig;
  readonly koa: Koa<AppState, AppContextExtras>;
  /** The user store: built from `auth.*` (or `options.auth`), opened by `start()`. */
  readonly auth?: AuthBackend;
  readonly cef: CefLogger;
  readonly logger: Logger;
  /** Prometheus metrics (`metrics.enabled`), else undefined. */
  readonly metrics?: AppMetrics;
  protected readonly settings: AppSettings;
  /** `static answerProfile`, checked. */
  readonly answerProfile: AnswerProfile;
  readonly #heartbeat: Heartbeat;
  readonly #lifecycle: Lifecycle;
  private readonly hostConfigs: Map<string, FlatConfig>;
  readonly #authenticator?: Authenticator;
  readonly #data?: AppData;
  readonly #declared: Readonly<Record<string, unknown>>;
  readonly #migrate: boolean;
  readonly #throttle?: LoginThrottling;
  /** The token strategies configured (`auth.bearer_*`, `auth.hawk_*`), opened by start(). */
  #tokens: Partial<Record<'bearer' | 'hawk', TokenScheme>> = {};
  readonly #readFiles: () => void;
  readonly #routes: readonly RouteDefinition[];
  #openApiText?: string;
  /** Counts repeats of an error logged once; what is counted at close is written then. */
  readonly #repeatedErrors = new RepeatedErrors();
  /** A client's mistakes (broken connections, answers it left before): info lines, at most 10 a minute. */
  #clientMistakes!: RateLimitedLog;
  private profiler?: CpuProfiler;
  private server?: Server;
  #sweeper?: IdleSweeper;
  #binding?: Promise<unknown>;
  private handle?: (req: IncomingMessage, res: ServerResponse) => void;
  /** What the Koa stack is made of; put together once, at start (`#compose`). */
  readonly #stack: { head: AppMiddleware[]; frame: RequestFrameDeps; tail: AppMiddleware[] };
  readonly #middleware: AppMiddleware[] = [];
  readonly #hooks: { [K in HookName]: Array<AppHooks[K]> } = { onStart: [], onClose: [], onRequest: [], onResponse: [], onError: [] };
  #koaHandler?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;

  /** Loads a plain config file or a paste-style deployment file (one with `[app:main]`). */
  static async fromConfigFile<T extends SyncServerApp>(this: AppClass<T>, path: string, options: AppOptions = {}): Promise<T> {
    return new this(loadConfigFile(path), { baseDir: dirname(path), ...options });
  }

  constructor(config: Config | FlatConfig, options: AppOptions = {}) {
    this.config = typeof (config as Config).getMap === 'function' ? (config as Config).getMap() : copyFlat(config as FlatConfig);
    this.#lifecycle = new Lifecycle(this.constructor.name);
    const settings = readSettings(this.config, {
      appSettings: appSettingsSchema(this.constructor as typeof SyncServerApp), appSettingsOwner: `${this.constructor.name}.settingsSchema`,
      baseDir: options.baseDir, unknownKeys: 'warn', cefSinkGiven: options.cefSink !== undefined, authGiven: options.auth !== undefined,
    });
    this.answerProfile = readAnswerProfile(this.constructor.name, (this.constructor as typeof SyncServerApp).answerProfile);
    // The JSON profile's realm is the app's name unless auth.realm says otherwise.
    this.settings = this.answerProfile === 'json' && this.config['auth.realm'] === undefined
      ? { ...settings.app, realm: this.constructor.name } : settings.app;
    this.#declared = settings.appValues;
    this.#migrate = options.migrate === true;
    this.logger = options.logger ?? createLogger(this.config);
    this.#clientMistakes = new RateLimitedLog(this.logger, { level: 'info', what: "lines about clients' own mistakes" });
    const warn = (message: string) => this.logger.warn(message);
    for (const message of settings.keys.warnings) warn(message);
    this.hostConfigs = settings.hosts as Map<string, FlatConfig>;
    const routes = readRouteTable(this, SyncServerApp, {
      backendConfigured: options.auth !== undefined || this.config['auth.backend'] !== undefined,
      schemes: { defaults: settings.schemes.schemes, available: settings.schemes.available },
    });
    this.#routes = routes;
    this.cef = new CefLogger(this.config, { sink: options.cefSink, warn, openLater: true, settings: settings.cef });
    // Builds the backend object only (loading its driver); it connects in start().
    this.auth = options.auth ??
      (this.config['auth.backend'] === undefined ? undefined : createAuthBackend(this.config, { baseDir: options.baseDir, warn }));
    this.#data = this.#appData(options.baseDir, warn);
    // settings.auth is read whenever there is a backend (auth.backend, or options.auth) or a token strategy.
    const authSettings = settings.auth;
    if (authSettings) this.#throttle = createLoginThrottling(this.cef, warn, authSettings.throttle);
    const basic = this.auth && authSettings && new BasicAuthenticator({
      backend: this.auth, cef: this.cef, realm: this.settings.realm, logins: authCacheOf(this.auth),
      maxPasswordLength: authSettings.maxPasswordLength,
      throttle: this.#throttle,
    });
    const { schemes } = settings.schemes;
    if (settings.schemes.bearer || settings.schemes.hawk) {
      const own = this.hawkCredentials !== SyncServerApp.prototype.hawkCredentials;
      this.#tokens = buildTokenSchemes(settings.schemes, {
        owner: this.constructor.name, warn, users: this.auth,
        hawkCredentials: own ? (id) => this.hawkCredentials(id) : undefined,
      });
      this.#authenticator = new StrategyAuthenticator({
        basic, tokens: this.#tokens, defaults: { optional: false, schemes, scopes: [] },
        deps: { cef: this.cef, realm: this.settings.realm, throttle: this.#throttle },
      });
    } else {
      this.#authenticator = basic;
    }
    if (!this.cef.enabled && routes.some((r) => r.authenticated || r.cef)) {
      this.logger.warn('CEF logging is off (no cef.* settings): authentication failures and @cef events are not logged');
    }

    // Dockerflow pages, access log or MozLog summaries, metrics (src/app/observability/operability.ts).
    const ops = setUpOperability(this.config, {
      settings: settings.operability,
      heartbeatPath: this.settings.heartbeatPath, debugPath: this.settings.debugPath, baseDir: options.baseDir ?? process.cwd(),
      auth: this.auth, data: this.#data, cef: this.cef, routes: routes.map((r) => r.compiled.path), accessLog: this.settings.accessLog,
      checkServer: (ctx) => this.checkServer(ctx), ownCheckServer: this.checkServer !== SyncServerApp.prototype.checkServer,
    });
    this.#heartbeat = ops.heartbeat;
    this.#readFiles = ops.readFiles;
    this.metrics = ops.metrics;
    const login = (ctx: AppContext, urlUsername?: string, route?: RouteAuth) => this.authenticate(ctx, urlUsername, route);
    // auth.check_node: one step after the login of any scheme (src/app/authentication/node-check.ts).
    const checkNode = settings.auth?.checkNode;
    const authenticate = checkNode
      ? checkingNode(login, { nodeOf: userNodeReader(this.auth, checkNode.recheckSeconds), cef: this.cef, realm: this.settings.realm })
      : login;

    const tree = new RouteTree<MountedRoute>();
    const beforeCall = this.beforeCall === SyncServerApp.prototype.beforeCall ? undefined : this.beforeCall.bind(this);
    const { contentTypes } = this.constructor as typeof SyncServerApp;
    const contentTypesError = contentTypes === undefined ? undefined : contentTypesProblem(contentTypes);
    if (contentTypesError) throw new TypeError(`${this.constructor.name}.${contentTypesError}`);
    for (const route of routes) {
      const handler = (this as unknown as Record<string | symbol, Handler>)[route.property].bind(this);
      const chain = buildRouteChain(route, {
        handler,
        beforeCall,
        authenticate: this.metrics?.countAuthOutcomes(authenticate) ?? authenticate,
        unauthorized: () => missingCredentials(route.authenticated?.schemes ?? ['basic'], this.settings.realm),
        cef: this.cef,
        maxBodySize: this.settings.maxBodySize,
        contentTypes,
        clientDebug: this.settings.clientDebug,
        weaveTimestamp: this.answerProfile === 'legacy',
      });
      const mounted: MountedRoute = { chain, path: route.compiled.path };
      for (const method of route.methods) {
        for (const segments of route.compiled.variants) tree.add(method, segments, mounted);
      }
    }

    this.koa = new Koa<AppState, AppContextExtras>();
    this.koa.on('error', (err: unknown, ctx?: AppContext) => {
      const log = ctx?.state.log ?? this.logger;
      // A client's mistake on its connection (bytes that are not HTTP after a request: Node's
      // parser says HPE_…; a reset) is not the service's error: info, without a stack.
      const code = (err as { code?: unknown } | null)?.code;
      if (typeof code === 'string' && (code.startsWith('HPE_') || code === 'ECONNRESET')) this.#clientMistakes.write({ code }, `response failed: the client's connection: ${code}`, log);
      else log.error({ err }, 'response failed');
    });
    // Middleware added to Koa directly would run after routing, for nothing: say so at once.
    this.koa.use = () => {
      throw new TypeError(`${this.constructor.name}: koa.use() would add the middleware after routing, where routed requests never reach it; use app.use(middleware), which runs it before the pages and routes`);
    };
    this.#stack = { head: ops.middleware, frame: {
      nextRequestId: requestIdSource(),
      clientIp: settings.clientIp,
      clock: serverClock(),
      configFor: this.hostConfigs.size === 0 ? () => this.config : (host) => (host === undefined ? undefined : this.hostConfigs.get(host)) ?? this.config,
      isDraining: () => this.#lifecycle.draining,
      logger: this.logger,
      errors: { retryAfter: this.settings.retryAfter, clientDebug: this.settings.clientDebug, repeated: this.#repeatedErrors, clientMistakes: this.#clientMistakes, profile: this.answerProfile },
    }, tail: [servicePages({
      heartbeatPath: this.settings.heartbeatPath,
      debugPath: this.settings.debugPath,
      profiler: () => this.profiler,
      isClosing: () => this.#lifecycle.draining,
      ...ops.pages,
      debugServer: (ctx) => this.debugServer(ctx),
      openApiPath: this.settings.openApiPath,
      openApi: () => (this.#openApiText ??= JSON.stringify(this.openApiDocument({ warn: (message) => this.logger.warn(message) }))),
    }), routeDispatch(tree, routeFallback((path) => tree.methodsAt(path)))] };
  }

  /**
   * Adds Koa middleware (CORS, compression, a header of your own): it runs inside the request
   * frame (request id, client IP, error boundary) and before the service pages and routing, so
   * it sees the heartbeat, 404s, 405s and `OPTIONS`, and can answer without calling `next()`.
   * Call it from the constructor (after `super()`) or any time before start; in call order.
   */
  use(middleware: AppMiddleware): this {
    if (typeof middleware !== 'function') throw new TypeError(`${this.constructor.name}.use: middleware must be a function`);
    this.#notStarted('use');
    this.#middleware.push(middleware);
    return this;
  }

  /**
   * Registers a hook without subclassing (docs/app.md "Hooks"). Each name runs the class's own
   * method first, then the added functions in the order they were added; `onClose` runs the
   * reverse. Callable before start.
   */
  addHook<K extends HookName>(name: K, hook: AppHooks[K]): this {
    if (!HOOK_NAMES.includes(name)) throw new TypeError(`${this.constructor.name}.addHook: unknown hook '${String(name)}' (known: ${HOOK_NAMES.join(', ')})`);
    if (typeof hook !== 'function') throw new TypeError(`${this.constructor.name}.addHook('${name}'): the hook must be a function`);
    this.#notStarted('addHook');
    (this.#hooks[name] as Array<AppHooks[K]>).push(hook);
    return this;
  }

  #notStarted(what: string): void {
    if (this.#lifecycle.state !== 'new' || this.#koaHandler) {
      throw new Error(`${this.constructor.name}.${what}: the app has already started; call it before start (in the constructor or before listen())`);
    }
  }

  /** The hooks of one name: the class's own method (when it overrides the no-op), then the added ones. */
  #hooksOf<K extends HookName>(name: K): Array<AppHooks[K]> {
    const own = (this as unknown as AppHooks)[name];
    const base = (SyncServerApp.prototype as unknown as AppHooks)[name];
    const list = [...this.#hooks[name] as Array<AppHooks[K]>];
    if (own !== base) list.unshift(own.bind(this) as AppHooks[K]);
    return list;
  }

  /** The Koa stack, once: framework head, request frame with the hooks, app middleware, pages, routes. */
  #compose(): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
    if (this.#koaHandler) return this.#koaHandler;
    const { head, frame, tail } = this.#stack;
    const hooks = {
      onRequest: composeHooks(this.#hooksOf('onRequest')),
      onResponse: composeHooks(this.#hooksOf('onResponse')),
      onError: composeHooks(this.#hooksOf('onError')),
    };
    this.koa.middleware = [...head, requestFrame({ ...frame, hooks }), ...this.#middleware, ...tail];
    this.#koaHandler = requestListener(this.koa, compose(this.koa.middleware));
    return this.#koaHandler;
  }

  /**
   * The app's OpenAPI 3.1 document (docs/app.md "OpenAPI"), built from the route table, the routes'
   * `validate` schemas, the answer profile and the authentication's security schemes. `warn`
   * hears what could not be described (a schema without a JSON Schema converter).
   */
  openApiDocument(options: { warn?: (message: string) => void } = {}): Record<string, unknown> {
    const own = (this.constructor as typeof SyncServerApp).openApi ?? {};
    return openApiModules().openApiDocument({
      info: { ...own, title: own.title ?? this.constructor.name, version: own.version ?? '0.0.0' },
      routes: this.#routes, profile: this.answerProfile, security: this.#openApiSecurity(), warn: options.warn,
    });
  }

  /** The security schemes the routes take (`@authenticated`'s, else `auth.scheme`); none for an app's own authenticate(). */
  #openApiSecurity(): OpenApiSecurity {
    if (this.authenticate !== SyncServerApp.prototype.authenticate) return { schemes: {} };
    const used = new Set(this.#routes.flatMap((route) => route.authenticated?.schemes ?? []));
    const { securitySchemeOf } = openApiModules();
    return {
      schemes: Object.fromEntries([...used].map((name) => [name, securitySchemeOf(name, this.settings.realm)])),
      routeSchemes: (route) => route.authenticated?.schemes ?? [],
    };
  }

  /** Runs at start, after the framework's parts are open and before the first request (default: nothing). */
  protected onStart(): void | Promise<void> {}

  /** Runs at close, after in-flight requests drained and before the framework's parts close (default: nothing). */
  protected onClose(): void | Promise<void> {}

  /** Sees each request once its id and client IP are set, before app middleware and routing; throw to answer with an error. */
  protected onRequest(_ctx: AppContext): void | Promise<void> {}

  /** Sees each response once it is final, before it is sent (it may add headers). */
  protected onResponse(_ctx: AppContext): void | Promise<void> {}

  /** Sees each error the error boundary answered (`ctx.status` is the answer's); what it throws is logged. */
  protected onError(_err: unknown, _ctx: AppContext): void | Promise<void> {}

  /** Builds `this.data` from `static data` (typeorm loads when it opens). */
  #appData(baseDir: string | undefined, warn: (message: string) => void): AppData | undefined {
    const declaration = (this.constructor as typeof SyncServerApp).data;
    if (declaration === undefined) return undefined;
    const connection = this.auth && (uncachedBackend(this.auth) as { connection?: unknown }).connection;
    return new AppData(declaration, this.config, {
      owner: this.constructor.name, baseDir, warn,
      authConnection: connection instanceof SqlConnection ? connection : undefined,
    });
  }

  /**
   * The app's data (`static data` on the class): `this.data.repository(Entity)`,
   * `this.data.transaction(fn)`… Open from start (before the start hooks) to close.
   */
  get data(): AppData {
    if (!this.#data) throw new TypeError(`${this.constructor.name}.data: the class declares no data (static override readonly data = { entities: [...] })`);
    return this.#data;
  }

  /**
   * The app's declared settings, read by type once at construction (a bad value failed it, naming
   * the key), defaults applied: `this.settingsOf(LinkApp)['links.slug_length']` is a number. Pass
   * the app's class (or a base class of it): the values are typed from its `settingsSchema`.
   */
  settingsOf<S extends SettingsSchema>(appClass: { readonly settingsSchema?: S; readonly prototype: object; readonly name: string }): SettingsValues<S> {
    if (!Object.prototype.isPrototypeOf.call(appClass.prototype, this)) {
      throw new TypeError(`${this.constructor.name}.settingsOf(${appClass.name}): pass the app's class or a base class of it`);
    }
    return this.#declared as SettingsValues<S>;
  }

  /** `new` → `starting` → `serving` → `draining` → `closed` (see `LifecycleState`). */
  get lifecycleState(): LifecycleState {
    return this.#lifecycle.state;
  }

  /** True from the moment a stop begins (the heartbeat answers 503, responses say `Connection: close`). */
  isDraining(): boolean {
    return this.#lifecycle.draining;
  }

  /** Headers for every handler response (legacy `_before_call`); throw an HttpError to answer instead. */
  protected beforeCall(_ctx: AppContext): Record<string, string> | undefined | Promise<Record<string, string> | undefined> {
    return undefined;
  }

  /** The heartbeat's check: throw to answer 503. Default: the auth backend's health, then the app data's. */
  protected async checkServer(_ctx: AppContext): Promise<void> {
    await this.auth?.checkHealth();
    await this.#data?.checkHealth();
  }

  /**
   * Adds a check to the heartbeat (docs/deploy.md): resolve for ok, resolve
   * `{ status: 'warning', message }` to warn, throw (or time out) to fail it.
   */
  addHeartbeatCheck(name: string, check: HeartbeatCheck): this {
    this.#heartbeat.add(name, check);
    return this;
  }

  /** Extra lines for the debug page (URI credentials in them are masked). */
  protected debugServer(_ctx: AppContext): string[] | Promise<string[]> {
    return [];
  }

  /**
   * Who is calling, for `@authenticated` routes: the user, null when the request carries no
   * credentials, or throws an HttpError. Default: HTTP Basic against the auth backend (the user
   * store). Override it for another scheme; then no auth backend is needed.
   * `urlUsername` is the route's `username` param, which must name the same user; `route` what
   * the route's `@authenticated` asks (its schemes, from `auth.scheme` unless it names its own, and scopes).
   */
  protected authenticate(ctx: AppContext, urlUsername?: string, route?: RouteAuth): Promise<AppUser | null> {
    if (!this.#authenticator) throw new Error(`${this.constructor.name}: no auth backend to authenticate against`);
    return this.#authenticator.authenticate(ctx, urlUsername, route);
  }

  /**
   * The Hawk credentials of an id, for `auth.hawk_credentials = app` (docs/auth-tokens.md): the
   * MAC key and algorithm, the user, optionally scopes and an expiry; null when the id is unknown.
   * A failure of the store behind it should be a `BackendError` (503).
   */
  protected hawkCredentials(_id: string): Promise<HawkCredentials | null> {
    return Promise.reject(new Error(`${this.constructor.name}.hawkCredentials is not implemented`));
  }

  /**
   * The Node request listener (for supertest, or a server of your own). The first request
   * starts the app if nothing did; while draining, every response closes its connection.
   */
  callback(): (req: IncomingMessage, res: ServerResponse) => void {
    if (this.handle) return this.handle;
    const handle = (req: IncomingMessage, res: ServerResponse): void => {
      const state = this.#lifecycle.state;
      if (state === 'serving' || state === 'draining' || state === 'closed') {
        void (this.#koaHandler ?? this.#compose())(req, res);
        return;
      }
      this.start().then(() => this.#compose()(req, res), (err: unknown) => {
        this.logger.error({ err }, 'the app could not start');
        res.statusCode = 503;
        res.setHeader('Connection', 'close');
        res.end('Service Unavailable');
      });
    };
    this.handle = handle;
    return handle;
  }

  /**
   * Opens what the app uses, in this order: the CEF sink, the auth backend (a backend that
   * cannot be reached is an error here), the app data, the CPU profiler, then runs the `onStart`
   * hooks (the Koa stack with the app's middleware is put together first). Runs once; `listen()`
   * and the first request through `callback()` call it. A failed start closes what it had
   * opened; the app is then `closed`.
   */
  start(): Promise<void> {
    return this.#lifecycle.start(async (register) => {
      this.#compose();
      await this.#open(register);
      await this.#openHooks(register);
    });
  }

  /** The app's own part of the start: `onStart` hooks in order; each `onClose` registered first, so it runs even when a start hook fails. */
  async #openHooks(register: RegisterPart): Promise<void> {
    for (const close of this.#hooksOf('onClose')) register('onClose hook', close);
    for (const start of this.#hooksOf('onStart')) await start();
  }

  /** A start failure; an entity the database refuses names its declaration, not the part that shares the connection. */
  #startError(err: unknown, what: string): Error {
    const message = isDataDeclarationError(err) ? err.message : `${what}: ${(err as Error).message}`;
    return new Error(`${this.constructor.name}.listen: ${message}`, { cause: err });
  }

  async #open(register: RegisterPart): Promise<void> {
    this.#readFiles();
    register('repeated-error counts', () => this.#repeatedErrors.flush());
    register('client-mistake counts', () => this.#clientMistakes.flush());
    this.cef.open();
    register('CEF sink', () => this.cef.close());
    const auth = this.auth;
    if (auth) {
      register(`auth backend '${auth.name}'`, () => auth.close());
      try {
        await auth.open?.();
      } catch (err) {
        throw this.#startError(err, `the auth backend '${auth.name}' cannot be reached`);
      }
    }
    const data = this.#data;
    if (data) {
      register(`app data '${data.section}'`, () => data.close());
      try {
        await data.open();
      } catch (err) {
        throw this.#startError(err, `the app data '${data.section}' cannot be opened`);
      }
      if (this.#migrate && data.migrations.length > 0) {
        try {
          await migrations().migrateAppData(data);
        } catch (err) {
          throw this.#startError(err, `the migrations of the app data '${data.section}' failed`);
        }
      }
    }
    const throttle = this.#throttle;
    if (throttle) register('login throttle', () => throttle.close());
    for (const scheme of Object.values(this.#tokens)) {
      register(`${scheme.name} scheme`, () => scheme.close());
      try {
        await scheme.open();
      } catch (err) {
        throw new Error(`${this.constructor.name}.listen: the ${scheme.name} scheme cannot start: ${(err as Error).message}`, { cause: err });
      }
    }
    const metrics = this.metrics;
    if (metrics) {
      register('metrics', () => metrics.close());
      await metrics.listen();
    }
    if (this.settings.profile) {
      const profiler = new CpuProfiler();
      this.profiler = profiler;
      register('profiler', () => profiler.stop(this.settings.profileFile));
    }
  }

  /**
   * Starts the app, then listens (default: a free port on 127.0.0.1) with the server timeouts
   * of `global.headers_timeout`, `global.request_timeout` and `global.keep_alive_timeout`.
   */
  listen(port = 0, host = '127.0.0.1'): Promise<Server> {
    if (this.#binding || this.#lifecycle.draining) {
      return Promise.reject(new Error(`${this.constructor.name}.listen: already ${this.#lifecycle.draining ? 'closed' : 'listening'}`));
    }
    const listening = this.#bind(port, host);
    this.#binding = listening.catch(() => undefined);
    return listening;
  }

  async #bind(port: number, host: string): Promise<Server> {
    await this.start();
    const { headers, request, keepAlive } = this.settings.timeouts;
    const server = createServer({
      headersTimeout: headers * 1000,
      requestTimeout: request * 1000,
      keepAliveTimeout: keepAlive * 1000,
      // How often Node checks the first two: a tenth of the shorter one, within 0.1-30 s.
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.min(headers || Infinity, request || Infinity) * 100)),
    }, this.callback());
    // A stop that began while starting: do not open the listener at all.
    if (this.#lifecycle.draining) return server;
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
    this.#sweeper = new IdleSweeper(server);
    return server;
  }

  /**
   * Stops, valid in every state (while starting it waits for the start to settle). At once:
   * the state is `draining`, the heartbeat answers 503, every response says `Connection:
   * close` and idle keep-alive connections are closed. The listener keeps accepting for
   * `global.graceful_shutdown_interval` seconds so load balancers notice, then stops; close()
   * resolves as soon as the last in-flight response is sent (connections still open after
   * `global.hard_shutdown_interval` are cut). Then the `onClose` hooks run, and the profiler,
   * the auth backend and the CEF sink are closed, in that order (the reverse of start).
   */
  close(): Promise<void> {
    return this.#lifecycle.stop(() => this.#drain());
  }

  async #drain(): Promise<void> {
    await this.#binding;
    const server = this.server;
    const sweeper = this.#sweeper;
    if (!server?.listening || !sweeper) return;
    sweeper.start();
    try {
      if (this.settings.gracefulShutdown > 0) await sleep(this.settings.gracefulShutdown * 1000);
      await new Promise<void>((resolve) => {
        const hard = setTimeout(() => server.closeAllConnections(), this.settings.hardShutdown * 1000);
        // http's close() also destroys every idle socket at once, fresh ones whose first request
        // is on its way among them; the sweeper closes idle sockets once they stay idle.
        server.closeIdleConnections = () => undefined;
        server.close(() => {
          clearTimeout(hard);
          resolve();
        });
        delete (server as Partial<Server>).closeIdleConnections;
      });
    } finally {
      sweeper.stop();
    }
  }
}
