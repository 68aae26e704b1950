import type { FlatConfig } from './types';

/** Where a flat key was written: its file, line and INI section (`DEFAULT` for `[DEFAULT]`'s). */
export interface KeyOrigin {
  file?: string;
  line?: number;
  section: string;
}

/** Where a section's header was written (its first `[name]` line). */
export interface SectionOrigin {
  file?: string;
  line?: number;
}

// The readers attach where each key came from to the flat map they return, as a hidden property
// (not enumerable, so copies and `Object.keys` do not see it); the key check reads it to name
// file and line. Worked out only when asked. The section headers come along, so a section
// without any key (`[globl]` alone) is still seen, at its header's line.
const ORIGINS = Symbol('services-core.config-origins');

interface Origins {
  keys: () => Map<string, KeyOrigin>;
  sections: () => Map<string, SectionOrigin>;
}

type Holder = { [ORIGINS]?: Origins };

export function attachOrigins(
  flat: FlatConfig, keys: () => Map<string, KeyOrigin>, sections: () => Map<string, SectionOrigin> = () => new Map(),
): FlatConfig {
  Object.defineProperty(flat, ORIGINS, { value: { keys, sections }, enumerable: false, configurable: true });
  return flat;
}

/** The origins of the keys of a map a reader returned; empty for a map built in code. */
export function originsOf(flat: FlatConfig): Map<string, KeyOrigin> {
  return (flat as Holder)[ORIGINS]?.keys() ?? new Map();
}

/** The header of each section of the files a reader read (empty sections too); empty for a map built in code. */
export function sectionOriginsOf(flat: FlatConfig): Map<string, SectionOrigin> {
  return (flat as Holder)[ORIGINS]?.sections() ?? new Map();
}

/** A copy of a flat map that keeps where its keys came from (a spread copy drops them). */
export function copyFlat(flat: FlatConfig): FlatConfig {
  return attachOrigins({ ...flat }, () => originsOf(flat), () => sectionOriginsOf(flat));
}
