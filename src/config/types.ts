/** A typed config value, as the extended-INI reader produces it (docs/compatibility.md A.3–A.4). */
export type ConfigValue = string | number | boolean | ConfigValue[];

/** The flat `"section.option"` map an app reads (docs/compatibility.md A.9). */
export type FlatConfig = Record<string, ConfigValue>;
