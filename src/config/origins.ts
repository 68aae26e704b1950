import type { FlatConfig } from './types';

/** Where a flat key was written: its file, line and INI section (`DEFAULT` for `[DEFAULT]`'s). */
export interface KeyOrigin {
  file?: string;
  line?: number;
  section: string;
}

// The readers attach where each key came from to the flat map they return, as a hidden property
// (not enumerable, so copies and `Object.keys` do not see it); the key check reads it to name
// file and line. Worked out only when asked.
const ORIGINS = Symbol('services-core.config-origins');

type Holder = { [ORIGINS]?: () => Map<string, KeyOrigin> };

export function attachOrigins(flat: FlatConfig, origins: () => Map<string, KeyOrigin>): FlatConfig {
  Object.defineProperty(flat, ORIGINS, { value: origins, enumerable: false, configurable: true });
  return flat;
}

/** The origins of the keys of a map a reader returned; empty for a map built in code. */
export function originsOf(flat: FlatConfig): Map<string, KeyOrigin> {
  return (flat as Holder)[ORIGINS]?.() ?? new Map();
}

/** A copy of a flat map that keeps where its keys came from (a spread copy drops them). */
export function copyFlat(flat: FlatConfig): FlatConfig {
  return attachOrigins({ ...flat }, () => originsOf(flat));
}
