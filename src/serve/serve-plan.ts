import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { readAppSettings } from '../app/app-settings';
import { loadAppConfig } from '../config/app-config';
import { ConfigError, asConfigError } from '../config/errors';
import type { ConfigValue, FlatConfig } from '../config/types';

/** Everything `serve` needs, from the command line and the deployment .ini. */
export interface ServePlan {
  iniPath: string;
  /** The flat app config (docs/compatibility.md A.9), `[server:main]` options as `server.*`. */
  config: FlatConfig;
  /** `[app:main] use`: `./module.js#Export` (relative to the .ini) or `package#Export`. */
  appSpec: string;
  baseDir: string;
  host: string;
  port: number;
  workers: number;
  /** Seconds a worker may take to drain before the primary kills it. */
  stopTimeout: number;
  /** Notices about the .ini (ignored Python logging sections), for the primary to log once. */
  notices: string[];
}

export const USAGE = 'serve <deployment.ini> [--workers N] [--port P] [--host H] [--pid-file F]';
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8000;

/** A command-line mistake: printed with the usage line, exit code 2. */
export class UsageError extends Error {}

interface ServeArgs {
  iniPath: string;
  workers?: string;
  port?: string;
  host?: string;
  'pid-file'?: string;
}

export function parseServeArgs(args: string[]): ServeArgs {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const match = /^--(workers|port|host|pid-file)(?:=(.*))?$/.exec(arg);
    if (match) {
      const value = match[2] ?? args[++i];
      if (value === undefined || value === '') throw new UsageError(`--${match[1]} needs a value`);
      flags[match[1]] = value;
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option '${arg}'`);
    } else {
      positional.push(arg);
    }
  }
  if (positional.length !== 1) throw new UsageError(positional.length === 0 ? 'no deployment .ini given' : `one .ini expected, got ${positional.join(' ')}`);
  return { iniPath: positional[0], ...flags };
}

function integer(value: ConfigValue | undefined, what: string, min: number, max: number, iniPath: string): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : /^\d+$/.test(String(value)) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${what}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`, { file: iniPath });
  }
  return n;
}

/** Reads the deployment .ini; command-line flags win over `[server:main]`. */
export function readServePlan(args: string[], env?: NodeJS.ProcessEnv): ServePlan {
  const parsed = parseServeArgs(args);
  const iniPath = resolve(parsed.iniPath);
  const notices: string[] = [];
  const config = loadAppConfig(iniPath, { env, warn: (message) => notices.push(message) });
  const appSpec = config.use;
  if (typeof appSpec !== 'string' || appSpec === '') {
    throw new ConfigError('[app:main] has no `use = ./module.js#ExportName` naming the app class', { file: iniPath });
  }
  const hostValue = parsed.host ?? config['server.host'];
  let settings;
  try {
    settings = readAppSettings(config);
  } catch (err) {
    throw asConfigError(err, iniPath);
  }
  return {
    iniPath,
    config,
    appSpec,
    baseDir: dirname(iniPath),
    host: hostValue === undefined ? DEFAULT_HOST : String(hostValue),
    port: integer(parsed.port ?? config['server.port'], parsed.port ? '--port' : '[server:main] port', 0, 65535, iniPath) ?? DEFAULT_PORT,
    workers: integer(parsed.workers ?? config['server.workers'], parsed.workers ? '--workers' : '[server:main] workers', 1, 1024, iniPath) ??
      availableParallelism(),
    stopTimeout: settings.gracefulShutdown + settings.hardShutdown + 5,
    notices,
  };
}
