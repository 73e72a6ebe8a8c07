/**
 * activity_counts_metrics(IdColumn, TimelineColumn, Start, End, Step [, dim1, ...]): per period
 * (Step-sized, counted from Start; or calendar week/month/year) and dimension combination, the
 * rows, the distinct ids, the ids never seen in an earlier period, and the distinct ids of all
 * periods so far. Periods without rows are left out.
 */
import { facts } from '../../../diagnostics/facts.js';
import type { Batch } from '../../batch.js';
import { keyOf } from '../../values/index.js';
import { activityArgs, activityGroups, compare, conform, makeAxis, missing, Rows } from './common.js';
import type { Plugin, PluginCall } from './types.js';

async function activityCountsMetrics(call: PluginCall): Promise<Batch> {
  const { tab } = call;
  const a = await activityArgs(call);
  if (a.consts.length < 3) throw facts.runtime('activity_counts_metrics needs Start, End and Step', tab.span);
  const [start, end, step] = a.consts;
  const axis = makeAxis(a.timeType, step, start, 'activity_counts_metrics', tab.span);
  const out = new Rows([
    { name: a.timeName, type: a.timeType },
    ...a.dims.map((d) => ({ name: d.name, type: d.type })),
    { name: 'count', type: 'long' }, { name: 'dcount', type: 'long' },
    { name: 'new_dcount', type: 'long' }, { name: 'aggregated_dcount', type: 'long' },
  ]);
  for (const g of activityGroups(a, start, end)) {
    const byPeriod = new Map<string, { p: unknown; count: number; ids: Set<string> }>();
    for (const i of g.rows) {
      const p = axis.floor(a.times[i]);
      const k = keyOf(p);
      let s = byPeriod.get(k);
      if (!s) { s = { p, count: 0, ids: new Set() }; byPeriod.set(k, s); }
      s.count++;
      if (!missing(a.ids[i])) s.ids.add(keyOf(a.ids[i]));
    }
    const seen = new Set<string>();
    for (const s of [...byPeriod.values()].sort((x, y) => compare(x.p, y.p))) {
      let fresh = 0;
      for (const id of s.ids) if (!seen.has(id)) { fresh++; seen.add(id); }
      out.push([s.p, ...g.keys, s.count, s.ids.size, fresh, seen.size]);
    }
  }
  return conform(tab, out.batch());
}

export const ACTIVITY_COUNTS_METRICS: Plugin = { name: 'activity_counts_metrics', run: activityCountsMetrics };
