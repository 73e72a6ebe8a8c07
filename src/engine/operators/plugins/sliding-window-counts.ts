/**
 * sliding_window_counts(IdColumn, TimelineColumn, Start, End, LookbackWindow, Bin [, dim1, ...]):
 * per period (Bin-sized, counted from Start) from Start to End and dimension combination, the
 * rows and distinct ids of the LookbackWindow that ends with the period (LookbackWindow rounded
 * down to whole bins). Periods whose window has no rows are left out.
 */
import { facts } from '../../../diagnostics/facts.js';
import type { Batch } from '../../batch.js';
import { keyOf } from '../../values/index.js';
import { activityArgs, activityGroups, conform, makeAxis, missing, periods, Rows } from './common.js';
import type { Plugin, PluginCall } from './types.js';

/** How many bins a lookback window spans (at least one). */
function binsPerWindow(lookback: unknown, bin: unknown): number {
  if (typeof bin === 'string') {
    const days = { week: 7, month: 30, year: 365 }[bin.toLowerCase()] ?? 1;
    return Math.max(1, Math.floor(Number(lookback) / (days * 864_000_000_000)));
  }
  return Math.max(1, Math.floor(Number(lookback) / Number(bin)));
}

async function slidingWindowCounts(call: PluginCall): Promise<Batch> {
  const { tab } = call;
  const a = await activityArgs(call);
  if (a.consts.length < 4) throw facts.runtime('sliding_window_counts needs Start, End, LookbackWindow and Bin', tab.span);
  const [start, end, lookback, bin] = a.consts;
  const axis = makeAxis(a.timeType, bin, start, 'sliding_window_counts', tab.span);
  const all = periods(axis, start, end, 'sliding_window_counts', tab.span);
  const index = new Map(all.map((p, i) => [keyOf(p), i]));
  const width = binsPerWindow(lookback, bin);
  const out = new Rows([
    { name: a.timeName, type: a.timeType },
    ...a.dims.map((d) => ({ name: d.name, type: d.type })),
    { name: 'Count', type: 'long' }, { name: 'Dcount', type: 'long' },
  ]);
  for (const g of activityGroups(a, start, end)) {
    const counts = all.map(() => 0);
    const ids = all.map(() => new Set<string>());
    for (const i of g.rows) {
      const k = index.get(keyOf(axis.floor(a.times[i])));
      if (k === undefined) continue;
      counts[k]!++;
      if (!missing(a.ids[i])) ids[k]!.add(keyOf(a.ids[i]));
    }
    for (let k = 0; k < all.length; k++) {
      let count = 0;
      const distinct = new Set<string>();
      for (let j = Math.max(0, k - width + 1); j <= k; j++) {
        count += counts[j]!;
        for (const id of ids[j]!) distinct.add(id);
      }
      if (count > 0) out.push([all[k], ...g.keys, count, distinct.size]);
    }
  }
  return conform(tab, out.batch());
}

export const SLIDING_WINDOW_COUNTS: Plugin = { name: 'sliding_window_counts', run: slidingWindowCounts };
