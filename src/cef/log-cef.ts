import { CefLogger } from './cef-logger';
import type { CefConfigSource } from './cef-settings';
import type { CefEnviron, CefExtra } from './types';

// One logger per config object, like a module-level singleton but owned by the config:
// it goes away with it, so nothing has to be reset between tests.
const loggers = new WeakMap<object, CefLogger>();

/**
 * Python's `log_cef(name, severity, environ, config, username, signature, **kw)`. The first call
 * with a config object validates it (a ConfigError when CEF is on but misconfigured) and opens
 * its sink; later calls reuse both. Writing never throws.
 */
export function logCef(name: string, severity: number, environ: CefEnviron, config: CefConfigSource, extra?: CefExtra): void {
  let logger = loggers.get(config);
  if (logger === undefined) {
    logger = new CefLogger(config);
    loggers.set(config, logger);
  }
  logger.log(name, severity, environ, extra);
}
