/**
 * datetime and timespan as exact 100 ns tick counts (I64). A datetime counts ticks from
 * 2020-01-01T00:00:00Z, so instants from 1991 to 2048 stay plain numbers (fast); others are
 * bigints. Conversions to and from .NET ticks (counted from 0001-01-01) are exact.
 */
import { type I64, add, mul, sub, norm, big, floorDiv, toNumber } from './int64.js';

export const TICKS_PER_MS = 10_000;
export const TICKS_PER_SECOND = 10_000_000;
export const TICKS_PER_MINUTE = 600_000_000;
export const TICKS_PER_HOUR = 36_000_000_000;
export const TICKS_PER_DAY = 864_000_000_000;

/** .NET ticks of our epoch, 2020-01-01T00:00:00Z. */
export const EPOCH_NET_TICKS = 637134336000000000n;
/** Days from 1970-01-01 to 2020-01-01. */
const EPOCH_UNIX_DAYS = 18262;
const EPOCH_UNIX_MS = EPOCH_UNIX_DAYS * 86_400_000;

export const DATETIME_MIN: I64 = norm(-EPOCH_NET_TICKS);
export const DATETIME_MAX: I64 = norm(3155378975999999999n - EPOCH_NET_TICKS);

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const y = yoe + era * 400;
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [y + (m <= 2 ? 1 : 0), m, d];
}

/** Builds datetime ticks from calendar parts (UTC); fraction in ticks. */
export function fromParts(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, fracTicks = 0): I64 {
  const days = daysFromCivil(y, mo, d) - EPOCH_UNIX_DAYS;
  const secs = days * 86400 + h * 3600 + mi * 60 + s;
  const t = secs * TICKS_PER_SECOND + fracTicks;
  if (Number.isSafeInteger(t)) return t;
  return norm(BigInt(secs) * 10_000_000n + BigInt(fracTicks));
}

export function fromUnixMs(ms: number): I64 {
  const rel = ms - EPOCH_UNIX_MS;
  const t = rel * TICKS_PER_MS;
  if (Number.isSafeInteger(t)) return t;
  return mul(Math.trunc(rel), TICKS_PER_MS);
}

export function toUnixMs(t: I64): number {
  return toNumber(t) / TICKS_PER_MS + EPOCH_UNIX_MS;
}

export function fromNetTicks(t: bigint): I64 {
  return norm(t - EPOCH_NET_TICKS);
}

export function toNetTicks(t: I64): bigint {
  return big(t) + EPOCH_NET_TICKS;
}

export interface DateParts {
  year: number; month: number; day: number; hour: number; minute: number; second: number;
  /** ticks within the second, 0..9_999_999 */
  frac: number;
  /** days since 1970-01-01 */
  days: number;
}

export function toParts(t: I64): DateParts {
  const dayTicks = floorDiv(t, TICKS_PER_DAY) as I64;
  const rem = toNumber(sub(t, mul(dayTicks, TICKS_PER_DAY)));
  const days = toNumber(dayTicks) + EPOCH_UNIX_DAYS;
  const [year, month, day] = civilFromDays(days);
  const secOfDay = Math.floor(rem / TICKS_PER_SECOND);
  return {
    year, month, day, days,
    hour: Math.floor(secOfDay / 3600),
    minute: Math.floor((secOfDay % 3600) / 60),
    second: secOfDay % 60,
    frac: rem % TICKS_PER_SECOND,
  };
}

const pad2 = (n: number) => (n < 10 ? '0' : '') + n;
function pad(n: number, w: number): string {
  const s = String(n);
  return s.length >= w ? s : '0'.repeat(w - s.length) + s;
}

/** ISO 8601 UTC with 7 fractional digits, as Kusto prints: 2026-11-01T10:00:00.0000000Z */
export function formatDatetime(t: I64): string {
  const p = toParts(t);
  return `${pad(p.year, 4)}-${pad2(p.month)}-${pad2(p.day)}T${pad2(p.hour)}:${pad2(p.minute)}:${pad2(p.second)}.${pad(p.frac, 7)}Z`;
}

/** [-][d.]hh:mm:ss[.fffffff] */
export function formatTimespan(t: I64): string {
  let neg = false;
  let v = big(t);
  if (v < 0n) { neg = true; v = -v; }
  const frac = Number(v % 10_000_000n);
  const totalSec = v / 10_000_000n;
  const days = totalSec / 86400n;
  const sod = Number(totalSec % 86400n);
  let s = (neg ? '-' : '') + (days > 0n ? `${days}.` : '') +
    `${pad2(Math.floor(sod / 3600))}:${pad2(Math.floor((sod % 3600) / 60))}:${pad2(sod % 60)}`;
  if (frac) s += '.' + pad(frac, 7);
  return s;
}

const ISO_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const COMPACT_RE = /^(\d{4})(\d{2})(\d{2})(?:[T ]?(\d{2})(\d{2})(?:(\d{2}))?)?Z?$/i;

function fracToTicks(frac: string | undefined): number {
  if (!frac) return 0;
  return Number((frac + '0000000').slice(0, 7));
}

