/**
 * The datetime and timespan functions: now/ago, bin/bin_at, calendar parts, start/end of
 * periods, datetime_add/diff/part, formatting, construction and conversion.
 * Values are exact 100 ns tick counts (I64); only calendar steps go through year/month/day parts.
 */
import type { ScalarType } from '../../schema/types.js';
import { facts } from '../../diagnostics/facts.js';
import {
  type I64, add, sub, mul, div, big, norm, floorDiv, toNumber, fromNumber,
} from '../values/int64.js';
import {
  TICKS_PER_MS, TICKS_PER_SECOND, TICKS_PER_MINUTE, TICKS_PER_HOUR, TICKS_PER_DAY,
  DATETIME_MIN, DATETIME_MAX, EPOCH_NET_TICKS, type DateParts,
  daysFromCivil, daysInMonth, fromParts, toParts, fromNetTicks, parseDatetime, parseTimespan,
} from '../values/datetime.js';
import type { BindContext, RowFn, ScalarFunction } from './types.js';
import { TIMEZONE_NAMES } from './timezones.js';

const TICKS_PER_WEEK = 7 * TICKS_PER_DAY;
/** Days from 1970-01-01 to our epoch 2020-01-01. */
const EPOCH_UNIX_DAYS = 18262;
/** The Unix epoch in our ticks (a bigint: 1970 is outside the fast range). */
const UNIX_EPOCH = norm(-BigInt(EPOCH_UNIX_DAYS) * BigInt(TICKS_PER_DAY));
/** Our epoch, 2020-01-01, is a Wednesday. */
const EPOCH_WEEKDAY = 3;

const isInt = (t: ScalarType) => t === 'long' || t === 'int';
const isReal = (t: ScalarType) => t === 'real' || t === 'decimal';
const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : (v as number));

function inRange(t: I64): boolean {
  return t >= DATETIME_MIN && t <= DATETIME_MAX;
}

const checked = (t: I64): I64 | null => (inRange(t) ? t : null);

function floorModBig(a: bigint, b: bigint): bigint {
  const r = a % b;
  return r < 0n ? r + b : r;
}

/** Days since our epoch, floored. */
function dayIndex(t: I64): number {
  return toNumber(floorDiv(t, TICKS_PER_DAY) as I64);
}

function startOfDayTicks(t: I64): I64 {
  return mul(floorDiv(t, TICKS_PER_DAY) as I64, TICKS_PER_DAY);
}

/** 0 = Sunday .. 6 = Saturday. */
function weekday(t: I64): number {
  const d = (dayIndex(t) + EPOCH_WEEKDAY) % 7;
  return d < 0 ? d + 7 : d;
}

const daysToTicks = (days: number): I64 => mul(days, TICKS_PER_DAY);

/** First day of the month `months` months after (y, m), as ticks. */
function monthStart(y: number, m: number, months: number): I64 {
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  return fromParts(ny, total - ny * 12 + 1, 1);
}

function isoWeeksInYear(y: number): number {
  const p = (n: number) => (n + Math.floor(n / 4) - Math.floor(n / 100) + Math.floor(n / 400)) % 7;
  return p(y) === 4 || p(y - 1) === 3 ? 53 : 52;
}

/** ISO 8601 week number: weeks start on Monday; week 1 holds the year's first Thursday. */
function isoWeek(t: I64): number {
  const p = toParts(t);
  const doy = p.days - daysFromCivil(p.year, 1, 1) + 1;
  const isoDow = weekday(t) || 7;
  const w = Math.floor((doy - isoDow + 10) / 7);
  if (w < 1) return isoWeeksInYear(p.year - 1);
  if (w > isoWeeksInYear(p.year)) return 1;
  return w;
}

const asOffset = (v: unknown): number => (v === undefined ? 0 : toNumber(v as I64));
/** Offsets beyond this many periods (days, at the finest) leave the datetime range. */
const MAX_OFFSET = 4_000_000;

// ---------------------------------------------------------------------------------------------
// now, ago

const now: ScalarFunction = {
  name: 'now',
  bind: (ctx) => (ctx.args.length === 0 ? () => ctx.now : (off) => add(ctx.now, off as I64)),
};

const ago: ScalarFunction = {
  name: 'ago',
  bind: (ctx) => (span) => sub(ctx.now, span as I64),
};

// ---------------------------------------------------------------------------------------------
// bin, floor, bin_at

