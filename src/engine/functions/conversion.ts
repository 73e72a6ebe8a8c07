/**
 * Conversion functions: tostring, toint, tolong, toreal, tobool, todecimal, toguid, gettype, tohex.
 * Each binds to a converter chosen by the argument's KQL type, so the per-row work is one call.
 * Failed conversions give null (tostring gives the empty string, Kusto's null string).
 * The readers exported here (asLong, asReal, asText...) are shared with the other families.
 */
import type { ScalarType } from '../../schema/types.js';
import { toNetTicks } from '../values/datetime.js';
import { type I64, big, fromNumber, norm, parseI64, toNumber, toString as i64Text } from '../values/int64.js';
import { formatDatetime, formatTimespan, jsonText, toBool, toReal } from '../values/index.js';
import type { ScalarFunction } from './types.js';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * A double as .NET (and so Kusto) writes it: the shortest round-trip digits, switching to
 * exponent form ("1E+15", "1E-05") when the exponent is 15 or more, or -5 and below.
 */
export function realText(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (n === 0) return '0';
  const abs = Math.abs(n);
  if (abs >= 1e-4 && abs < 1e15) return String(n);
  const [mant, exp] = n.toExponential().split('e') as [string, string];
  const e = Number(exp);
  const digits = String(Math.abs(e)).padStart(2, '0');
  return `${mant}E${e < 0 ? '-' : '+'}${digits}`;
}

/** Text of a dynamic value: strings as they are, everything else as JSON; null is ''. */
function dynamicText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  // Whole numbers in a dynamic are longs far more often than reals.
  if (typeof v === 'number') return Number.isSafeInteger(v) ? String(v) : realText(v);
  return jsonText(v);
}

/** tostring() of a value of type `t`. */
export function asText(t: ScalarType): (v: unknown) => string {
  switch (t) {
    case 'string': return (v) => (v as string) ?? '';
    case 'long': case 'int': return (v) => (v === null || v === undefined ? '' : i64Text(v as I64));
    case 'real': case 'decimal': return (v) => (v === null || v === undefined ? '' : realText(v as number));
    case 'bool': return (v) => (v === null || v === undefined ? '' : v ? 'true' : 'false');
    case 'datetime': return (v) => (v === null || v === undefined ? '' : formatDatetime(v as I64));
    case 'timespan': return (v) => (v === null || v === undefined ? '' : formatTimespan(v as I64));
    case 'guid': return (v) => (v === null || v === undefined ? '' : String(v));
    case 'dynamic': return dynamicText;
  }
}

/** .NET ticks of a datetime, the number tolong()/toreal() give for it. */
function netTicks(v: I64): I64 {
  return norm(toNetTicks(v));
}

const TWO63 = 2 ** 63;

/** A double truncated to a long; null when it is not finite or does not fit in 64 bits. */
export function realToLong(x: number): I64 | null {
  if (!(x >= -TWO63 && x < TWO63)) return null;
  return fromNumber(x);
}

/** Text to a long: an integer literal (exactly), or a decimal number truncated; null otherwise. */
export function textToLong(text: string): I64 | null {
  const s = text.trim();
  const exact = parseI64(s);
  if (exact !== undefined) return exact;
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) && !/^[+-]?\d+$/.test(s)) return realToLong(Number(s));
  return null;
}

function dynamicLong(v: unknown): I64 | null {
  if (typeof v === 'number') return realToLong(v);
  if (typeof v === 'bigint') return norm(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') return textToLong(v);
  return null;
}

/** tolong() of a value of type `t`: numbers truncate toward zero, text is parsed. */
export function asLong(t: ScalarType): (v: unknown) => I64 | null {
  switch (t) {
    case 'long': case 'int': case 'timespan': return (v) => (v ?? null) as I64 | null;
    case 'real': case 'decimal': return (v) => (typeof v === 'number' ? realToLong(v) : null);
    case 'bool': return (v) => (typeof v === 'boolean' ? (v ? 1 : 0) : null);
    case 'datetime': return (v) => (v === null || v === undefined ? null : netTicks(v as I64));
    case 'string': return (v) => (typeof v === 'string' ? textToLong(v) : null);
    case 'dynamic': return dynamicLong;
    case 'guid': return () => null;
  }
}

function dynamicReal(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') return toReal(v);
  return null;
}

/** toreal() of a value of type `t`. */
export function asReal(t: ScalarType): (v: unknown) => number | null {
  switch (t) {
    case 'real': case 'decimal': return (v) => (typeof v === 'number' ? v : null);
    case 'long': case 'int': case 'timespan':
      return (v) => (v === null || v === undefined ? null : toNumber(v as I64));
    case 'bool': return (v) => (typeof v === 'boolean' ? (v ? 1 : 0) : null);
    case 'datetime': return (v) => (v === null || v === undefined ? null : Number(toNetTicks(v as I64)));
    case 'string': return (v) => (typeof v === 'string' ? toReal(v) : null);
    case 'dynamic': return dynamicReal;
    case 'guid': return () => null;
  }
}

/** A number read from an argument of a numeric function (dynamic numbers allowed, text not). */
export function asNumber(t: ScalarType): (v: unknown) => number | null {
  if (t === 'dynamic') {
    return (v) => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : null);
  }
  return asReal(t);
}

