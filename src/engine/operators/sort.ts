/** sort / order by and top: nulls first ascending, last descending, unless `nulls first|last`. */
import type { SortKey, Tab } from '../../kql/plan.js';
import { type Batch, type BatchStream, collect, takeRows } from '../batch.js';
import type { ExecContext } from '../context.js';
import { compileExpr } from '../expr.js';
import { ExprCache, evalColumn, prepareAll, run } from '../run.js';
import { compareValues } from '../values/index.js';

function isNull(v: unknown): boolean {
  return v === null || v === undefined;
}

export function sortIndices(b: Batch, keys: SortKey[], caches: ExprCache[]): number[] {
  const cols = caches.map((c) => evalColumn(c.compiled(b.fields), b));
  const idx = Array.from({ length: b.length }, (_, i) => i);
  idx.sort((x, y) => {
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      const a = cols[k]![x], c = cols[k]![y];
      const an = isNull(a), cn = isNull(c);
      if (an || cn) {
        if (an && cn) continue;
        return an === key.nullsFirst ? -1 : 1;
      }
      const r = compareValues(a, c);
      if (r !== 0) return key.desc ? -r : r;
    }
    return x - y;
  });
  return idx;
}

export async function* sortOp(tab: Tab & { op: 'sort' }, ctx: ExecContext): BatchStream {
  await prepareAll(tab.keys.map((k) => k.expr), ctx);
  const b = await collect(run(tab.input, ctx), tab.input.schema);
  const caches = tab.keys.map((k) => new ExprCache(k.expr, ctx));
  yield takeRows(b, sortIndices(b, tab.keys, caches));
}

export async function* topOp(tab: Tab & { op: 'top' }, ctx: ExecContext): BatchStream {
  await prepareAll([tab.count, ...tab.keys.map((k) => k.expr)], ctx);
  const c = compileExpr(tab.count, [], ctx);
  const n = c.constant ? Number(c.value ?? 0) : 0;
  const b = await collect(run(tab.input, ctx), tab.input.schema);
  const caches = tab.keys.map((k) => new ExprCache(k.expr, ctx));
  yield takeRows(b, sortIndices(b, tab.keys, caches).slice(0, Math.max(0, n)));
}
