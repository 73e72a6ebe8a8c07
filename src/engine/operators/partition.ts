/**
 * partition: the subquery runs once per distinct key value (nulls form one partition), over
 * that partition's rows; or, for the `{ ... }` form, with only the key readable (toscalar).
 * The results are concatenated, partitions in order of first appearance.
 */
import type { Field, Tab } from '../../kql/plan.js';
import { type Batch, type BatchStream, collect, emptyBatch, fieldIndex, takeRows } from '../batch.js';
import type { ExecContext } from '../context.js';
import { castValue } from '../cast.js';
import { ExprCache, prepareAll, run } from '../run.js';
import { keyOf } from '../values/index.js';
import { childContext, dependentNodes } from './subquery.js';

type Partition = Tab & { op: 'partition' };

export async function* partitionOp(tab: Partition, ctx: ExecContext): BatchStream {
  await prepareAll([tab.key], ctx);
  const b = await collect(run(tab.input, ctx), tab.input.schema);
  const cache = new ExprCache(tab.key, ctx);
  const keys = cache.column(b);
  const keyType = cache.compiled(b.fields).type;
  const groups = new Map<string, { value: unknown; rows: number[] }>();
  for (let i = 0; i < b.length; i++) {
    const k = keyOf(keys[i]);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { value: keys[i], rows: [] }));
    g.rows.push(i);
  }
  const local = dependentNodes(tab.subquery, tab.refName);
  const keyFields: Field[] = [{ name: 'key', type: keyType }];
  let any = false;
  for (const g of groups.values()) {
    const input: Batch = tab.scalarKey ? { fields: keyFields, columns: [[g.value]], length: 1 } : takeRows(b, g.rows);
    const child = childContext(ctx, local, tab.refName, input);
    for await (const out of run(tab.subquery, child)) {
      if (out.length === 0) continue;
      any = true;
      yield conform(out, tab.schema);
    }
  }
  if (!any) yield emptyBatch(tab.schema);
}

/** A partition's result in the operator's columns (partitions may differ in column order). */
function conform(b: Batch, schema: Field[]): Batch {
  if (schema.length === 0) return b;
  if (b.fields.length === schema.length && b.fields.every((f, i) => f.name === schema[i]!.name && f.type === schema[i]!.type)) return b;
  const columns = schema.map((f) => {
    const k = fieldIndex(b.fields, f.name);
    if (k < 0) return new Array(b.length).fill(f.type === 'string' ? '' : null);
    const from = b.fields[k]!.type;
    return from === f.type ? b.columns[k]! : b.columns[k]!.map((v) => castValue(from, f.type, v));
  });
  return { fields: schema, columns, length: b.length };
}