/** tobool(): true/false (any case) or a number (non-zero is true). */
export function asBool(t: ScalarType): (v: unknown) => boolean | null {
  switch (t) {
    case 'bool': return (v) => (typeof v === 'boolean' ? v : null);
    case 'long': case 'int': case 'real': case 'decimal': case 'string': case 'dynamic':
      return (v) => toBool(v);
    default: return () => null;
  }
}

/**
 * toguid(): the first 32 hex digits of the text, hyphens skipped, rest ignored; null when a
 * character other than a hex digit or a hyphen comes before the 32nd digit.
 */
export function parseGuid(s: string): string | null {
  let hex = '';
  for (let i = 0; i < s.length && hex.length < 32; i++) {
    const c = s.charCodeAt(i);
    if (c === 45) continue; // '-'
    const isHex = (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
    if (!isHex) return null;
    hex += s[i];
  }
  if (hex.length < 32) return null;
  hex = hex.toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function asGuid(t: ScalarType): (v: unknown) => string | null {
  switch (t) {
    case 'guid': return (v) => (typeof v === 'string' ? v : null);
    case 'string': case 'dynamic': return (v) => (typeof v === 'string' ? parseGuid(v.trim()) : null);
    default: return () => null;
  }
}

/** gettype() of a dynamic value: the type of the value inside. */
function dynamicTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string': return 'string';
    case 'boolean': return 'bool';
    case 'bigint': return 'long';
    case 'number':
      if (!Number.isInteger(v)) return 'real';
      return v >= INT32_MIN && v <= INT32_MAX ? 'int' : 'long';
    default: return Array.isArray(v) ? 'array' : 'dictionary';
  }
}

const unary = (name: string, make: (t: ScalarType) => (v: unknown) => unknown, aliases?: string[]): ScalarFunction => ({
  name,
  ...(aliases ? { aliases } : {}),
  bind: (ctx) => make(ctx.args[0]!.type),
});

const toint = (t: ScalarType) => {
  const long = asLong(t);
  return (v: unknown) => {
    const n = long(v);
    // Outside 32 bits the conversion fails rather than wrapping.
    return n === null || n < INT32_MIN || n > INT32_MAX ? null : n;
  };
};

/**
 * tohex(value[, minLength]): lowercase hex of the two's complement, 32 bits for an int and 64
 * for a long (so negative values fill the width); zero-padded to minLength, at most 16.
 */
const tohex: ScalarFunction = {
  name: 'tohex',
  bind(ctx) {
    const t = ctx.args[0]!.type;
    const bits = t === 'int' ? 32 : 64;
    const read = asLong(t);
    const width = ctx.args.length > 1 ? asLong(ctx.args[1]!.type) : () => 0;
    return (v, m) => {
      const n = read(v);
      if (n === null) return null;
      const text = typeof n === 'number' && n >= 0 ? n.toString(16) : BigInt.asUintN(bits, big(n)).toString(16);
      const w = width(m);
      return w !== null && w > text.length ? text.padStart(Math.min(Number(w), 16), '0') : text;
    };
  },
};

export const CONVERSION_FUNCTIONS: ScalarFunction[] = [
  unary('tostring', asText),
  unary('tolong', asLong),
  unary('toint', toint),
  unary('toreal', asReal, ['todouble']),
  unary('todecimal', asReal),
  unary('tobool', asBool, ['toboolean']),
  unary('toguid', asGuid),
  tohex,
  {
    name: 'gettype',
    propagatesNulls: false,
    bind(ctx) {
      const t = ctx.args[0]!.type;
      if (t === 'dynamic') return dynamicTypeName;
      return () => t;
    },
  },
];
