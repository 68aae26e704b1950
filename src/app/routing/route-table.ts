import { METHODS } from 'node:http';
import { type HandlerMetadata, type RouteOptions, handlerMetadata, ownMisuse } from './decorators';
import { type CompiledPath, compilePath } from './route-path';
import { contentTypesProblem } from './accepted-content-types';
import { validationProblems } from '../validation/route-validation';
import { SCHEME_NAMES, type SchemeName } from '../../auth/schemes/token-scheme';
import type { RouteAuth } from '../authentication/token-authentication';

/** One route of an app, checked and ready to mount. */
export interface RouteDefinition {
  /** `Class.method`, for messages. */
  owner: string;
  /** The property the handler is called through, so an override is what runs. */
  property: string | symbol;
  methods: string[];
  /** The path as written. */
  source: string;
  compiled: CompiledPath;
  options: RouteOptions;
  /** `@authenticated` resolved: its schemes (the route's, else `auth.scheme`) and scopes. */
  authenticated?: RouteAuth;
  cef?: HandlerMetadata['cef'];
}

const KNOWN_METHODS = new Set(METHODS);
const MAX_LIMIT = 2 ** 31;

type AnyClass = abstract new (...args: never[]) => unknown;

/**
 * Reads the decorator metadata of every class between `app`'s own class and `base`, once.
 * A method without decorators that overrides a decorated one keeps the inherited routes;
 * one with decorators replaces them. Every problem is reported at once, naming `Class.method`.
 * `@authenticated` needs a configured strategy for each scheme it takes (Basic: a backend,
 * `backendConfigured`), or the app's own `authenticate()`.
 */
export function readRouteTable(app: object, base: AnyClass, options: {
  backendConfigured: boolean;
  /** `auth.scheme` and the strategies configured (default: Basic alone). */
  schemes?: { defaults: readonly SchemeName[]; available: ReadonlySet<SchemeName> };
}): RouteDefinition[] {
  const authenticate = (target: object) => (target as { authenticate?: unknown }).authenticate;
  const ownAuthenticate = authenticate(app) !== authenticate(base.prototype as object);
  const schemes = options.schemes ?? { defaults: ['basic'], available: new Set<SchemeName>(options.backendConfigured ? ['basic'] : []) };
  const baseName = base.name;
  const chain: object[] = [];
  for (let proto = Object.getPrototypeOf(app) as object | null; proto && proto !== base.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    chain.push(proto);
  }
  const problems: string[] = [];
  const found = new Map<string | symbol, { meta: HandlerMetadata; owner: string; depth: number }>();
  chain.forEach((proto, depth) => {
    const ctor = proto.constructor as AnyClass;
    const className = ctor.name;
    for (const misuse of ownMisuse(ctor)) problems.push(`${className}.${misuse.member}: ${misuse.problem}`);
    for (const key of Reflect.ownKeys(proto)) {
      if (key === 'constructor' || found.has(key)) continue;
      const value = Object.getOwnPropertyDescriptor(proto, key)?.value as unknown;
      const meta = typeof value === 'function' ? handlerMetadata(value) : undefined;
      if (meta) found.set(key, { meta, owner: `${className}.${String(key)}`, depth });
    }
  });
  // Base classes first, each in declaration order, as the legacy URL table was read.
  const ordered = [...found.entries()].sort((a, b) => b[1].depth - a[1].depth);
  const routes: RouteDefinition[] = [];
  const seen = new Map<string, string>();
  for (const [property, { meta, owner }] of ordered) {
    const before = problems.length;
    if (property in base.prototype || Object.prototype.hasOwnProperty.call(app, property)) {
      problems.push(`${owner}: the name '${String(property)}' is taken by ${baseName}; name the handler otherwise`);
    }
    if (meta.routes.length === 0) problems.push(`${owner}: @authenticated or @cef without @route`);
    if (meta.cef && !(Number.isInteger(meta.cef.severity) && meta.cef.severity >= 0 && meta.cef.severity <= 10)) {
      problems.push(`${owner}: @cef severity must be an integer from 0 to 10, got ${String(meta.cef.severity)}`);
    }
    const auth = meta.authenticated && routeAuth(owner, meta.authenticated, schemes, ownAuthenticate, options.backendConfigured, problems);
    for (const declared of meta.routes) {
      const route = checkRoute(owner, declared.methods, declared.path, declared.options, problems);
      if (!route) continue;
      for (const method of route.methods) {
        for (const shape of route.compiled.shapes) {
          const key = `${method} ${shape}`;
          const other = seen.get(key);
          if (other) {
            problems.push(`${owner}: duplicate route ${method} ${declared.path} (already served by ${other})`);
            break;
          }
          seen.set(key, owner);
        }
      }
      if (problems.length === before) {
        routes.push({ owner, property, ...route, source: declared.path, authenticated: auth, cef: meta.cef });
      }
    }
  }
  if (problems.length > 0) throw new TypeError(`Invalid routes:\n  ${problems.join('\n  ')}`);
  return routes;
}

