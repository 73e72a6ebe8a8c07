/**
 * top-nested: hierarchical top-N. Level 1 groups the input by its `of` value and keeps the N
 * groups with the highest (or lowest, `asc`) aggregate; each later level does the same within
 * every group kept by the level before. Two columns per level: the value and its aggregate.
 *
 * `with others=V`: the rows left out of a level's top N form one more group, labelled V, with
 * the aggregate over them. Such a group is not split further: on each deeper level it gets that
 * level's others label and aggregate over the same rows, or null where the level has none. As
 * soon as some deeper level has an others label, the left-out rows of a level without one still
 * form a group (with a null value and aggregate), so that their total shows at that deeper level.
 */
import type { Field, Tab, TopNestedLevel } from '../../kql/plan.js';
import type { ScalarType } from '../../schema/types.js';
import { type Batch, type BatchStream, collect } from '../batch.js';
import type { ExecContext } from '../context.js';
import { castValue } from '../cast.js';
import { compileExpr } from '../expr.js';
import { ExprCache, prepareAll, run } from '../run.js';
import { compareValues, keyOf } from '../values/index.js';
import { GroupAggregates, constantValue } from './make-series.js';

type TopNested = Tab & { op: 'top-nested' };

interface Level {
  def: TopNestedLevel;
  count: number;
  of: unknown[];
  ofType: ScalarType;
  aggs: GroupAggregates;
  args: unknown[][][];
  /** The others label, when the level has one (already of the `of` column's type). */
  others: { value: unknown } | null;
  /** Whether this level or a deeper one has an others label. */
  othersBelow: boolean;
}

export async function* topNestedOp(tab: TopNested, ctx: ExecContext): BatchStream {
  const defs = tab.levels;
  const aggregates = defs.map((l) => new GroupAggregates([l.by.expr], ctx));
  await prepareAll([
    ...defs.flatMap((l) => [l.of.expr, ...(l.count ? [l.count] : []), ...(l.others ? [l.others] : [])]),
    ...aggregates.flatMap((a) => a.argExprs()),
  ], ctx);
  const input = await collect(run(tab.input, ctx), tab.input.schema);
  const fields = outputFields(tab, input, ctx);
  const levels: Level[] = defs.map((def, i) => {
    const ofCache = new ExprCache(def.of.expr, ctx);
    const ofType = fields[2 * i]!.type;
    const n = def.count ? constantValue(def.count, ctx, 'the top-nested count') : null;
    let others: Level['others'] = null;
    if (def.others) {
      const c = compileExpr(def.others, [], ctx);
      others = { value: castValue(c.type, ofType, c.constant ? c.value : null) };
    }
    const ofCol = ofCache.column(input);
    const from = input.length ? ofCache.compiled(input.fields).type : ofType;
    return {
      def,
      count: n === null ? Infinity : Math.max(0, Number(n)),
      of: from === ofType ? ofCol : ofCol.map((v) => castValue(from, ofType, v)),
      ofType,
      aggs: aggregates[i]!,
      args: aggregates[i]!.argColumns(input),
      others,
      othersBelow: false,
    };
  });
  for (let i = levels.length - 1; i >= 0; i--) levels[i]!.othersBelow = !!levels[i]!.others || (levels[i + 1]?.othersBelow ?? false);

  const rows: unknown[][] = [];
  const all = Array.from({ length: input.length }, (_, i) => i);
  if (input.length > 0) nest(levels, 0, all, [], rows);
  const columns = fields.map((f, c) => rows.map((r) => r[c] ?? (f.type === 'string' ? '' : null)));
  yield { fields, columns, length: rows.length };
}

function outputFields(tab: TopNested, input: Batch, ctx: ExecContext): Field[] {
  if (tab.schema.length === 2 * tab.levels.length) return tab.schema;
  return tab.levels.flatMap((l) => [
    { name: l.of.name, type: new ExprCache(l.of.expr, ctx).compiled(input.fields).type },
    { name: l.by.name, type: (l.by.expr as { type: ScalarType }).type ?? 'dynamic' },
  ]);
}

/** The aggregate of each group of rows at a level. */
function aggregateGroups(level: Level, groups: number[][]): unknown[] {
  const states = groups.map((rows) => {
    const st = level.aggs.init();
    for (const r of rows) level.aggs.add(st, level.args, r);
    return st;
  });
  return level.aggs.results(states)[0]!.values;
}

function nest(levels: Level[], depth: number, rows: number[], prefix: unknown[], out: unknown[][]): void {
  if (depth === levels.length) {
    out.push(prefix);
    return;
  }
  const level = levels[depth]!;
  const index = new Map<string, number>();
  const groups: number[][] = [];
  const keys: unknown[] = [];
  for (const r of rows) {
    const v = level.of[r];
    const k = keyOf(v);
    let g = index.get(k);
    if (g === undefined) {
      g = groups.length;
      index.set(k, g);
      groups.push([]);
      keys.push(v);
    }
    groups[g]!.push(r);
  }
  const values = aggregateGroups(level, groups);
  const order = rankGroups(values, level.def.desc);
  const top = order.slice(0, level.count);
  for (const g of top) nest(levels, depth + 1, groups[g]!, [...prefix, keys[g], values[g]], out);
  if (level.othersBelow && order.length > top.length) {
    const rest = order.slice(top.length).flatMap((g) => groups[g]!);
    others(levels, depth, rest, prefix, out);
  }
}

/** The row of an others group from `depth` on. */
function others(levels: Level[], depth: number, rows: number[], prefix: unknown[], out: unknown[][]): void {
  const row = [...prefix];
  for (let d = depth; d < levels.length; d++) {
    const level = levels[d]!;
    if (level.others) row.push(level.others.value, aggregateGroups(level, [rows])[0]);
    else row.push(null, null);
  }
  out.push(row);
}

/** Group indexes by aggregate, highest first (or lowest for asc); nulls last; ties keep order. */
function rankGroups(values: unknown[], desc: boolean): number[] {
  const idx = values.map((_, i) => i);
  idx.sort((a, b) => {
    const x = values[a], y = values[b];
    const xn = x === null || x === undefined, yn = y === null || y === undefined;
    if (xn || yn) return xn === yn ? a - b : xn ? 1 : -1;
    const c = compareValues(x, y);
    return c !== 0 ? (desc ? -c : c) : a - b;
  });
  return idx;
}
