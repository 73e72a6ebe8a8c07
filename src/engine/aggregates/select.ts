/**
 * Row selectors: arg_max / arg_min (the row with the extreme key) and take_any (some row).
 * Multi-column results are arrays of column values, in argument order.
 */
import type { AggregateFunction } from './types.js';
import { compareValues } from '../values/index.js';
import { isNull, nullOf } from './common.js';
import { conditional } from './basic.js';

interface ArgState { row: unknown[] | null; keyNull: boolean }

/**
 * arg_max(key, v1, ...) / arg_min: the values [key, v1, ...] of the first row with the extreme
 * key. Rows with a null key are skipped unless every key is null; then the first row is kept.
 */
function argExtreme(name: string, sign: 1 | -1, aliases: string[]): AggregateFunction {
  return {
    name,
    aliases,
    bind(ctx) {
      const n = ctx.args.length;
      const empties = ctx.args.map((a) => nullOf(a.type));
      return {
        init: (): ArgState => ({ row: null, keyNull: true }),
        add: function (s: ArgState, key: unknown) {
          const keyNull = isNull(key);
          if (s.row !== null && (keyNull || (!s.keyNull && compareValues(key, s.row[0]) * sign <= 0))) return s;
          // Only a new best row is copied; `arguments` avoids a rest array on every row.
          const row = new Array<unknown>(n);
          for (let i = 0; i < n; i++) row[i] = arguments[i + 1];
          s.row = row;
          s.keyNull = keyNull;
          return s;
        },
        result: (s: ArgState) => s.row ?? empties.slice(),
      };
    },
  };
}

export const argMax = argExtreme('arg_max', 1, ['argmax']);
export const argMin = argExtreme('arg_min', -1, ['argmin']);

function isEmptyValue(v: unknown): boolean {
  return v === null || v === undefined || v === '';
}

/**
 * take_any(expr): a value of the group, preferring a non-null, non-empty one.
 * take_any(e1, e2, ...) or take_any(*): the values of one row, as an array.
 */
export const takeAny: AggregateFunction = {
  name: 'take_any',
  aliases: ['any'],
  bind(ctx) {
    const n = ctx.args.length;
    if (n <= 1) {
      const empty = nullOf(ctx.args[0]?.type ?? ctx.resultType);
      return {
        init: () => ({ v: empty as unknown, found: false }),
        add: (s: { v: unknown; found: boolean }, v: unknown) => {
          if (!s.found && !isEmptyValue(v)) { s.v = v; s.found = true; }
          return s;
        },
        result: (s: { v: unknown }) => s.v,
      };
    }
    const empties = ctx.args.map((a) => nullOf(a.type));
    return {
      init: () => null as unknown[] | null,
      add: function (s: unknown[] | null) {
        if (s !== null) return s;
        const row = new Array<unknown>(n);
        for (let i = 0; i < n; i++) row[i] = arguments[i + 1];
        return row;
      },
      result: (s: unknown[] | null) => s ?? empties.slice(),
    };
  },
};

export const takeAnyif = conditional('take_anyif', takeAny, 1, ['anyif']);