/** Two to four digits of `s` from `a` to `b` as a number, or -1. */
function digits(s: string, a: number, b: number): number {
  let v = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * The form exporters write (2026-11-01T10:00:00.1234567Z, with any number of fractional digits
 * or none), read without the RegExp: the same answer as the general way, which it leaves any
 * other text, and any value out of range, to.
 */
function parseIsoUtc(s: string): I64 | undefined {
  const n = s.length;
  if (n < 20 || s.charCodeAt(n - 1) !== 90 /* Z */ || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 /* T */ || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined;
  const y = digits(s, 0, 4), mo = digits(s, 5, 7), d = digits(s, 8, 10), h = digits(s, 11, 13), mi = digits(s, 14, 16), sec = digits(s, 17, 19);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 || d > daysInMonth(y, mo)) return undefined;
  let frac = 0;
  if (n > 20) {
    if (n === 21 || s.charCodeAt(19) !== 46 /* . */) return undefined;
    for (let i = 20; i < n - 1; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return undefined;
      if (i < 27) frac = frac * 10 + c;
    }
    for (let i = Math.min(n - 1, 27); i < 27; i++) frac *= 10;
  }
  return fromParts(y, mo, d, h, mi, sec, frac);
}

/** Parses a datetime string as Kusto's todatetime() does; null when it is not one. */
export function parseDatetime(text: string): I64 | null {
  const fast = parseIsoUtc(text);
  if (fast !== undefined) return fast;
  const s = text.trim();
  if (s === '') return null;
  let m = ISO_RE.exec(s);
  if (m) {
    const y = +m[1]!, mo = +m[2]!, d = +m[3]!;
    const h = m[4] ? +m[4] : 0, mi = m[5] ? +m[5] : 0, sec = m[6] ? +m[6] : 0;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59) return null;
    if (d > daysInMonth(y, mo)) return null;
    let t = fromParts(y, mo, d, h, mi, sec, fracToTicks(m[7]));
    const tz = m[8];
    if (tz && tz.toUpperCase() !== 'Z') {
      const sign = tz[0] === '-' ? -1 : 1;
      const digits = tz.slice(1).replace(':', '');
      const off = (+digits.slice(0, 2) * 60 + (digits.length > 2 ? +digits.slice(2, 4) : 0)) * TICKS_PER_MINUTE;
      t = sub(t, sign * off);
    }
    return t;
  }
  m = COMPACT_RE.exec(s);
  if (m) {
    const y = +m[1]!, mo = +m[2]!, d = +m[3]!;
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
    return fromParts(y, mo, d, m[4] ? +m[4] : 0, m[5] ? +m[5] : 0, m[6] ? +m[6] : 0);
  }
  // RFC 822 / RFC 850 and other forms Date understands ("Sat, 08 Nov 2014 13:05:11 GMT").
  if (/[a-z]/i.test(s)) {
    const ms = Date.parse(/(?:GMT|UTC|Z|[+-]\d{4})$/i.test(s) ? s : s + ' UTC');
    if (!Number.isNaN(ms)) return fromUnixMs(ms);
  }
  return null;
}

export function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

const UNIT_TICKS: Record<string, number> = {
  d: TICKS_PER_DAY, day: TICKS_PER_DAY, days: TICKS_PER_DAY,
  h: TICKS_PER_HOUR, hr: TICKS_PER_HOUR, hrs: TICKS_PER_HOUR, hour: TICKS_PER_HOUR, hours: TICKS_PER_HOUR,
  m: TICKS_PER_MINUTE, min: TICKS_PER_MINUTE, minute: TICKS_PER_MINUTE, minutes: TICKS_PER_MINUTE,
  s: TICKS_PER_SECOND, sec: TICKS_PER_SECOND, second: TICKS_PER_SECOND, seconds: TICKS_PER_SECOND,
  ms: TICKS_PER_MS, milli: TICKS_PER_MS, millis: TICKS_PER_MS, millisec: TICKS_PER_MS,
  millisecond: TICKS_PER_MS, milliseconds: TICKS_PER_MS,
  microsecond: 10, microseconds: 10, micro: 10, micros: 10,
  nanosecond: 0.01, nanoseconds: 0.01, tick: 1, ticks: 1,
};

const SPAN_RE = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?$/;
const UNIT_RE = /^(-)?(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)$/i;

/** Parses a timespan: `1.02:03:04.5`, `00:10:00`, or a literal such as `1h`, `30min`, `100ms`. */
export function parseTimespan(text: string): I64 | null {
  const s = text.trim();
  let m = SPAN_RE.exec(s);
  if (m) {
    const days = m[2] ? +m[2] : 0;
    const h = +m[3]!, mi = +m[4]!, sec = m[5] ? +m[5] : 0;
    if (h > 23 || mi > 59 || sec > 59) return null;
    let t: I64 = add(mul(days, TICKS_PER_DAY), (h * 3600 + mi * 60 + sec) * TICKS_PER_SECOND + fracToTicks(m[6]));
    if (m[1]) t = sub(0, t);
    return t;
  }
  m = UNIT_RE.exec(s);
  if (m) {
    const unit = UNIT_TICKS[m[3]!.toLowerCase()];
    if (unit === undefined) return null;
    const n = Number(m[2]);
    const t = Math.round(n * unit);
    const v = Number.isSafeInteger(t) ? t : norm(BigInt(Math.round(n)) * BigInt(unit));
    return m[1] ? sub(0, v) : v;
  }
  if (/^-?\d+$/.test(s)) return mul(Number(s), TICKS_PER_DAY); // a bare number of days
  return null;
}

/** ISO 8601 with the fraction only when non-zero and without trailing zeros: 2018-07-01T00:00:00Z */
export function formatDatetimeCompact(t: I64): string {
  const s = formatDatetime(t);
  return s.replace(/\.?0+Z$/, 'Z');
}
