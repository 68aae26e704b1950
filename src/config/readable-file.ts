import { accessSync, constants, readFileSync, statSync } from 'node:fs';
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

/** Reads the file a setting names (at start), or fails as `checkReadableFile` does. */
export function readSettingFile(key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${key}: cannot read ${path}: ${(err as Error).message}`);
  }
}
