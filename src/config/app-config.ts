import { dirname, resolve } from 'node:path';
import { asciiLower, asciiTrim } from './ascii';
import { Config } from './config';
import { convertAt, type Env } from './convert';
import { ConfigError } from './errors';
import { attachOrigins, originsOf, sectionOriginsOf, type KeyOrigin, type SectionOrigin } from './origins';
import { parseIni, type RawOption, type RawSection } from './parse-ini';
import { readConfigFile } from './read-file';
import { setKey } from './set-key';
import type { ConfigValue, FlatConfig } from './types';

const MAX_DEPTH = 10;

export interface AppConfigOptions {
  env?: Env;
  /** Gets the one notice about ignored Python logging sections; `process.emitWarning` by default. */
  warn?: (message: string) => void;
}

/** Sections of Python's `logging.config.fileConfig`, which a Paste .ini carries along. */
function isLoggingSection(name: string): boolean {
  return name === 'loggers' || name === 'handlers' || name === 'formatters' || /^(?:logger|handler|formatter)_/.test(name);
}

/**
 * Loads a paste-style deployment file into the flat map an app reads (docs/compatibility.md A.1, A.9): `here`
 * and `__file__`, the `[DEFAULT]` options, then the `[app:main]` ones (typed); a value
 * `file:<path>` (relative to the .ini) is replaced by that config's `section.option` keys; the
 * `[server:main]` options come as `server.<option>`. `%(name)s` expands from `here`, `__file__`,
 * the section and `[DEFAULT]`. Keys written in the .ini win over keys from `file:` configs. The
 * Python logging sections are ignored, with one notice through `opts.warn`.
 */
export function loadAppConfig(iniPath: string, opts: AppConfigOptions = {}): FlatConfig {
  const env = opts.env ?? process.env;
  const doc = parseIni(readConfigFile(iniPath, '', { file: iniPath }), iniPath);
  const app = doc.sections.get('app:main');
  if (!app) throw new ConfigError('no [app:main] section (a deployment file needs one)', { file: iniPath });
  const logging = [...doc.sections.keys()].filter(isLoggingSection);
  if (logging.length > 0) {
    const warn = opts.warn ?? ((message: string) => process.emitWarning(message, 'ServicesCoreConfig'));
    warn(`${iniPath}: the Python logging sections ${logging.map((name) => `[${name}]`).join(', ')} are ignored; ` +
      'services-core logs with global.log_level and global.log_file (docs/deploy.md)');
  }
  const here = dirname(resolve(iniPath));
  const builtins: RawSection = new Map([
    ['here', { value: here }],
    ['__file__', { value: resolve(iniPath) }],
  ]);
  const defaults = new Map([...doc.defaults, ...builtins]);

  const fromFiles: FlatConfig = {};
  const own: FlatConfig = {};
  const origins = new Map<string, KeyOrigin>();
  const sections = new Map<string, SectionOrigin>();
  for (const [name, raw] of new Map([...defaults, ...app])) {
    const value = interpolate(raw, app, defaults, 'app:main');
    if (value.startsWith('file:')) {
      const path = resolve(here, asciiTrim(value.slice('file:'.length)));
      const text = readConfigFile(path, `${name}: `, raw);
      const flat = expandHere(Config.parse(text, { env, filename: path }).getMap(), dirname(path));
      Object.assign(fromFiles, flat);
      for (const [key, origin] of originsOf(flat)) origins.set(key, origin);
      for (const [name, origin] of sectionOriginsOf(flat)) if (!sections.has(name)) sections.set(name, origin);
    } else {
      setKey(own, name, convertAt(value, env, { file: raw.file, line: raw.line, key: name }));
      origins.set(name, { file: raw.file, line: raw.line, section: app.has(name) || builtins.has(name) ? 'app:main' : 'DEFAULT' });
    }
  }
  const server = doc.sections.get('server:main') ?? new Map<string, RawOption>();
  for (const [name, raw] of server) {
    const key = `server.${name}`;
    own[key] = convertAt(interpolate(raw, server, defaults, 'server:main'), env, { file: raw.file, line: raw.line, key });
    origins.set(key, { file: raw.file, line: raw.line, section: server.has(name) ? 'server:main' : 'DEFAULT' });
  }
  return attachOrigins({ ...fromFiles, ...own }, () => origins, () => sections);
}

const HERE = '%(here)s';

/**
 * `%(here)s` in the string values of an app config file (list items too) replaced by `dir`, the
 * file's directory, after its `extends` are merged: what server-core's v2 `Config(cfgfile=…)`
 * did, so `sqluri = sqlite:///%(here)s/sync.db` names a file beside the config.
 */
export function expandHere(flat: FlatConfig, dir: string): FlatConfig {
  for (const [key, value] of Object.entries(flat)) {
    if (typeof value === 'string' ? value.includes(HERE) : Array.isArray(value)) {
      setKey(flat, key, expandValue(value, dir));
    }
  }
  return flat;
}

function expandValue(value: ConfigValue, dir: string): ConfigValue {
  if (typeof value === 'string') return value.replaceAll(HERE, dir);
  return Array.isArray(value) ? value.map((item) => expandValue(item, dir)) : value;
}

/** Expands `%(name)s` (and `%%`) as PasteDeploy's ConfigParser does; another `%` stays as it is. */
function interpolate(raw: RawOption, section: RawSection, defaults: RawSection, sectionName: string, depth = 0): string {
  if (!raw.value.includes('%')) return raw.value;
  const where = { file: raw.file, line: raw.line };
  if (depth >= MAX_DEPTH) throw new ConfigError(`%(...)s references nest more than ${MAX_DEPTH} deep (a loop?)`, where);
  return raw.value.replace(/%%|%\(([^)]*)\)s/g, (match, name: string | undefined) => {
    if (name === undefined) return '%';
    const target = section.get(asciiLower(name)) ?? defaults.get(asciiLower(name));
    if (!target) throw new ConfigError(`%(${name})s: no option '${name}' in [${sectionName}] or [DEFAULT]`, where);
    return interpolate(target, section, defaults, sectionName, depth + 1);
  });
}