const MAX_SCOPE = 128;

/** `@authenticated`'s options checked, and its schemes resolved against the configured strategies. */
function routeAuth(owner: string, written: NonNullable<HandlerMetadata['authenticated']>,
  schemes: { defaults: readonly SchemeName[]; available: ReadonlySet<SchemeName> }, ownAuthenticate: boolean, backend: boolean,
  problems: string[]): RouteAuth | undefined {
  const count = problems.length;
  const { scheme, scopes } = written;
  const names = scheme === undefined ? [...schemes.defaults] : Array.isArray(scheme) ? [...scheme as unknown[]] : [scheme];
  if (names.length === 0) problems.push(`${owner}: @authenticated scheme must name at least one scheme`);
  for (const name of names) {
    if (typeof name !== 'string' || !(SCHEME_NAMES as readonly string[]).includes(name)) {
      problems.push(`${owner}: @authenticated scheme ${JSON.stringify(name)} is unknown (known: ${SCHEME_NAMES.join(', ')})`);
    } else if (!ownAuthenticate && !schemes.available.has(name as SchemeName)) {
      problems.push(name === 'basic' && !backend
        ? `${owner}: @authenticated needs an auth backend (set auth.backend or pass options.auth)`
        : `${owner}: @authenticated scheme '${name}' is not configured (see docs/auth-tokens.md: auth.${name}_* keys)`);
    }
  }
  if (new Set(names).size !== names.length) problems.push(`${owner}: @authenticated scheme lists a scheme twice`);
  const list = scopes === undefined ? [] : Array.isArray(scopes) ? [...scopes as unknown[]] : undefined;
  if (list === undefined || list.some((s) => typeof s !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s) || s.length > MAX_SCOPE)) {
    problems.push(`${owner}: @authenticated scopes must be a list of scope tokens (RFC 6749 3.3), got ${JSON.stringify(scopes)}`);
  } else if (list.length > 0 && names.every((name) => name === 'basic')) {
    problems.push(`${owner}: @authenticated scopes need the bearer or hawk scheme (Basic credentials carry no scopes)`);
  }
  if (problems.length > count) return undefined;
  return { optional: written.optional, schemes: names as SchemeName[], scopes: list as string[] };
}

function checkRoute(owner: string, methods: string[], path: string, options: RouteOptions, problems: string[]):
  { methods: string[]; compiled: CompiledPath; options: RouteOptions } | undefined {
  const count = problems.length;
  const upper = methods.map((m) => String(m).toUpperCase());
  if (upper.length === 0) problems.push(`${owner}: @route needs at least one HTTP method`);
  for (const m of upper) if (!KNOWN_METHODS.has(m)) problems.push(`${owner}: unknown HTTP method '${m}'`);
  if (typeof path !== 'string' || !path.startsWith('/')) problems.push(`${owner}: the path must start with '/', got ${JSON.stringify(path)}`);
  if (options.body !== undefined && options.body !== 'json' && options.body !== 'text') {
    problems.push(`${owner}: unknown body option ${JSON.stringify(options.body)} ('json' or 'text')`);
  }
  if (options.contentTypes !== undefined) {
    const problem = contentTypesProblem(options.contentTypes);
    if (problem) problems.push(`${owner}: ${problem}`);
    if (options.body === undefined) problems.push(`${owner}: contentTypes without a body option`);
  }
  for (const problem of validationProblems(options.validate, options.invalid)) problems.push(`${owner}: ${problem}`);
  if (options.validate?.body !== undefined && options.body === undefined) problems.push(`${owner}: validate.body needs body: 'json' or 'text'`);
  if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit > 0 && options.limit < MAX_LIMIT)) {
    problems.push(`${owner}: limit must be a positive integer number of bytes, got ${String(options.limit)}`);
  }
  let compiled: CompiledPath | undefined;
  if (typeof path === 'string') {
    try {
      compiled = compilePath(path);
    } catch (err) {
      problems.push(`${owner}: ${(err as Error).message}`);
    }
  }
  if (problems.length > count || !compiled) return undefined;
  return { methods: [...new Set(upper)], compiled, options };
}
