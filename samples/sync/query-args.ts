/**
 * The query parameters of `GET` and `DELETE storage/<collection>` (legacy `_convert_args`):
 * filters, limit/offset, sort and `full`. Framework-independent.
 */
import { roundTime } from '../../src';
import { pyFloat, pyInt } from './wbo';

export type Sort = 'oldest' | 'newest' | 'index';

export interface ItemQuery {
  ids?: string[];
  parentid?: string;
  predecessorid?: string;
  /** Two-decimal text. */
  newer?: string;
  older?: string;
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

function stamp(query: Query, arg: string): string | undefined {
  const value = last(query, arg);
  if (value === undefined) return undefined;
  try {
    if (pyFloat(value) === null) throw new InvalidArgumentError(arg);
    return roundTime(value.trim());
  } catch {
    throw new InvalidArgumentError(arg);
  }
}

function number(query: Query, arg: string, parse: (v: string) => number | null): number | undefined {
  const value = last(query, arg);
  if (value === undefined) return undefined;
  const parsed = parse(value);
  if (parsed === null) throw new InvalidArgumentError(arg);
  return parsed;
}

/** Reads the parameters; unknown ones are ignored, a bad number throws `InvalidArgumentError`. */
export function parseItemQuery(query: Query): ItemQuery {
  const result: ItemQuery = { full: Boolean(last(query, 'full')) };
  result.older = stamp(query, 'older');
  result.newer = stamp(query, 'newer');
  result.indexAbove = number(query, 'index_above', pyFloat);
  result.indexBelow = number(query, 'index_below', pyFloat);
  const limit = number(query, 'limit', pyInt);
  const offset = number(query, 'offset', pyInt);
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
