/** The aggregate functions. */
import type { AggregateFunction } from './types.js';
import { keyOf } from '../values/index.js';
import * as I from '../values/int64.js';

const count: AggregateFunction = {
  name: 'count',
  bind: () => ({ init: () => 0, add: (s: number) => s + 1, result: (s) => s }),
};

const countif: AggregateFunction = {
  name: 'countif',
  bind: () => ({ init: () => 0, add: (s: number, p) => (p === true ? s + 1 : s), result: (s) => s }),
};

const sum: AggregateFunction = {
  name: 'sum',
  bind(ctx) {
    const t = ctx.args[0]!.type;
    if (t === 'real' || t === 'decimal' || t === 'dynamic') {
      return { init: () => null, add: (s: number | null, v) => (v === null || v === undefined ? s : (s ?? 0) + Number(v)), result: (s) => s };
    }
    return { init: () => null, add: (s: I.I64 | null, v) => (v === null || v === undefined ? s : I.add(s ?? 0, v as I.I64)), result: (s) => s };
  },
};

const dcount: AggregateFunction = {
  name: 'dcount',
  bind: () => ({
    init: () => new Set<string>(),
    add: (s: Set<string>, v) => { if (v !== null && v !== undefined) s.add(keyOf(v)); return s; },
    result: (s: Set<string>) => s.size,
  }),
};

const makeSet: AggregateFunction = {
  name: 'make_set',
  aliases: ['makeset'],
  bind(ctx) {
    const limit = ctx.args[1]?.constant ? Number(ctx.args[1].value) : 1_048_576;
    const t = ctx.args[0]!.type;
    return {
      init: () => ({ seen: new Set<string>(), items: [] as unknown[] }),
      add(s, v) {
        if (v === null || v === undefined) return s;
        const values = t === 'dynamic' && Array.isArray(v) ? v : [v];
        for (const x of values) {
          if (s.items.length >= limit) break;
          const k = keyOf(x);
          if (!s.seen.has(k)) { s.seen.add(k); s.items.push(x); }
        }
        return s;
      },
      result: (s) => s.items,
    };
  },
};

export const AGGREGATES: AggregateFunction[] = [count, countif, sum, dcount, makeSet];
