/**
 * summarize: hash aggregation. Each aggregate call inside the output expressions gets a slot;
 * rows are grouped by the `by` keys and fed to each slot's accumulator; then the output
 * expressions are evaluated over the per-group slot values (so `count() * 2` works).
 */
import { facts } from '../../diagnostics/facts.js';
import type { Expr, Field, Tab } from '../../kql/plan.js';
import type { ScalarType } from '../../schema/types.js';
import type { Batch, BatchStream } from '../batch.js';
import type { ExecContext } from '../context.js';
import { aggregateFunction, isAggregate } from '../aggregates/registry.js';
import type { Accumulator } from '../aggregates/types.js';
import { compileExpr } from '../expr.js';
import { ExprCache, evalColumn, prepareAll, run } from '../run.js';
import { castValue } from '../cast.js';
import { GroupIndex } from '../values/group-index.js';

interface Slot {
  name: string;
  call: Expr & { kind: 'call' };
  acc: Accumulator;
  args: (ExprCache | 'star')[];
  /** For `*` arguments: the input columns it stands for. */
  starColumns: string[];
  /** One output column: a row-valued result (arg_max(x, *) with nothing else to return) gives its first value. */
  single: boolean;
}

/** Replaces aggregate calls by references to slot columns; returns the rewritten expression. */
function extractAggregates(e: Expr, slots: Slot[], make: (call: Expr & { kind: 'call' }) => Slot): Expr {
  if (e.kind !== 'call') return e;
  if (isAggregate(e.fn)) {
    const slot = make(e);
    slots.push(slot);
    return { kind: 'column', name: slot.name, type: e.type, span: e.span };
  }
  return { ...e, args: e.args.map((a) => extractAggregates(a, slots, make)) };
}

