/**
 * rows_near(Condition, NumRows [, RowsAfter]): the rows (in input order) within NumRows rows
 * before, or RowsAfter rows after (NumRows by default), a row where Condition is true.
 */
import { facts } from '../../../diagnostics/facts.js';
import { type Batch, takeRows } from '../../batch.js';
import { columnArg, constant, input } from './common.js';
import type { Plugin, PluginCall } from './types.js';

async function rowsNear(call: PluginCall): Promise<Batch> {
  const { tab, ctx, positional } = call;
  const [condExpr, beforeExpr, afterExpr] = positional;
  if (!condExpr || !beforeExpr) throw facts.runtime('rows_near needs a condition and a number of rows', tab.span);
  const before = Math.max(0, Number(constant(beforeExpr, ctx) ?? 0));
  const after = afterExpr ? Math.max(0, Number(constant(afterExpr, ctx) ?? 0)) : before;
  const b = await input(call);
  const cond = columnArg(condExpr, b, ctx).values;
  const keep = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i++) {
    if (cond[i] !== true) continue;
    const hi = Math.min(b.length - 1, i + after);
    for (let j = Math.max(0, i - before); j <= hi; j++) keep[j] = 1;
  }
  const rows: number[] = [];
  for (let i = 0; i < b.length; i++) if (keep[i]) rows.push(i);
  return takeRows(b, rows);
}

export const ROWS_NEAR: Plugin = { name: 'rows_near', run: rowsNear };
