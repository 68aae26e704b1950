/**
 * Weave Basic Objects: what a client may send, and the checks server-storage's `wbo.py` made
 * (docs in README.md, "WBO validation"). Framework-independent.
 */

export const MAX_TTL = 31536000;
export const MAX_ID_SIZE = 64;
export const MAX_PAYLOAD_SIZE = 256 * 1024;
export const MAX_SORTINDEX_VALUE = 999999999;
export const MIN_SORTINDEX_VALUE = -999999999;
/** The `ttl` column value of an object that never expires (sqlmappers.MAX_TTL). */
export const NO_EXPIRY = 2100000000;

/** A WBO as the client sent it, after validation: ids are strings, numbers are integers. */
export interface Wbo {
  id?: string;
  parentid?: string;
  predecessorid?: string;
  sortindex?: number;
  payload?: string;
  ttl?: number;
}

/** Thrown when the body is not an object of scalar values (legacy `ValueError` in `WBO()`). */
export class InvalidWboError extends Error {}

// `modified`, `username`, `collection` and `payload_size` were in the legacy field list, but the
// server sets them: a client never does (the legacy server overwrote most of them anyway).
const KEPT = new Set(['id', 'parentid', 'predecessorid', 'sortindex', 'payload', 'ttl']);

/** Python's `str()` of a JSON scalar. */
function pyStr(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

const INT = /^\s*[+-]?\d+\s*$/;
const FLOAT = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/** Python's `int()`: integers, booleans, floats (truncated) and integer text; else null. */
export function pyInt(value: unknown): number | null {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : null;
  if (typeof value === 'string' && INT.test(value)) return Number.parseInt(value.trim(), 10);
  return null;
}

/** Python's `float()` on text or a number (finite values only); else null. */
export function pyFloat(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && FLOAT.test(value)) return Number(value.trim());
  return null;
}

/**
 * Builds a WBO from parsed JSON: it must be an object whose values are scalars (or null);
 * unknown fields and nulls are dropped. Throws `InvalidWboError` otherwise.
 */
export function parseWbo(data: unknown): Record<string, unknown> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InvalidWboError('WBO data must be an object');
  }
  const wbo: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(data as Record<string, unknown>)) {
    if (value !== null && typeof value === 'object') throw new InvalidWboError('WBO fields must be scalar values');
    if (!KEPT.has(name) || value === null) continue;
    wbo[name] = value;
  }
  return wbo;
}

/** Checks and normalises a parsed WBO; the message is what a batch reports for it. */
export function validateWbo(raw: Record<string, unknown>): { ok: true; wbo: Wbo } | { ok: false; message: string } {
  const wbo: Wbo = {};
  for (const field of ['parentid', 'id', 'predecessorid'] as const) {
    if (!(field in raw)) continue;
    const value = pyStr(raw[field]);
    if (value.length > MAX_ID_SIZE) return { ok: false, message: `invalid ${field}` };
    wbo[field] = value;
  }
  if ('ttl' in raw) {
    const ttl = pyInt(raw.ttl);
    if (ttl === null || ttl < 0 || ttl > MAX_TTL) return { ok: false, message: 'invalid ttl' };
    wbo.ttl = ttl;
  }
  if ('sortindex' in raw) {
    const int = pyInt(raw.sortindex);
    const value = int ?? pyFloat(raw.sortindex);
    if (value === null) return { ok: false, message: 'invalid sortindex' };
    const sortindex = Math.trunc(value);
    if (sortindex > MAX_SORTINDEX_VALUE || sortindex < MIN_SORTINDEX_VALUE) return { ok: false, message: 'invalid sortindex' };
    wbo.sortindex = sortindex;
  }
  if ('payload' in raw) {
    const payload = raw.payload;
    if (typeof payload !== 'string') return { ok: false, message: 'payload not a string' };
    if (Buffer.byteLength(payload, 'utf8') > MAX_PAYLOAD_SIZE) return { ok: false, message: 'payload too large' };
    wbo.payload = payload;
  }
  return { ok: true, wbo };
}
