import { ConfigError } from './errors';
import { originsOf, sectionOriginsOf, type KeyOrigin } from './origins';
import type { FlatConfig } from './types';

/**
 * One key of a settings schema: its type (as the docs show it), its default (as the docs show
 * it) and what it means. The readers check values; the schema says which keys exist, so a typo
 * is caught, and it is the configuration reference (README.md).
 */
export type SettingDoc = readonly [type: string, defaultValue: string, meaning: string];

/**
 * Keys and their docs, by flat key: `global.retry_after`, `server.workers` (`[server:main]`), a
 * bare name for a top-level key of a deployment `.ini` (`debug`). Adding a key is one entry.
 */
export type SettingsSchema = Readonly<Record<string, SettingDoc>>;

/** What the key check found besides errors. */
export interface KeyReport {
  /** Unknown keys where they are only suspicious (an app's undeclared sections). */
  warnings: string[];
  /** Keys of the Python era, accepted and ignored. */
  notices: string[];
}

export interface KeyCheckOptions {
  /** Sections whose keys must all be declared (`global`, `auth`, …, plus the app's declared ones). */
  strictSections: ReadonlySet<string>;
  /** Sections whose unknown keys are only warned about (e.g. `auth` with a custom backend without a schema). */
  lenientSections?: ReadonlySet<string>;
  /** Options of `[server:main]` that gunicorn or Paste read: accepted, with one notice each. */
  ignoredServerKeys?: ReadonlySet<string>;
  /** false: the errors become warnings too (an app built in code warns; `config` and `serve` refuse). */
  errors?: boolean;
}

// The Python logging sections are dropped by loadAppConfig (with their own notice); `host:*`
// sections hold `section.option` keys and are checked as the section they name.
const HOST = 'host:';

/**
 * Every key of `flat` that no schema declares: in a strict section, a ConfigError naming file,
 * line and the nearest known key ("`retry_afer`: unknown key in [global]; did you mean
 * `retry_after`?"), thrown for the first one in file order; elsewhere a warning. A key that only
 * `[DEFAULT]` gives (a variable for `%(…)s`) is a notice, once per name.
 */
export function checkKeys(flat: FlatConfig, schema: SettingsSchema, options: KeyCheckOptions): KeyReport {
  const origins = originsOf(flat);
  const known = knownOptions(schema);
  const report: KeyReport = { warnings: [], notices: [] };
  const problems: Array<{ origin?: KeyOrigin; message: string }> = [];
  const defaultsNoted = new Set<string>();
  // A section no schema declares whose name is a typo of a framework one: reported at its
  // header, keys or not (an empty `[globl]` is as wrong as a full one).
  const headers = sectionOriginsOf(flat);
  const typoSection = (section: string) => !known.has(section) && !section.startsWith(HOST) && !options.lenientSections?.has(section)
    ? nearest(section, options.strictSections)
    : undefined;
  for (const [section, header] of headers) {
    const near = typoSection(section);
    if (near !== undefined) problems.push({ origin: { ...header, section }, message: unknownSection(section, near) });
  }
  for (const key of Object.keys(flat)) {
    const origin = origins.get(key);
    const { section, option } = splitKey(key, origin);
    if (origin?.section === 'DEFAULT' && !known.get(section)?.has(normal(option))) {
      if (!defaultsNoted.has(option)) {
        defaultsNoted.add(option);
        report.notices.push(`${where(origin)}[DEFAULT] ${option}: accepted (for %(${option})s) and otherwise ignored`);
      }
      continue;
    }
    if (section.startsWith(HOST)) {
      const dot = option.indexOf('.');
      const inner = dot === -1 ? '' : option.slice(0, dot);
      const rest = option.slice(dot + 1);
      if (options.strictSections.has(inner) && !known.get(inner)?.has(normal(rest))) {
        const near = suggestion(rest, known.get(inner) ?? []);
        problems.push({ origin, message: unknown(option, `[${section}]`, near === undefined ? undefined : `${inner}.${near}`) });
      }
      continue;
    }
    const names = known.get(section);
    if (names?.has(normal(option))) continue;
    if (section === 'server' && options.ignoredServerKeys?.has(option)) {
      report.notices.push(`${where(origin)}[server:main] ${option}: a gunicorn/Paste setting, ignored (services-core serve reads host, port and workers)`);
      continue;
    }
    const shown = sectionName(section);
    const near = nearest(option, names ?? []);
    if (options.strictSections.has(section) && !options.lenientSections?.has(section)) {
      problems.push({ origin, message: unknown(option, shown, suggestion(option, names ?? [])) });
    } else if (section === '') {
      // A top-level key: an app's own, unless it is a letter or two away from a framework switch.
      if (near !== undefined) problems.push({ origin, message: unknown(option, shown, near) });
    } else if (names === undefined && !options.lenientSections?.has(section)) {
      // A section no schema declares: an app's own, unless its name is a typo of a framework one
      // (reported above at its header when the reader gave one).
      const section_ = headers.has(section) ? undefined : typoSection(section);
      if (section_ !== undefined) problems.push({ origin, message: unknownSection(section, section_) });
    } else {
      report.warnings.push(`${where(origin)}${unknown(option, shown, near)} (ignored)`);
    }
  }
  if (options.errors === false) {
    for (const { origin, message } of problems) report.warnings.push(`${where(origin)}${message}`);
  } else if (problems.length > 0) {
    problems.sort((a, b) => order(a.origin) - order(b.origin));
    const first = problems[0];
    throw new ConfigError(first.message, { file: first.origin?.file, line: first.origin?.line });
  }
  return report;
}

