/**
 * KQL values as the engine holds them (one representation per type):
 *   bool: boolean | null          int, long: I64 (number, or bigint past 2^53) | null
 *   real, decimal: number | null  string: string (never null: Kusto's empty string)
 *   datetime, timespan: I64 ticks | null (see datetime.ts)   guid: string | null
 *   dynamic: plain JSON values (bigint for exact big longs), null for JSON null / missing.
 */
import type { ScalarType } from '../../schema/types.js';
import { type I64, fromNumber, parseI64, toNumber, toString as i64ToString } from './int64.js';
import { formatDatetime, formatTimespan, parseDatetime, parseTimespan } from './datetime.js';

export type Value = unknown;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Reads a value from input (JSON or CSV text) into a column of `type`; null when it does not fit. */
export function coerce(type: ScalarType, raw: unknown): Value {
  if (raw === undefined || raw === null) return type === 'string' ? '' : null;
  switch (type) {
    case 'string':
      if (typeof raw === 'string') return raw;
      if (typeof raw === 'object') return stringifyDynamic(raw);
      return String(raw);
    case 'long':
      return toLong(raw);
    case 'int': {
      const v = toLong(raw);
      if (v === null) return null;
      const n = toNumber(v as I64);
      return n < INT32_MIN || n > INT32_MAX ? null : n;
    }
    case 'real':
    case 'decimal':
      return toReal(raw);
    case 'bool':
      return toBool(raw);
    case 'datetime':
      if (typeof raw === 'string') return parseDatetime(raw);
      if (typeof raw === 'number') return null;
      return null;
    case 'timespan':
      if (typeof raw === 'string') return parseTimespan(raw);
      return null;
    case 'guid':
      if (typeof raw === 'string' && /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(raw.trim())) {
        return raw.trim().toLowerCase();
      }
      return null;
    case 'dynamic':
      return toDynamicInput(raw);
  }
}

export function toLong(raw: unknown): I64 | null {
  if (typeof raw === 'number') return fromNumber(raw);
  if (typeof raw === 'bigint') return parseI64(raw.toString()) ?? null;
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  if (typeof raw === 'string') {
    const s = raw.trim();
    const v = parseI64(s);
    if (v !== undefined) return v;
    if (s !== '' && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return fromNumber(Number(s));
    return null;
  }
  return null;
}

export function toReal(raw: unknown): number | null {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'bigint') return Number(raw);
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  if (typeof raw === 'string') {
    const s = raw.trim();
    if (s === '') return null;
    const l = s.toLowerCase();
    if (l === 'nan') return NaN;
    if (l === 'inf' || l === '+inf' || l === 'infinity' || l === '+infinity') return Infinity;
    if (l === '-inf' || l === '-infinity') return -Infinity;
    const n = Number(s);
    return Number.isNaN(n) ? null : n;
  }
  return null;
}

export function toBool(raw: unknown): boolean | null {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'number') return raw !== 0;
  if (typeof raw === 'bigint') return raw !== 0n;
  if (typeof raw === 'string') {
    const s = raw.trim().toLowerCase();
    if (s === 'true' || s === '1') return true;
    if (s === 'false' || s === '0') return false;
    return null;
  }
  return null;
}

/** Input for a dynamic column: JSON text inside a string stays a string unless it is an object or array. */
function toDynamicInput(raw: unknown): Value {
  if (typeof raw === 'string') {
    const s = raw.trim();
    if ((s.startsWith('{') && s.endsWith('}')) || (s.startsWith('[') && s.endsWith(']'))) {
      try { return JSON.parse(s); } catch { return raw; }
    }
    return raw;
  }
  return raw;
}

/** A typed value as it sits inside a dynamic (datetimes and timespans become their text). */
export function toDynamic(type: ScalarType, v: Value): Value {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'datetime': return formatDatetime(v as I64);
    case 'timespan': return formatTimespan(v as I64);
    default: return v;
  }
}

/** JSON text of a dynamic value, exact for bigints, Kusto-style for NaN and infinities. */
export function stringifyDynamic(v: Value): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  return jsonText(v);
}

export function jsonText(v: Value): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'bigint': return v.toString();
    case 'number': return Number.isFinite(v) ? String(v) : JSON.stringify(Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity');
    case 'string': return JSON.stringify(v);
    case 'boolean': return v ? 'true' : 'false';
    case 'object':
      if (Array.isArray(v)) return '[' + v.map(jsonText).join(',') + ']';
      return '{' + Object.entries(v as Record<string, unknown>).map(([k, x]) => JSON.stringify(k) + ':' + jsonText(x)).join(',') + '}';
    default: return 'null';
  }
}

/** How a value is written in JSON output (jsonl, json, batch): exact longs, Kusto datetime text. */
export function jsonOutput(type: ScalarType, v: Value): string {
  if (v === null || v === undefined) return type === 'string' ? '""' : 'null';
  switch (type) {
    case 'long': case 'int': return i64ToString(v as I64);
    case 'real': case 'decimal': return jsonText(v);
    case 'datetime': return JSON.stringify(formatDatetime(v as I64));
    case 'timespan': return JSON.stringify(formatTimespan(v as I64));
    case 'dynamic': return jsonText(v);
    default: return jsonText(v);
  }
}

/** How a value is written as text (table and CSV output, tostring()). */
export function textOutput(type: ScalarType, v: Value): string {
  if (v === null || v === undefined) return '';
  switch (type) {
    case 'long': case 'int': return i64ToString(v as I64);
    case 'real': case 'decimal': return realToString(v as number);
    case 'datetime': return formatDatetime(v as I64);
    case 'timespan': return formatTimespan(v as I64);
    case 'bool': return v ? 'true' : 'false';
    case 'dynamic': return stringifyDynamic(v);
    default: return String(v);
  }
}

export function realToString(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  return String(n);
}

/** A key for hashing (group by, distinct, join, dcount): equal values, equal keys. */
export function keyOf(v: Value): string {
  if (v === null || v === undefined) return '\u0000';
  switch (typeof v) {
    case 'string': return 's' + v;
    case 'number': return 'n' + (Object.is(v, -0) ? 0 : v);
    case 'bigint': return 'n' + v.toString();
    case 'boolean': return v ? 'T' : 'F';
    default: return 'j' + jsonText(v);
  }
}

/** Ordering for sort: numbers, strings (ordinal), booleans; nulls are handled by the caller. */
export function compareValues(a: Value, b: Value): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    if (typeof a === 'number' && Number.isNaN(a)) return typeof b === 'number' && Number.isNaN(b) ? 0 : -1;
    if (typeof b === 'number' && Number.isNaN(b)) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  const sa = typeof a === 'object' ? jsonText(a) : String(a);
  const sb = typeof b === 'object' ? jsonText(b) : String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

export function isNullValue(v: Value): boolean {
  return v === null || v === undefined;
}

export { formatDatetime, formatTimespan, parseDatetime, parseTimespan };
