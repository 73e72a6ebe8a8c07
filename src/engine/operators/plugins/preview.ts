/**
 * preview(NumberOfRows): Kusto returns two tables, the first NumberOfRows rows and the row count.
 * A query here has one result, so this gives the first table (as `take`).
 */
import { type Batch, takeRows } from '../../batch.js';
import { constant, input } from './common.js';
import type { Plugin, PluginCall } from './types.js';

async function preview(call: PluginCall): Promise<Batch> {
  const n = Math.max(0, Number(constant(call.positional[0], call.ctx) ?? 0));
  const b = await input(call);
  if (b.length <= n) return b;
  return takeRows(b, Array.from({ length: n }, (_, i) => i));
}

export const PREVIEW: Plugin = { name: 'preview', run: preview };
