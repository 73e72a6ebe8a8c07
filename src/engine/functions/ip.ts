/**
 * IPv4 and IPv6 functions. Addresses may carry an IP-prefix ("10.0.0.0/8"); comparisons use
 * the smallest prefix among the arguments. Text that does not parse gives null (empty string
 * for the string-valued functions). IPv4 addresses are also valid IPv6 input, as ::ffff:a.b.c.d.
 * The parsers live in schema/values/ip.ts.
 */
import type { ScalarType } from '../../schema/types.js';
import { type Ipv4, type Ipv6, parseIpv4, parseIpv6 } from '../../schema/values/ip.js';
import { type I64, toNumber } from '../values/int64.js';
import { asLong } from './conversion.js';
import { stringifier } from './operators.js';
import type { BindContext, ScalarFunction } from './types.js';

// ---------------------------------------------------------------- IPv4

/** The address with all but the first `prefix` bits cleared. */
export function maskIpv4(addr: number, prefix: number): number {
  if (prefix <= 0) return 0;
  if (prefix >= 32) return addr;
  return (addr & (0xffffffff << (32 - prefix))) >>> 0;
}

export function formatIpv4(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}`;
}

/** A prefix argument read as a number in 0..max, or null. */
function prefixReader(t: ScalarType, max: number): (v: unknown) => number | null {
  const long = asLong(t);
  return (v) => {
    const p = long(v);
    if (p === null || p < 0 || p > max) return null;
    return toNumber(p as I64);
  };
}

/** A string-parameter reader that also accepts dynamic (and other) values. */
function textOf(ctx: BindContext, i: number): (v: unknown) => string {
  return stringifier(ctx.args[i]!.type);
}

/** Parses an argument once per call site when it is a constant. */
function parsedArg<T>(ctx: BindContext, i: number, parse: (s: string) => T): (v: unknown) => T {
  const text = textOf(ctx, i);
  const a = ctx.args[i]!;
  if (a.constant) {
    const fixed = parse(text(a.value));
    return () => fixed;
  }
  return (v) => parse(text(v));
}

const parseIpv4Fn: ScalarFunction = {
  name: 'parse_ipv4',
  bind(ctx) {
    const ip = parsedArg(ctx, 0, parseIpv4);
    return (v) => {
      const p = ip(v);
      return p ? maskIpv4(p.addr, p.prefix) : null;
    };
  },
};

const parseIpv4Mask: ScalarFunction = {
  name: 'parse_ipv4_mask',
  bind(ctx) {
    const ip = parsedArg(ctx, 0, parseIpv4);
    const prefix = prefixReader(ctx.args[1]!.type, 32);
    return (v, m) => {
      const p = ip(v), n = prefix(m);
      return p && n !== null ? maskIpv4(p.addr, Math.min(p.prefix, n)) : null;
    };
  },
};

/** format_ipv4 and format_ipv4_mask: the address (text or a number) masked by the prefix. */
function formatFn(name: string, withMask: boolean): ScalarFunction {
  return {
    name,
    propagatesNulls: false,
    bind(ctx) {
      const t = ctx.args[0]!.type;
      const text = stringifier(t);
      const long = asLong(t);
      const isNumber = t === 'long' || t === 'int' || t === 'real' || t === 'decimal';
      const prefix = ctx.args[1] ? prefixReader(ctx.args[1].type, 32) : () => 32;
      return (v, m) => {
        if (v === null || v === undefined || m === null) return '';
        let ip: Ipv4 | null;
        if (isNumber || typeof v === 'number' || typeof v === 'bigint') {
          const n = long(v);
          ip = n !== null && n >= 0 && n <= 0xffffffff ? { addr: toNumber(n), prefix: 32 } : null;
        } else {
          ip = parseIpv4(text(v));
        }
        const n = m === undefined ? 32 : prefix(m);
        if (!ip || n === null) return '';
        const p = Math.min(ip.prefix, n);
        const s = formatIpv4(maskIpv4(ip.addr, p));
        return withMask ? `${s}/${p}` : s;
      };
    },
  };
}

/** Compares two addresses on their common prefix: -1, 0 or 1, or null when one does not parse. */
function compareIpv4(a: Ipv4 | null, b: Ipv4 | null, prefix: number | null): number | null {
  if (!a || !b || prefix === null) return null;
  const p = Math.min(a.prefix, b.prefix, prefix);
  const x = maskIpv4(a.addr, p), y = maskIpv4(b.addr, p);
  return x < y ? -1 : x > y ? 1 : 0;
}

function ipv4Comparison(name: string, map: (c: number) => unknown): ScalarFunction {
  return {
    name,
    bind(ctx) {
      const a = parsedArg(ctx, 0, parseIpv4);
      const b = parsedArg(ctx, 1, parseIpv4);
      const prefix = ctx.args[2] ? prefixReader(ctx.args[2].type, 32) : () => 32;
      return (x, y, m) => {
        const c = compareIpv4(a(x), b(y), m === undefined ? 32 : prefix(m));
        return c === null ? null : map(c);
      };
    },
  };
}

function ipv4InRange(ip: Ipv4, range: Ipv4): boolean {
  return maskIpv4(ip.addr, range.prefix) === maskIpv4(range.addr, range.prefix);
}

const ipv4IsInRange: ScalarFunction = {
  name: 'ipv4_is_in_range',
  bind(ctx) {
    const a = parsedArg(ctx, 0, parseIpv4);
    const r = parsedArg(ctx, 1, parseIpv4);
    return (x, y) => {
      const ip = a(x), range = r(y);
      return ip && range ? ipv4InRange(ip, range) : null;
    };
  },
};

/** The range arguments of *_in_any_range: strings, or dynamic arrays of strings, flattened. */
function rangeList<T>(ctx: BindContext, parse: (s: string) => T | null): (vals: unknown[]) => T[] {
  const rest = ctx.args.slice(1);
  const build = (vals: unknown[]): T[] => {
    const out: T[] = [];
    const add = (v: unknown) => {
      if (typeof v !== 'string') return;
      const p = parse(v);
      if (p) out.push(p);
    };
    for (const v of vals) {
      if (Array.isArray(v)) v.forEach(add);
      else add(v);
    }
    return out;
  };
  if (rest.every((a) => a.constant)) {
    const fixed = build(rest.map((a) => a.value));
    return () => fixed;
  }
  return build;
}

const ipv4IsInAnyRange: ScalarFunction = {
  name: 'ipv4_is_in_any_range',
  propagatesNulls: false,
  bind(ctx) {
    const a = textOf(ctx, 0);
    const ranges = rangeList(ctx, parseIpv4);
    return (x, ...rs) => {
      const ip = parseIpv4(a(x));
      if (!ip) return null;
      return ranges(rs).some((r) => ipv4InRange(ip, r));
    };
  },
};

const PRIVATE_V4: Ipv4[] = [
  { addr: 0x0a000000, prefix: 8 },
  { addr: 0xac100000, prefix: 12 },
  { addr: 0xc0a80000, prefix: 16 },
];

const ipv4IsPrivate: ScalarFunction = {
  name: 'ipv4_is_private',
  bind(ctx) {
    const a = parsedArg(ctx, 0, parseIpv4);
    return (x) => {
      const ip = a(x);
      if (!ip) return null;
      // A network is private when it lies wholly inside a private block.
      return PRIVATE_V4.some((r) => ip.prefix >= r.prefix && ipv4InRange(ip, r));
    };
  },
};

const ipv4NetmaskSuffix: ScalarFunction = {
  name: 'ipv4_netmask_suffix',
  bind(ctx) {
    const a = parsedArg(ctx, 0, parseIpv4);
    return (x) => a(x)?.prefix ?? null;
  },
};

/** The fewest CIDR blocks covering start..end. */
export function rangeToCidrs(start: number, end: number): string[] {
  const out: string[] = [];
  let cur = start;
  while (cur <= end) {
    // The largest block aligned at `cur` that does not pass `end`.
    let size = 32;
    while (size > 0) {
      const block = 2 ** (33 - size);
      if (cur % block !== 0 || cur + block - 1 > end) break;
      size--;
    }
    out.push(`${formatIpv4(cur)}/${size}`);
    cur += 2 ** (32 - size);
  }
  return out;
}

const ipv4RangeToCidrList: ScalarFunction = {
  name: 'ipv4_range_to_cidr_list',
  bind(ctx) {
    const a = parsedArg(ctx, 0, parseIpv4);
    const b = parsedArg(ctx, 1, parseIpv4);
    return (x, y) => {
      const s = a(x), e = b(y);
      if (!s || !e) return null;
      return rangeToCidrs(maskIpv4(s.addr, s.prefix), e.addr);
    };
  },
};

// ---------------------------------------------------------------- IPv6

function maskWords(words: number[], prefix: number): number[] {
  return words.map((w, i) => {
    const bits = prefix - i * 16;
    if (bits >= 16) return w;
    if (bits <= 0) return 0;
    return w & (0xffff << (16 - bits)) & 0xffff;
  });
}

function formatIpv6(words: number[]): string {
  return words.map((w) => w.toString(16).padStart(4, '0')).join(':');
}

/** Words for comparing: an IPv4-compatible ::a.b.c.d compares equal to IPv4 a.b.c.d. */
function comparable(ip: Ipv6): number[] {
  const w = ip.words;
  if (ip.v4 && w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0) {
    return [0, 0, 0, 0, 0, 0xffff, w[6]!, w[7]!];
  }
  return w;
}

function compareIpv6(a: Ipv6 | null, b: Ipv6 | null, prefix: number | null): number | null {
  if (!a || !b || prefix === null) return null;
  const p = Math.min(a.prefix, b.prefix, prefix);
  const x = maskWords(comparable(a), p), y = maskWords(comparable(b), p);
  for (let i = 0; i < 8; i++) {
    if (x[i]! !== y[i]!) return x[i]! < y[i]! ? -1 : 1;
  }
  return 0;
}

function ipv6InRange(ip: Ipv6, range: Ipv6): boolean {
  return compareIpv6(ip, range, range.prefix) === 0;
}

function ipv6Comparison(name: string, map: (c: number) => unknown): ScalarFunction {
  return {
    name,
    bind(ctx) {
      const a = parsedArg(ctx, 0, parseIpv6);
      const b = parsedArg(ctx, 1, parseIpv6);
      const prefix = ctx.args[2] ? prefixReader(ctx.args[2].type, 128) : () => 128;
      return (x, y, m) => {
        const c = compareIpv6(a(x), b(y), m === undefined ? 128 : prefix(m));
        return c === null ? null : map(c);
      };
    },
  };
}

const parseIpv6Fn: ScalarFunction = {
  name: 'parse_ipv6',
  bind(ctx) {
    const ip = parsedArg(ctx, 0, parseIpv6);
    return (v) => {
      const p = ip(v);
      return p ? formatIpv6(maskWords(p.words, p.prefix)) : '';
    };
  },
};

const parseIpv6Mask: ScalarFunction = {
  name: 'parse_ipv6_mask',
  bind(ctx) {
    const ip = parsedArg(ctx, 0, parseIpv6);
    const prefix = prefixReader(ctx.args[1]!.type, 128);
    return (v, m) => {
      const p = ip(v), n = prefix(m);
      return p && n !== null ? formatIpv6(maskWords(p.words, Math.min(p.prefix, n))) : '';
    };
  },
};

const ipv6IsInRange: ScalarFunction = {
  name: 'ipv6_is_in_range',
  bind(ctx) {
    const a = parsedArg(ctx, 0, parseIpv6);
    const r = parsedArg(ctx, 1, parseIpv6);
    return (x, y) => {
      const ip = a(x), range = r(y);
      return ip && range ? ipv6InRange(ip, range) : null;
    };
  },
};

const ipv6IsInAnyRange: ScalarFunction = {
  name: 'ipv6_is_in_any_range',
  propagatesNulls: false,
  bind(ctx) {
    const a = textOf(ctx, 0);
    const ranges = rangeList(ctx, parseIpv6);
    return (x, ...rs) => {
      const ip = parseIpv6(a(x));
      if (!ip) return null;
      return ranges(rs).some((r) => ipv6InRange(ip, r));
    };
  },
};

// ---------------------------------------------------------------- IPv4 text match

const isAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isDigitOrDot = (c: number) => (c >= 48 && c <= 57) || c === 46;

/**
 * The IPv4 addresses that appear in a text, each delimited by non-alphanumeric characters:
 * a maximal run of digits and dots (a trailing sentence dot dropped) that is a valid address.
 */
export function ipv4sInText(text: string): number[][] {
  const out: number[][] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (!isDigitOrDot(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && isDigitOrDot(text.charCodeAt(i))) i++;
    const before = start > 0 ? text.charCodeAt(start - 1) : 32;
    const after = i < n ? text.charCodeAt(i) : 32;
    if (isAlnum(before) || isAlnum(after)) continue;
    const run = text.slice(start, i).replace(/\.+$/, '');
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(run);
    if (!m) continue;
    const octets = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
    if (octets.every((o) => o <= 255)) out.push(octets);
  }
  return out;
}

/** A search term: a full address, or (for the prefix functions) 1-3 octets ending in a dot. */
function ipv4Term(s: string, allowPrefix: boolean): number[] | null {
  const t = s.trim();
  const m = allowPrefix
    ? /^(\d{1,3})\.(?:(\d{1,3})\.(?:(\d{1,3})\.(\d{1,3})?)?)?$/.exec(t)
    : /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(t);
  if (!m) return null;
  const octets = m.slice(1).filter((x) => x !== undefined).map(Number);
  if (octets.some((o) => o > 255)) return null;
  // "1.2.3." is a prefix but "1.2.3.4" is a full address; both are fine here.
  return octets;
}

function termMatches(found: number[][], term: number[]): boolean {
  return found.some((ip) => term.every((o, k) => ip[k] === o));
}

/** has_ipv4 and friends: `source` and one or more terms (strings or dynamic arrays). */
function textMatch(name: string, allowPrefix: boolean): ScalarFunction {
  return {
    name,
    propagatesNulls: false,
    bind(ctx) {
      const source = textOf(ctx, 0);
      const terms = rangeList(ctx, (s) => ipv4Term(s, allowPrefix));
      return (x, ...ts) => {
        const list = terms(ts);
        if (list.length === 0) return false;
        const found = ipv4sInText(source(x));
        return list.some((t) => termMatches(found, t));
      };
    },
  };
}

export const IP_FUNCTIONS: ScalarFunction[] = [
  parseIpv4Fn,
  parseIpv4Mask,
  formatFn('format_ipv4', false),
  formatFn('format_ipv4_mask', true),
  ipv4Comparison('ipv4_compare', (c) => c),
  ipv4Comparison('ipv4_is_match', (c) => c === 0),
  ipv4IsInRange,
  ipv4IsInAnyRange,
  ipv4IsPrivate,
  ipv4NetmaskSuffix,
  ipv4RangeToCidrList,
  parseIpv6Fn,
  parseIpv6Mask,
  ipv6Comparison('ipv6_compare', (c) => c),
  ipv6Comparison('ipv6_is_match', (c) => c === 0),
  ipv6IsInRange,
  ipv6IsInAnyRange,
  textMatch('has_ipv4', false),
  textMatch('has_ipv4_prefix', true),
  textMatch('has_any_ipv4', false),
  textMatch('has_any_ipv4_prefix', true),
];
