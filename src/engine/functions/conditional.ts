/**
 * Conditional and null-test functions: iff/iif, case, coalesce, isnull/isnotnull,
 * isempty/isnotempty. Branch values are converted to the call's result type, so
 * iff(c, 1, 2.5) yields reals on both branches.
 */
import type { ScalarType } from '../../schema/types.js';
import { castValue } from '../cast.js';
import type { ScalarFunction } from './types.js';

/** Converts a branch value of type `from` to the result type `to`. */
function converter(from: ScalarType, to: ScalarType): (v: unknown) => unknown {
  if (from === to) return to === 'string' ? (v) => v ?? '' : (v) => v ?? null;
  return (v) => castValue(from, to, v);
}

/** iff(cond, then, else): a null (or non-true) condition takes the else branch. */
const iff: ScalarFunction = {
  name: 'iff',
  aliases: ['iif'],
  propagatesNulls: false,
  bind(ctx) {
    const [, t, e] = ctx.args;
    const ct = converter(t!.type, ctx.resultType);
    const ce = converter(e!.type, ctx.resultType);
    return (c, a, b) => (c === true ? ct(a) : ce(b));
  },
};

/** case(p1, v1, p2, v2, ..., else). */
const caseFn: ScalarFunction = {
  name: 'case',
  propagatesNulls: false,
  bind(ctx) {
    const convs = ctx.args.map((a) => converter(a.type, ctx.resultType));
    const last = ctx.args.length - 1;
    return (...vals) => {
      for (let i = 0; i < last; i += 2) {
        if (vals[i] === true) return convs[i + 1]!(vals[i + 1]);
      }
      return convs[last]!(vals[last]);
    };
  },
};

/** The first argument that is not null (for strings: not empty). */
const coalesce: ScalarFunction = {
  name: 'coalesce',
  propagatesNulls: false,
  bind(ctx) {
    const to = ctx.resultType;
    const convs = ctx.args.map((a) => converter(a.type, to));
    const empty = (v: unknown) => v === null || v === undefined || (to === 'string' && v === '');
    return (...vals) => {
      for (let i = 0; i < vals.length; i++) {
        if (vals[i] === null || vals[i] === undefined) continue;
        const v = convs[i]!(vals[i]);
        if (!empty(v)) return v;
      }
      return to === 'string' ? '' : null;
    };
  },
};

/** A string is never null (isnull("") is false); everything else, including dynamic, can be. */
function nullTest(name: string, negate: boolean, aliases?: string[]): ScalarFunction {
  return {
    name,
    ...(aliases ? { aliases } : {}),
    propagatesNulls: false,
    bind(ctx) {
      if (ctx.args[0]!.type === 'string') return () => negate;
      return (v) => (v === null || v === undefined) !== negate;
    },
  };
}

/** Empty means null or the empty string (also a dynamic holding ""); [] and {} are not empty. */
function emptyTest(name: string, negate: boolean, aliases?: string[]): ScalarFunction {
  return {
    name,
    ...(aliases ? { aliases } : {}),
    propagatesNulls: false,
    bind: () => (v) => (v === null || v === undefined || v === '') !== negate,
  };
}

export const CONDITIONAL_FUNCTIONS: ScalarFunction[] = [
  iff,
  caseFn,
  coalesce,
  nullTest('isnull', false),
  nullTest('isnotnull', true, ['notnull']),
  emptyTest('isempty', false),
  emptyTest('isnotempty', true, ['notempty']),
];
