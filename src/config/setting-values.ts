import { ConfigError } from './errors';
import { originsOf } from './origins';
import type { SettingsSchema } from './schema';
import { presentValue, readBoolean, readBytes, readEnum, readInteger, readNumber, readSeconds } from './settings';
import type { ConfigValue, FlatConfig } from './types';

// An app's declared keys (`static settingsSchema`) are read by their declared type, once, so a
// bad value stops `config`, `serve` and the constructor alike, naming file, line and key, and the
// app gets typed values instead of writing `Number(this.config[…])`. The declared type decides
// (docs/app.md "The app's own settings"); the TypeScript types below mirror the same rules.

/** The value a declared type gives: `boolean`, a number, one of an enum's words, a list or text. */
export type SettingValue<T extends string> =
  T extends 'boolean' ? boolean :
  T extends 'integer' | `integer ${string}` | 'number' | 'seconds' | 'bytes' | 'port' ? number :
  T extends 'list' ? readonly string[] :
  T extends `\`${string}\` | ${string}` ? Choices<T> :
  string;

type Choices<T extends string> =
  T extends `\`${infer A}\` | ${infer Rest}` ? A | Choices<Rest> : T extends `\`${infer A}\`` ? A : never;

/** A default the reader uses: a value in backticks, alone or followed by a remark in parentheses (`` `0` (none) ``). */
type UsableDefault = `\`${string}\`` | `\`${string}\` (${string})`;

/**
 * The values of a schema's keys, typed from its declaration: a key with a usable default always
 * has a value; any other (`none`, `required`, a sentence) is undefined when the config omits it.
 */
export type SettingsValues<S extends SettingsSchema> = {
  readonly [K in keyof S]: S[K] extends readonly [infer T extends string, infer D extends string, string]
    ? D extends `\`\`${string}` ? SettingValue<T> | undefined : D extends UsableDefault ? SettingValue<T> : SettingValue<T> | undefined
    : never;
};

/**
 * The schema as written, literal types kept (so `SettingsValues` can type it), checked against
 * `SettingsSchema`: `static override settingsSchema = defineSettings({ 'links.slug_length': ['integer 1–64', '`7`', '…'] })`.
 */
export function defineSettings<const S extends SettingsSchema>(schema: S): S {
  return schema;
}

const DEFAULT = /^`([^`]*)`(?: \(.*\))?$/;
const RANGE = /^integer (-?\d{1,15}) ?[–-] ?(-?\d{1,15})$/;
const CHOICES = /^`[^`]+`(?: \| `[^`]+`)+$/;

/** Reads one value of declared type `type` (undefined: missing or empty). */
function readAs(type: string, key: string, value: ConfigValue | undefined): ConfigValue | readonly string[] | undefined {
  if (presentValue(value) === undefined) return undefined;
  if (type === 'boolean') return readBoolean(key, value, false);
  if (type === 'integer' || type.startsWith('integer ')) {
    const range = RANGE.exec(type);
    return range ? readInteger(key, value, 0, Number(range[1]), Number(range[2])) : readInteger(key, value, 0, Number.MIN_SAFE_INTEGER);
  }
  if (type === 'port') return readInteger(key, value, 0, 0, 65535);
  if (type === 'number') return readNumber(key, value, 0);
  if (type === 'seconds') return readSeconds(key, value, 0);
  if (type === 'bytes') return readBytes(key, value, 0);
  if (type === 'list') return Array.isArray(value) ? value.map(String) : String(value).split(/[\s,]+/).filter(Boolean);
  if (CHOICES.test(type)) return readEnum(key, value, type.split(' | ').map((word) => word.slice(1, -1)), '');
  return Array.isArray(value) ? value.map(String).join('\n') : String(value);
}

/**
 * The declared keys of `schema` read from `config` by type, defaults applied, frozen. A bad value
 * is a ConfigError naming file and line (when the config came from a file) and the key; a
 * `[host:…]` section's value of a declared key is checked too. A default in backticks that its
 * own type refuses is the schema's bug: a TypeError naming `owner`.
 */
export function readDeclaredSettings<S extends SettingsSchema>(config: FlatConfig, schema: S, owner = 'settingsSchema'): SettingsValues<S> {
  const origins = originsOf(config);
  const at = (key: string, err: unknown): never => {
    if (!(err instanceof ConfigError)) throw err;
    const origin = origins.get(key);
    throw new ConfigError(err.message, { file: origin?.file, line: origin?.line });
  };
  const values: Record<string, unknown> = {};
  for (const [key, [type, dflt]] of Object.entries(schema)) {
    let fallback;
    const literal = DEFAULT.exec(dflt);
    if (literal) {
      try {
        fallback = readAs(type, key, literal[1]);
      } catch (err) {
        throw new TypeError(`${owner}['${key}']: its default ${dflt} does not read as ${type}: ${(err as Error).message}`, { cause: err });
      }
    }
    try {
      values[key] = readAs(type, key, config[key]) ?? fallback;
    } catch (err) {
      at(key, err);
    }
  }
  for (const key of Object.keys(config)) {
    if (!key.startsWith('host:')) continue;
    // `host:<name>.<section>.<option>`: the host name may hold dots, so every declared key is tried as the tail.
    const declared = Object.keys(schema).find((name) => key.endsWith(`.${name}`));
    if (declared === undefined) continue;
    try {
      readAs(schema[declared][0], key, config[key]);
    } catch (err) {
      at(key, err);
    }
  }
  return Object.freeze(values) as SettingsValues<S>;
}
