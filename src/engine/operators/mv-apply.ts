/**
 * mv-apply: each input row is expanded (as mv-expand would) into a small table, the subquery
 * runs over it, and its rows come out with the row's other columns added back.
 */
import type { Field, Tab } from '../../kql/plan.js';
import { type Batch, type BatchStream, collect, emptyBatch, fieldIndex, takeRows } from '../batch.js';
import type { ExecContext } from '../context.js';
import { castValue } from '../cast.js';
import { run } from '../run.js';
import { childContext, dependentNodes } from './subquery.js';

type MvApply = Tab & { op: 'mv-apply' };

export async function* mvApplyOp(tab: MvApply, ctx: ExecContext): BatchStream {
  const local = dependentNodes(tab.subquery, tab.rowName);
  let any = false;
  for await (const b of run(tab.input, ctx)) {
    let fields: Field[] | undefined;
    let columns: unknown[][] = [];
    for (let i = 0; i < b.length; i++) {
      const child = childContext(ctx, local, tab.rowName, takeRows(b, [i]));
      const out = await collect(run(tab.subquery, child), tab.subquery.schema);
      if (out.length === 0) continue;
      fields ??= outputFields(tab, b, out);
      if (columns.length === 0) columns = fields.map(() => []);
      appendRows(fields, columns, b, i, out);
    }
    if (fields && columns[0]!.length > 0) {
      any = true;
      yield { fields, columns, length: columns[0]!.length };
    }
  }
  if (!any) yield emptyBatch(tab.schema);
}

/** The binder's result columns; without them, the row's remaining columns then the subquery's. */
function outputFields(tab: MvApply, row: Batch, out: Batch): Field[] {
  if (tab.schema.length > 0) return tab.schema;
  const expanded = new Set(tab.expand.op === 'mv-expand' ? tab.expand.items.map((i) => i.name) : []);
  return [...row.fields.filter((f) => !expanded.has(f.name) && fieldIndex(out.fields, f.name) < 0), ...out.fields];
}

/** Adds the subquery's rows for input row `i`: its own columns by name, else the row's value. */
function appendRows(fields: Field[], columns: unknown[][], row: Batch, i: number, out: Batch): void {
  fields.forEach((f, c) => {
    const dst = columns[c]!;
    const k = fieldIndex(out.fields, f.name);
    if (k >= 0) {
      const from = out.fields[k]!.type;
      const src = out.columns[k]!;
      for (let r = 0; r < out.length; r++) dst.push(from === f.type ? src[r] : castValue(from, f.type, src[r]));
      return;
    }
    const j = fieldIndex(row.fields, f.name);
    const v = j >= 0 ? row.columns[j]![i] : f.type === 'string' ? '' : null;
    for (let r = 0; r < out.length; r++) dst.push(v);
  });
}
