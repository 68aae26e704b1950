import { loadAppConfig, type AppConfigOptions } from './app-config';
import { Config } from './config';
import { parseIni } from './parse-ini';
import { readConfigFile } from './read-file';
import type { FlatConfig } from './types';

/**
 * The flat config of any config file: a deployment .ini (one with an `[app:main]` section) through
 * `loadAppConfig`, any other file through `Config.load(path).getMap()`.
 */
export function loadConfigFile(path: string, opts: AppConfigOptions = {}): FlatConfig {
  const text = readConfigFile(path, '', { file: path });
  if (parseIni(text, path).sections.has('app:main')) return loadAppConfig(path, opts);
  return Config.parse(text, { filename: path, env: opts.env }).getMap();
}
