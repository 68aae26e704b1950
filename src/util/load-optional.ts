/* eslint-disable @typescript-eslint/no-require-imports -- the one place a package is loaded on first use */
import { ConfigError } from '../config/errors';

/** `pg`, `@scope/pkg` from a request such as `pkg/lib/file` or `@scope/pkg/x`. */
function packageName(request: string): string {
  const parts = request.split('/');
  return request.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * Loads a package (or a file of it) the first time `feature` needs it, so importing services-core
 * does not pay for drivers an app does not use. A package that is not installed is one line
 * naming the feature and the `npm i` to run; any other failure is thrown as it is.
 *
 *   const nodemailer = loadOptional<typeof import('nodemailer')>('nodemailer', 'sendEmail');
 */
export function loadOptional<T>(request: string, feature: string): T {
  try {
    return require(request) as T;
  } catch (err) {
    throw notInstalled(err, request, feature);
  }
}

/**
 * Fails as `loadOptional` would, without loading anything: settings readers call it so that a
 * missing driver fails `services-core config` and serve's pre-check, not every worker.
 */
export function checkInstalled(request: string, feature: string): void {
  try {
    require.resolve(request);
  } catch (err) {
    throw notInstalled(err, request, feature);
  }
}

function notInstalled(err: unknown, request: string, feature: string): unknown {
  const name = packageName(request);
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'MODULE_NOT_FOUND' && e.message.includes(`'${request}'`)) {
    return new ConfigError(`${feature} needs the package ${name}, which is not installed: npm i ${name}`);
  }
  return err;
}
