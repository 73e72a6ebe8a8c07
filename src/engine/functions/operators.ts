/**
 * KQL's operators as functions: comparison, arithmetic, logic, and the string operators.
 * The translator names each by its KQL spelling (`==`, `!has`, `in~`), so one table serves all.
 */
import type { ScalarType } from '../../schema/types.js';
import * as I from '../values/int64.js';
import { keyOf, toDynamic } from '../values/index.js';
import { fold, hasTerm } from './string-match.js';
import type { BindContext, RowFn, ScalarFunction } from './types.js';

type I64 = I.I64;

const isIntegral = (t: ScalarType) => t === 'long' || t === 'int';
const isTicks = (t: ScalarType) => t === 'datetime' || t === 'timespan';
const isNumeric = (t: ScalarType) => t === 'long' || t === 'int' || t === 'real' || t === 'decimal';

/** Values compared as equal the way Kusto does across numeric representations. */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ta = typeof a, tb = typeof b;
  if ((ta === 'number' || ta === 'bigint') && (tb === 'number' || tb === 'bigint')) return a == b;
  if (ta === 'object' && tb === 'object') return keyOf(a) === keyOf(b);
  return false;
}

/** Dynamic values compared with a typed value: by the value inside. */
function unwrapDyn(v: unknown): unknown {
  return v;
}

function cmpFn(op: string): RowFn {
  switch (op) {
    case '<': return (a, b) => a < b;
    case '<=': return (a, b) => a <= b;
    case '>': return (a, b) => a > b;
    case '>=': return (a, b) => a >= b;
    default: throw new Error(op);
  }
}

function comparison(op: '<' | '<=' | '>' | '>='): ScalarFunction {
  return {
    name: op,
    bind(ctx) {
      const [a, b] = ctx.args;
      const f = cmpFn(op);
      // datetime vs string literal and other mixes are converted by the binder's types already.
      if (a!.type === 'dynamic' || b!.type === 'dynamic') {
        return (x, y) => {
          const xv = unwrapDyn(x), yv = unwrapDyn(y);
          if (xv === null || yv === null || typeof xv === 'object' || typeof yv === 'object') return null;
          return f(xv, yv);
        };
      }
      return f;
    },
  };
}

const equality = (name: string, negate: boolean): ScalarFunction => ({
  name,
  bind(ctx) {
    const [a, b] = ctx.args;
    if (a!.type === 'string' && b!.type === 'string') return negate ? (x, y) => x !== y : (x, y) => x === y;
    if (a!.type === 'dynamic' || b!.type === 'dynamic') {
      const conv = (t: ScalarType) => (v: unknown) => (t === 'dynamic' ? v : toDynamic(t, v));
      const ca = conv(a!.type), cb = conv(b!.type);
      return negate ? (x, y) => !valuesEqual(ca(x), cb(y)) : (x, y) => valuesEqual(ca(x), cb(y));
    }
    return negate ? (x, y) => !valuesEqual(x, y) : valuesEqual;
  },
});

function arithmetic(op: '+' | '-' | '*' | '/' | '%'): ScalarFunction {
  return {
    name: op,
    bind(ctx: BindContext): RowFn {
      const [a, b] = ctx.args.map((x) => x.type) as [ScalarType, ScalarType];
      const r = ctx.resultType;
      if (r === 'real' || r === 'decimal') {
        const n = (v: unknown) => (typeof v === 'bigint' ? Number(v) : (v as number));
        switch (op) {
          case '+': return (x, y) => n(x) + n(y);
          case '-': return (x, y) => n(x) - n(y);
          case '*': return (x, y) => n(x) * n(y);
          case '/': return (x, y) => n(x) / n(y);
          case '%': return (x, y) => n(x) % n(y);
        }
      }
      if (r === 'dynamic') {
        return (x, y) => {
          if (typeof x !== 'number' && typeof x !== 'bigint') return null;
          if (typeof y !== 'number' && typeof y !== 'bigint') return null;
          const xx = Number(x), yy = Number(y);
          switch (op) {
            case '+': return xx + yy;
            case '-': return xx - yy;
            case '*': return xx * yy;
            case '/': return xx / yy;
            default: return xx % yy;
          }
        };
      }
      // timespan * real, timespan / real: scale and round to ticks.
      if (isTicks(r) && (a === 'real' || b === 'real' || a === 'decimal' || b === 'decimal') && (op === '*' || op === '/')) {
        return (x, y) => {
          const v = op === '*' ? Number(x) * Number(y) : Number(x) / Number(y);
          return I.fromNumber(Math.round(v));
        };
      }
      if (r === 'long' && isTicks(a) && isTicks(b) && op === '/') {
        return (x, y) => I.div(x, y);
      }
      if (isIntegral(r) || isTicks(r)) {
        switch (op) {
          case '+': return (x, y) => I.add(x as I64, y as I64);
          case '-': return (x, y) => I.sub(x as I64, y as I64);
          case '*': return (x, y) => I.mul(x as I64, y as I64);
          case '/': return (x, y) => I.div(x as I64, y as I64);
          case '%': return (x, y) => I.mod(x as I64, y as I64);
        }
      }
      throw new Error(`operator ${op} on ${a}, ${b}`);
    },
  };
}

