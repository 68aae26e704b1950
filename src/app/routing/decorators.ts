import 'reflect-metadata';
import { HANDLER_METADATA, MISUSE_METADATA } from './metadata-keys';
import type { ContentTypes } from './accepted-content-types';
import type { RouteValidation } from '../validation/route-validation';

export type RouteBody = 'json' | 'text';

export interface RouteOptions {
  /** Read the request body before the handler: `'json'` parsed, `'text'` as a UTF-8 string, into `ctx.request.body`. */
  body?: RouteBody;
  /** Largest accepted body in bytes (default `global.max_body_size`); a bigger one is a 413. */
  limit?: number;
  /**
   * Request Content-Types the body is read under besides JSON (a `'json'` route's default is JSON
   * only, or the app's `static contentTypes`; a `'text'` route's any type): `'any'`, or a list such
   * as `['application/x-www-form-urlencoded', 'text/*']`. Others are a 415.
   */
  contentTypes?: ContentTypes;
  /** Schemas (Standard Schema: valibot, zod…) the params, query and body must pass; the values land on `ctx.valid`. */
  validate?: RouteValidation;
  /** The legacy respcode a failed `validate` answers (400, body the code); default: a JSON list of the failing fields. */
  invalid?: number;
}

export interface RouteDeclaration {
  methods: string[];
  path: string;
  options: RouteOptions;
}

export interface AuthenticatedOptions {
  /** Run the handler without a user when the request carries no credentials at all. */
  optional?: boolean;
  /** The strategy (or strategies, tried in order) this route takes instead of `auth.scheme`: `'basic'`, `'bearer'`, `'hawk'`. */
  scheme?: string | readonly string[];
  /** Scopes the token (or Hawk credentials) must all carry; a request without them is a 403 `insufficient_scope`. */
  scopes?: readonly string[];
}

export interface CefOptions {
  /** The event name (default: the method name). */
  name?: string;
  /** The signature (default: the name). */
  signature?: string;
}

/** What the decorators record on a method; read once by the app at construction. */
export interface HandlerMetadata {
  routes: RouteDeclaration[];
  /** As written: the route table reader checks it and resolves the schemes. */
  authenticated?: { optional: boolean; scheme?: unknown; scopes?: unknown };
  cef?: { severity: number } & CefOptions;
}

/** A decorator put where it cannot work (a field, a getter, a static or private member). */
export interface Misuse {
  member: string;
  problem: string;
}

interface StandardContext {
  kind: string;
  name: string | symbol;
  static?: boolean;
  private?: boolean;
  metadata?: Record<PropertyKey, unknown>;
}

// TypeScript hands standard decorators a per-class metadata object only when Symbol.metadata
// exists; Node 20 lacks it. Misuse is recorded there so the app can name the class.
(Symbol as { metadata?: symbol }).metadata ??= Symbol.for('Symbol.metadata');

type AnyDecorator = (...args: any[]) => any;

export function handlerMetadata(fn: object): HandlerMetadata | undefined {
  return Reflect.getOwnMetadata(HANDLER_METADATA, fn) as HandlerMetadata | undefined;
}

function isStandardContext(value: unknown): value is StandardContext {
  return typeof value === 'object' && value !== null && typeof (value as StandardContext).kind === 'string';
}

function wrongTarget(label: string, where: string): string {
  return `${label} only applies to instance methods, not a ${where}`;
}

