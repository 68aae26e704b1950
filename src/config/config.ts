import { resolve } from 'node:path';
import { asciiLower } from './ascii';
import { convertAt, type Env } from './convert';
import { ConfigError, EnvironmentNotFoundError } from './errors';
import { applyExtends } from './extends';
import { formatValue } from './format-value';
import { attachOrigins, type KeyOrigin, type SectionOrigin } from './origins';
import { setKey } from './set-key';
import { DEFAULT_SECTION, parseIni, type IniDocument, type RawOption, type RawSection } from './parse-ini';
import { readConfigFile } from './read-file';
import type { ConfigValue, FlatConfig } from './types';

export interface ConfigOptions {
  /** The name used in error messages, and the base of relative `extends` paths. */
  filename?: string;
  /** Where `${VAR}` is looked up, at each read; `process.env` by default. */
  env?: Env;
}

const INVALID_OPTION = /^[\t\n\v\f\r #;[]|[=:\n\r]|[\t\n\v\f\r ]$/;
const INVALID_SECTION = /[\]\n\r]/;

/**
 * An extended-INI configuration (docs/compatibility.md A): raw values are kept as written and typed on every
 * read, so `${VAR}` reads the environment at that moment. `[DEFAULT]` options show in every
 * section; `[DEFAULT] extends` is applied at load time and is not an option.
 */
export class Config {
  readonly filename: string;
  private readonly env: Env | undefined;
  private readonly defaults: RawSection;
  private readonly sectionMap: Map<string, RawSection>;
  private readonly headers: Map<string, SectionOrigin>;

  private constructor(doc: IniDocument, filename: string, env: Env | undefined) {
    this.filename = filename;
    this.env = env;
    this.defaults = doc.defaults;
    this.sectionMap = doc.sections;
    this.headers = doc.headers;
  }

  /** Reads and parses a file; a missing or unreadable file is a ConfigError. */
  static load(path: string, opts: ConfigOptions = {}): Config {
    return Config.parse(readConfigFile(path, '', { file: path }), { ...opts, filename: opts.filename ?? path });
  }

  static parse(text: string, opts: ConfigOptions = {}): Config {
    const filename = opts.filename ?? '<string>';
    const doc = parseIni(text, filename);
    const chain = opts.filename === undefined ? [] : [resolve(opts.filename)];
    applyExtends(doc, opts.filename, opts.env ?? process.env, chain);
    return new Config(doc, filename, opts.env);
  }

  /** Section names in file order, without DEFAULT. */
  sections(): string[] {
    return [...this.sectionMap.keys()];
  }

  hasSection(section: string): boolean {
    return this.sectionMap.has(section);
  }

  hasOption(section: string, option: string): boolean {
    const name = asciiLower(option);
    if (this.defaults.has(name)) return section === DEFAULT_SECTION || this.sectionMap.has(section);
    return this.sectionMap.get(section)?.has(name) ?? false;
  }

  /** The option names of a section, its own first, then DEFAULT's (Python's `options()` order). */
  options(section: string): string[] {
    const items = this.rawItems(section, 'Config.options');
    const own = this.sectionMap.get(section);
    return own && own !== items ? [...new Set([...own.keys(), ...this.defaults.keys()])] : [...items.keys()];
  }

  /** The typed value; a missing section or option throws a ConfigError unless `fallback` is given. */
  get(section: string, option: string): ConfigValue;
  get<T>(section: string, option: string, fallback: T): ConfigValue | T;
  get(section: string, option: string, ...fallback: [] | [unknown]): unknown {
    const name = asciiLower(option);
    const own = section === DEFAULT_SECTION ? undefined : this.sectionMap.get(section);
    if (!own && section !== DEFAULT_SECTION) {
      if (fallback.length > 0) return fallback[0];
      throw new ConfigError(`Config.get: no section [${section}]`, { file: this.filename });
    }
    const raw = own?.get(name) ?? this.defaults.get(name);
    if (!raw) {
      if (fallback.length > 0) return fallback[0];
      throw new ConfigError(`Config.get: no option '${name}' in section [${section}]`, { file: this.filename });
    }
    return this.typed(section, name, raw);
  }

  /** `[option, value]` pairs of a section, DEFAULT's included, in `rawItems` order. */
  items(section: string): Array<[string, ConfigValue]> {
    return [...this.rawItems(section, 'Config.items')].map(([name, raw]) => [name, this.typed(section, name, raw)]);
  }

  /** Like `get`, but a single value comes wrapped in a list. */
  mget(section: string, option: string): ConfigValue[] {
    const value = this.get(section, option);
    return Array.isArray(value) ? value : [value];
  }

