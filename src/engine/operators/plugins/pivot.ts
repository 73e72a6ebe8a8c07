/**
 * pivot(PivotColumn [, AggregationFunction] [, Column1, ...]): one output column per distinct
 * value of the pivot column, holding the aggregate (count() by default) of its rows per group.
 * The groups are the given columns, or every column but the pivoted and aggregated ones.
 */
import { facts } from '../../../diagnostics/facts.js';
import type { Expr, Field } from '../../../kql/plan.js';
import type { Batch } from '../../batch.js';
import { isAggregate } from '../../aggregates/registry.js';
import { ExprCache } from '../../run.js';
import { keyOf, textOutput } from '../../values/index.js';
import { GroupAggregates } from '../make-series.js';
import { explicitSchema, input, project } from './common.js';
import type { Plugin, PluginCall } from './types.js';

/** Column names an expression reads. */
function columnsOf(e: Expr, out: Set<string>): Set<string> {
  if (e.kind === 'column') out.add(e.name);
  else if (e.kind === 'call') for (const a of e.args) columnsOf(a, out);
  return out;
}

async function pivot(call: PluginCall): Promise<Batch> {
  const { tab, ctx, positional } = call;
  const pivotExpr = positional[0];
  if (!pivotExpr) throw facts.runtime('pivot needs the column to pivot', tab.span);
  const aggExpr: Expr = positional[1] && positional[1].kind === 'call' && isAggregate(positional[1].fn)
    ? positional[1]
    : { kind: 'call', fn: 'count', args: [], type: 'long', span: tab.span };
  const groupExprs = positional.slice(positional[1] === aggExpr ? 2 : 1);
  const b = await input(call);

  let groupCols: { name: string; expr: Expr }[];
  if (groupExprs.length) {
    groupCols = groupExprs.map((e) => ({ name: e.kind === 'column' ? e.name : 'Column1', expr: e }));
  } else {
    const used = columnsOf(aggExpr, columnsOf(pivotExpr, new Set()));
    groupCols = b.fields.filter((f) => !used.has(f.name)).map((f) => ({ name: f.name, expr: { kind: 'column', name: f.name, type: f.type, span: tab.span } }));
  }
  const pivotC = new ExprCache(pivotExpr, ctx);
  const pivotValues = pivotC.column(b);
  const pivotType = pivotC.compiled(b.fields).type;
  const groupCaches = groupCols.map((g) => new ExprCache(g.expr, ctx));
  const keyCols = groupCaches.map((c) => c.column(b));
  const aggs = new GroupAggregates([aggExpr], ctx);
  const args = aggs.argColumns(b);

  const groups = new Map<string, number>();
  const groupKeys: unknown[][] = [];
  const pivots = new Map<string, number>();
  const pivotNames: string[] = [];
  const cells = new Map<number, unknown[]>();
  for (let i = 0; i < b.length; i++) {
    let key = '';
    for (const col of keyCols) key += keyOf(col[i]) + '\u0001';
    let g = groups.get(key);
    if (g === undefined) { g = groupKeys.length; groups.set(key, g); groupKeys.push(keyCols.map((c) => c[i])); }
    const name = textOutput(pivotType, pivotValues[i]);
    let p = pivots.get(name);
    if (p === undefined) { p = pivotNames.length; pivots.set(name, p); pivotNames.push(name); }
    const cell = g * 0x100000 + p;
    let st = cells.get(cell);
    if (!st) { st = aggs.init(); cells.set(cell, st); }
    aggs.add(st, args, i);
  }
  if (pivotNames.length > 0x100000) throw facts.runtime('pivot: too many distinct values', tab.span);
  // Every (group, value) cell, the empty ones too (count() and sum() give 0 there).
  const states: unknown[][] = [];
  for (let g = 0; g < groupKeys.length; g++) {
    for (let p = 0; p < pivotNames.length; p++) states.push(cells.get(g * 0x100000 + p) ?? aggs.init());
  }
  const result = aggs.results(states)[0]!;
  const fields: Field[] = [
    ...groupCols.map((g, k) => ({ name: g.name, type: groupCaches[k]!.compiled(b.fields).type })),
    ...pivotNames.map((name) => ({ name, type: result.type })),
  ];
  const np = pivotNames.length;
  const columns: unknown[][] = [
    ...groupCols.map((_, k) => groupKeys.map((key) => key[k])),
    ...pivotNames.map((_, p) => groupKeys.map((_k, g) => result.values[g * np + p])),
  ];
  if (explicitSchema(tab, fields.slice(0, groupCols.length))) return project(tab.schema, fields, columns, groupKeys.length);
  return { fields, columns, length: groupKeys.length };
}

export const PIVOT: Plugin = { name: 'pivot', run: pivot };