/** A string predicate over two strings, case-folding both when case-insensitive. */
function stringOp(name: string, test: (hay: string, needle: string) => boolean, caseSensitive: boolean, negate = false): ScalarFunction {
  return {
    name,
    propagatesNulls: false,
    bind(ctx) {
      const toStr = stringifier(ctx.args[0]!.type);
      const toNeedle = stringifier(ctx.args[1]!.type);
      const needleConst = ctx.args[1]!.constant;
      if (needleConst) {
        const raw = toNeedle(ctx.args[1]!.value);
        const needle = caseSensitive ? raw : fold(raw);
        return caseSensitive
          ? (x) => test(toStr(x), needle) !== negate
          : (x) => test(fold(toStr(x)), needle) !== negate;
      }
      return caseSensitive
        ? (x, y) => test(toStr(x), toNeedle(y)) !== negate
        : (x, y) => test(fold(toStr(x)), fold(toNeedle(y))) !== negate;
    },
  };
}

/** Text of a value for string operators applied to non-strings (Kusto converts). */
export function stringifier(t: ScalarType): (v: unknown) => string {
  if (t === 'string') return (v) => (v as string) ?? '';
  return (v) => {
    if (v === null || v === undefined) return '';
    if (typeof v === 'string') return v;
    if (t === 'dynamic') return typeof v === 'object' ? JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x)) : String(v);
    return String(toDynamic(t, v));
  };
}

const has = (h: string, n: string) => hasTerm(h, n);
const hasprefix = (h: string, n: string) => hasTerm(h, n, true, false);
const hassuffix = (h: string, n: string) => hasTerm(h, n, false, true);
const contains = (h: string, n: string) => h.includes(n);
const startswith = (h: string, n: string) => h.startsWith(n);
const endswith = (h: string, n: string) => h.endsWith(n);
const eq = (h: string, n: string) => h === n;

/** `in`, `!in`, `in~`, `!in~`, `has_any`, `has_all`: a value against a set of values. */
function setOp(name: string): ScalarFunction {
  const negate = name.startsWith('!');
  const ci = name.endsWith('~');
  const hasMode = name === 'has_any' || name === 'has_all';
  return {
    name,
    propagatesNulls: false,
    bind(ctx) {
      const [left, ...rest] = ctx.args;
      const allConst = rest.every((a) => a.constant);
      const lt = left!.type;
      const toStr = stringifier(lt);
      const flatten = (vals: unknown[], types: ScalarType[]): unknown[] => {
        const out: unknown[] = [];
        vals.forEach((v, i) => {
          const t = types[i]!;
          if (t === 'dynamic' && Array.isArray(v)) out.push(...v);
          else if (v instanceof SetValues) out.push(...v.values);
          else out.push(t === 'dynamic' ? v : toDynamic(t, v));
        });
        return out;
      };
      const types = rest.map((a) => a.type);
      if (hasMode) {
        const all = name === 'has_all';
        const build = (vals: unknown[]) => flatten(vals, types).map((v) => fold(typeof v === 'string' ? v : String(v)));
        const test = (x: unknown, needles: string[]) => {
          const h = fold(toStr(x));
          return all ? needles.every((n) => hasTerm(h, n)) : needles.some((n) => hasTerm(h, n));
        };
        if (allConst) {
          const needles = build(rest.map((a) => a.value));
          if (!all && needles.length === 0) return () => false;
          return (x) => test(x, needles);
        }
        return (x, ...vals) => test(x, build(vals));
      }
      const isStr = lt === 'string';
      const norm = (v: unknown): string => {
        if (isStr || typeof v === 'string') return ci ? 's' + fold(String(v)) : 's' + v;
        return keyOf(v);
      };
      const build = (vals: unknown[]) => new Set(flatten(vals, types).map((v) => (isStr ? norm(v == null ? '' : typeof v === 'string' ? v : String(v)) : norm(v))));
      const leftKey = (x: unknown) => (isStr ? norm(x) : lt === 'dynamic' ? norm(x) : norm(toDynamic(lt, x)));
      if (allConst) {
        const set = build(rest.map((a) => a.value));
        return (x) => {
          if (x === null && !isStr) return negate ? true : false;
          return set.has(leftKey(x)) !== negate;
        };
      }
      return (x, ...vals) => {
        if (x === null && !isStr) return negate;
        return build(vals).has(leftKey(x)) !== negate;
      };
    },
  };
}

