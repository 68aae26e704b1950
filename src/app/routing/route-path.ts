/** A route path in @koa/router (path-to-regexp 8) syntax plus the legacy regex constraints. */
export interface CompiledPath {
  /** `/{api:1.0|1.1}/{username}` becomes `/:api/:username`. */
  path: string;
  /** Anchored regexes the named params must match (legacy `{name:regex}`); empty when none. */
  constraints: Array<[name: string, pattern: RegExp]>;
  /** The path with param names erased, to spot two routes that are the same. */
  shape: string;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*/;

/**
 * Turns legacy Routes placeholders (`{name}`, `{name:regex}`, with nested braces in the regex)
 * into `:name`. Other braces are path-to-regexp 8 optional groups and stay. Throws a
 * SyntaxError for an unclosed placeholder or a bad regex.
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
  const shape = path.replace(/([:*])([A-Za-z_$][\w$]*)/g, (_m, sigil: string, name: string) =>
    sigil + (byName.get(name)?.source ?? ''));
  return { path, constraints, shape };
}

/** Whether the params satisfy every constraint (a failing value means the route does not match). */
export function satisfies(constraints: CompiledPath['constraints'], params: Record<string, string>): boolean {
  for (const [name, pattern] of constraints) {
    const value = params[name];
    if (value === undefined || !pattern.test(value)) return false;
  }
  return true;
}