export async function* summarize(tab: Tab & { op: 'summarize' }, ctx: ExecContext): BatchStream {
  const inputSchema = tab.input.schema;
  const byNames = new Set(tab.by.map((b) => b.name));
  const slots: Slot[] = [];
  const outputs = tab.aggregates.map((a) => {
    const names = a.name.split('\u0000');
    const multi = names.length > 1;
    const expr = extractAggregates(a.expr, slots, (call) => {
      const def = aggregateFunction(call.fn)!;
      let starColumns: string[] = [];
      const args = call.args.map((x) => (x.kind === 'star' ? 'star' as const : new ExprCache(x, ctx)));
      if (call.args.some((x) => x.kind === 'star')) {
        if (call.fn === 'count') {
          starColumns = [];
        } else if (multi) {
          // arg_max(key, *): the columns after the key, by the names the binder gave them;
          // take_any(*): all of them.
          starColumns = call.args[0]?.kind === 'star' ? names : names.slice(1);
        } else {
          starColumns = inputSchema.map((f) => f.name).filter((n) => !byNames.has(n));
        }
      }
      const argInfo = call.args.flatMap((x) => (x.kind === 'star'
        ? starColumns.map((n) => ({ type: inputSchema.find((f) => f.name === n)?.type ?? 'dynamic' as ScalarType, constant: false }))
        : [{ type: (x as { type: ScalarType }).type, constant: x.kind === 'literal', value: x.kind === 'literal' ? x.value : undefined }]));
      // count(*) is count(): the star stands for the row, not for values.
      const rowCount = call.fn === 'count' && call.args.every((x) => x.kind === 'star');
      let acc: Accumulator;
      try {
        acc = def.bind({ args: rowCount ? [] : argInfo, resultType: call.type, span: call.span });
      } catch (e) {
        if ((e as { diagnostic?: unknown }).diagnostic) throw e;
        throw facts.runtime(`${call.fn}: ${(e as Error).message}`, call.span);
      }
      return { name: `\u0000agg${slots.length}`, call, acc, args: rowCount ? [] : args, starColumns, single: !multi };
    });
    return { names, expr, multi };
  });
  await prepareAll([...tab.by.map((b) => b.expr), ...tab.aggregates.map((a) => a.expr)], ctx);
  const byCaches = tab.by.map((b) => new ExprCache(b.expr, ctx));

  const groups = new GroupIndex(tab.by.length);
  const groupKeys: unknown[][] = tab.by.map(() => []);
  const states: unknown[][] = slots.map(() => []);
  let byTypes: ScalarType[] | undefined;

  for await (const b of run(tab.input, ctx)) {
    if (b.length === 0) continue;
    const keyCols = byCaches.map((c) => evalColumn(c.compiled(b.fields), b));
    byTypes ??= byCaches.map((c) => c.compiled(b.fields).type);
    const argCols = slots.map((s) => s.args.flatMap((a) => {
      if (a === 'star') return s.starColumns.map((n) => {
        const i = b.fields.findIndex((f) => f.name === n);
        return i >= 0 ? b.columns[i]! : new Array(b.length).fill(null);
      });
      return [evalColumn(a.compiled(b.fields), b)];
    }));
    const nk = keyCols.length;
    for (let i = 0; i < b.length; i++) {
      const g = groups.group(keyCols, i);
      if (groups.isNew) {
        for (let k = 0; k < nk; k++) groupKeys[k]!.push(keyCols[k]![i]);
        for (let s = 0; s < slots.length; s++) states[s]!.push(slots[s]!.acc.init());
      }
      for (let s = 0; s < slots.length; s++) {
        const cols = argCols[s]!;
        const st = states[s]!;
        const acc = slots[s]!.acc;
        switch (cols.length) {
          case 0: st[g] = acc.add(st[g]); break;
          case 1: st[g] = acc.add(st[g], cols[0]![i]); break;
          case 2: st[g] = acc.add(st[g], cols[0]![i], cols[1]![i]); break;
          default: st[g] = acc.add(st[g], ...cols.map((c) => c[i]));
        }
      }
    }
  }
  // No groups and no keys: one row of empty aggregates (count() = 0), as Kusto returns.
  if (groups.size === 0 && tab.by.length === 0) {
    groups.group([], 0);
    for (let s = 0; s < slots.length; s++) states[s]!.push(slots[s]!.acc.init());
  }
  const n = groups.size;
  const slotFields: Field[] = slots.map((s) => ({ name: s.name, type: s.call.type }));
  const slotColumns = slots.map((s, k) => states[k]!.map((st) => {
    const r = s.acc.result(st);
    return s.single && s.starColumns.length && Array.isArray(r) && s.call.type !== 'dynamic' ? r[0] : r;
  }));
  const fields: Field[] = [];
  const columns: unknown[][] = [];
  tab.by.forEach((b, k) => {
    const type = tab.schema.find((f) => f.name === b.name)?.type ?? byTypes?.[k] ?? 'dynamic';
    fields.push({ name: b.name, type });
    const from = byTypes?.[k] ?? type;
    columns.push(from === type ? groupKeys[k]! : groupKeys[k]!.map((v) => castValue(from, type, v)));
  });
  const slotBatch: Batch = { fields: slotFields, columns: slotColumns, length: n };
  for (const o of outputs) {
    if (o.multi) {
      // A tuple-valued aggregate (arg_max, percentiles): its result array spreads over columns.
      const slotIdx = o.expr.kind === 'column' ? slotFields.findIndex((f) => f.name === (o.expr as { name: string }).name) : -1;
      if (slotIdx < 0) throw facts.unsupportedSyntax('an expression over a multi-column aggregate', o.expr.span);
      const results = slotColumns[slotIdx]!;
      o.names.forEach((name, j) => {
        const type = tab.schema.find((f) => f.name === name)?.type ?? 'dynamic';
        fields.push({ name, type });
        columns.push(results.map((r) => (Array.isArray(r) ? r[j] ?? (type === 'string' ? '' : null) : null)));
      });
      continue;
    }
    const c = compileExpr(o.expr, slotFields, ctx);
    const name = o.names[0]!;
    const type = tab.schema.find((f) => f.name === name)?.type ?? c.type;
    fields.push({ name, type });
    const col = evalColumn(c, slotBatch);
    columns.push(c.type === type ? col : col.map((v) => castValue(c.type, type, v)));
  }
  yield { fields, columns, length: n };
}
