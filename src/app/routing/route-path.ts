/** One segment of a route path, between two slashes. */
export type PathSegment =
  | { kind: 'static'; text: string }
  | { kind: 'param'; name: string; constraint?: RegExp }
  /** `*name`, last: the rest of the path (one segment or more), slashes included. */
  | { kind: 'rest'; name: string };

/** A route path in the `:name` syntax plus the legacy regex constraints, cut into segments for the route tree. */
export interface CompiledPath {
  /** `/{api:1.0|1.1}/{username}` becomes `/:api/:username`. */
  path: string;
  /** Anchored regexes the named params must match (legacy `{name:regex}`); empty when none. */
  constraints: Array<[name: string, pattern: RegExp]>;
  /** Each path the route serves (an optional group `{…}` makes two), as segments. */
  variants: PathSegment[][];
  /** Each variant with param names erased and static text in lower case: two routes with a shape in common cannot be told apart. */
  shapes: string[];
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*/;
const PARAM = /^:([A-Za-z_$][\w$]*)$/;
const REST = /^\*([A-Za-z_$][\w$]*)$/;
/** Characters that would make a segment a pattern the tree does not know (a param inside a segment, regex syntax). */
const SPECIAL = /[:*{}()[\]?+!\\]/;
/** More optional groups than this in one path is a mistake, not a route (2^n paths). */
const MAX_GROUPS = 4;

/**
 * Turns legacy Routes placeholders (`{name}`, `{name:regex}`, with nested braces in the regex)
 * into `:name`. Other braces are optional groups (`/users{/:id}` serves `/users` and
 * `/users/:id`). Throws a SyntaxError for an unclosed placeholder, a bad regex, or a segment
 * the route tree cannot match (a param must take a whole segment; `*name` only the last).
 */
export function compilePath(source: string): CompiledPath {
  let path = '';
  const constraints: Array<[string, RegExp]> = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    const name = ch === '{' ? IDENTIFIER.exec(source.slice(i + 1))?.[0] : undefined;
    const after = name ? source[i + 1 + name.length] : undefined;
    if (!name || (after !== '}' && after !== ':')) {
      path += ch;
      i++;
      continue;
    }
    let j = i + 1 + name.length;
    if (after === ':') {
      let depth = 1;
      const start = j + 1;
      for (j = start; j < source.length && depth > 0; j++) {
        if (source[j] === '\\') j++;
        else if (source[j] === '{') depth++;
        else if (source[j] === '}') depth--;
      }
      if (depth > 0) throw new SyntaxError(`unclosed '{${name}:' in path '${source}'`);
      j--;
      const regex = source.slice(start, j);
      try {
        constraints.push([name, new RegExp(`^(?:${regex})$`)]);
      } catch (err) {
        throw new SyntaxError(`bad regex for '${name}' in path '${source}': ${(err as Error).message}`, { cause: err });
      }
    }
    path += `:${name}`;
    i = j + 1;
  }
  const byName = new Map(constraints);
  const variants = expandGroups(path, source).map((variant) => segmentsOf(variant, source, byName));
  return { path, constraints, variants, shapes: variants.map(shapeOf) };
}

/** The paths an optional group `{…}` stands for: with and without it, nested groups too. */
function expandGroups(path: string, source: string, depth = 0): string[] {
  const open = path.indexOf('{');
  if (open === -1) {
    if (path.includes('}')) throw new SyntaxError(`unmatched '}' in path '${source}'`);
    return [path];
  }
  if (depth >= MAX_GROUPS) throw new SyntaxError(`more than ${MAX_GROUPS} optional groups in path '${source}'`);
  let level = 0;
  let close = open;
  for (; close < path.length; close++) {
    if (path[close] === '{') level++;
    else if (path[close] === '}' && --level === 0) break;
  }
  if (close === path.length) throw new SyntaxError(`unclosed '{' in path '${source}'`);
  const before = path.slice(0, open);
  const after = path.slice(close + 1);
  return [
    ...expandGroups(before + path.slice(open + 1, close) + after, source, depth + 1),
    ...expandGroups(before + after, source, depth + 1),
  ];
}

function segmentsOf(path: string, source: string, constraints: ReadonlyMap<string, RegExp>): PathSegment[] {
  if (!path.startsWith('/')) throw new SyntaxError(`path '${source}' must start with '/'`);
  // A trailing slash is not part of the route: requests lose theirs before routing (C.3.5).
  const parts = path === '/' ? [] : path.slice(1).replace(/\/$/, '').split('/');
  return parts.map((part, index): PathSegment => {
    const param = PARAM.exec(part);
    if (param) return { kind: 'param', name: param[1], constraint: constraints.get(param[1]) };
    const rest = REST.exec(part);
    if (rest && index === parts.length - 1) return { kind: 'rest', name: rest[1] };
    if (SPECIAL.test(part)) {
      throw new SyntaxError(`'${part}' in path '${source}': a parameter takes a whole segment ('/:name' or '/{name:regex}'), and '*name' only the last`);
    }
    return { kind: 'static', text: part };
  });
}

function shapeOf(segments: PathSegment[]): string {
  return `/${segments.map((s) => (s.kind === 'static' ? s.text.toLowerCase() : s.kind === 'param' ? `:${s.constraint?.source ?? ''}` : '*')).join('/')}`;
}
