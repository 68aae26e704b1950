import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { Config } from '../../src/config';
import { type DocBlock, extractBlocks } from './markdown-blocks';

// The docs are executed, so they cannot drift: every fenced block of README.md and docs/*.md
// runs here, or says on its fence line why not (see markdown-blocks.ts).

const ROOT = path.resolve(__dirname, '../..');
const DOCS = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const blocks = DOCS.flatMap((doc) => extractBlocks(path.join(ROOT, doc)).map((b) => ({ ...b, file: doc })));
const where = (b: DocBlock) => `${b.file}:${b.line}`;
const isCode = (b: DocBlock) => b.lang === 'ts' || b.lang === 'js';

/** A ts/js block's imports and the rest, with `export` dropped when `forRun` (the rest becomes a function body). */
function split(code: string, forRun: boolean): { imports: string; body: string } {
  const source = ts.createSourceFile('block.ts', code, ts.ScriptTarget.ES2022, true);
  let imports = '';
  let body = '';
  for (const statement of source.statements) {
    let text = statement.getFullText(source);
    if (ts.isImportDeclaration(statement)) {
      imports += text;
      continue;
    }
    const exported = ts.canHaveModifiers(statement) ? ts.getModifiers(statement)?.find((m) => m.kind === ts.SyntaxKind.ExportKeyword) : undefined;
    if (forRun && exported) text = text.slice(0, exported.getStart(source) - statement.pos) + text.slice(exported.end - statement.pos).replace(/^\s+/, ' ');
    body += text;
  }
  return { imports, body: body + '\n' };
}

/**
 * The code a ts/js block stands for: itself or, with `continues`, the previous block's code
 * followed by its own in a nested scope (so it may reuse names), all imports on top.
 */
function fullCode(block: DocBlock, forRun: boolean): { imports: string; body: string } {
  const own = split(block.code, forRun);
  if (!block.continues) return own;
  const before = blocks.filter((b) => b.file === block.file && b.line < block.line && isCode(b) && b.mode !== 'illustrative');
  const previous = before[before.length - 1];
  if (!previous) throw new Error(`${where(block)}: \`continues\` but no ts/js block before it`);
  const earlier = fullCode(previous, forRun);
  return { imports: earlier.imports + own.imports, body: `${earlier.body}{\n${own.body}}\n` };
}

/** `services-core…` imports point at the sources, as the published package's exports map does for dist/. */
function mapImports(code: string): string {
  return code.replace(/(from\s+|import\s*\(\s*|require\s*\(\s*)(['"])services-core(\/(config|cef|testing))?\2/g,
    (_m, lead: string, quote: string, sub?: string) => `${lead}${quote}${path.join(ROOT, 'src', sub ? sub.slice(1) : '', 'index')}${quote}`);
}

let work: string;
beforeAll(() => {
  // inside the repository, so the blocks resolve node_modules as an app would
  work = mkdtempSync(path.join(ROOT, '.docs-check-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

test('every fence line is well-formed: `illustrative`/`typecheck` carry a reason', () => {
  expect(blocks.filter((b) => b.error).map((b) => `${where(b)}: ${b.error}`)).toEqual([]);
  expect(blocks.length).toBeGreaterThan(20);
});

describe('```ini blocks parse with the Config reader', () => {
  test.each(blocks.filter((b) => b.lang === 'ini' && b.mode === 'run').map((b) => [where(b), b] as const))('%s', (_w, block) => {
    // as the file its first comment names; the files it `extends` stand in empty
    const dir = mkdtempSync(path.join(work, 'ini-'));
    const name = /^#\s*([\w.-]+\.(?:conf|ini))\b/.exec(block.code)?.[1] ?? 'block.conf';
    for (const [, target] of block.code.matchAll(/^extends\s*=\s*([^\s;#]+)/gm)) writeFileSync(path.join(dir, target), '');
    writeFileSync(path.join(dir, name), block.code);
    // ${VAR} references resolve against a stand-in environment: the block must parse and type every value
    const env = new Proxy({}, { get: (_t, key) => (typeof key === 'string' ? `<${key}>` : undefined), has: () => true });
    const config = Config.load(path.join(dir, name), { env: env as Record<string, string> });
    expect(() => config.getMap()).not.toThrow();
  });
});

describe('```ts/```js blocks type-check', () => {
  const checked = blocks.filter((b) => isCode(b) && b.mode !== 'illustrative');

  test('all together, as modules importing services-core', () => {
    const files = checked.map((block) => {
      const file = path.join(work, `check-${block.file.replace(/\W/g, '_')}-${block.line}.ts`);
      const { imports, body } = fullCode(block, false);
      writeFileSync(file, `${mapImports(imports)}\n${body}\nexport {};\n`);
      return { block, file };
    });
    const { config } = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
    // ES modules: top-level await is how the docs read
    const program = ts.createProgram(files.map((f) => f.file), { ...options, module: ts.ModuleKind.ES2022, noEmit: true, noUnusedLocals: false });
    const problems = ts.getPreEmitDiagnostics(program)
      .filter((d) => d.file && files.some((f) => f.file === d.file!.fileName))
      .map((d) => {
        const { block } = files.find((f) => f.file === d.file!.fileName)!;
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
        return `${where(block)} (+${line + 1}): ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    expect(problems).toEqual([]);
  });
});

describe('```ts/```js blocks run', () => {
  const run = blocks.filter((b) => isCode(b) && b.mode === 'run');
  test.each(run.map((b) => [where(b), b] as const))('%s', async (w, block) => {
    const dir = mkdtempSync(path.join(work, 'run-'));
    // relative paths in the docs are from the repository root; files the block writes stay in its folder
    symlinkSync(path.join(ROOT, 'samples'), path.join(dir, 'samples'));
    const file = path.join(dir, `${w.replace(/\W/g, '_')}.ts`);
    const { imports, body } = fullCode(block, true);
    writeFileSync(file, `${mapImports(imports)}\nexport async function run(): Promise<void> {\n${body}}\n`);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      await (require(file) as { run: () => Promise<void> }).run();
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('```sh/```bash blocks run', () => {
  const shells = blocks.filter((b) => (b.lang === 'sh' || b.lang === 'bash') && b.mode === 'run');
  let bin: string;
  beforeAll(() => {
    // `services-core` as the installed bin would be, from the sources
    bin = path.join(work, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'services-core'),
      `#!/usr/bin/env bash\nexec "${process.execPath}" -r ts-node/register/transpile-only "${path.join(ROOT, 'src/cli/main.ts')}" "$@"\n`);
    chmodSync(path.join(bin, 'services-core'), 0o755);
  });

  test.each(shells.map((b) => [where(b), b] as const))('%s exits 0', (_w, block) => {
    const run = () => execFileSync('bash', ['-euo', 'pipefail', '-c', block.code], {
      cwd: ROOT, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8', stdio: 'pipe', timeout: 60_000,
    });
    expect(run).not.toThrow();
  }, 90_000);
});