/** Rounds an I64 down to a multiple of `size` counted from `origin`: exact for bigints too. */
function tickBinner(size: I64, origin: I64): (v: I64) => I64 {
  if (typeof size === 'number') {
    const om = Number(floorModBig(big(origin), BigInt(size)));
    const bigSize = BigInt(size);
    return (v) => {
      if (typeof v === 'number') {
        let r = ((v % size) - om) % size;
        if (r < 0) r += size;
        return sub(v, r);
      }
      return norm(v - floorModBig(v - BigInt(om), bigSize));
    };
  }
  const o = big(origin);
  return (v) => norm(big(v) - floorModBig(big(v) - o, size));
}

/** A bin size as ticks (numbers count ticks); null when it is not positive. */
function sizeTicks(type: ScalarType, v: unknown): I64 | null {
  if (v === null || v === undefined) return null;
  const t = isReal(type) ? fromNumber(Math.round(v as number)) : (v as I64);
  return t !== null && t > 0 ? t : null;
}

/** Binning of ticks (long, int, timespan, datetime) with a per-call-site cache of the binner. */
function bindTickBin(ctx: BindContext, origin: (row: unknown) => I64, isDatetime: boolean): RowFn {
  const sizeArg = ctx.args[1]!;
  const fixedArg = ctx.args[2];
  const finish = isDatetime ? checked : (t: I64) => t;
  if (sizeArg.constant && (!fixedArg || fixedArg.constant)) {
    const size = sizeTicks(sizeArg.type, sizeArg.value);
    if (size === null || fixedArg?.value === null) return () => null;
    const bin = tickBinner(size, origin(fixedArg?.value));
    return (v) => finish(bin(v as I64));
  }
  let lastSize: I64 | null = null, lastOrigin: I64 | null = null, lastBin: ((v: I64) => I64) | null = null;
  return (v, s, f) => {
    const size = sizeTicks(sizeArg.type, s);
    if (size === null) return null;
    const o = origin(f);
    if (size !== lastSize || o !== lastOrigin || !lastBin) {
      lastBin = tickBinner(size, o);
      lastSize = size;
      lastOrigin = o;
    }
    return finish(lastBin(v as I64));
  };
}

const realBin = (v: number, size: number, origin: number): number | null =>
  (size > 0 ? origin + Math.floor((v - origin) / size) * size : null);

function bindBin(ctx: BindContext, at: boolean): RowFn {
  const r = ctx.resultType;
  const [valueType, sizeType] = [ctx.args[0]!.type, ctx.args[1]!.type];
  if (r === 'dynamic') {
    // A number inside a dynamic bins as a real; anything else gives null.
    const n = (v: unknown) => (typeof v === 'number' || typeof v === 'bigint' ? Number(v) : NaN);
    return (v, s, f) => {
      const x = realBin(n(v), n(s), at ? n(f) : 0);
      return x === null || Number.isNaN(x) ? null : x;
    };
  }
  if (r === 'real' || r === 'decimal') {
    return at
      ? (v, s, f) => realBin(num(v), num(s), num(f))
      : (v, s) => realBin(num(v), num(s), 0);
  }
  if (r === 'datetime' && valueType === 'datetime' && sizeType !== 'datetime') {
    // bin() counts datetime bins from 0001-01-01, so bin(t, 7d) starts weeks on Mondays.
    return bindTickBin(ctx, at ? (f) => f as I64 : () => DATETIME_MIN, true);
  }
  if ((r === 'timespan' && valueType === 'timespan') || (isInt(r) && isInt(valueType) && isInt(sizeType))) {
    return bindTickBin(ctx, at ? (f) => f as I64 : () => 0, false);
  }
  throw facts.unsupportedFunction(at ? 'bin_at' : 'bin', ctx.span);
}

const bin: ScalarFunction = { name: 'bin', aliases: ['floor'], bind: (ctx) => bindBin(ctx, false) };
const binAt: ScalarFunction = { name: 'bin_at', bind: (ctx) => bindBin(ctx, true) };

// ---------------------------------------------------------------------------------------------
// start and end of periods

type PeriodStart = (t: I64, offset: number) => I64;

const PERIOD_STARTS: Record<string, PeriodStart> = {
  day: (t, n) => daysToTicks(dayIndex(t) + n),
  week: (t, n) => daysToTicks(dayIndex(t) - weekday(t) + 7 * n),
  month: (t, n) => {
    const p = toParts(t);
    return monthStart(p.year, p.month, n);
  },
  year: (t, n) => {
    const p = toParts(t);
    return monthStart(p.year, 1, 12 * n);
  },
};