function order(origin: KeyOrigin | undefined): number {
  return origin?.line ?? Number.MAX_SAFE_INTEGER;
}

function where(origin: KeyOrigin | undefined): string {
  if (origin?.file === undefined) return '';
  return `${origin.file}${origin.line === undefined ? '' : `:${origin.line}`}: `;
}

function unknown(option: string, shown: string, near: string | undefined): string {
  return `\`${option}\`: unknown key in ${shown}${near === undefined ? '' : `; did you mean \`${near}\`?`}`;
}

function unknownSection(section: string, near: string): string {
  return `\`[${section}]\`: unknown section; did you mean \`[${near}]\`?`;
}

function sectionName(section: string): string {
  if (section === '') return '[app:main]';
  if (section === 'server') return '[server:main]';
  return `[${section}]`;
}

/** Dots and underscores are the same in an option name (`cef.syslog.facility` is `syslog_facility`). */
function normal(option: string): string {
  return option.replaceAll('.', '_');
}

/** Section (`''` for a top-level key, `server` for `[server:main]`) and option of a flat key. */
function splitKey(key: string, origin: KeyOrigin | undefined): { section: string; option: string } {
  const section = origin && origin.section !== 'DEFAULT' && origin.section !== 'app:main' && origin.section !== 'server:main'
    ? origin.section
    : undefined;
  if (section !== undefined && key.startsWith(`${section}.`)) return { section, option: key.slice(section.length + 1) };
  if (key.startsWith(HOST)) {
    // Without an origin the host name may hold dots: it ends before the last `section.option`.
    const last = key.lastIndexOf('.');
    const before = key.lastIndexOf('.', last - 1);
    if (before > HOST.length) return { section: key.slice(0, before), option: key.slice(before + 1) };
  }
  const dot = key.indexOf('.');
  return dot === -1 ? { section: '', option: key } : { section: key.slice(0, dot), option: key.slice(dot + 1) };
}

/** Section → its declared option names, normalised. */
function knownOptions(schema: SettingsSchema): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const key of Object.keys(schema)) {
    const { section, option } = splitKey(key, undefined);
    let names = out.get(section);
    if (!names) out.set(section, (names = new Set()));
    names.add(normal(option));
  }
  return out;
}

/** The known name nearest to `word`, if at most two edits away (or one, for short names). */
export function nearest(word: string, names: Iterable<string>): string | undefined {
  const w = normal(word);
  let best: string | undefined;
  let bestDistance = Math.min(2, Math.floor(w.length / 3));
  for (const name of names) {
    if (name === w) continue;
    const d = editDistance(w, name, bestDistance);
    if (d < bestDistance || (d === bestDistance && best === undefined)) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * The suggestion for an unknown key of a checked section: the nearest name (at most two edits),
 * else a name the key extends or abbreviates at an underscore (`quota_mb` → `quota`, `retry` →
 * `retry_after`), for names of four or more characters.
 */
export function suggestion(word: string, names: Iterable<string>): string | undefined {
  const list = [...names];
  const near = nearest(word, list);
  if (near !== undefined) return near;
  const w = normal(word);
  let best: string | undefined;
  for (const name of list) {
    const [short, long] = name.length < w.length ? [name, w] : [w, name];
    if (short.length < 4 || !long.startsWith(`${short}_`)) continue;
    if (best === undefined || Math.abs(name.length - w.length) < Math.abs(best.length - w.length)) best = name;
  }
  return best;
}

/** Damerau-Levenshtein (optimal string alignment) distance; `limit + 1` once it is over `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      row.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > limit) return limit + 1;
    prev2 = prev;
    prev = row;
  }
  return prev[b.length];
}

/** The schema as a Markdown table (key, type, default, meaning): the configuration reference. */
export function renderSchema(schema: SettingsSchema): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const rows = Object.entries(schema).map(([key, [type, dflt, meaning]]) => {
    const name = key.startsWith('server.') ? `\`${key}\` (\`[server:main] ${key.slice(7)}\`)` : `\`${key}\``;
    return `| ${name} | ${cell(type)} | ${cell(dflt)} | ${cell(meaning)} |`;
  });
  return ['| key | type | default | meaning |', '|---|---|---|---|', ...rows].join('\n') + '\n';
}
