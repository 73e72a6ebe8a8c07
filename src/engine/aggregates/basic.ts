/**
 * Counting, sums, averages, extremes and distinct counts. Nulls are ignored throughout; the
 * empty result is 0 for counts and sums, NaN for a real avg, null (or "") for min and max,
 * as Kusto documents for the default values of aggregations.
 */
import { facts } from '../../diagnostics/facts.js';
import type { AggregateBindContext, AggregateFunction, Accumulator } from './types.js';
import { compareValues, keyOf } from '../values/index.js';
import * as I from '../values/int64.js';
import { asNumber, isNull, nullOf } from './common.js';

/** `<name>if(…)`: the base aggregate over the rows whose predicate (argument `predIndex`) is true. */
export function conditional(name: string, base: AggregateFunction, predIndex: 1 | 2, aliases?: string[]): AggregateFunction {
  return {
    name,
    aliases,
    bind(ctx) {
      const inner = base.bind({ ...ctx, args: ctx.args.filter((_, i) => i !== predIndex) });
      const add = predIndex === 1
        ? (s: unknown, a: unknown, p: unknown, b: unknown) => (p === true ? inner.add(s, a, b) : s)
        : (s: unknown, a: unknown, b: unknown, p: unknown) => (p === true ? inner.add(s, a, b) : s);
      return { init: inner.init, add, result: inner.result };
    },
  };
}

export const count: AggregateFunction = {
  name: 'count',
  // count(expr) counts every row, nulls included (Kusto's documented behaviour).
  bind: () => ({ init: () => 0, add: (s: number) => s + 1, result: (s: number) => s }),
};

export const countif: AggregateFunction = {
  name: 'countif',
  bind: () => ({ init: () => 0, add: (s: number, p: unknown) => (p === true ? s + 1 : s), result: (s: number) => s }),
};

/** Exact 64-bit sum (long, int, timespan): wraps on overflow as .NET long arithmetic does. */
function longSum(): Accumulator<I.I64> {
  return {
    init: () => 0,
    add: (s, v) => {
      if (isNull(v)) return s;
      if (typeof v === 'number' || typeof v === 'bigint') return I.add(s, v);
      const n = asNumber(v);
      return n === null ? s : I.add(s, I.fromNumber(n) ?? 0);
    },
    result: (s) => s,
  };
}

function realSum(): Accumulator<number> {
  return {
    init: () => 0,
    add: (s, v) => {
      const n = asNumber(v);
      return n === null ? s : s + n;
    },
    result: (s) => s,
  };
}

export const sum: AggregateFunction = {
  name: 'sum',
  bind(ctx) {
    switch (ctx.resultType) {
      case 'long': case 'int': case 'timespan':
        return longSum();
      case 'datetime':
        // A sum of instants has no meaning Kusto defines beyond raw ticks; refuse it.
        throw facts.unsupportedFunction('sum over datetime', ctx.span);
      default:
        return realSum();
    }
  },
};

export const sumif = conditional('sumif', sum, 1);

/** avg over datetime or timespan: the exact mean of the tick counts, of the same type. */
function tickAvg(floor: boolean): Accumulator<{ sum: I.I64; n: number }> {
  return {
    init: () => ({ sum: 0, n: 0 }),
    add: (s, v) => {
      if (typeof v === 'number' || typeof v === 'bigint') { s.sum = I.add(s.sum, v); s.n++; }
      return s;
    },
    result: (s) => (s.n === 0 ? null : floor ? I.floorDiv(s.sum, s.n) : I.div(s.sum, s.n)),
  };
}

export const avg: AggregateFunction = {
  name: 'avg',
  bind(ctx) {
    // Datetimes are ticks from 2020: flooring matches truncating the (positive) .NET ticks.
    if (ctx.resultType === 'datetime') return tickAvg(true);
    if (ctx.resultType === 'timespan') return tickAvg(false);
    return {
      init: () => ({ sum: 0, n: 0 }),
      add: (s: { sum: number; n: number }, v: unknown) => {
        const x = asNumber(v);
        if (x !== null) { s.sum += x; s.n++; }
        return s;
      },
      // 0/0: Kusto returns NaN for the average of no values.
      result: (s: { sum: number; n: number }) => s.sum / s.n,
    };
  },
};

export const avgif = conditional('avgif', avg, 1);

/** min or max for any orderable type (numbers, longs, ticks, strings, bools, guids). */
function extreme(name: string, sign: 1 | -1): AggregateFunction {
  return {
    name,
    bind(ctx: AggregateBindContext) {
      const empty = nullOf(ctx.resultType);
      return {
        init: () => null,
        add: (s: unknown, v: unknown) => {
          if (isNull(v)) return s;
          if (s === null) return v;
          return compareValues(v, s) * sign > 0 ? v : s;
        },
        result: (s: unknown) => (s === null ? empty : s),
      };
    },
  };
}

export const min = extreme('min', -1);
export const max = extreme('max', 1);
export const minif = conditional('minif', min, 1);
export const maxif = conditional('maxif', max, 1);

/** Distinct non-null values, counted exactly (dcount's accuracy argument is not needed). */
function distinctCount(name: string): AggregateFunction {
  return {
    name,
    bind: () => ({
      init: () => new Set<string>(),
      add: (s: Set<string>, v: unknown) => {
        if (!isNull(v)) s.add(keyOf(v));
        return s;
      },
      result: (s: Set<string>) => s.size,
    }),
  };
}

export const dcount = distinctCount('dcount');
export const dcountif = conditional('dcountif', dcount, 1);
export const countDistinct = distinctCount('count_distinct');
export const countDistinctif = conditional('count_distinctif', countDistinct, 1);

type BitOp = (a: bigint, b: bigint) => bigint;

/** binary_all_and/or/xor over longs (or ints); null when the group has no values. */
function bitwise(name: string, op: BitOp, small: (a: number, b: number) => number): AggregateFunction {
  return {
    name,
    bind: () => ({
      init: () => null,
      add: (s: I.I64 | null, v: unknown) => {
        if (typeof v !== 'number' && typeof v !== 'bigint') return s;
        if (s === null) return v;
        // JS bitwise operators are 32-bit: use them only when both sides fit.
        if (typeof s === 'number' && typeof v === 'number' && (s | 0) === s && (v | 0) === v) return small(s, v);
        return I.norm(BigInt.asIntN(64, op(I.big(s), I.big(v))));
      },
      result: (s: I.I64 | null) => s,
    }),
  };
}

export const binaryAllAnd = bitwise('binary_all_and', (a, b) => a & b, (a, b) => a & b);
export const binaryAllOr = bitwise('binary_all_or', (a, b) => a | b, (a, b) => a | b);
export const binaryAllXor = bitwise('binary_all_xor', (a, b) => a ^ b, (a, b) => a ^ b);
