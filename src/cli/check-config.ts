import { readAppSettings } from '../app/app-settings';
import { ClientIpResolver } from '../app/request/client-ip';
import { createLogger } from '../app/observability/logger';
import { readOperabilitySettings } from '../app/observability/operability-settings';
import { maxPasswordLength } from '../auth/password-length';
import { createAuthBackend } from '../auth/registry';
import { parseCefSettings } from '../cef/cef-settings';
import { ConfigError } from '../config/errors';
import { hostConfigs } from '../config/host-configs';
import type { FlatConfig } from '../config/types';

export interface ConfigSource {
  /** The file the config came from: every message names it. */
  file: string;
  /** Where `auth.backend = ./module.js#Export` is resolved. */
  baseDir: string;
}

/** Any error as a one-line ConfigError naming the file: no stack, whatever threw it. */
export function asConfigError(err: unknown, file: string): ConfigError {
  if (err instanceof ConfigError && err.file !== undefined) return err;
  const e = err as Error | null;
  const text = err instanceof ConfigError ? err.message : `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`;
  const firstLine = text.split('\n', 1)[0];
  return new ConfigError(firstLine, { file });
}

/**
 * Every framework key an app reads when it starts, checked the way it reads them, without
 * opening a connection or a file: the app settings (`global.*`, `debug`…), the log level,
 * the Dockerflow, log-format and metrics keys,
 * `global.trusted_proxies`, `[host:…]` sections, `[cef]`, and `[auth]` (the backend is built,
 * so its name or module and its params such as `sqluri` are checked, and closed unopened).
 * Throws a one-line ConfigError naming the file. `serve` runs it before forking; `services-core
 * config` runs it on the file it prints.
 */
export async function checkFrameworkConfig(config: FlatConfig, source: ConfigSource): Promise<void> {
  const check = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw asConfigError(err, source.file);
    }
  };
  const settings = check(() => readAppSettings(config));
  check(() => createLogger(config, { write: () => undefined }));
  check(() => readOperabilitySettings(config, settings.heartbeatPath));
  check(() => new ClientIpResolver(settings.trustedProxies));
  check(() => hostConfigs(config));
  check(() => parseCefSettings(config, { warn: () => undefined }));
  if (config['auth.backend'] === undefined) return;
  check(() => maxPasswordLength({ max_password_length: config['auth.max_password_length'] }));
  const backend = check(() => createAuthBackend(config, { baseDir: source.baseDir, warn: () => undefined }));
  await backend.close();
}
