import type { FlatConfig } from './types';

const PREFIX = 'host:';

/**
 * For every host named in `host:<host>.<section>.<option>` keys, the flat config a request for
 * that Host sees (docs/compatibility.md C.10, precomputed, Q-C8): the host's values replace the base ones and
 * its own `host:` keys are dropped; other hosts' keys stay as they are.
 *
 * A host name may hold dots (`host:127.0.0.1.storage.sqluri`), so it ends at the first dot that
 * is followed by a section of the base config and another dot; failing that, at a host name
 * already found; failing that, before the last `<section>.<option>`.
 */
export function hostConfigs(flat: FlatConfig): Map<string, FlatConfig> {
  const baseSections = new Set<string>();
  const hostKeys: string[] = [];
  for (const key of Object.keys(flat)) {
    if (key.startsWith(PREFIX)) hostKeys.push(key);
    else if (key.includes('.')) baseSections.add(key.slice(0, key.indexOf('.')));
  }

  const owner = new Map<string, string>();
  const known = new Set<string>();
  for (const key of hostKeys) {
    const host = splitPoints(key).find((dot) => baseSections.has(key.slice(dot + 1, key.indexOf('.', dot + 1))));
    if (host !== undefined) {
      owner.set(key, key.slice(PREFIX.length, host));
      known.add(key.slice(PREFIX.length, host));
    }
  }
  for (const key of hostKeys) {
    if (owner.has(key)) continue;
    const points = splitPoints(key);
    const dot = points.findLast((p) => known.has(key.slice(PREFIX.length, p))) ?? points.at(-1) ?? key.lastIndexOf('.');
    if (dot > PREFIX.length) owner.set(key, key.slice(PREFIX.length, dot));
  }

  const configs = new Map<string, FlatConfig>();
  for (const host of new Set(owner.values())) {
    const config: FlatConfig = {};
    for (const [key, value] of Object.entries(flat)) if (owner.get(key) !== host) config[key] = value;
    configs.set(host, config);
  }
  for (const [key, host] of owner) configs.get(host)![key.slice(PREFIX.length + host.length + 1)] = flat[key];
  return configs;
}

/** Indexes of the dots in `key` after the host part that leave a dotted `<section>.<option>`. */
function splitPoints(key: string): number[] {
  const points: number[] = [];
  let dot = key.indexOf('.', PREFIX.length + 1);
  while (dot !== -1) {
    const next = key.indexOf('.', dot + 1);
    if (next === -1) break;
    points.push(dot);
    dot = next;
  }
  return points;
}
