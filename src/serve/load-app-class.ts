import type { SyncServerApp } from '../app/sync-server-app';
import type { AppOptions } from '../app/types';
import { ConfigError } from '../config/errors';
import { type ExportRef, loadExport, parseExportRef } from '../config/load-export';
import type { FlatConfig } from '../config/types';

export type AppClass = (new (config: FlatConfig, options?: AppOptions) => SyncServerApp) & { name: string };

/**
 * The module reference of `[app:main] use`: `./path/module.js#ExportName` (relative to the .ini's
 * directory) or `package#ExportName`. A Python `egg:` entry point says which line to change.
 */
export function appSpecRef(spec: string, iniPath: string): ExportRef {
  const ref = spec.startsWith('egg:') ? undefined : parseExportRef(spec);
  if (ref) return ref;
  throw new ConfigError(`[app:main] use = ${spec}: expected ./module.js#ExportName or package#ExportName` +
    (spec.startsWith('egg:')
      ? '; egg: entry points are Python packages: change the line to your app class, e.g. use = ./dist/app.js#MyApp (docs/migrating.md)'
      : ''), { file: iniPath });
}

/** Loads the app class `[app:main] use` names. Errors name the .ini, the module and the export. */
export function loadAppClass(spec: string, baseDir: string, iniPath: string): AppClass {
  const ref = appSpecRef(spec, iniPath);
  const exported = loadExport(ref, baseDir, { key: '[app:main] use', file: iniPath });
  if (typeof exported !== 'function' || typeof (exported as { fromConfigFile?: unknown }).fromConfigFile !== 'function') {
    throw new ConfigError(`[app:main] use: '${ref.exportName}' in '${ref.modulePath}' is not a SyncServerApp subclass`, { file: iniPath });
  }
  return exported as AppClass;
}
