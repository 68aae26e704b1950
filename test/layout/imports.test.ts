import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// The layers point one way (config → util, cef → data → auth → app → serve → cli, testing → index;
// README.md's layout): checked on the sources' import lines, type-only imports included, so a cycle
// cannot hide behind `import type`.
const SRC = resolve(__dirname, '../../src');
const SPECIFIER = /(?:\bfrom\s+|\brequire\(\s*|\bimport\(\s*|^import\s+)'(\.[^']*)'/gm;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function resolveImport(from: string, specifier: string, files: Set<string>): string | undefined {
  const base = resolve(dirname(from), specifier);
  return [`${base}.ts`, join(base, 'index.ts')].find((candidate) => files.has(candidate));
}

const files = sources(SRC);
const known = new Set(files);
const graph = new Map(files.map((file) => {
  const text = readFileSync(file, 'utf8');
  const targets = [...text.matchAll(SPECIFIER)].map((m) => resolveImport(file, m[1], known)).filter((t): t is string => t !== undefined);
  return [file, [...new Set(targets)]];
}));
const name = (file: string) => relative(SRC, file);

/** Each folder of src/ by its height: a file imports its own folder and lower ones only. */
const LAYERS: Record<string, number> = {
  config: 0, util: 1, cef: 1, data: 2, auth: 3, app: 4, serve: 5, cli: 6, testing: 7, 'index.ts': 8,
};
const layerOf = (file: string) => name(file).split('/')[0];

test('every import points down the layers: config → util, cef → data → auth → app → serve → cli, testing → index', () => {
  expect(Object.keys(LAYERS).sort()).toEqual(readdirSync(SRC).sort());
  const wrong = [...graph].flatMap(([file, targets]) => targets
    .filter((t) => layerOf(t) !== layerOf(file) && LAYERS[layerOf(t)] >= LAYERS[layerOf(file)])
    .map((t) => `${name(file)} -> ${name(t)}`));
  expect(wrong).toEqual([]);
});

test('no import cycle between the modules of src/ (type-only imports included)', () => {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].map(name).join(' -> '));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  expect(cycles).toEqual([]);
});