/** The values of a tabular `in (subquery)` argument, passed as one constant. */
export class SetValues {
  constructor(public readonly values: unknown[]) {}
}

function between(name: string): ScalarFunction {
  const negate = name.startsWith('!');
  return {
    name,
    bind(ctx) {
      const [a, lo, hi] = ctx.args.map((x) => x.type);
      // datetime between (start .. timespan) means start .. start+span.
      const hiIsSpan = (a === 'datetime' && hi === 'timespan');
      return (x, l, h) => {
        const top = hiIsSpan ? I.add(l as I64, h as I64) : h;
        const inside = (x as number) >= (l as number) && (x as number) <= (top as number);
        return inside !== negate;
      };
      void lo;
    },
  };
}

const not: ScalarFunction = { name: 'not', bind: () => (x) => !x };
const neg: ScalarFunction = {
  name: 'neg',
  bind: (ctx) => (isNumeric(ctx.resultType) && ctx.resultType !== 'long' && ctx.resultType !== 'int' ? (x) => -(x as number) : (x) => I.neg(x as I64)),
};

/** `and` and `or` are three-valued (null is unknown); both sides are evaluated, a column at a time. */
const and: ScalarFunction = {
  name: 'and',
  propagatesNulls: false,
  bind: () => (a, b) => (a === false || b === false ? false : a === null || b === null ? null : true),
};
const or: ScalarFunction = {
  name: 'or',
  propagatesNulls: false,
  bind: () => (a, b) => (a === true || b === true ? true : a === null || b === null ? null : false),
};

export const OPERATORS: ScalarFunction[] = [
  equality('==', false), equality('!=', true), equality('<>', true),
  comparison('<'), comparison('<='), comparison('>'), comparison('>='),
  arithmetic('+'), arithmetic('-'), arithmetic('*'), arithmetic('/'), arithmetic('%'),
  not, neg, and, or,
  stringOp('=~', eq, false), stringOp('!~', eq, false, true),
  stringOp('has', has, false), stringOp('!has', has, false, true),
  stringOp('has_cs', has, true), stringOp('!has_cs', has, true, true),
  stringOp('hasprefix', hasprefix, false), stringOp('!hasprefix', hasprefix, false, true),
  stringOp('hasprefix_cs', hasprefix, true), stringOp('!hasprefix_cs', hasprefix, true, true),
  stringOp('hassuffix', hassuffix, false), stringOp('!hassuffix', hassuffix, false, true),
  stringOp('hassuffix_cs', hassuffix, true), stringOp('!hassuffix_cs', hassuffix, true, true),
  stringOp('contains', contains, false), stringOp('!contains', contains, false, true),
  stringOp('contains_cs', contains, true), stringOp('!contains_cs', contains, true, true),
  stringOp('startswith', startswith, false), stringOp('!startswith', startswith, false, true),
  stringOp('startswith_cs', startswith, true), stringOp('!startswith_cs', startswith, true, true),
  stringOp('endswith', endswith, false), stringOp('!endswith', endswith, false, true),
  stringOp('endswith_cs', endswith, true), stringOp('!endswith_cs', endswith, true, true),
  setOp('in'), setOp('!in'), setOp('in~'), setOp('!in~'), setOp('has_any'), setOp('has_all'),
  between('between'), between('!between'),
];
