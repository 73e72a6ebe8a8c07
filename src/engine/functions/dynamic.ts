/**
 * Dynamic (JSON) values: the `.` and `[]` accessors, parse_json and extract_json, and the bag_*,
 * array_*, set_* families. Dynamic values can be shared between rows and with the input, so no
 * function here mutates its arguments: every change builds a new array or bag.
 */
import type { ScalarType } from '../../schema/types.js';
import { facts } from '../../diagnostics/facts.js';
import * as I from '../values/int64.js';
import { TICKS_PER_HOUR } from '../values/datetime.js';
import { coerce, compareValues, jsonText, keyOf, toDynamic } from '../values/index.js';
import { stringifier } from './operators.js';
import { asText } from './conversion.js';
import { fn, type ScalarFunction } from './types.js';

export type Bag = Record<string, unknown>;

export function isBag(v: unknown): v is Bag {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** The value of an own property; undefined when absent (never one inherited from Object). */
export function getKey(o: Bag, k: string): unknown {
  return hasOwn(o, k) ? o[k] : undefined;
}

/** Sets an own property; safe for the key "__proto__", which plain assignment would not store. */
export function setKey(o: Bag, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

function copyBag(o: Bag, without?: string): Bag {
  const out: Bag = {};
  for (const k of Object.keys(o)) if (k !== without) setKey(out, k, o[k]);
  return out;
}

/** How a typed argument sits inside a dynamic value. */
export function toDyn(type: ScalarType): (v: unknown) => unknown {
  if (type === 'dynamic') return (v) => (v === undefined ? null : v);
  return (v) => toDynamic(type, v);
}

/** An integer argument (long, int, real, bool or dynamic number) as a JS number; null otherwise. */
function intArg(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return null;
}

// ---------------------------------------------------------------------------------------------
// JSON text

/** What parseJson returns for text that is not JSON. */
export const NOT_JSON: unique symbol = Symbol('not json');

// A 16-digit run may be an integer past 2^53, which JSON.parse would round.
const LONG_DIGITS = /\d{16}/;

/**
 * Parses JSON text into a dynamic value, exact for integers past 2^53 (as bigint) and lenient
 * where Kusto is (single-quoted strings); NOT_JSON when the text is not JSON.
 */
export function parseJson(text: string): unknown {
  if (!LONG_DIGITS.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      // Fall through: the lenient reader below accepts a little more than JSON.parse.
    }
  }
  try {
    return new JsonReader(text).document();
  } catch {
    return NOT_JSON;
  }
}

const NUMBER_RE = /-?(?:\d+)(\.\d+)?([eE][+-]?\d+)?/y;

class JsonReader {
  private pos = 0;
  constructor(private readonly s: string) {}

  document(): unknown {
    const v = this.value();
    this.ws();
    if (this.pos !== this.s.length) this.fail();
    return v;
  }

  private fail(): never {
    throw new Error('not json');
  }

  private ws(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.pos++;
      else break;
    }
  }

  private value(): unknown {
    this.ws();
    const c = this.s[this.pos];
    switch (c) {
      case '{': return this.object();
      case '[': return this.array();
      case '"': case "'": return this.string();
      case 't': return this.word('true', true);
      case 'f': return this.word('false', false);
      case 'n': return this.word('null', null);
      default: return this.number();
    }
  }

  private word(w: string, v: unknown): unknown {
    if (!this.s.startsWith(w, this.pos)) this.fail();
    this.pos += w.length;
    return v;
  }

  private number(): unknown {
    NUMBER_RE.lastIndex = this.pos;
    const m = NUMBER_RE.exec(this.s);
    if (!m) this.fail();
    this.pos += m[0].length;
    if (m[1] === undefined && m[2] === undefined) {
      const exact = I.parseI64(m[0]);
      if (exact !== undefined) return exact;
    }
    return Number(m[0]);
  }

  private string(): string {
    const s = this.s;
    const quote = s[this.pos++];
    let out = '';
    let start = this.pos;
    while (this.pos < s.length) {
      const c = s[this.pos];
      if (c === quote) {
        out += s.slice(start, this.pos++);
        return out;
      }
      if (c === '\\') {
        out += s.slice(start, this.pos);
        const e = s[this.pos + 1];
        this.pos += 2;
        switch (e) {
          case 'n': out += '\n'; break;
          case 't': out += '\t'; break;
          case 'r': out += '\r'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'u': {
            const hex = s.slice(this.pos, this.pos + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail();
            out += String.fromCharCode(parseInt(hex, 16));
            this.pos += 4;
            break;
          }
          case undefined: return this.fail();
          default: out += e;
        }
        start = this.pos;
        continue;
      }
      this.pos++;
    }
    return this.fail();
  }

  private array(): unknown[] {
    this.pos++;
    const out: unknown[] = [];
    this.ws();
    if (this.s[this.pos] === ']') { this.pos++; return out; }
    for (;;) {
      out.push(this.value());
      this.ws();
      const c = this.s[this.pos++];
      if (c === ']') return out;
      if (c !== ',') this.fail();
    }
  }

  private object(): Bag {
    this.pos++;
    const out: Bag = {};
    this.ws();
    if (this.s[this.pos] === '}') { this.pos++; return out; }
    for (;;) {
      this.ws();
      const q = this.s[this.pos];
      if (q !== '"' && q !== "'") this.fail();
      const key = this.string();
      this.ws();
      if (this.s[this.pos++] !== ':') this.fail();
      setKey(out, key, this.value());
      this.ws();
      const c = this.s[this.pos++];
      if (c === '}') return out;
      if (c !== ',') this.fail();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// JSONPath ($, .name, ['name'], ["name"], [n]) as used by extract_json and the bag_* functions

export type PathStep = string | number;

/** The steps of a JSONPath; null when it is not one or uses an unsupported form (`..`, `*`). */
export function parseJsonPath(path: string): PathStep[] | null {
  const p = path.trim();
  if (p[0] !== '$') return null;
  const steps: PathStep[] = [];
  let i = 1;
  while (i < p.length) {
    const c = p[i];
    if (c === '.') {
      let j = ++i;
      while (j < p.length && p[j] !== '.' && p[j] !== '[') j++;
      const name = p.slice(i, j);
      if (name === '' || name === '*') return null;
      steps.push(name);
      i = j;
    } else if (c === '[') {
      i++;
      while (p[i] === ' ') i++;
      const q = p[i];
      if (q === "'" || q === '"') {
        let name = '';
        i++;
        while (i < p.length && p[i] !== q) {
          if (p[i] === '\\' && i + 1 < p.length) i++;
          name += p[i++];
        }
        if (i >= p.length) return null;
        i++;
        while (p[i] === ' ') i++;
        if (p[i] !== ']') return null;
        i++;
        steps.push(name);
      } else {
        const close = p.indexOf(']', i);
        if (close < 0) return null;
        const text = p.slice(i, close).trim();
        if (!/^-?\d+$/.test(text)) return null;
        steps.push(Number(text));
        i = close + 1;
      }
    } else {
      return null;
    }
  }
  return steps;
}

/** The value at `steps` inside `v`; undefined when the path does not exist. */
export function walkPath(v: unknown, steps: readonly PathStep[]): unknown {
  let cur = v;
  for (const s of steps) {
    if (typeof s === 'number') {
      if (!Array.isArray(cur)) return undefined;
      const j = s < 0 ? cur.length + s : s;
      if (j < 0 || j >= cur.length) return undefined;
      cur = cur[j];
    } else {
      if (!isBag(cur)) return undefined;
      cur = getKey(cur, s);
      if (cur === undefined) return undefined;
    }
  }
  return cur;
}

/** A bag key given either plainly or as a JSONPath of names ("$.a.b"); null when invalid. */
function bagKeyPath(key: string): string[] | null {
  if (!key.trimStart().startsWith('$')) return key === '' ? null : [key];
  const steps = parseJsonPath(key);
  if (!steps || steps.length === 0 || steps.some((s) => typeof s !== 'string')) return null;
  return steps as string[];
}

// ---------------------------------------------------------------------------------------------
// Accessors

/** `D.key`: a property of a bag; null for anything else (a JSON string is not parsed). */
const member: ScalarFunction = {
  name: '.',
  bind(ctx) {
    if (ctx.args[0].type !== 'dynamic') return () => null;
    const key = ctx.args[1];
    if (key.constant) {
      const k = String(key.value);
      return (d) => (isBag(d) ? getKey(d, k) ?? null : null);
    }
    return (d, k) => (isBag(d) ? getKey(d, String(k)) ?? null : null);
  },
};

/** `D[i]` (negative counts from the end) and `D['key']`. */
export function elementAt(target: unknown, index: unknown): unknown {
  if (Array.isArray(target)) {
    const i = intArg(index);
    if (i === null) return null;
    const j = i < 0 ? target.length + i : i;
    return j >= 0 && j < target.length ? target[j] : null;
  }
  if (isBag(target) && typeof index === 'string') return getKey(target, index) ?? null;
  return null;
}

const element: ScalarFunction = {
  name: '[]',
  bind(ctx) {
    if (ctx.args[0].type !== 'dynamic') return () => null;
    return elementAt;
  },
};

// ---------------------------------------------------------------------------------------------
// parse_json, extract_json

const parseJsonFn: ScalarFunction = {
  name: 'parse_json',
  aliases: ['parsejson', 'todynamic', 'toobject'],
  bind(ctx) {
    const t = ctx.args[0].type;
    if (t === 'dynamic') return (v) => v;
    if (t !== 'string') return toDyn(t);
    return (s: string) => {
      if (s === '') return null;
      const v = parseJson(s);
      // Text that is not JSON stays a string inside the dynamic.
      return v === NOT_JSON ? s : v;
    };
  },
};

const extractJson: ScalarFunction = {
  name: 'extract_json',
  aliases: ['extractjson'],
  bind(ctx) {
    const [pathArg, srcArg] = ctx.args;
    const out = ctx.resultType;
    const convert: (v: unknown) => unknown =
      out === 'string' ? (v) => (typeof v === 'string' ? v : jsonText(v)) : (v) => coerce(out, v);
    const doc: (src: unknown) => unknown = srcArg.type === 'dynamic'
      ? (d) => (typeof d === 'string' ? parseJson(d) : d)
      : (s) => (s === '' ? NOT_JSON : parseJson(String(s)));
    const run = (steps: PathStep[], src: unknown): unknown => {
      const d = doc(src);
      if (d === NOT_JSON) return null;
      const v = walkPath(d, steps);
      return v === undefined || v === null ? null : convert(v);
    };
    if (pathArg.constant) {
      const steps = parseJsonPath(String(pathArg.value));
      if (!steps) throw facts.runtime(`extract_json: unsupported JSONPath '${String(pathArg.value)}'`, ctx.span);
      return (_p, src) => run(steps, src);
    }
    return (p, src) => {
      const steps = parseJsonPath(String(p));
      return steps ? run(steps, src) : null;
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Bags

const bagPack: ScalarFunction = {
  name: 'bag_pack',
  aliases: ['pack', 'pack_dictionary'],
  propagatesNulls: false,
  bind(ctx) {
    const n = ctx.args.length;
    const keyText = ctx.args.map((a) => stringifier(a.type));
    const value = ctx.args.map((a) => toDyn(a.type));
    return (...vals) => {
      const out: Bag = {};
      for (let i = 0; i + 1 < n; i += 2) {
        const k = vals[i];
        if (k === null || k === undefined) continue;
        setKey(out, keyText[i](k), value[i + 1](vals[i + 1]));
      }
      return out;
    };
  },
};

/**
 * pack_all([ignore_null_empty]) needs the row, which a function does not see: the translator
 * expands it to pack_all(ignore_null_empty, "col1", col1, "col2", col2, ...). With the flag set,
 * null values and empty strings are left out.
 */
const packAll: ScalarFunction = {
  name: 'pack_all',
  propagatesNulls: false,
  bind(ctx) {
    if (ctx.args.length < 3 || ctx.args[0].type !== 'bool') throw facts.unsupportedFunction('pack_all', ctx.span);
    const n = ctx.args.length;
    const value = ctx.args.map((a) => toDyn(a.type));
    return (ignore, ...pairs) => {
      const out: Bag = {};
      for (let i = 0; i + 1 < n - 1; i += 2) {
        const v = value[i + 2](pairs[i + 1]);
        if (ignore === true && (v === null || v === '')) continue;
        setKey(out, String(pairs[i]), v);
      }
      return out;
    };
  },
};

const packArray: ScalarFunction = {
  name: 'pack_array',
  propagatesNulls: false,
  bind(ctx) {
    const conv = ctx.args.map((a) => toDyn(a.type));
    return (...vals) => vals.map((v, i) => conv[i](v));
  },
};

const bagKeys = fn('bag_keys', (b) => (isBag(b) ? Object.keys(b) : null));

/** Leftmost bag wins on a repeated key; arguments that are not bags are skipped. */
const bagMerge = fn('bag_merge', (...bags: unknown[]) => {
  let out: Bag | null = null;
  for (const b of bags) {
    if (!isBag(b)) continue;
    out ??= {};
    for (const k of Object.keys(b)) if (!hasOwn(out, k)) setKey(out, k, b[k]);
  }
  return out;
}, { propagatesNulls: false });

function removePath(o: Bag, steps: readonly string[], i: number): Bag {
  const k = steps[i];
  if (!hasOwn(o, k)) return o;
  if (i === steps.length - 1) return copyBag(o, k);
  const child = o[k];
  if (!isBag(child)) return o;
  const next = removePath(child, steps, i + 1);
  if (next === child) return o;
  const out = copyBag(o);
  setKey(out, k, next);
  return out;
}

const bagRemoveKeys = fn('bag_remove_keys', (bag, keys) => {
  if (!isBag(bag)) return null;
  if (!Array.isArray(keys)) return bag;
  let out = bag;
  for (const k of keys) {
    if (typeof k !== 'string') continue;
    const path = bagKeyPath(k);
    if (path) out = removePath(out, path, 0);
  }
  return out;
});

/** Sets a key, re-inserting it last (as Kusto does), creating bags along a JSONPath as needed. */
function setPath(o: Bag, steps: readonly string[], i: number, v: unknown): Bag {
  const k = steps[i];
  const out = copyBag(o, k);
  if (i === steps.length - 1) {
    setKey(out, k, v);
  } else {
    const child = getKey(o, k);
    setKey(out, k, setPath(isBag(child) ? child : {}, steps, i + 1, v));
  }
  return out;
}

const bagSetKey: ScalarFunction = {
  name: 'bag_set_key',
  propagatesNulls: false,
  bind(ctx) {
    const value = toDyn(ctx.args[2].type);
    return (bag, key, v) => {
      if (!isBag(bag) || typeof key !== 'string') return null;
      const path = bagKeyPath(key);
      return path ? setPath(bag, path, 0, value(v)) : null;
    };
  },
};

const bagHasKey = fn('bag_has_key', (bag, key) => {
  if (!isBag(bag) || typeof key !== 'string') return false;
  const path = bagKeyPath(key);
  return path !== null && walkPath(bag, path) !== undefined;
}, { propagatesNulls: false });

/** Keys that are not strings are skipped; missing values are null. */
const bagZip = fn('bag_zip', (keys, values) => {
  if (!Array.isArray(keys)) return null;
  const vals = Array.isArray(values) ? values : [];
  const out: Bag = {};
  keys.forEach((k, i) => {
    if (typeof k === 'string') setKey(out, k, i < vals.length ? vals[i] : null);
  });
  return out;
}, { propagatesNulls: false });

/** Paths to every node below the root, in Kusto's `['key'][0]` notation; array items share `[0]`. */
function treePaths(v: unknown, prefix: string, out: Set<string>): void {
  if (Array.isArray(v)) {
    if (v.length === 0) return;
    const p = prefix + '[0]';
    out.add(p);
    for (const x of v) treePaths(x, p, out);
  } else if (isBag(v)) {
    for (const k of Object.keys(v)) {
      const p = `${prefix}['${k.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
      out.add(p);
      treePaths(v[k], p, out);
    }
  }
}

const treepath = fn('treepath', (v) => {
  const out = new Set<string>();
  treePaths(v, '', out);
  return [...out];
});

// ---------------------------------------------------------------------------------------------
// Arrays

const arrayLength = fn('array_length', (a) => (Array.isArray(a) ? a.length : null), { aliases: ['arraylength'] });

const arrayConcat = fn('array_concat', (...arrays: unknown[]) => {
  const out: unknown[] = [];
  for (const a of arrays) {
    if (!Array.isArray(a)) return null;
    for (const x of a) out.push(x);
  }
  return out;
});

/** Both ends inclusive; negative positions count from the end. */
const arraySlice = fn('array_slice', (a, start, end) => {
  if (!Array.isArray(a)) return null;
  const n = a.length;
  let s = intArg(start), e = intArg(end);
  if (s === null || e === null) return null;
  if (s < 0) s += n;
  if (e < 0) e += n;
  s = Math.max(s, 0);
  e = Math.min(e, n - 1);
  return s > e ? [] : a.slice(s, e + 1);
});

const arrayReverse = fn('array_reverse', (a) => (Array.isArray(a) ? a.slice().reverse() : null));

function rotateLeft(a: unknown, count: unknown): unknown {
  if (!Array.isArray(a)) return null;
  const k = intArg(count);
  if (k === null) return null;
  const n = a.length;
  if (n === 0) return [];
  const s = ((k % n) + n) % n;
  return [...a.slice(s), ...a.slice(0, s)];
}

const arrayRotateLeft = fn('array_rotate_left', rotateLeft);
const arrayRotateRight = fn('array_rotate_right', (a, count) => {
  const k = intArg(count);
  return k === null ? null : rotateLeft(a, -k);
});

/** Shifts by `k` (negative: the other way), filling vacated slots with the default value. */
function shifter(name: string, direction: 1 | -1): ScalarFunction {
  return {
    name,
    propagatesNulls: false,
    bind(ctx) {
      const fill = ctx.args.length > 2 ? toDyn(ctx.args[2].type) : () => null;
      return (a, count, dflt) => {
        if (!Array.isArray(a)) return null;
        const c = intArg(count);
        if (c === null) return null;
        const k = c * direction, n = a.length, f = fill(dflt);
        const out = new Array(n);
        for (let i = 0; i < n; i++) {
          const j = i + k;
          out[i] = j >= 0 && j < n ? a[j] : f;
        }
        return out;
      };
    },
  };
}

/** Kusto's order for mixed arrays: numbers, then strings, then everything else. */
function sortGroup(v: unknown): number {
  switch (typeof v) {
    case 'number': case 'bigint': return 0;
    case 'string': return 1;
    default: return 2;
  }
}

function compareElements(a: unknown, b: unknown): number {
  const ga = sortGroup(a), gb = sortGroup(b);
  if (ga !== gb) return ga - gb;
  if (ga === 2) {
    const sa = jsonText(a), sb = jsonText(b);
    return sa < sb ? -1 : sa > sb ? 1 : 0;
  }
  return compareValues(a, b);
}

/**
 * array_sort_asc/desc(array1[, array2, ...][, nulls_last]). One array: the sorted array. Several:
 * an array of arrays, the first sorted and the others reordered to match (null where a length
 * differs), which is what `array_sort_asc(a, b)[1]` indexes.
 */
function arraySort(name: string, desc: boolean): ScalarFunction {
  return {
    name,
    propagatesNulls: false,
    bind(ctx) {
      const n = ctx.args.length;
      const hasFlag = n > 1 && ctx.args[n - 1].type === 'bool';
      const arrays = hasFlag ? n - 1 : n;
      return (...vals) => {
        const first = vals[0];
        if (!Array.isArray(first)) return null;
        const nullsLast = hasFlag ? vals[arrays] !== false : true;
        const order = first.map((_, i) => i);
        order.sort((i, j) => {
          const a = first[i], b = first[j];
          const an = a === null || a === undefined, bn = b === null || b === undefined;
          if (an || bn) return an === bn ? 0 : (an === nullsLast ? 1 : -1);
          const c = compareElements(a, b);
          return desc ? -c : c;
        });
        const sorted = order.map((i) => first[i]);
        if (arrays === 1) return sorted;
        const out: unknown[] = [sorted];
        for (let k = 1; k < arrays; k++) {
          const other = vals[k];
          out.push(Array.isArray(other) && other.length === first.length ? order.map((i) => other[i]) : null);
        }
        return out;
      };
    },
  };
}

/** A real; nulls are skipped, and any other non-number makes the sum null. */
const arraySum = fn('array_sum', (a) => {
  if (!Array.isArray(a)) return null;
  let s = 0;
  for (const v of a) {
    if (typeof v === 'number') s += v;
    else if (typeof v === 'bigint') s += Number(v);
    else if (v !== null) return null;
  }
  return s;
});

/** A condition element: bools as they are, numbers true when non-zero, anything else null. */
function truth(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'bigint') return v !== 0n;
  return null;
}

const arrayIff: ScalarFunction = {
  name: 'array_iff',
  aliases: ['array_iif'],
  propagatesNulls: false,
  bind(ctx) {
    const [, t, f] = ctx.args;
    // An array picks element-wise (null past its end); a scalar is used for every element.
    const pick = (type: ScalarType) => {
      const conv = toDyn(type);
      return (v: unknown, i: number) => (Array.isArray(v) ? (i < v.length ? v[i] : null) : conv(v));
    };
    const whenTrue = pick(t.type), whenFalse = pick(f.type);
    return (cond, tv, fv) => {
      if (!Array.isArray(cond)) return null;
      return cond.map((c, i) => {
        const b = truth(c);
        return b === null ? null : b ? whenTrue(tv, i) : whenFalse(fv, i);
      });
    };
  },
};

const arraySplit = fn('array_split', (a, index) => {
  if (!Array.isArray(a)) return null;
  const n = a.length;
  const cuts = Array.isArray(index) ? index : [index];
  const out: unknown[] = [];
  let prev = 0;
  for (const c of cuts) {
    let i = intArg(c);
    if (i === null) return null;
    if (i < 0) i += n;
    i = Math.min(Math.max(i, prev), n);
    out.push(a.slice(prev, i));
    prev = i;
  }
  out.push(a.slice(prev));
  return out;
});

/** array_index_of(array, value[, start[, length[, occurrence]]]): -1 when absent. */
const arrayIndexOf: ScalarFunction = {
  name: 'array_index_of',
  bind(ctx) {
    const conv = toDyn(ctx.args[1].type);
    return (a, value, start, length, occurrence) => {
      if (!Array.isArray(a)) return null;
      const n = a.length;
      let s = start === undefined ? 0 : intArg(start);
      const len = length === undefined ? -1 : intArg(length);
      const occ = occurrence === undefined ? 1 : intArg(occurrence);
      if (s === null || len === null || occ === null || len < -1 || occ < 0) return null;
      if (s < 0) s = Math.max(0, n + s);
      const end = len === -1 ? n : Math.min(n, s + len);
      const key = keyOf(conv(value));
      let seen = 0;
      for (let i = s; i < end; i++) {
        if (keyOf(a[i]) === key && ++seen >= occ) return i;
      }
      return -1;
    };
  },
};

const setHasElement: ScalarFunction = {
  name: 'set_has_element',
  bind(ctx) {
    const conv = toDyn(ctx.args[1].type);
    return (a, value) => {
      if (!Array.isArray(a)) return null;
      const key = keyOf(conv(value));
      return a.some((x) => keyOf(x) === key);
    };
  },
};

function keySet(a: readonly unknown[]): Set<string> {
  const s = new Set<string>();
  for (const x of a) s.add(keyOf(x));
  return s;
}

/** The distinct elements of `a` (first occurrence kept) that pass `keep`. */
function distinct(a: readonly unknown[], keep: (key: string) => boolean, out: unknown[] = [], seen = new Set<string>()): unknown[] {
  for (const x of a) {
    const k = keyOf(x);
    if (seen.has(k) || !keep(k)) continue;
    seen.add(k);
    out.push(x);
  }
  return out;
}

const setUnion = fn('set_union', (...arrays: unknown[]) => {
  if (!arrays.every(Array.isArray)) return null;
  const out: unknown[] = [], seen = new Set<string>();
  for (const a of arrays as unknown[][]) distinct(a, () => true, out, seen);
  return out;
});

const setIntersect = fn('set_intersect', (first, ...rest: unknown[]) => {
  if (!Array.isArray(first) || !rest.every(Array.isArray)) return null;
  const others = (rest as unknown[][]).map(keySet);
  return distinct(first, (k) => others.every((s) => s.has(k)));
});

const setDifference = fn('set_difference', (first, ...rest: unknown[]) => {
  if (!Array.isArray(first) || !rest.every(Array.isArray)) return null;
  const others = (rest as unknown[][]).map(keySet);
  return distinct(first, (k) => !others.some((s) => s.has(k)));
});

const setEquals = fn('set_equals', (a, b) => {
  if (!Array.isArray(a) || !Array.isArray(b)) return null;
  const sa = keySet(a), sb = keySet(b);
  if (sa.size !== sb.size) return false;
  for (const k of sa) if (!sb.has(k)) return false;
  return true;
});

/** |a ∩ b| / |a ∪ b| over distinct values. */
const jaccardIndex = fn('jaccard_index', (a, b) => {
  if (!Array.isArray(a) || !Array.isArray(b)) return null;
  const sa = keySet(a), sb = keySet(b);
  let common = 0;
  for (const k of sa) if (sb.has(k)) common++;
  return common / (sa.size + sb.size - common);
});

/** Element i holds the i-th item of every array; the longest array sets the length. */
const zip = fn('zip', (...arrays: unknown[]) => {
  if (!arrays.every(Array.isArray)) return null;
  const as = arrays as unknown[][];
  const n = Math.max(...as.map((a) => a.length));
  const out: unknown[][] = [];
  for (let i = 0; i < n; i++) out.push(as.map((a) => (i < a.length ? a[i] : null)));
  return out;
});

/** range() and repeat() stop at this many elements, as Kusto truncates range(). */
const MAX_ELEMENTS = 1_048_576;

/** start, start+step, ... while within stop, exact over 64-bit ticks and longs. */
function i64Series(start: I.I64, stop: I.I64, step: I.I64, out: (v: I.I64) => unknown): unknown[] | null {
  if (step === 0) return null;
  const up = step > 0;
  const res: unknown[] = [];
  let v = start;
  while ((up ? v <= stop : v >= stop) && res.length < MAX_ELEMENTS) {
    res.push(out(v));
    // Stop before stepping past `stop`, so the addition can never wrap around.
    if (up ? v > I.sub(stop, step) : v < I.sub(stop, step)) break;
    v = I.add(v, step);
  }
  return res;
}

/** range(start, stop[, step]) over numbers, datetimes or timespans (default step 1, or 1h). */
const range: ScalarFunction = {
  name: 'range',
  bind(ctx) {
    const types = ctx.args.map((a) => a.type);
    const startType = types[0];
    if (startType === 'datetime' || startType === 'timespan') {
      const out = toDyn(startType);
      return (start, stop, step = TICKS_PER_HOUR) => i64Series(start, stop, step, out);
    }
    if (types.some((t) => t === 'real' || t === 'decimal')) {
      return (start, stop, step = 1) => {
        const a = Number(start), b = Number(stop), s = Number(step);
        if (s === 0 || !Number.isFinite(s) || Number.isNaN(a) || Number.isNaN(b)) return null;
        const res: number[] = [];
        for (let v = a; (s > 0 ? v <= b : v >= b) && res.length < MAX_ELEMENTS; v += s) res.push(v);
        return res;
      };
    }
    return (start, stop, step = 1) => i64Series(start, stop, step, (v) => v);
  },
};

/** repeat(value, count): null for a negative count. */
const repeat: ScalarFunction = {
  name: 'repeat',
  propagatesNulls: false,
  bind(ctx) {
    const conv = toDyn(ctx.args[0].type);
    return (value, count) => {
      const n = intArg(count);
      if (n === null || n < 0) return null;
      return new Array(Math.min(n, MAX_ELEMENTS)).fill(conv(value));
    };
  },
};

/** JSON with every property bag's keys in ordinal order, at every depth. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(canonicalJson).join(',') + ']';
  if (v !== null && typeof v === 'object') {
    const bag = v as Bag;
    const keys = Object.keys(bag).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalJson(bag[k])).join(',') + '}';
  }
  return jsonText(v);
}

/**
 * dynamic_to_json(): arrays and bags as canonical JSON (sorted keys), so equal values give equal
 * text; a scalar as its tostring().
 */
const dynamicToJson: ScalarFunction = {
  name: 'dynamic_to_json',
  bind(ctx) {
    const text = asText(ctx.args[0]!.type);
    return (v) => (v !== null && typeof v === 'object' ? canonicalJson(v) : text(v));
  },
};

export const DYNAMIC_FUNCTIONS: ScalarFunction[] = [
  dynamicToJson,
  member, element, parseJsonFn, extractJson,
  bagPack, packAll, packArray, bagKeys, bagMerge, bagRemoveKeys, bagSetKey, bagHasKey, bagZip, treepath,
  arrayLength, arrayConcat, arraySlice, arrayReverse, arrayRotateLeft, arrayRotateRight,
  shifter('array_shift_left', 1), shifter('array_shift_right', -1),
  arraySort('array_sort_asc', false), arraySort('array_sort_desc', true),
  arraySum, arrayIff, arraySplit, arrayIndexOf,
  setHasElement, setUnion, setIntersect, setDifference, setEquals, jaccardIndex,
  zip, range, repeat,
];
