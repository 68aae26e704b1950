import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(__dirname, '../..');

let options: ts.CompilerOptions | undefined;
function compilerOptions(): ts.CompilerOptions {
  if (!options) {
    const file = join(ROOT, 'tsconfig.json');
    const { config } = ts.readConfigFile(file, (path) => readFileSync(path, 'utf8'));
    options = ts.parseJsonConfigFileContent(config, ts.sys, ROOT).options;
  }
  return options;
}

/** TypeScript source as JavaScript (types unchecked), with the project's options (decorators). */
export function transpile(source: string, fileName = 'module.ts'): string {
  return ts.transpileModule(source, { compilerOptions: compilerOptions(), fileName }).outputText;
}

/**
 * `src/` transpiled to JavaScript in a folder of its own under node_modules/.cache (so its
 * requires find the packages), for tests that start many processes: each then loads JavaScript
 * instead of compiling the sources again with ts-node. Returns the folder (its `cli/main.js` is the bin).
 */
export function compiledSources(): string {
  const cache = join(ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const out = mkdtempSync(join(cache, 'services-core-src-'));
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const target = join(out, relative(join(ROOT, 'src'), path)).replace(/\.ts$/, '.js');
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, transpile(readFileSync(path, 'utf8'), path));
      }
    }
  };
  walk(join(ROOT, 'src'));
  return out;
}
