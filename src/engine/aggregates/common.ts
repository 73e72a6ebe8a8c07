/** Helpers shared by the aggregate families. */
import type { ScalarType } from '../../schema/types.js';
import type { AggregateBindContext } from './types.js';
import { toReal } from '../values/index.js';

/** Kusto's largest (and default) size for make_list, make_set and make_bag. */
export const MAX_SIZE = 1_048_576;
/** The default size of the deprecated makelist, makeset and make_dictionary. */
export const LEGACY_MAX_SIZE = 128;

export function isNull(v: unknown): boolean {
  return v === null || v === undefined;
}

/** The empty value of a column of `type`: "" for strings (never null), null otherwise. */
export function nullOf(type: ScalarType | undefined): unknown {
  return type === 'string' ? '' : null;
}

/** A constant argument's value as given at bind time; undefined when it is not constant. */
export function constArg(ctx: AggregateBindContext, i: number): unknown {
  const a = ctx.args[i];
  return a?.constant ? a.value : undefined;
}

/** A size limit (maxSize argument) from a constant or a row value; `dflt` when absent or invalid. */
export function sizeLimit(v: unknown, dflt: number): number {
  if (isNull(v)) return dflt;
  const n = Math.trunc(Number(v));
  return Number.isFinite(n) && n >= 0 ? Math.min(n, MAX_SIZE) : dflt;
}

/** A numeric view of a value for statistics: numbers, longs and tick counts as doubles. */
export function asNumber(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (isNull(v) || typeof v === 'object') return null;
  return toReal(v);
}

/** True for a dynamic property bag (not an array). */
export function isBag(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
