import { accessSync, constants, statSync } from 'node:fs';
import { ConfigError } from './errors';

/**
 * Checks that the file a setting names exists and can be read, without reading it: settings are
 * checked when an app is built (and by `serve`'s pre-check), the file is read when it starts.
 */
export function checkReadableFile(key: string, path: string): void {
  try {
    accessSync(path, constants.R_OK);
    if (statSync(path).isDirectory()) throw Object.assign(new Error(`EISDIR: is a directory, '${path}'`), { code: 'EISDIR' });
  } catch (err) {
    throw new ConfigError(`${key}: cannot read ${path}: ${(err as Error).message}`);
  }
}
