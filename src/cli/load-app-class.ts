/* eslint-disable @typescript-eslint/no-require-imports -- `use` names a module at run time, loaded with require like auth.backend */
import { extname, resolve } from 'node:path';
import type { SyncServerApp } from '../app/sync-server-app';
import type { AppOptions } from '../app/types';
import { ConfigError } from '../config/errors';
import type { FlatConfig } from '../config/types';

export type AppClass = (new (config: FlatConfig, options?: AppOptions) => SyncServerApp) & { name: string };

const TS_EXTENSIONS = new Set(['.ts', '.cts', '.mts', '.tsx']);

// A .ts app runs in development without a build step: ts-node (a devDependency here) compiles
// it on load, types unchecked. In production, point `use` at the compiled .js.
function registerTypeScript(modulePath: string, iniPath: string): void {
  if (require.extensions['.ts']) return;
  let tsNode: typeof import('ts-node');
  try {
    tsNode = require('ts-node') as typeof import('ts-node');
  } catch {
    throw new ConfigError(`[app:main] use: '${modulePath}' is TypeScript and ts-node is not installed; ` +
      'install it (npm install --save-dev ts-node) or point `use` at the compiled .js', { file: iniPath });
  }
  tsNode.register({ transpileOnly: true });
}

/**
 * Loads the app class `[app:main] use` names: `./path/module.js#ExportName` (relative to the
 * .ini's directory) or `package#ExportName`. Errors name the .ini, the module and the export.
 */
export function loadAppClass(spec: string, baseDir: string, iniPath: string): AppClass {
  const hash = spec.lastIndexOf('#');
  if (spec.startsWith('egg:') || hash <= 0 || hash === spec.length - 1) {
    throw new ConfigError(`[app:main] use = ${spec}: expected ./module.js#ExportName or package#ExportName` +
      (spec.startsWith('egg:') ? ' (egg: entry points are Python packages)' : ''), { file: iniPath });
  }
  const modulePath = spec.slice(0, hash);
  const exportName = spec.slice(hash + 1);
  const request = modulePath.startsWith('.') ? resolve(baseDir, modulePath) : modulePath;
  if (TS_EXTENSIONS.has(extname(request))) registerTypeScript(modulePath, iniPath);
  let mod: Record<string, unknown>;
  try {
    mod = require(request) as Record<string, unknown>;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const missing = e.code === 'MODULE_NOT_FOUND' && e.message.includes(`'${request}'`);
    throw new ConfigError(`[app:main] use: ${missing ? `cannot find module '${request}'` : `module '${request}' failed to load: ${e.stack ?? e.message}`}`,
      { file: iniPath });
  }
  const exported = mod[exportName];
  if (exported === undefined) {
    const names = Object.keys(mod).filter((name) => name !== '__esModule');
    throw new ConfigError(`[app:main] use: module '${modulePath}' has no export '${exportName}' (it exports: ${names.join(', ') || 'nothing'})`,
      { file: iniPath });
  }
  if (typeof exported !== 'function' || typeof (exported as { fromConfigFile?: unknown }).fromConfigFile !== 'function') {
    throw new ConfigError(`[app:main] use: '${exportName}' in '${modulePath}' is not a SyncServerApp subclass`, { file: iniPath });
  }
  return exported as AppClass;
}
