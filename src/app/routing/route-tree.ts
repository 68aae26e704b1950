import type { PathSegment } from './route-path';

/** What a lookup found: the route's value and its params, decoded. */
export interface RouteMatch<T> {
  value: T;
  params: Record<string, string>;
}

interface Leaf<T> {
  value: T;
  /** The param names, in path order (the values are collected in that order). */
  names: string[];
  /** A GET route serving HEAD: a HEAD route of its own at the same path replaces it. */
  implicit: boolean;
}

interface ParamEdge<T> {
  constraint: RegExp | undefined;
  node: Node<T>;
}

interface Node<T> {
  /** Keyed by the segment in lower case (static text matches whatever its case, as @koa/router did). */
  statics?: Map<string, Node<T>>;
  /** Constrained params in the order declared, then the unconstrained one. */
  params: Array<ParamEdge<T>>;
  rest?: Leaf<T>;
  leaf?: Leaf<T>;
}

function decode(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The routes of an app, one tree of path segments per method, matched in time that depends on
 * the path's length, not on the number of routes. At each segment, whatever the order the
 * routes were declared in: static text first, then the params whose regex the value passes (in
 * the order declared), then a plain param, then a `*rest`; a branch that ends without a route
 * gives way to the next (backtracking), as find-my-way does. GET routes serve HEAD too.
 */
export class RouteTree<T> {
  readonly #roots = new Map<string, Node<T>>();

  add(method: string, segments: PathSegment[], value: T): void {
    // HEAD first, so `Allow` lists it before GET, as it always did.
    if (method === 'GET') this.#add('HEAD', segments, value, true);
    this.#add(method, segments, value, false);
  }

  #add(method: string, segments: PathSegment[], value: T, implicit: boolean): void {
    let node = this.#roots.get(method);
    if (!node) this.#roots.set(method, node = { params: [] });
    const names: string[] = [];
    for (const segment of segments) {
      if (segment.kind === 'static') {
        node.statics ??= new Map();
        const key = segment.text.toLowerCase();
        let child = node.statics.get(key);
        if (!child) node.statics.set(key, child = { params: [] });
        node = child;
      } else if (segment.kind === 'param') {
        names.push(segment.name);
        node = paramChild(node, segment.constraint);
      } else {
        names.push(segment.name);
        if (!node.rest || node.rest.implicit) node.rest = { value, names, implicit };
        return;
      }
    }
    if (!node.leaf || node.leaf.implicit) node.leaf = { value, names, implicit };
  }

  /** The route serving `method` at `path` (a path with its trailing slashes removed), or undefined. */
  find(method: string, path: string): RouteMatch<T> | undefined {
    const root = this.#roots.get(method);
    if (!root) return undefined;
    const values: string[] = [];
    const leaf = walk(root, path === '/' ? [] : path.slice(1).split('/'), 0, values);
    if (!leaf) return undefined;
    const params: Record<string, string> = {};
    for (let i = 0; i < values.length; i++) params[leaf.names[i]] = values[i];
    return { value: leaf.value, params };
  }

  /** Every method served at `path` (HEAD with GET), for 405's `Allow`: in the order the methods first appear among the routes. */
  methodsAt(path: string): string[] {
    const segments = path === '/' ? [] : path.slice(1).split('/');
    return [...this.#roots].filter(([, root]) => walk(root, segments, 0, []) !== undefined).map(([method]) => method);
  }
}

function paramChild<T>(node: Node<T>, constraint: RegExp | undefined): Node<T> {
  const edge = node.params.find((e) => e.constraint?.source === constraint?.source);
  if (edge) return edge.node;
  const added: ParamEdge<T> = { constraint, node: { params: [] } };
  const plain = node.params.findIndex((e) => e.constraint === undefined);
  // A constrained param goes before the plain one, which stays last.
  if (constraint && plain !== -1) node.params.splice(plain, 0, added);
  else node.params.push(added);
  return added.node;
}

function walk<T>(node: Node<T>, segments: string[], i: number, values: string[]): Leaf<T> | undefined {
  if (i === segments.length) return node.leaf;
  const segment = segments[i];
  const statics = node.statics;
  if (statics) {
    const child = statics.get(segment) ?? statics.get(segment.toLowerCase());
    const found = child && walk(child, segments, i + 1, values);
    if (found) return found;
  }
  // A param or a rest takes one character at least.
  if (segment === '') return undefined;
  if (node.params.length > 0) {
    const value = decode(segment);
    for (const edge of node.params) {
      if (edge.constraint && !edge.constraint.test(value)) continue;
      values.push(value);
      const found = walk(edge.node, segments, i + 1, values);
      if (found) return found;
      values.pop();
    }
  }
  if (node.rest) {
    values.push(decode(segments.slice(i).join('/')));
    return node.rest;
  }
  return undefined;
}