function startOf(period: string): ScalarFunction {
  const start = PERIOD_STARTS[period]!;
  return {
    name: `startof${period}`,
    bind: () => (t, off) => {
      const n = asOffset(off);
      return Math.abs(n) > MAX_OFFSET ? null : checked(start(t as I64, n));
    },
  };
}

/** The last tick of the period: one tick before the next period starts. */
function endOf(period: string): ScalarFunction {
  const start = PERIOD_STARTS[period]!;
  return {
    name: `endof${period}`,
    bind: () => (t, off) => {
      const n = asOffset(off);
      return Math.abs(n) > MAX_OFFSET ? null : checked(sub(start(t as I64, n + 1), 1));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// calendar parts

const dayOfYear = (p: DateParts) => p.days - daysFromCivil(p.year, 1, 1) + 1;

const part = (name: string, f: (t: I64) => unknown, aliases?: string[]): ScalarFunction =>
  ({ name, aliases, bind: () => (t) => f(t as I64) });

/** datetime_part's parts, by lower-case name. */
const DATE_PARTS: Record<string, (t: I64) => number> = {
  year: (t) => toParts(t).year,
  quarter: (t) => Math.floor((toParts(t).month - 1) / 3) + 1,
  month: (t) => toParts(t).month,
  week_of_year: isoWeek,
  day: (t) => toParts(t).day,
  dayofyear: (t) => dayOfYear(toParts(t)),
  hour: (t) => toParts(t).hour,
  minute: (t) => toParts(t).minute,
  second: (t) => toParts(t).second,
  millisecond: (t) => Math.floor(toParts(t).frac / TICKS_PER_MS),
  microsecond: (t) => Math.floor(toParts(t).frac / 10),
  nanosecond: (t) => toParts(t).frac * 100,
};

/** Looks up a part name given as the first argument: once when constant, else per row. */
function partLookup<T>(ctx: BindContext, fname: string, table: Record<string, T>): (name: unknown) => T | undefined {
  const arg = ctx.args[0]!;
  const find = (n: unknown) => table[String(n).trim().toLowerCase()];
  if (arg.constant) {
    const f = find(arg.value);
    if (f === undefined) throw facts.runtime(`${fname}(): unknown part '${String(arg.value)}'`, ctx.span);
    return () => f;
  }
  return find;
}

const datetimePart: ScalarFunction = {
  name: 'datetime_part',
  aliases: ['datepart'],
  bind(ctx) {
    const get = partLookup(ctx, 'datetime_part', DATE_PARTS);
    return (p, t) => {
      const f = get(p);
      return f ? f(t as I64) : null;
    };
  },
};

// ---------------------------------------------------------------------------------------------
// datetime_add, datetime_diff

/** Fixed-length periods in ticks; nanoseconds are handled apart (a tick is 100 ns). */
const FIXED_PERIODS: Record<string, number> = {
  week: TICKS_PER_WEEK, day: TICKS_PER_DAY, hour: TICKS_PER_HOUR, minute: TICKS_PER_MINUTE,
  second: TICKS_PER_SECOND, millisecond: TICKS_PER_MS, microsecond: 10,
};
const MONTH_PERIODS: Record<string, number> = { year: 12, quarter: 3, month: 1 };

/** Adds whole months, clamping the day to the target month's length (Jan 31 + 1 month = Feb 28/29). */
function addMonths(t: I64, months: number): I64 | null {
  const p = toParts(t);
  const total = p.year * 12 + (p.month - 1) + months;
  const y = Math.floor(total / 12);
  const m = total - y * 12 + 1;
  if (y < 1 || y > 9999) return null;
  const date = fromParts(y, m, Math.min(p.day, daysInMonth(y, m)));
  return checked(add(date, sub(t, startOfDayTicks(t))));
}

type Adder = (amount: I64, t: I64) => I64 | null;

const ADDERS: Record<string, Adder> = {
  nanosecond: (n, t) => checked(add(t, div(n, 100)!)),
};
for (const [name, months] of Object.entries(MONTH_PERIODS)) {
  ADDERS[name] = (n, t) => {
    const k = toNumber(n) * months;
    return Math.abs(k) > 200_000 ? null : addMonths(t, k);
  };
}
for (const [name, ticks] of Object.entries(FIXED_PERIODS)) {
  // Past this many periods the result leaves the datetime range (and mul would wrap).
  const limit = Math.floor(4e18 / ticks);
  ADDERS[name] = (n, t) => (n > limit || n < -limit ? null : checked(add(t, mul(n, ticks))));
}

const datetimeAdd: ScalarFunction = {
  name: 'datetime_add',
  bind(ctx) {
    const get = partLookup(ctx, 'datetime_add', ADDERS);
    const amountType = ctx.args[1]!.type;
    const amount = (v: unknown): I64 | null => (isReal(amountType) ? fromNumber(v as number) : (v as I64));
    return (p, n, t) => {
      const f = get(p);
      const k = amount(n);
      return f && k !== null ? f(k, t as I64) : null;
    };
  },
};

type Differ = (a: I64, b: I64) => I64;

/** Calendar differences: the number of period boundaries crossed going from b to a. */
const DIFFERS: Record<string, Differ> = {
  year: (a, b) => toParts(a).year - toParts(b).year,
  quarter: (a, b) => {
    const q = (t: I64) => { const p = toParts(t); return p.year * 4 + Math.floor((p.month - 1) / 3); };
    return q(a) - q(b);
  },
  month: (a, b) => {
    const m = (t: I64) => { const p = toParts(t); return p.year * 12 + p.month; };
    return m(a) - m(b);
  },
  // Weeks start on Sunday.
  week: (a, b) => ((dayIndex(a) - weekday(a)) - (dayIndex(b) - weekday(b))) / 7,
  nanosecond: (a, b) => mul(sub(a, b), 100),
};
for (const [name, ticks] of Object.entries(FIXED_PERIODS)) {
  if (name === 'week') continue;
  DIFFERS[name] = (a, b) => sub(floorDiv(a, ticks) as I64, floorDiv(b, ticks) as I64);
}

const datetimeDiff: ScalarFunction = {
  name: 'datetime_diff',
  bind(ctx) {
    const get = partLookup(ctx, 'datetime_diff', DIFFERS);
    return (p, a, b) => {
      const f = get(p);
      return f ? f(a as I64, b as I64) : null;
    };
  },
};

// ---------------------------------------------------------------------------------------------
// format_datetime, format_timespan

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
  'September', 'October', 'November', 'December'];
const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function pad(n: number | bigint, w: number): string {
  const s = String(n);
  return s.length >= w ? s : '0'.repeat(w - s.length) + s;
}

/** `f`..`fffffff`: the leading digits of the 7-digit tick fraction. */
function fraction(frac: number, count: number, trim: boolean): string {
  const n = Math.min(count, 7);
  let s = pad(Math.floor(frac / 10 ** (7 - n)), n);
  if (trim) s = s.replace(/0+$/, '');
  return s;
}

/** One compiled piece of a format: appends to the output built so far. */
type Piece<T> = (v: T, out: string) => string;

/**
 * Splits a .NET-style custom format into runs of one letter, quoted literals ('…', "…"),
 * backslash escapes and other characters (kept as they are).
 */
function compileFormat<T>(fmt: string, spec: (letter: string, count: number) => Piece<T> | undefined): (v: T) => string {
  const pieces: Piece<T>[] = [];
  let lit = '';
  const flush = () => {
    if (lit) { const s = lit; pieces.push((_v, out) => out + s); lit = ''; }
  };
  for (let i = 0; i < fmt.length;) {
    const c = fmt[i]!;
    if (c === '\\' && i + 1 < fmt.length) { lit += fmt[i + 1]; i += 2; continue; }
    if (c === '"' || c === "'") {
      const end = fmt.indexOf(c, i + 1);
      const stop = end < 0 ? fmt.length : end;
      lit += fmt.slice(i + 1, stop);
      i = stop + 1;
      continue;
    }
    if (c === '%' && i + 1 < fmt.length && /[a-z]/i.test(fmt[i + 1]!)) { i++; continue; }
    let j = i + 1;
    while (j < fmt.length && fmt[j] === c) j++;
    const piece = spec(c, j - i);
    if (piece) { flush(); pieces.push(piece); } else lit += fmt.slice(i, j);
    i = j;
  }
  flush();
  return (v) => {
    let out = '';
    for (const p of pieces) out = p(v, out);
    return out;
  };
}

const hour12 = (h: number) => h % 12 || 12;

function datetimeSpec(c: string, n: number): Piece<DateParts> | undefined {
  const num = (get: (p: DateParts) => number, w: number): Piece<DateParts> => (p, out) => out + pad(get(p), w);
  switch (c) {
    case 'd':
      if (n >= 4) return (p, out) => out + DAY_NAMES[(p.days % 7 + 11) % 7]!;
      if (n === 3) return (p, out) => out + DAY_NAMES[(p.days % 7 + 11) % 7]!.slice(0, 3);
      return num((p) => p.day, n);
    case 'M':
      if (n >= 4) return (p, out) => out + MONTH_NAMES[p.month - 1]!;
      if (n === 3) return (p, out) => out + MONTH_NAMES[p.month - 1]!.slice(0, 3);
      return num((p) => p.month, n);
    case 'y':
      return n <= 2 ? num((p) => p.year % 100, n) : num((p) => p.year, n);
    case 'H': return num((p) => p.hour, Math.min(n, 2));
    case 'h': return num((p) => hour12(p.hour), Math.min(n, 2));
    case 'm': return num((p) => p.minute, Math.min(n, 2));
    case 's': return num((p) => p.second, Math.min(n, 2));
    case 'f': return (p, out) => out + fraction(p.frac, n, false);
    case 'F':
      // As in .NET: an all-zero F fraction prints nothing and drops the '.' before it.
      return (p, out) => {
        const s = fraction(p.frac, n, true);
        return s || !out.endsWith('.') ? out + s : out.slice(0, -1);
      };
    case 't': return (p, out) => out + (p.hour < 12 ? 'AM' : 'PM').slice(0, n >= 2 ? 2 : 1);
    case 'z': return (_p, out) => out + (n === 1 ? '+0' : n === 2 ? '+00' : '+00:00');
    case 'K': return (_p, out) => out + 'Z';
    default: return undefined;
  }
}

/** A timespan split for formatting: whole days and the parts below a day. */
interface SpanParts { neg: boolean; days: bigint; hour: number; minute: number; second: number; frac: number }

function spanParts(t: I64): SpanParts {
  let v = big(t);
  const neg = v < 0n;
  if (neg) v = -v;
  const frac = Number(v % 10_000_000n);
  const secs = v / 10_000_000n;
  const sod = Number(secs % 86400n);
  return {
    neg, days: secs / 86400n, frac,
    hour: Math.floor(sod / 3600), minute: Math.floor((sod % 3600) / 60), second: sod % 60,
  };
}

function timespanSpec(c: string, n: number): Piece<SpanParts> | undefined {
  const num = (get: (p: SpanParts) => number, w: number): Piece<SpanParts> => (p, out) => out + pad(get(p), w);
  switch (c) {
    case 'd': return (p, out) => out + pad(p.days, n);
    case 'h': case 'H': return num((p) => p.hour, Math.min(n, 2));
    case 'm': return num((p) => p.minute, Math.min(n, 2));
    case 's': return num((p) => p.second, Math.min(n, 2));
    case 'f': return (p, out) => out + fraction(p.frac, n, false);
    case 'F': return (p, out) => out + fraction(p.frac, n, true);
    default: return undefined;
  }
}

/** Compiles the format once when it is constant, else caches compiled formats by text. */
function formatter<T>(ctx: BindContext, spec: (c: string, n: number) => Piece<T> | undefined,
  prepare: (v: I64) => T, wrap: (v: T, s: string) => string): RowFn {
  const fmtArg = ctx.args[1]!;
  if (fmtArg.constant) {
    const f = compileFormat(String(fmtArg.value ?? ''), spec);
    return (v) => { const p = prepare(v as I64); return wrap(p, f(p)); };
  }
  const cache = new Map<string, (v: T) => string>();
  return (v, fmt) => {
    const key = String(fmt);
    let f = cache.get(key);
    if (!f) {
      if (cache.size > 1000) cache.clear();
      f = compileFormat(key, spec);
      cache.set(key, f);
    }
    const p = prepare(v as I64);
    return wrap(p, f(p));
  };
}

const formatDatetimeFn: ScalarFunction = {
  name: 'format_datetime',
  bind: (ctx) => formatter(ctx, datetimeSpec, toParts, (_p, s) => s),
};

const formatTimespanFn: ScalarFunction = {
  name: 'format_timespan',
  // The custom specifiers carry no sign; a negative span is prefixed with '-'.
  bind: (ctx) => formatter(ctx, timespanSpec, spanParts, (p, s) => (p.neg ? '-' + s : s)),
};

// ---------------------------------------------------------------------------------------------
// make_datetime, make_timespan

/** Whole seconds and the fraction in ticks, from a (possibly fractional) seconds argument. */
function secondsTicks(s: number): number {
  return Math.round(s * TICKS_PER_SECOND);
}

const makeDatetime: ScalarFunction = {
  name: 'make_datetime',
  bind(ctx) {
    if (ctx.args.length === 1) return toDatetimeImpl(ctx.args[0]!.type);
    return (...a: unknown[]) => {
      const [y, mo, d, h = 0, mi = 0] = a.slice(0, 5).map((v) => Math.trunc(num(v)));
      const s = a.length > 5 ? num(a[5]) : 0;
      if (!(y! >= 1 && y! <= 9999 && mo! >= 1 && mo! <= 12 && d! >= 1 && d! <= daysInMonth(y!, mo!))) return null;
      if (!(h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s < 60)) return null;
      return checked(add(fromParts(y!, mo!, d!, h, mi), secondsTicks(s)));
    };
  },
};

const makeTimespan: ScalarFunction = {
  name: 'make_timespan',
  bind(ctx) {
    const n = ctx.args.length;
    if (n === 1) return toTimespanImpl(ctx.args[0]!.type);
    return (...a: unknown[]) => {
      // (hours, minutes[, seconds]) or (days, hours, minutes, seconds)
      const [d, h, mi, s] = n === 4 ? a.map(num) : [0, num(a[0]), num(a[1]), n > 2 ? num(a[2]) : 0];
      if (![d, h, mi].every(Number.isInteger)) return null;
      if (!(h! >= 0 && h! <= 23 && mi! >= 0 && mi! <= 59 && s! >= 0 && s! < 60)) return null;
      return add(mul(d!, TICKS_PER_DAY), h! * TICKS_PER_HOUR + mi! * TICKS_PER_MINUTE + secondsTicks(s!));
    };
  },
};

// ---------------------------------------------------------------------------------------------
// todatetime, totimespan, unixtime_*_todatetime

const TIME_PART = String.raw`(?:[T ]\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(?:\s*([AP]M))?)?`;
/** yyyy/MM/dd and yyyy.MM.dd, with an optional time. */
const YMD_RE = new RegExp(String.raw`^(\d{4})([/.])(\d{1,2})\2(\d{1,2})` + TIME_PART + '$', 'i');
/** MM/dd/yyyy, MM-dd-yyyy and MM.dd.yyyy (month first, as the invariant culture reads them). */
const MDY_RE = new RegExp(String.raw`^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})` + TIME_PART + '$', 'i');
const ZONE_SUFFIX_RE = /\s*(?:GMT|UTC)$/i;

function fromMatch(y: string, mo: string, d: string, m: RegExpExecArray, at: number): I64 | null {
  const year = +y, month = +mo, day = +d;
  let h = m[at] ? +m[at]! : 0;
  const mi = m[at + 1] ? +m[at + 1]! : 0, s = m[at + 2] ? +m[at + 2]! : 0;
  const ampm = m[at + 4]?.toUpperCase();
  if (ampm) {
    if (h < 1 || h > 12) return null;
    h = (h % 12) + (ampm === 'PM' ? 12 : 0);
  }
  if (month < 1 || month > 12 || day < 1 || year < 1 || day > daysInMonth(year, month)) return null;
  if (h > 23 || mi > 59 || s > 59) return null;
  const frac = m[at + 3] ? Number((m[at + 3]! + '000000').slice(0, 7)) : 0;
  return fromParts(year, month, day, h, mi, s, frac);
}

/**
 * Parses datetime text as todatetime() does: the ISO 8601, RFC 822/850 and sortable forms of
 * parseDatetime(), and also the invariant-culture forms Kusto accepts (2022/12/02, 12-02-2022,
 * 12/02/2022 1:45 PM, 12.02.2022) and a trailing GMT/UTC.
 */
export function parseDatetimeText(text: string): I64 | null {
  const direct = parseDatetime(text);
  if (direct !== null) return direct;
  const s = text.trim();
  let m = YMD_RE.exec(s);
  if (m) return fromMatch(m[1]!, m[3]!, m[4]!, m, 5);
  m = MDY_RE.exec(s);
  if (m) return fromMatch(m[4]!, m[1]!, m[3]!, m, 5);
  if (ZONE_SUFFIX_RE.test(s)) {
    const bare = s.replace(ZONE_SUFFIX_RE, '');
    if (bare !== s && bare !== '') return parseDatetimeText(bare);
  }
  return null;
}

/** A long as a datetime: .NET ticks since 0001-01-01 (what tolong(datetime) gives). */
function netTicksToDatetime(v: I64 | null): I64 | null {
  if (v === null) return null;
  return checked(fromNetTicks(big(v)));
}

function toDatetimeImpl(type: ScalarType): RowFn {
  switch (type) {
    case 'datetime': return (v) => v;
    case 'string': return (v) => parseDatetimeText(v as string);
    case 'long': case 'int': return (v) => netTicksToDatetime(v as I64);
    case 'real': case 'decimal': return (v) => netTicksToDatetime(fromNumber(v as number));
    case 'dynamic':
      return (v) => {
        if (typeof v === 'string') return parseDatetimeText(v);
        if (typeof v === 'bigint') return netTicksToDatetime(norm(v));
        if (typeof v === 'number') return netTicksToDatetime(fromNumber(v));
        return null;
      };
    default: return () => null;
  }
}

function toTimespanImpl(type: ScalarType): RowFn {
  switch (type) {
    case 'timespan': return (v) => v;
    case 'string': return (v) => parseTimespan(v as string);
    case 'long': case 'int': return (v) => v;
    case 'real': case 'decimal': return (v) => fromNumber(Math.round(v as number));
    case 'dynamic':
      return (v) => {
        if (typeof v === 'string') return parseTimespan(v);
        if (typeof v === 'bigint') return norm(v);
        if (typeof v === 'number') return fromNumber(Math.round(v));
        return null;
      };
    default: return () => null;
  }
}

const todatetime: ScalarFunction = {
  name: 'todatetime',
  bind: (ctx) => toDatetimeImpl(ctx.args[0]!.type),
};

const totimespan: ScalarFunction = {
  name: 'totimespan',
  aliases: ['totime'],
  bind: (ctx) => toTimespanImpl(ctx.args[0]!.type),
};

const DATETIME_SPAN = big(DATETIME_MAX) - big(DATETIME_MIN);

/** unixtime_*_todatetime: integers are exact; reals are rounded to the nearest tick. */
function fromUnix(name: string, ticksPerUnit: number): ScalarFunction {
  return {
    name,
    bind(ctx) {
      const type = ctx.args[0]!.type;
      const fromTicks = (ticks: bigint): I64 | null =>
        (ticks > DATETIME_SPAN || ticks < -DATETIME_SPAN ? null : checked(add(UNIX_EPOCH, norm(ticks))));
      if (isInt(type)) {
        // Nanoseconds: a tick is 100 ns, so the count is truncated toward zero.
        return ticksPerUnit >= 1
          ? (v) => fromTicks(big(v as I64) * BigInt(ticksPerUnit))
          : (v) => fromTicks(big(v as I64) / BigInt(Math.round(1 / ticksPerUnit)));
      }
      return (v) => {
        const x = ticksPerUnit >= 1 ? num(v) * ticksPerUnit : num(v) / Math.round(1 / ticksPerUnit);
        return Number.isFinite(x) ? fromTicks(BigInt(Math.round(x))) : null;
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// datetime_utc_to_local, datetime_local_to_utc

const zoneFormats = new Map<string, Intl.DateTimeFormat | null>();

function zoneFormat(tz: string): Intl.DateTimeFormat | null {
  let f = zoneFormats.get(tz);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
        hour: 'numeric', minute: 'numeric', second: 'numeric',
      });
    } catch {
      f = null;
    }
    zoneFormats.set(tz, f);
  }
  return f;
}

const MS_PER_DAY = 86_400_000;
/** Offsets are cached per quarter hour from 1980 on, when every zone's transitions fall on quarter hours. */
const CACHE_FROM_MS = 315_532_800_000;
const QUARTER_HOUR_MS = 900_000;

/** The zone's UTC offset (ms) at a UTC instant given in Unix ms. */
function zoneOffsetMs(f: Intl.DateTimeFormat, cache: Map<number, number>, ms: number): number {
  const cacheable = ms >= CACHE_FROM_MS;
  const key = Math.floor(ms / QUARTER_HOUR_MS);
  if (cacheable) {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
  }
  const at = Math.floor(ms / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(at))) if (p.type !== 'literal') parts[p.type] = +p.value;
  const local = daysFromCivil(parts.year!, parts.month!, parts.day!) * MS_PER_DAY +
    ((parts.hour! * 60 + parts.minute!) * 60 + parts.second!) * 1000;
  const off = local - at;
  if (cacheable) {
    if (cache.size > 100_000) cache.clear();
    cache.set(key, off);
  }
  return off;
}

const offsetCaches = new Map<string, Map<number, number>>();

/** UTC offset (ticks) of a zone at a UTC instant; null for an unknown zone or a date JS can't place. */
function utcOffsetAt(tz: string): ((t: I64) => number) | null {
  const f = zoneFormat(tz);
  if (!f) return null;
  let cache = offsetCaches.get(tz);
  if (!cache) { cache = new Map(); offsetCaches.set(tz, cache); }
  const c = cache;
  const unixMs = (t: I64) => Math.floor(toNumber(sub(t, UNIX_EPOCH)) / TICKS_PER_MS);
  return (t) => zoneOffsetMs(f, c, unixMs(t)) * TICKS_PER_MS;
}

/**
 * A local time maps to the UTC instant whose offset is consistent with it. When none is (the
 * hour skipped at a spring-forward) or two are (the repeated hour), the offset in force after
 * the transition is used.
 */
function localToUtc(offsetAt: (t: I64) => number, local: I64): I64 {
  const before = offsetAt(sub(local, 14 * TICKS_PER_HOUR));
  const after = offsetAt(add(local, 14 * TICKS_PER_HOUR));
  if (before !== after) {
    const afterFits = offsetAt(sub(local, after)) === after;
    const beforeFits = offsetAt(sub(local, before)) === before;
    if (beforeFits && !afterFits) return sub(local, before);
  }
  return sub(local, after);
}

function zoneFunction(name: string, convert: (offsetAt: (t: I64) => number, t: I64) => I64): ScalarFunction {
  return {
    name,
    bind(ctx) {
      const tzArg = ctx.args[1]!;
      if (tzArg.constant) {
        const offsetAt = utcOffsetAt(String(tzArg.value));
        if (!offsetAt) return () => null;
        return (t) => checked(convert(offsetAt, t as I64));
      }
      return (t, tz) => {
        const offsetAt = utcOffsetAt(String(tz));
        return offsetAt ? checked(convert(offsetAt, t as I64)) : null;
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------

/**
 * around(value, center, delta): value within [center - delta, center + delta], bounds included.
 * Datetimes and timespans compare as exact ticks; numbers as reals.
 */
const around: ScalarFunction = {
  name: 'around',
  bind(ctx) {
    const ticks = (t: ScalarType) => t === 'datetime' || t === 'timespan';
    if (ctx.args.every((a) => ticks(a.type) || isInt(a.type))) {
      return (v: I64, c: I64, d: I64) => {
        const lo = sub(c, d), hi = add(c, d);
        return v >= lo && v <= hi;
      };
    }
    return (v, c, d) => {
      const x = num(v), m = num(c), w = num(d);
      return x >= m - w && x <= m + w;
    };
  },
};

/** datetime_list_timezones(): every IANA zone and alias name, as a dynamic array. */
const listTimezones: ScalarFunction = {
  name: 'datetime_list_timezones',
  bind: () => () => [...TIMEZONE_NAMES],
};

export const DATETIME_FUNCTIONS: ScalarFunction[] = [
  around, listTimezones,
  now, ago, bin, binAt,
  startOf('day'), startOf('week'), startOf('month'), startOf('year'),
  endOf('day'), endOf('week'), endOf('month'), endOf('year'),
  part('dayofweek', (t) => daysToTicks(weekday(t))),
  part('dayofmonth', (t) => toParts(t).day),
  part('dayofyear', (t) => dayOfYear(toParts(t))),
  part('hourofday', (t) => Math.floor(toNumber(sub(t, startOfDayTicks(t))) / TICKS_PER_HOUR)),
  part('monthofyear', (t) => toParts(t).month, ['getmonth']),
  part('getyear', (t) => toParts(t).year),
  part('week_of_year', isoWeek, ['weekofyear']),
  datetimePart, datetimeAdd, datetimeDiff,
  formatDatetimeFn, formatTimespanFn,
  makeDatetime, makeTimespan,
  todatetime, totimespan,
  fromUnix('unixtime_seconds_todatetime', TICKS_PER_SECOND),
  fromUnix('unixtime_milliseconds_todatetime', TICKS_PER_MS),
  fromUnix('unixtime_microseconds_todatetime', 10),
  fromUnix('unixtime_nanoseconds_todatetime', 0.01),
  zoneFunction('datetime_utc_to_local', (offsetAt, t) => add(t, offsetAt(t))),
  zoneFunction('datetime_local_to_utc', localToUtc),
];
