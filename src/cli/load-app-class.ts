import type { SyncServerApp } from '../app/sync-server-app';
import type { AppOptions } from '../app/types';
import { ConfigError } from '../config/errors';
import { loadExport, parseExportRef } from '../config/load-export';
import type { FlatConfig } from '../config/types';

export type AppClass = (new (config: FlatConfig, options?: AppOptions) => SyncServerApp) & { name: string };

/**
 * Loads the app class `[app:main] use` names: `./path/module.js#ExportName` (relative to the
 * .ini's directory) or `package#ExportName`. Errors name the .ini, the module and the export.
 */
export function loadAppClass(spec: string, baseDir: string, iniPath: string): AppClass {
  const ref = spec.startsWith('egg:') ? undefined : parseExportRef(spec);
  if (!ref) {
    throw new ConfigError(`[app:main] use = ${spec}: expected ./module.js#ExportName or package#ExportName` +
      (spec.startsWith('egg:') ? ' (egg: entry points are Python packages)' : ''), { file: iniPath });
  }
  const exported = loadExport(ref, baseDir, { key: '[app:main] use', file: iniPath });
  if (typeof exported !== 'function' || typeof (exported as { fromConfigFile?: unknown }).fromConfigFile !== 'function') {
    throw new ConfigError(`[app:main] use: '${ref.exportName}' in '${ref.modulePath}' is not a SyncServerApp subclass`, { file: iniPath });
  }
  return exported as AppClass;
}
