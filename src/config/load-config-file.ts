import { dirname, resolve } from 'node:path';
import { expandHere, loadAppConfig, type AppConfigOptions } from './app-config';
import { Config } from './config';
import { parseIni } from './parse-ini';
import { readConfigFile } from './read-file';
import type { FlatConfig } from './types';

/**
 * The flat config of any config file: a deployment .ini (one with an `[app:main]` section) through
 * `loadAppConfig`, any other file (an app config file) through `Config.load(path).getMap()` with
 * `%(here)s` expanded to the file's directory, as `loadAppConfig` does for its `file:` configs.
 */
export function loadConfigFile(path: string, opts: AppConfigOptions = {}): FlatConfig {
  const text = readConfigFile(path, '', { file: path });
  if (parseIni(text, path).sections.has('app:main')) return loadAppConfig(path, opts);
  return expandHere(Config.parse(text, { filename: path, env: opts.env }).getMap(), dirname(resolve(path)));
}
