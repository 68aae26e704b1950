import { setKey } from './set-key';
import type { FlatConfig } from './types';

/**
 * Keeps the keys whose first dot-separated part is `namespace`, renamed to the rest joined
 * with `_` (docs/compatibility.md A.10): `cef.syslog.facility` → `syslog_facility`; `cef` and `cefx.file` drop.
 */
export function filterParams(namespace: string, flat: FlatConfig, replaceDot = '_'): FlatConfig {
  const out: FlatConfig = {};
  for (const [key, value] of Object.entries(flat)) {
    const parts = key.split('.');
    if (parts.length < 2 || parts[0] !== namespace) continue;
    setKey(out, parts.slice(1).join(replaceDot), value);
  }
  return out;
}
