/**
 * The query parameters of `GET` and `DELETE storage/<collection>` (legacy `_convert_args`):
 * filters, limit/offset, sort and `full`. Framework-independent.
 */
import { roundTime, time2bigint } from '../../src';
import { MAX_SORTINDEX_VALUE, MIN_SORTINDEX_VALUE, pyFloat, pyInt } from './wbo';

export type Sort = 'oldest' | 'newest' | 'index';

export interface ItemQuery {
  ids?: string[];
  parentid?: string;
  predecessorid?: string;
  /** Two-decimal text. */
  newer?: string;
  older?: string;
  /** Integers: `sortindex` is one, so `> 1.5` is `> 1` and `< 1.5` is `< 2` on every database. */
  indexAbove?: number;
  indexBelow?: number;
  limit?: number;
  offset?: number;
  sort?: Sort;
  full: boolean;
}

/** A query parameter that is not a number where one is needed (the legacy 400 text). */
export class InvalidArgumentError extends Error {
  constructor(public readonly arg: string) {
    super(`Invalid value for "${arg}"`);
  }
}

/** The most ids one `ids=` may name (a bound on client input; ids are at most 64 characters). */
export const MAX_IDS = 1000;

type Query = Record<string, string | string[] | undefined>;

/** The last value of a repeated parameter, as the legacy dict of parameters kept. */
function last(query: Query, name: string): string | undefined {
  const value = query[name];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/** A timestamp the `modified` column can compare: hundredths of a second must be a safe integer (`1e20` is not). */
function stamp(query: Query, arg: string): string | undefined {
  const value = last(query, arg);
  if (value === undefined) return undefined;
  try {
    if (pyFloat(value) === null) throw new InvalidArgumentError(arg);
    const rounded = roundTime(value.trim());
    time2bigint(rounded);
    return rounded;
  } catch {
    throw new InvalidArgumentError(arg);
  }
}

/** A finite number (`1e400` is not one). */
function number(query: Query, arg: string, parse: (v: string) => number | null): number | undefined {
  const value = last(query, arg);
  if (value === undefined) return undefined;
  const parsed = parse(value);
  if (parsed === null || !Number.isFinite(parsed)) throw new InvalidArgumentError(arg);
  return parsed;
}

/** A row count: a safe integer (`99999999999999999999` is not; a database would refuse or misread it). */
function count(query: Query, arg: string): number | undefined {
  const parsed = number(query, arg, pyInt);
  if (parsed !== undefined && !Number.isSafeInteger(parsed)) throw new InvalidArgumentError(arg);
  return parsed;
}

// Stored sort indexes lie within ±MAX_SORTINDEX_VALUE (wbo.ts): a bound beyond them is clamped
// just outside, where every database compares it as the integer column's type.
const SORTINDEX_BOUND = MAX_SORTINDEX_VALUE + 1;
const clampIndex = (n: number) => Math.min(SORTINDEX_BOUND, Math.max(MIN_SORTINDEX_VALUE - 1, n));

/** Reads the parameters; unknown ones are ignored, a bad number throws `InvalidArgumentError`. */
export function parseItemQuery(query: Query): ItemQuery {
  const result: ItemQuery = { full: Boolean(last(query, 'full')) };
  result.older = stamp(query, 'older');
  result.newer = stamp(query, 'newer');
  const above = number(query, 'index_above', pyFloat);
  const below = number(query, 'index_below', pyFloat);
  if (above !== undefined) result.indexAbove = clampIndex(Math.floor(above));
  if (below !== undefined) result.indexBelow = clampIndex(Math.ceil(below));
  const limit = count(query, 'limit');
  const offset = count(query, 'offset');
  // No offset without a limit, as before.
  if (limit !== undefined) {
    result.limit = limit;
    if (offset !== undefined) result.offset = offset;
  }
  const parentid = last(query, 'parentid');
  if (parentid !== undefined) result.parentid = parentid;
  const predecessorid = last(query, 'predecessorid');
  if (predecessorid !== undefined) result.predecessorid = predecessorid;
  const ids = last(query, 'ids');
  if (ids !== undefined) {
    const list = ids.split(',');
    if (list.length > MAX_IDS) throw new InvalidArgumentError('ids');
    result.ids = list;
  }
  const sort = last(query, 'sort');
  if (sort === 'oldest' || sort === 'newest' || sort === 'index') result.sort = sort;
  for (const key of ['older', 'newer', 'indexAbove', 'indexBelow'] as const) {
    if (result[key] === undefined) delete result[key];
  }
  return result;
}