  /** `{option: value}` for one section, or `{"section.option": value}` for all; typed once (Q-A2). */
  getMap(section?: string): FlatConfig {
    const out: FlatConfig = {};
    if (section !== undefined) {
      for (const [name, raw] of this.rawItems(section, 'Config.getMap')) setKey(out, name, this.typed(section, name, raw));
      return out;
    }
    for (const name of this.sectionMap.keys()) {
      for (const [option, raw] of this.rawItems(name, 'Config.getMap')) out[`${name}.${option}`] = this.typed(name, option, raw);
    }
    return attachOrigins(out, () => this.origins(), () => this.sectionOrigins());
  }

  /** Where each section's header is (`set()` on a new section adds none). */
  sectionOrigins(): Map<string, SectionOrigin> {
    const out = new Map<string, SectionOrigin>();
    for (const name of this.sectionMap.keys()) {
      const header = this.headers.get(name);
      if (header) out.set(name, header);
    }
    return out;
  }

  /** Where each key of `getMap()` was written (section `DEFAULT` for an option that `[DEFAULT]` gives). */
  origins(): Map<string, KeyOrigin> {
    const out = new Map<string, KeyOrigin>();
    for (const [name, own] of this.sectionMap) {
      for (const [option, raw] of this.rawItems(name, 'Config.origins')) {
        out.set(`${name}.${option}`, { file: raw.file, line: raw.line, section: own.has(option) ? name : DEFAULT_SECTION });
      }
    }
    return out;
  }

  /**
   * Stores `value` as text that reads back the same (legacy `set`, strings quoted when they would
   * retype, Q-A6). A missing section is created.
   */
  set(section: string, option: string, value: ConfigValue): void {
    const name = asciiLower(option);
    const context = `Config.set([${section}], '${name}')`;
    if (name === '' || INVALID_OPTION.test(name)) {
      throw new ConfigError(`${context}: an option name must be non-empty, have no '=', ':' or newline, ` +
        "no surrounding space, and not start with '#', ';' or '['");
    }
    if (section === DEFAULT_SECTION && name === 'extends') {
      throw new ConfigError(`${context}: extends is applied when a file is loaded; it cannot be set`);
    }
    const raw: RawOption = { value: formatValue(value, context) };
    if (section === DEFAULT_SECTION) {
      this.defaults.set(name, raw);
      return;
    }
    let target = this.sectionMap.get(section);
    if (!target) {
      if (section === '' || INVALID_SECTION.test(section)) {
        throw new ConfigError(`${context}: a section name must be non-empty and have no ']' or newline`);
      }
      target = new Map();
      this.sectionMap.set(section, target);
    }
    target.set(name, raw);
  }

  /** The config as INI text; `Config.parse(c.toString())` reads back the same values. */
  toString(): string {
    const blocks: string[] = [];
    if (this.defaults.size > 0) blocks.push(formatSection(DEFAULT_SECTION, this.defaults));
    for (const [name, options] of this.sectionMap) blocks.push(formatSection(name, options));
    return blocks.join('\n');
  }

  /**
   * A section's options with DEFAULT's, in Python's `items()` order: DEFAULT's first (a section's
   * own value in its place), then the section's others. So a `getMap()` that meets two missing
   * `${VAR}`s reports the one the Python reader reported.
   */
  private rawItems(section: string, caller: string): Map<string, RawOption> {
    if (section === DEFAULT_SECTION) return this.defaults;
    const own = this.sectionMap.get(section);
    if (!own) throw new ConfigError(`${caller}: no section [${section}]`, { file: this.filename });
    if (this.defaults.size === 0) return own;
    const all = new Map(this.defaults);
    for (const [name, raw] of own) all.set(name, raw);
    return all;
  }

  private typed(section: string, option: string, raw: RawOption): ConfigValue {
    try {
      return convertAt(raw.value, this.env ?? process.env, raw);
    } catch (err) {
      // Name the option only on failure: building the key for every read costs more than typing.
      if (!(err instanceof EnvironmentNotFoundError)) throw err;
      throw new EnvironmentNotFoundError(err.varname, { file: raw.file, line: raw.line, key: `${section}.${option}` });
    }
  }
}

function formatSection(name: string, options: RawSection): string {
  let text = `[${name}]\n`;
  for (const [option, raw] of options) {
    const [first, ...more] = raw.value.split('\n');
    // A value starting with `;` after a space would read back as an inline comment.
    text += `${option} =${first === '' || first.startsWith(';') ? first : ` ${first}`}\n`;
    for (const line of more) text += `    ${line}\n`;
  }
  return text;
}
