import { readSettings } from '../app/framework-settings';
import { createLogger } from '../app/observability/logger';
import type { SyncServerApp } from '../app/sync-server-app';
import { readVersionFile } from '../app/pages/dockerflow';
import { createAuthBackend } from '../auth/registry';
import { asConfigError } from '../config/errors';
import { appSettingsSchema } from '../data/data-schema';
import type { FlatConfig } from '../config/types';
import { checkAppData } from './check-app-data';
import { type AppClass, loadAppClass } from '../serve/load-app-class';

export interface ConfigSource {
  /** The file the config came from: every message names it. */
  file: string;
  /** Where `auth.backend = ./module.js#Export` is resolved. */
  baseDir: string;
  /** The app class of a deployment .ini: its declared keys are checked and its route table built. */
  appClass?: AppClass;
}

/**
 * Every framework key an app reads when it starts, checked the way it reads them, without
 * opening a connection or reading a file besides the modules: `readSettings` (the function the
 * app's constructor calls: unknown keys, the app settings, the Dockerflow, log-format and metrics
 * keys, `[host:…]`, `[cef]` with its sink address, the throttle, that the files the settings
 * name are readable), the log level, and `[auth]` (the backend is built, so its name or module
 * and its params such as `sqluri` are checked, and closed unopened); with an app class, its
 * route table. Throws a one-line ConfigError naming the file; returns the notices and warnings
 * to show once. `serve` runs it before forking; `services-core config` on the file it prints.
 */
export async function checkFrameworkConfig(config: FlatConfig, source: ConfigSource): Promise<string[]> {
  const check = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw asConfigError(err, source.file);
    }
  };
  const appClass = source.appClass as typeof SyncServerApp | undefined;
  const base = appClass && baseClassOf(appClass);
  const settings = check(() => readSettings(config, {
    baseDir: source.baseDir, serveWorker: appClass !== undefined,
    appSettings: base ? appSettingsSchema(appClass!) : undefined,
  }));
  check(() => createLogger(config, { write: () => undefined }));
  const { versionPath, versionFile } = settings.operability;
  if (versionPath !== undefined) check(() => readVersionFile(versionFile, source.baseDir));
  if (appClass && base) {
    // Loaded here: the app module has loaded the decorators already; a plain file needs none.
    const { readRouteTable } = await import('../app/routing/route-table');
    check(() => readRouteTable(Object.create(appClass.prototype) as object, base, {
      backendConfigured: config['auth.backend'] !== undefined,
      schemes: { defaults: settings.schemes.schemes, available: settings.schemes.available },
    }));
  }
  if (config['auth.backend'] !== undefined) {
    const backend = check(() => createAuthBackend(config, { baseDir: source.baseDir, warn: () => undefined }));
    await backend.close();
  }
  return [...settings.keys.notices, ...settings.keys.warnings];
}

/**
 * SyncServerApp as the app class extends it: the class of its chain that defines `fromConfigFile`
 * (found, not imported, so `config` on a plain file loads no Koa, and an app built against
 * another copy of the package is still read right); undefined for an app class that is no subclass.
 */
function baseClassOf(appClass: typeof SyncServerApp): typeof SyncServerApp | undefined {
  let base: typeof SyncServerApp | undefined;
  for (let cls = Object.getPrototypeOf(appClass) as object | null; cls && cls !== Function.prototype; cls = Object.getPrototypeOf(cls) as object | null) {
    if (Object.hasOwn(cls, 'fromConfigFile')) base = cls as typeof SyncServerApp;
  }
  return base;
}

/** What the pre-check needs of a `ServePlan` (src/serve/serve-plan.ts). */
export interface DeploymentPlan {
  iniPath: string;
  config: FlatConfig;
  appSpec: string;
  baseDir: string;
  notices: string[];
}

/**
 * The pre-check of a deployment .ini, for `serve` (before any worker starts) and `services-core
 * config`: the app module of `[app:main] use`, then `checkFrameworkConfig` with that class.
 * Returns the notices to show once, the reader's first.
 */
export async function checkDeployment(plan: DeploymentPlan): Promise<string[]> {
  let appClass: AppClass;
  try {
    appClass = loadAppClass(plan.appSpec, plan.baseDir, plan.iniPath);
    checkAppData(appClass, plan.config, plan.baseDir);
  } catch (err) {
    throw asConfigError(err, plan.iniPath);
  }
  const notices = await checkFrameworkConfig(plan.config, { file: plan.iniPath, baseDir: plan.baseDir, appClass });
  return [...plan.notices, ...notices];
}
