/* eslint-disable @typescript-eslint/no-require-imports -- config names a module at run time: only a synchronous require loads it */
import { extname, resolve } from 'node:path';
import { ConfigError } from './errors';

/** A module export named in config: `./path/module.js#ExportName` or `package#ExportName`. */
export interface ExportRef {
  modulePath: string;
  exportName: string;
}

/** Where a spec came from, for messages: the key (`auth.backend`) and the file, when known. */
export interface ExportSource {
  key: string;
  file?: string;
}

/** The module and export of `spec`, or undefined when it has no `#ExportName`. */
export function parseExportRef(spec: string): ExportRef | undefined {
  const hash = spec.lastIndexOf('#');
  if (hash <= 0 || hash === spec.length - 1) return undefined;
  return { modulePath: spec.slice(0, hash), exportName: spec.slice(hash + 1) };
}

const TS_EXTENSIONS = new Set(['.ts', '.cts', '.mts', '.tsx']);

// A .ts module runs in development without a build step: ts-node (a devDependency here)
// compiles it on load, types unchecked. In production, config points at the compiled .js.
function registerTypeScript(modulePath: string, source: ExportSource): void {
  if (require.extensions['.ts']) return;
  let tsNode: typeof import('ts-node');
  try {
    tsNode = require('ts-node') as typeof import('ts-node');
  } catch {
    throw new ConfigError(`${source.key}: '${modulePath}' is TypeScript and ts-node is not installed; ` +
      'install it (npm install --save-dev ts-node) or point it at the compiled .js', { file: source.file });
  }
  tsNode.register({ transpileOnly: true });
}

/**
 * Requires `ref.modulePath` (relative to `baseDir` when it starts with `.`) and returns the
 * named export. ConfigErrors name the key, the module and, for a missing export, what the
 * module does export.
 */
export function loadExport(ref: ExportRef, baseDir: string, source: ExportSource): unknown {
  const { modulePath, exportName } = ref;
  const request = modulePath.startsWith('.') ? resolve(baseDir, modulePath) : modulePath;
  if (TS_EXTENSIONS.has(extname(request))) registerTypeScript(modulePath, source);
  let mod: Record<string, unknown>;
  try {
    mod = require(request) as Record<string, unknown>;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const missing = e.code === 'MODULE_NOT_FOUND' && e.message.includes(`'${request}'`);
    throw new ConfigError(`${source.key}: ${missing ? `cannot find module '${request}'` : `module '${request}' failed to load: ${e.name}: ${String(e.message).split('\n', 1)[0]}`}`,
      { file: source.file });
  }
  const exported = mod[exportName];
  if (exported === undefined) {
    const names = Object.keys(mod).filter((name) => name !== '__esModule');
    throw new ConfigError(`${source.key}: module '${modulePath}' has no export '${exportName}' (it exports: ${names.join(', ') || 'nothing'})`,
      { file: source.file });
  }
  return exported;
}
