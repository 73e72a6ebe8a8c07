/** Converting a value between column types where KQL widens or unifies them (iff branches, union, datatable). */
import type { ScalarType } from '../schema/types.js';
import { coerce, toDynamic } from './values/index.js';
import { fromNumber, toNumber, type I64 } from './values/int64.js';

export function castValue(from: ScalarType, to: ScalarType, v: unknown): unknown {
  if (v === null || v === undefined) return to === 'string' ? '' : null;
  if (from === to) return v;
  switch (to) {
    case 'dynamic': return toDynamic(from, v);
    case 'real': case 'decimal':
      if (typeof v === 'number') return v;
      if (typeof v === 'bigint') return Number(v);
      return coerce(to, v);
    case 'long': case 'int':
      if (typeof v === 'number') return Number.isInteger(v) ? v : fromNumber(v);
      if (typeof v === 'bigint') return v;
      return coerce(to, v);
    case 'datetime': case 'timespan':
      if (from === 'datetime' || from === 'timespan') return v;
      if (typeof v === 'string') return coerce(to, v);
      return null;
    case 'string':
      if (typeof v === 'string') return v;
      return coerce('string', from === 'dynamic' ? v : toDynamic(from, v));
    default:
      return coerce(to, v);
  }
}

export function toReal(v: I64 | number): number {
  return toNumber(v);
}
