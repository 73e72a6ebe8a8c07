/**
 * KQL's string functions: length and slicing, case, concatenation, splitting, regex extraction
 * and replacement, trimming, searching, URL, base64 and punycode encodings, code points.
 * Arguments that are not strings are read as their text (Kusto converts them), and every
 * user regex runs on RE2 (regex.ts). Lengths and positions count UTF-16 units, except where
 * the docs say code points (strlen, substring, reverse).
 */
import { deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import type { ScalarType } from '../../schema/types.js';
import { facts } from '../../diagnostics/facts.js';
import { parseScalarType } from '../../schema/types.js';
import { coerce, stringifyDynamic, textOutput } from '../values/index.js';
import { compileRegex, type Regex } from './regex.js';
import { fold, hasTerm } from './string-match.js';
import type { BindContext, RowFn, ScalarFunction } from './types.js';
import { memoOnText } from '../../sources/text-memo.js';

type Matcher = ReturnType<Regex['matcher']>;

// ---------------------------------------------------------------------------------------------
// Helpers

/** Text of a value of any type, as Kusto converts non-strings for string functions. */
function textReader(t: ScalarType): (v: unknown) => string {
  if (t === 'string') return (v) => (v as string) ?? '';
  return (v) => textOutput(t, v);
}

function argText(ctx: BindContext, i: number): (v: unknown) => string {
  return textReader(ctx.args[i]?.type ?? 'string');
}

/** An int/long/real argument as a JS number (bigints beyond 2^53 lose precision harmlessly here). */
function num(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

/** A function of one argument read as text. */
function textFn(name: string, f: (s: string) => unknown, opts: Partial<ScalarFunction> = {}): ScalarFunction {
  return {
    name,
    ...opts,
    bind(ctx) {
      if (ctx.args[0]!.type === 'string') return f as RowFn;
      const text = argText(ctx, 0);
      return (v) => f(text(v));
    },
  };
}

function compileOrFail(pattern: string, ctx: BindContext): Regex {
  try {
    return compileRegex(pattern);
  } catch (e) {
    throw facts.runtime(`invalid regular expression '${pattern}': ${(e as Error).message}`, ctx.span);
  }
}

/** The regex argument at `i`: compiled once when it is a constant, per row (cached) otherwise. */
function regexArg(ctx: BindContext, i: number): (v: unknown) => Regex {
  const arg = ctx.args[i]!;
  const text = argText(ctx, i);
  if (arg.constant) {
    const re = compileOrFail(text(arg.value), ctx);
    return () => re;
  }
  return (v) => compileOrFail(text(v), ctx);
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** UTF-16 units taken by the code point at `i`. */
function charWidth(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}

/**
 * Visits each non-overlapping match from `from`, as RE2's global replace finds them: an empty
 * match right where the previous match ended is skipped, so `x*` over "ab" matches at 0, 1, 2.
 */
function eachMatch(re: Regex, s: string, visit: (m: Matcher) => boolean | void, from = 0): void {
  const m = re.matcher(s);
  let pos = from;
  let lastEnd = -1;
  while (pos <= s.length && m.find(pos)) {
    const start = m.start();
    const end = m.end();
    if (start === end && start === lastEnd) {
      if (start >= s.length) return;
      pos = start + charWidth(s, start);
      continue;
    }
    if (visit(m) === false) return;
    lastEnd = end;
    pos = end;
  }
}

// ---------------------------------------------------------------------------------------------
// Length, case, slicing

function codePointLength(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i += charWidth(s, i)) n++;
  return n;
}

const strlen = textFn('strlen', codePointLength);
const stringSize = textFn('string_size', (s) => Buffer.byteLength(s, 'utf8'));
const tolower = textFn('tolower', (s) => s.toLowerCase());
const toupper = textFn('toupper', (s) => s.toUpperCase());

function reverseText(s: string): string {
  let out = '';
  for (let i = s.length - 1; i >= 0; i--) {
    const c = s.charCodeAt(i);
    // Keep a surrogate pair in order.
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const h = s.charCodeAt(i - 1);
      if (h >= 0xd800 && h <= 0xdbff) {
        out += s[i - 1]! + s[i]!;
        i--;
        continue;
      }
    }
    out += s[i]!;
  }
  return out;
}
const reverse = textFn('reverse', reverseText);

/** substring(s, start[, length]): a negative start counts from the end; out-of-range parts are cut. */
function substringOf(s: string, start: number, length?: number): string {
  const chars = SURROGATE.test(s) ? Array.from(s) : null;
  const n = chars ? chars.length : s.length;
  let from = start < 0 ? n + start : start;
  from = Math.max(0, Math.min(from, n));
  let to = length === undefined ? n : from + Math.max(0, length);
  to = Math.min(to, n);
  if (to <= from) return '';
  return chars ? chars.slice(from, to).join('') : s.slice(from, to);
}

const substring: ScalarFunction = {
  name: 'substring',
  bind(ctx) {
    const text = argText(ctx, 0);
    if (ctx.args.length < 3) return (s, start) => substringOf(text(s), num(start));
    return (s, start, length) => substringOf(text(s), num(start), num(length));
  },
};

// ---------------------------------------------------------------------------------------------
// Concatenation

/** Text of each argument, with nulls as the empty string. */
function readers(ctx: BindContext, from = 0): ((v: unknown) => string)[] {
  return ctx.args.slice(from).map((a) => {
    const t = textReader(a.type);
    return (v: unknown) => (v === null || v === undefined ? '' : t(v));
  });
}

const strcat: ScalarFunction = {
  name: 'strcat',
  propagatesNulls: false,
  bind(ctx) {
    const rs = readers(ctx);
    if (rs.length === 2) {
      const [a, b] = rs as [(v: unknown) => string, (v: unknown) => string];
      return (x, y) => a(x) + b(y);
    }
    return (...vals) => {
      let out = '';
      for (let i = 0; i < rs.length; i++) out += rs[i]!(vals[i]);
      return out;
    };
  },
};

const strcatDelim: ScalarFunction = {
  name: 'strcat_delim',
  propagatesNulls: false,
  bind(ctx) {
    const delim = readers(ctx, 0)[0]!;
    const rs = readers(ctx, 1);
    return (d, ...vals) => {
      const sep = delim(d);
      let out = '';
      for (let i = 0; i < rs.length; i++) out += (i ? sep : '') + rs[i]!(vals[i]);
      return out;
    };
  },
};

/** An element of a dynamic array as text: strings as they are, other values as JSON. */
function elementText(v: unknown): string {
  return typeof v === 'string' ? v : stringifyDynamic(v);
}

const strcatArray: ScalarFunction = {
  name: 'strcat_array',
  bind(ctx) {
    const delim = argText(ctx, 1);
    return (arr, d) => (Array.isArray(arr) ? arr.map(elementText).join(delim(d)) : '');
  },
};

/** strrep(value, multiplier[, delimiter]); the docs cap the repetitions at 1024. */
const strrep: ScalarFunction = {
  name: 'strrep',
  bind(ctx) {
    const text = argText(ctx, 0);
    const delim = ctx.args.length > 2 ? argText(ctx, 2) : () => '';
    return (v, times, d) => {
      const n = Math.min(Math.trunc(num(times)), 1024);
      if (!(n >= 1)) return '';
      return new Array<string>(n).fill(text(v)).join(delim(d));
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Splitting, comparing, translating

/** split(s, delimiter[, index]): with an index, an array holding that element, or [] when out of range. */
const split: ScalarFunction = {
  name: 'split',
  bind(ctx) {
    const text = argText(ctx, 0);
    const delim = argText(ctx, 1);
    // An empty delimiter does not split.
    const parts = (s: string, d: string): string[] => (d === '' ? [s] : s.split(d));
    if (ctx.args.length < 3) return (s, d) => parts(text(s), delim(d));
    return (s, d, index) => {
      const all = parts(text(s), delim(d));
      const i = num(index);
      return i >= 0 && i < all.length ? [all[i]] : [];
    };
  },
};

/** strcmp: ordinal comparison, as -1, 0 or 1. */
const strcmp: ScalarFunction = {
  name: 'strcmp',
  bind(ctx) {
    const a = argText(ctx, 0);
    const b = argText(ctx, 1);
    return (x, y) => {
      const s = a(x), t = b(y);
      return s < t ? -1 : s > t ? 1 : 0;
    };
  },
};

/**
 * translate(searchList, replacementList, source): each character of searchList becomes the
 * character at the same position of replacementList, or its last character when it is shorter;
 * an empty replacementList deletes them.
 */
function translateMap(search: string, repl: string): Map<string, string> {
  const from = Array.from(search);
  const to = Array.from(repl);
  const map = new Map<string, string>();
  from.forEach((c, i) => {
    if (!map.has(c)) map.set(c, to.length === 0 ? '' : to[Math.min(i, to.length - 1)]!);
  });
  return map;
}

function translateText(map: Map<string, string>, s: string): string {
  if (map.size === 0) return s;
  let out = '';
  for (const c of s) out += map.get(c) ?? c;
  return out;
}

const translate: ScalarFunction = {
  name: 'translate',
  bind(ctx) {
    const [a, b, c] = [argText(ctx, 0), argText(ctx, 1), argText(ctx, 2)];
    if (ctx.args[0]!.constant && ctx.args[1]!.constant) {
      const map = translateMap(a(ctx.args[0]!.value), b(ctx.args[1]!.value));
      return (_x, _y, s) => translateText(map, c(s));
    }
    return (x, y, s) => translateText(translateMap(a(x), b(y)), c(s));
  },
};

// ---------------------------------------------------------------------------------------------
// Replacing

/** A parsed rewrite: literal text and group numbers (`\0`..`\9`; `\\` is a backslash). */
type Rewrite = { parts: (string | number)[]; maxGroup: number };

function parseRewrite(text: string): Rewrite {
  const parts: (string | number)[] = [];
  let lit = '';
  let maxGroup = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const d = text[i + 1];
    if (c === '\\' && d !== undefined && d >= '0' && d <= '9') {
      if (lit) parts.push(lit);
      lit = '';
      const g = d.charCodeAt(0) - 48;
      parts.push(g);
      maxGroup = Math.max(maxGroup, g);
      i++;
    } else if (c === '\\' && d === '\\') {
      lit += '\\';
      i++;
    } else {
      lit += c;
    }
  }
  if (lit) parts.push(lit);
  return { parts, maxGroup };
}

function regexReplace(re: Regex, s: string, rw: Rewrite): string {
  // As RE2: a rewrite naming a group the regex does not have replaces nothing.
  if (rw.maxGroup > re.groupCount()) return s;
  let out = '';
  let last = 0;
  eachMatch(re, s, (m) => {
    out += s.slice(last, m.start());
    for (const p of rw.parts) out += typeof p === 'string' ? p : m.group(p) ?? '';
    last = m.end();
  });
  return out + s.slice(last);
}

/** A regex replace with its arguments at the given positions. */
function regexReplaceFn(name: string, at: { text: number; regex: number; rewrite: number }): ScalarFunction {
  return {
    name,
    bind(ctx) {
      const text = argText(ctx, at.text);
      const regex = regexArg(ctx, at.regex);
      const rwText = argText(ctx, at.rewrite);
      const rwArg = ctx.args[at.rewrite]!;
      const fixed = rwArg.constant ? parseRewrite(rwText(rwArg.value)) : null;
      if (fixed && ctx.args[at.regex]!.constant) {
        const re = regex(undefined);
        const replaced = memoOnText((t) => regexReplace(re, t, fixed));
        return (...vals) => replaced(text(vals[at.text]));
      }
      return (...vals) => regexReplace(
        regex(vals[at.regex]),
        text(vals[at.text]),
        fixed ?? parseRewrite(rwText(vals[at.rewrite])),
      );
    },
  };
}

const replaceRegex = regexReplaceFn('replace_regex', { text: 0, regex: 1, rewrite: 2 });
/** The deprecated `replace(regex, rewrite, text)`. */
const replaceOld = regexReplaceFn('replace', { regex: 0, rewrite: 1, text: 2 });

const replaceString: ScalarFunction = {
  name: 'replace_string',
  bind(ctx) {
    const [a, b, c] = [argText(ctx, 0), argText(ctx, 1), argText(ctx, 2)];
    return (s, lookup, rewrite) => {
      const l = b(lookup);
      return l === '' ? a(s) : a(s).split(l).join(c(rewrite));
    };
  },
};

/**
 * replace_strings(text, lookups, rewrites): an earlier lookup takes precedence, so a later
 * lookup's match that overlaps an earlier one's is not replaced (the docs' "This"/"is" example).
 * A non-string rewrite keeps the matched text, still claiming it.
 */
function replaceMany(s: string, lookups: unknown, rewrites: unknown): string {
  if (!Array.isArray(lookups) || s === '') return s;
  const reps = Array.isArray(rewrites) ? rewrites : [];
  const claimed = new Uint8Array(s.length);
  const hits: { at: number; len: number; text: string }[] = [];
  lookups.forEach((lookup, i) => {
    if (typeof lookup !== 'string' || lookup === '') return;
    const rewrite = typeof reps[i] === 'string' ? (reps[i] as string) : lookup;
    for (let p = s.indexOf(lookup); p >= 0; p = s.indexOf(lookup, p)) {
      if (claimed.subarray(p, p + lookup.length).some((c) => c === 1)) { p++; continue; }
      claimed.fill(1, p, p + lookup.length);
      hits.push({ at: p, len: lookup.length, text: rewrite });
      p += lookup.length;
    }
  });
  if (hits.length === 0) return s;
  hits.sort((a, b) => a.at - b.at);
  let out = '';
  let copied = 0;
  for (const h of hits) {
    out += s.slice(copied, h.at) + h.text;
    copied = h.at + h.len;
  }
  return out + s.slice(copied);
}

const replaceStrings: ScalarFunction = {
  name: 'replace_strings',
  bind(ctx) {
    const text = argText(ctx, 0);
    return (s, lookups, rewrites) => replaceMany(text(s), lookups, rewrites);
  },
};

// ---------------------------------------------------------------------------------------------
// Trimming: the regex is removed as many times as it repeats at the start and/or end.

function trimFn(name: string, start: boolean, end: boolean): ScalarFunction {
  const anchored = (p: string) => [start ? `^(?:${p})+` : null, end ? `(?:${p})+$` : null];
  const build = (p: string, ctx: BindContext) => anchored(p).map((x) => (x === null ? null : compileOrFail(x, ctx)));
  const apply = (res: (Regex | null)[], s: string): string => {
    let out = s;
    const [head, tail] = res;
    if (head) {
      const m = head.matcher(out);
      if (m.find()) out = out.slice(m.end());
    }
    if (tail && out) {
      const m = tail.matcher(out);
      if (m.find()) out = out.slice(0, m.start());
    }
    return out;
  };
  return {
    name,
    bind(ctx) {
      const pat = argText(ctx, 0);
      const text = argText(ctx, 1);
      if (ctx.args[0]!.constant) {
        const p = pat(ctx.args[0]!.value);
        if (p === '') return (_r, s) => text(s);
        const res = build(p, ctx);
        return (_r, s) => apply(res, text(s));
      }
      return (r, s) => {
        const p = pat(r);
        return p === '' ? text(s) : apply(build(p, ctx), text(s));
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Searching

/**
 * indexof(s, match[, start[, length[, occurrence]]]): `length` bounds where a match may begin
 * (Kusto finds "cde" in "abcdefg" from 1 with length 2). Occurrences may overlap.
 */
function indexOfText(s: string, m: string, start: number, length: number, occurrence: number): number | null {
  let from = start < 0 ? s.length + start : start;
  if (from < 0 || occurrence < 0 || length < -1) return null;
  if (from > s.length || occurrence === 0) return -1;
  const lastStart = length === -1 ? s.length : from + length - 1;
  let found = -1;
  for (let k = 0; k < occurrence; k++) {
    found = s.indexOf(m, from);
    if (found < 0 || found > lastStart) return -1;
    from = found + 1;
  }
  return found;
}

/** The optional start, length and occurrence arguments, with their defaults. */
const startOf = (v: unknown) => (v === undefined ? 0 : num(v));
const lengthOf = (v: unknown) => (v === undefined ? -1 : num(v));
const occurrenceOf = (v: unknown) => (v === undefined ? 1 : num(v));

const indexof: ScalarFunction = {
  name: 'indexof',
  bind(ctx) {
    const text = argText(ctx, 0);
    const match = argText(ctx, 1);
    return (s, m, start, length, occurrence) =>
      indexOfText(text(s), match(m), startOf(start), lengthOf(length), occurrenceOf(occurrence));
  },
};

/**
 * indexof_regex: like indexof, but matches don't overlap, the regex sees only the examined
 * range, and a negative start is invalid (null), as the docs' example shows.
 */
function indexOfRegex(re: Regex, s: string, start: number, length: number, occurrence: number): number | null {
  if (start < 0 || occurrence < 0 || length < -1) return null;
  if (start > s.length || occurrence === 0) return -1;
  const range = length === -1 ? s : s.slice(0, Math.min(s.length, start + length));
  let n = 0;
  let found = -1;
  eachMatch(re, range, (m) => {
    if (++n === occurrence) {
      found = m.start();
      return false;
    }
    return true;
  }, start);
  return found;
}

const indexofRegex: ScalarFunction = {
  name: 'indexof_regex',
  bind(ctx) {
    const text = argText(ctx, 0);
    const regex = regexArg(ctx, 1);
    return (s, r, start, length, occurrence) =>
      indexOfRegex(regex(r), text(s), startOf(start), lengthOf(length), occurrenceOf(occurrence));
  },
};

/** countof(s, search[, kind]): plain matches may overlap; regex matches don't. */
function countPlain(s: string, m: string): number {
  if (m === '') return 0;
  let n = 0;
  for (let p = s.indexOf(m); p >= 0; p = s.indexOf(m, p + 1)) n++;
  return n;
}

function countRegex(re: Regex, s: string): number {
  let n = 0;
  eachMatch(re, s, () => { n++; });
  return n;
}

const countof: ScalarFunction = {
  name: 'countof',
  bind(ctx) {
    const text = argText(ctx, 0);
    const search = argText(ctx, 1);
    const kindText = argText(ctx, 2);
    const kindOf = (k: unknown): 'normal' | 'regex' => {
      const v = ctx.args.length > 2 ? kindText(k).toLowerCase() : 'normal';
      if (v === 'normal' || v === '') return 'normal';
      if (v === 'regex') return 'regex';
      throw facts.runtime(`countof(): kind must be 'normal' or 'regex', not '${v}'`, ctx.span);
    };
    if (ctx.args.length < 3 || ctx.args[2]!.constant) {
      const kind = kindOf(ctx.args[2]?.value);
      if (kind === 'normal') return (s, m) => countPlain(text(s), search(m));
      const regex = regexArg(ctx, 1);
      return (s, r) => countRegex(regex(r), text(s));
    }
    return (s, m, k) => (kindOf(k) === 'normal'
      ? countPlain(text(s), search(m))
      : countRegex(compileOrFail(search(m), ctx), text(s)));
  },
};

/** has_any_index(s, values): the position in `values` of the first one `s` has (term match). */
const hasAnyIndex: ScalarFunction = {
  name: 'has_any_index',
  bind(ctx) {
    const text = argText(ctx, 0);
    const needles = (arr: unknown): string[] => (Array.isArray(arr) ? arr.map((v) => fold(elementText(v))) : []);
    const find = (s: string, ns: string[]): number => {
      const hay = fold(s);
      return ns.findIndex((n) => n !== '' && hasTerm(hay, n));
    };
    if (ctx.args[1]!.constant) {
      const ns = needles(ctx.args[1]!.value);
      return (s) => find(text(s), ns);
    }
    return (s, arr) => find(text(s), needles(arr));
  },
};

/** `text matches regex pattern`; a null text does not match. */
const matchesRegex: ScalarFunction = {
  name: 'matches regex',
  propagatesNulls: false,
  bind(ctx) {
    const text = argText(ctx, 0);
    const regex = regexArg(ctx, 1);
    if (ctx.args[1]!.constant) {
      const re = regex(undefined);
      // A column's values repeat (command lines, paths): each distinct one is matched once.
      const matches = memoOnText((t) => re.matcher(t).find());
      return (s) => s !== null && s !== undefined && matches(text(s));
    }
    return (s, p) => {
      if (s === null || s === undefined || p === null || p === undefined) return false;
      return regex(p).matcher(text(s)).find();
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Regex extraction

/**
 * extract(regex, group, text[, typeof(T)]): the group's text, converted to T when given.
 * No match (or a failed conversion) is null, which for a string result is "".
 */
const extract: ScalarFunction = {
  name: 'extract',
  bind(ctx) {
    const regex = regexArg(ctx, 0);
    const text = argText(ctx, 2);
    const typeArg = ctx.args[3];
    const target: ScalarType = (typeArg?.constant && typeof typeArg.value === 'string' && parseScalarType(typeArg.value)) || ctx.resultType;
    const convert = target === 'string' ? (s: string) => s : (s: string) => coerce(target, s);
    const extractFrom = (re: Regex, group: number, t: string): unknown => {
      const m = re.matcher(t);
      if (!m.find() || group < 0 || group > m.groupCount()) return target === 'string' ? '' : null;
      const v = m.group(group);
      if (v === null) return target === 'string' ? '' : null;
      return convert(v);
    };
    // Scalars only: a dynamic answer is an object, not to be shared between rows.
    if (ctx.args[0]!.constant && ctx.args[1]!.constant && target !== 'dynamic') {
      const re = regex(undefined);
      const group = num(ctx.args[1]!.value);
      const extracted = memoOnText((t) => extractFrom(re, group, t));
      return (_r, _g, s) => extracted(text(s));
    }
    return (r, g, s) => extractFrom(regex(r), num(g), text(s));
  },
};

/** Resolves extract_all's capture-group selectors (numbers or group names) against a regex. */
function groupSelection(re: Regex, selectors: unknown, ctx: BindContext): number[] {
  const count = re.groupCount();
  if (selectors === undefined) return count === 0 ? [0] : Array.from({ length: count }, (_, i) => i + 1);
  if (!Array.isArray(selectors)) throw facts.runtime('extract_all(): the capture groups must be a dynamic array', ctx.span);
  const names = re.namedGroups();
  return selectors.map((sel) => {
    const g = typeof sel === 'string' ? names[sel] : typeof sel === 'number' || typeof sel === 'bigint' ? Number(sel) : undefined;
    if (g === undefined || !Number.isInteger(g) || g < 0 || g > count) {
      throw facts.runtime(`extract_all(): the regex has no capture group ${JSON.stringify(typeof sel === 'bigint' ? Number(sel) : sel)}`, ctx.span);
    }
    return g;
  });
}

function extractAllMatches(re: Regex, s: string, groups: number[]): unknown[] | null {
  const out: unknown[] = [];
  const single = groups.length === 1;
  eachMatch(re, s, (m) => {
    if (single) out.push(m.group(groups[0]!) ?? '');
    else out.push(groups.map((g) => m.group(g) ?? ''));
  });
  return out.length ? out : null;
}

/** extract_all(regex, [groups,] text): a dynamic array of matches (of arrays when several groups). */
const extractAll: ScalarFunction = {
  name: 'extract_all',
  aliases: ['extractall'],
  bind(ctx) {
    const withGroups = ctx.args.length > 2;
    const textAt = withGroups ? 2 : 1;
    const regex = regexArg(ctx, 0);
    const text = argText(ctx, textAt);
    const fixed = ctx.args[0]!.constant && (!withGroups || ctx.args[1]!.constant);
    if (fixed) {
      const re = regex(undefined);
      const groups = groupSelection(re, withGroups ? ctx.args[1]!.value : undefined, ctx);
      return (...vals) => extractAllMatches(re, text(vals[textAt]), groups);
    }
    return (...vals) => {
      const re = regex(vals[0]);
      return extractAllMatches(re, text(vals[textAt]), groupSelection(re, withGroups ? vals[1] : undefined, ctx));
    };
  },
};

/** regex_quote: escapes every ASCII character but letters, digits and '_', as RE2's QuoteMeta. */
function regexQuote(s: string): string {
  let out = '';
  for (const c of s) {
    const code = c.codePointAt(0)!;
    if (code >= 128 || /[A-Za-z0-9_]/.test(c)) out += c;
    else if (code === 0) out += '\\x00';
    else out += '\\' + c;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// URL encoding (as .NET's HttpUtility: lower-case hex, UTF-8 bytes)

const URL_SAFE = /[A-Za-z0-9\-_.!*()]/;

function urlEncode(s: string, space: string): string {
  let out = '';
  for (const c of s) {
    if (c === ' ') out += space;
    else if (c.length === 1 && URL_SAFE.test(c)) out += c;
    else for (const b of Buffer.from(c, 'utf8')) out += '%' + (b < 16 ? '0' : '') + b.toString(16);
  }
  return out;
}

const HEX2 = /^[0-9a-fA-F]{2}$/;
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** '+' is a space; %XX a UTF-8 byte; %uXXXX a UTF-16 unit; malformed escapes stay as they are. */
function urlDecode(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  let out = '';
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length) out += Buffer.from(bytes).toString('utf8');
    bytes = [];
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%') {
      const h2 = s.slice(i + 1, i + 3);
      if (HEX2.test(h2)) {
        bytes.push(parseInt(h2, 16));
        i += 2;
        continue;
      }
      const h4 = s.slice(i + 2, i + 6);
      if ((s[i + 1] === 'u' || s[i + 1] === 'U') && HEX4.test(h4)) {
        flush();
        out += String.fromCharCode(parseInt(h4, 16));
        i += 5;
        continue;
      }
    }
    flush();
    out += c === '+' ? ' ' : c;
  }
  flush();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Base64

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict base64 (as .NET's Convert.FromBase64String: padded, whitespace ignored); null when invalid. */
function base64Bytes(s: string): Buffer | null {
  const t = /\s/.test(s) ? s.replace(/\s+/g, '') : s;
  return BASE64.test(t) ? Buffer.from(t, 'base64') : null;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function base64ToString(s: string): string {
  const b = base64Bytes(s);
  if (!b) return '';
  try {
    return UTF8.decode(b);
  } catch {
    return '';
  }
}

function base64FromArray(arr: unknown): string {
  if (!Array.isArray(arr)) return '';
  const bytes = new Uint8Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const v = typeof arr[i] === 'bigint' ? Number(arr[i]) : arr[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) return '';
    bytes[i] = v;
  }
  return Buffer.from(bytes).toString('base64');
}

/** .NET's GUID byte order: the first three fields little-endian. */
const GUID_ORDER = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];

function guidFromBase64(s: string): string | null {
  const b = base64Bytes(s);
  if (!b || b.length !== 16) return null;
  const hex = GUID_ORDER.map((i) => b[i]!.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function guidToBase64(g: string): string {
  const hex = g.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return '';
  const bytes = Buffer.alloc(16);
  GUID_ORDER.forEach((src, dst) => { bytes[dst] = parseInt(hex.slice(src * 2, src * 2 + 2), 16); });
  return bytes.toString('base64');
}

// ---------------------------------------------------------------------------------------------
// Compression

/**
 * Kusto's compressors write stored (uncompressed) deflate blocks: level 0. Its gzip header has
 * no flags, no time, XFL 0 and OS 255 (unknown), as .NET's GZipStream writes it.
 */
function gzipBase64(s: string): string {
  const out = gzipSync(Buffer.from(s, 'utf8'), { level: 0 });
  out[8] = 0;
  out[9] = 0xff;
  return out.toString('base64');
}

/** Gzip with the mandatory header (ID1, ID2, CM = deflate) and no optional fields (FLG 0). */
function gunzipBase64(s: string): string {
  const b = base64Bytes(s);
  if (!b || b.length < 18 || b[0] !== 0x1f || b[1] !== 0x8b || b[2] !== 8 || b[3] !== 0) return '';
  return inflated(() => gunzipSync(b));
}

function zlibDecompressBase64(s: string): string {
  const b = base64Bytes(s);
  return b ? inflated(() => inflateSync(b)) : '';
}

/** Decompressed UTF-8 text; '' when the data is invalid. */
function inflated(run: () => Buffer): string {
  try {
    return UTF8.decode(run());
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------------------------
// Code points

function codePoints(s: string): number[] {
  const out: number[] = [];
  for (const c of s) out.push(c.codePointAt(0)!);
  return out;
}

function validCodePoint(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0x10ffff && !(v >= 0xd800 && v <= 0xdfff);
}

/** unicode_codepoints_to_string(values...): numbers or arrays of numbers; any invalid one gives null. */
const codepointsToString: ScalarFunction = {
  name: 'unicode_codepoints_to_string',
  aliases: ['make_string'],
  bind() {
    return (...vals) => {
      const cps: number[] = [];
      for (const v of vals) {
        const items = Array.isArray(v) ? v : [v];
        for (const x of items) {
          const n = typeof x === 'bigint' ? Number(x) : x;
          if (typeof n !== 'number' || !validCodePoint(n)) return '';
          cps.push(n);
        }
      }
      let out = '';
      for (let i = 0; i < cps.length; i += 4096) out += String.fromCodePoint(...cps.slice(i, i + 4096));
      return out;
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Punycode (RFC 3492), and per-label IDNA domains

const PUNY = { base: 36, tmin: 1, tmax: 26, skew: 38, damp: 700, bias: 72, n: 128 };

function adapt(delta: number, points: number, first: boolean): number {
  let d = first ? Math.floor(delta / PUNY.damp) : delta >> 1;
  d += Math.floor(d / points);
  let k = 0;
  while (d > ((PUNY.base - PUNY.tmin) * PUNY.tmax) >> 1) {
    d = Math.floor(d / (PUNY.base - PUNY.tmin));
    k += PUNY.base;
  }
  return k + Math.floor(((PUNY.base - PUNY.tmin + 1) * d) / (d + PUNY.skew));
}

const threshold = (k: number, bias: number) => (k <= bias ? PUNY.tmin : k >= bias + PUNY.tmax ? PUNY.tmax : k - bias);
const digitChar = (d: number) => String.fromCharCode(d < 26 ? 97 + d : 22 + d);

function digitValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 22;
  if (c >= 65 && c <= 90) return c - 65;
  if (c >= 97 && c <= 122) return c - 97;
  return PUNY.base;
}

function punycodeEncode(s: string): string {
  const input = codePoints(s);
  let out = input.filter((c) => c < 0x80).map((c) => String.fromCharCode(c)).join('');
  const basic = out.length;
  let h = basic;
  if (basic > 0) out += '-';
  let n = PUNY.n, delta = 0, bias = PUNY.bias;
  while (h < input.length) {
    let m = Infinity;
    for (const c of input) if (c >= n && c < m) m = c;
    delta += (m - n) * (h + 1);
    n = m;
    for (const c of input) {
      if (c < n) delta++;
      if (c !== n) continue;
      let q = delta;
      for (let k = PUNY.base; ; k += PUNY.base) {
        const t = threshold(k, bias);
        if (q < t) break;
        out += digitChar(t + ((q - t) % (PUNY.base - t)));
        q = Math.floor((q - t) / (PUNY.base - t));
      }
      out += digitChar(q);
      bias = adapt(delta, h + 1, h === basic);
      delta = 0;
      h++;
    }
    delta++;
    n++;
  }
  return out;
}

/** Decodes punycode; null when the input is not valid punycode. */
function punycodeDecode(s: string): string | null {
  if (/[^\x00-\x7f]/.test(s)) return null;
  const delim = s.lastIndexOf('-');
  const out = delim > 0 ? codePoints(s.slice(0, delim)) : [];
  let n = PUNY.n, i = 0, bias = PUNY.bias;
  for (let pos = delim > 0 ? delim + 1 : 0; pos < s.length;) {
    const old = i;
    let w = 1;
    for (let k = PUNY.base; ; k += PUNY.base) {
      if (pos >= s.length) return null;
      const d = digitValue(s.charCodeAt(pos++));
      if (d >= PUNY.base) return null;
      i += d * w;
      const t = threshold(k, bias);
      if (d < t) break;
      w *= PUNY.base - t;
      if (i > 0x7fffffff || w > 0x7fffffff) return null;
    }
    bias = adapt(i - old, out.length + 1, old === 0);
    n += Math.floor(i / (out.length + 1));
    i %= out.length + 1;
    if (!validCodePoint(n)) return null;
    out.splice(i++, 0, n);
  }
  return String.fromCodePoint(...out);
}

/** IDNA label separators: '.', and the ideographic and full/half-width full stops. */
const LABEL_SEP = /[.\u3002\uff0e\uff61]/;

function domainFromPunycode(s: string): string {
  const labels = s.split(LABEL_SEP).map((l) => (/^xn--/i.test(l) ? punycodeDecode(l.slice(4)) : l));
  return labels.includes(null) ? '' : labels.join('.');
}

function domainToPunycode(s: string): string {
  return s.split(LABEL_SEP).map((l) => (/[^\x00-\x7f]/.test(l) ? 'xn--' + punycodeEncode(l) : l)).join('.');
}

// ---------------------------------------------------------------------------------------------
// format_bytes

const BYTE_UNITS = ['Bytes', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** Rounds half away from zero to `digits` decimals (as .NET's Math.Round with AwayFromZero). */
function roundTo(v: number, digits: number): number {
  const f = 10 ** digits;
  return (Math.sign(v) * Math.round(Math.abs(v) * f + 1e-9)) / f;
}

function formatBytes(size: number, precision: number, units: string): string {
  if (!Number.isFinite(size)) return '';
  const d = Math.max(0, Math.min(15, Math.trunc(precision)));
  let k = units ? BYTE_UNITS.findIndex((u) => u.toLowerCase() === units.toLowerCase()) : -1;
  if (k < 0) {
    k = 0;
    for (let a = Math.abs(size); a >= 1024 && k < BYTE_UNITS.length - 1; a /= 1024) k++;
  }
  return `${roundTo(size / 1024 ** k, d)} ${BYTE_UNITS[k]}`;
}

const formatBytesFn: ScalarFunction = {
  name: 'format_bytes',
  bind(ctx) {
    const units = argText(ctx, 2);
    return (size, precision, u) => formatBytes(num(size), precision === undefined ? 0 : num(precision), u === undefined ? '' : units(u));
  },
};

// ---------------------------------------------------------------------------------------------

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const STRING_FUNCTIONS: ScalarFunction[] = [
  strlen, stringSize, tolower, toupper, reverse, substring,
  strcat, strcatDelim, strcatArray, strrep,
  split, strcmp, translate,
  replaceRegex, replaceOld, replaceString, replaceStrings,
  trimFn('trim', true, true), trimFn('trim_start', true, false), trimFn('trim_end', false, true),
  indexof, indexofRegex, countof, hasAnyIndex, matchesRegex,
  extract, extractAll,
  textFn('regex_quote', regexQuote),
  textFn('isascii', (s) => !/[^\x00-\x7f]/.test(s)),
  textFn('isutf8', (s) => !LONE_SURROGATE.test(s)),
  textFn('url_encode', (s) => urlEncode(s, '+')),
  textFn('url_encode_component', (s) => urlEncode(s, '%20')),
  textFn('url_decode', urlDecode),
  textFn('base64_encode_tostring', (s) => Buffer.from(s, 'utf8').toString('base64'), { aliases: ['base64_encodestring'] }),
  textFn('base64_decode_tostring', base64ToString, { aliases: ['base64_decodestring'] }),
  textFn('base64_decode_toarray', (s) => {
    const b = base64Bytes(s);
    return b ? Array.from(b) : null;
  }),
  { name: 'base64_encode_fromarray', bind: () => base64FromArray },
  textFn('base64_decode_toguid', guidFromBase64),
  textFn('base64_encode_fromguid', guidToBase64),
  textFn('gzip_compress_to_base64_string', gzipBase64),
  textFn('gzip_decompress_from_base64_string', gunzipBase64),
  textFn('zlib_compress_to_base64_string', (s) => deflateSync(Buffer.from(s, 'utf8'), { level: 0 }).toString('base64')),
  textFn('zlib_decompress_from_base64_string', zlibDecompressBase64),
  textFn('unicode_codepoints_from_string', codePoints, { aliases: ['to_utf8'] }),
  codepointsToString,
  textFn('punycode_from_string', punycodeEncode),
  textFn('punycode_to_string', (s) => punycodeDecode(s) ?? ''),
  textFn('punycode_domain_from_string', domainFromPunycode),
  textFn('punycode_domain_to_string', domainToPunycode),
  formatBytesFn,
];
