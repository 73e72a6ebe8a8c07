/**
 * dcount_intersect(hll_1, hll_2 [, hll_3, ...]): per row, the input columns and s0..s(n-1):
 * the distinct count of S1, of S1 ∩ S2, ..., of S1 ∩ ... ∩ Sn, where Si are the values the hll()
 * results hold. Our hll values keep every hash, so the counts are exact.
 */
import { facts } from '../../../diagnostics/facts.js';
import type { Field } from '../../../kql/plan.js';
import type { Batch } from '../../batch.js';
import { readHll } from '../../functions/sketch.js';
import { columnArg, conform, input } from './common.js';
import type { Plugin, PluginCall } from './types.js';

async function dcountIntersect(call: PluginCall): Promise<Batch> {
  const { tab, ctx, positional } = call;
  if (positional.length < 2 || positional.length > 16) throw facts.runtime('dcount_intersect takes 2 to 16 hll values', tab.span);
  const b = await input(call);
  const sketches = positional.map((e) => columnArg(e, b, ctx).values);
  const counts: unknown[][] = sketches.map(() => new Array(b.length).fill(null));
  for (let i = 0; i < b.length; i++) {
    let common: string[] = [];
    for (let k = 0; k < sketches.length; k++) {
      const h = readHll(sketches[k]![i]);
      if (h === null) break;
      const hashes = new Set(h.hashes.map(String));
      common = k === 0 ? [...hashes] : common.filter((x) => hashes.has(x));
      counts[k]![i] = common.length;
    }
  }
  const fields: Field[] = [...b.fields, ...sketches.map((_, k) => ({ name: `s${k}`, type: 'long' as const }))];
  return conform(tab, { fields, columns: [...b.columns, ...counts], length: b.length });
}

export const DCOUNT_INTERSECT: Plugin = { name: 'dcount_intersect', run: dcountIntersect };