/** A decorator that works in both modes and applies `update` to the method's metadata. */
function methodDecorator(label: string, update: (meta: HandlerMetadata) => void): AnyDecorator {
  return (...args: unknown[]): void => {
    const [target, second, descriptor] = args;
    if (isStandardContext(second)) {
      if (second.kind === 'method' && !second.static && !second.private && typeof target === 'function') {
        update(ownMetadata(target));
        return;
      }
      const member = String(second.name);
      const problem = wrongTarget(label, `${second.private ? 'private ' : second.static ? 'static ' : ''}${second.kind}`);
      const metadata = second.metadata;
      // Without Symbol.metadata (a compiler older than TypeScript 5.2) the class is unknown here.
      if (!metadata) throw new TypeError(`${member}: ${problem}`);
      const own = Object.prototype.hasOwnProperty.call(metadata, MISUSE_METADATA) ? metadata[MISUSE_METADATA] as Misuse[] : [];
      metadata[MISUSE_METADATA] = [...own, { member, problem }];
      return;
    }
    const desc = descriptor as PropertyDescriptor | undefined;
    if (typeof target === 'object' && target !== null && typeof desc?.value === 'function') {
      update(ownMetadata(desc.value as object));
      return;
    }
    const isStatic = typeof target === 'function';
    const kind = typeof desc?.value === 'function' ? 'method' : desc?.get || desc?.set ? 'accessor' : 'property';
    const proto = (isStatic ? (target as { prototype: object }).prototype : target) as object;
    const own = (Reflect.getOwnMetadata(MISUSE_METADATA, proto) as Misuse[] | undefined) ?? [];
    const misuse: Misuse = { member: String(second), problem: wrongTarget(label, `${isStatic ? 'static ' : ''}${kind}`) };
    Reflect.defineMetadata(MISUSE_METADATA, [...own, misuse], proto);
  };
}

function ownMetadata(fn: object): HandlerMetadata {
  let meta = handlerMetadata(fn);
  if (!meta) {
    meta = { routes: [] };
    Reflect.defineMetadata(HANDLER_METADATA, meta, fn);
  }
  return meta;
}

/**
 * Serves the method at `path` for `method` (one or a list). Paths take `/:name` and the legacy
 * `/{name}` and `/{name:regex}` forms. Checked when the app is constructed.
 */
export function route(method: string | string[], path: string, options: RouteOptions = {}): AnyDecorator {
  const methods = Array.isArray(method) ? [...method] : [method];
  return methodDecorator('@route', (meta) => {
    meta.routes.push({ methods, path, options: { ...options } });
  });
}

/**
 * Requires credentials (the app's `auth.scheme`, HTTP Basic by default, see
 * `SyncServerApp.authenticate`) and puts the user on `ctx.state.user`. Use bare
 * (`@authenticated`) or with options (`@authenticated({ scheme: 'bearer', scopes: ['notes:write'] })`).
 */
export function authenticated(options?: AuthenticatedOptions): AnyDecorator;
export function authenticated(target: unknown, context: unknown, descriptor?: unknown): any;
export function authenticated(...args: unknown[]): any {
  const mark = (options: AuthenticatedOptions = {}) =>
    methodDecorator('@authenticated', (meta) => {
      meta.authenticated = { optional: options.optional === true, scheme: options.scheme, scopes: options.scopes };
    });
  if (args.length >= 2) return mark()(...args);
  return mark(args[0] as AuthenticatedOptions | undefined);
}

/** Writes one CEF event per call of the method, with the authenticated user as `suser`. */
export function cef(severity: number, options: CefOptions = {}): AnyDecorator {
  return methodDecorator('@cef', (meta) => {
    meta.cef = { severity, ...options };
  });
}

/** The misuse recorded on one class (not its parents). */
export function ownMisuse(ctor: abstract new (...args: never[]) => unknown): Misuse[] {
  const legacy = (Reflect.getOwnMetadata(MISUSE_METADATA, ctor.prototype as object) as Misuse[] | undefined) ?? [];
  const symbol = (Symbol as { metadata?: symbol }).metadata as symbol;
  const standard = Object.prototype.hasOwnProperty.call(ctor, symbol)
    ? (ctor as unknown as Record<symbol, Record<PropertyKey, unknown> | undefined>)[symbol] : undefined;
  const fromStandard = standard && Object.prototype.hasOwnProperty.call(standard, MISUSE_METADATA)
    ? standard[MISUSE_METADATA] as Misuse[] : [];
  return [...legacy, ...fromStandard];
}
