/**
 * activity_metrics(IdColumn, TimelineColumn, [Start, End,] Step [, dim1, ...]): per period and
 * dimension combination, the distinct ids, the ids not seen in the period before, and the
 * retention and churn rates against the period before: retained = ids of both periods,
 * retention_rate = retained / ids of the period before, churn_rate = 1 - retention_rate
 * (NaN when the period before has no ids). Periods without rows are left out.
 */
import { facts } from '../../../diagnostics/facts.js';
import type { Batch } from '../../batch.js';
import { keyOf } from '../../values/index.js';
import { activityArgs, activityGroups, compare, conform, extent, makeAxis, missing, Rows } from './common.js';
import type { Plugin, PluginCall } from './types.js';

async function activityMetrics(call: PluginCall): Promise<Batch> {
  const { tab } = call;
  const a = await activityArgs(call);
  let start: unknown, end: unknown, step: unknown;
  if (a.consts.length >= 3) [start, end, step] = a.consts;
  else if (a.consts.length === 1) { [start, end] = extent(a.times); step = a.consts[0]; }
  else throw facts.runtime('activity_metrics needs [Start, End,] Step', tab.span);
  const axis = makeAxis(a.timeType, step, start, 'activity_metrics', tab.span);
  const out = new Rows([
    { name: a.timeName, type: a.timeType },
    ...a.dims.map((d) => ({ name: d.name, type: d.type })),
    { name: 'dcount_values', type: 'long' }, { name: 'dcount_newvalues', type: 'long' },
    { name: 'retention_rate', type: 'real' }, { name: 'churn_rate', type: 'real' },
  ]);
  for (const g of activityGroups(a, start, end)) {
    const byPeriod = new Map<string, { p: unknown; ids: Set<string> }>();
    for (const i of g.rows) {
      const p = axis.floor(a.times[i]);
      const k = keyOf(p);
      let s = byPeriod.get(k);
      if (!s) { s = { p, ids: new Set() }; byPeriod.set(k, s); }
      if (!missing(a.ids[i])) s.ids.add(keyOf(a.ids[i]));
    }
    for (const s of [...byPeriod.values()].sort((x, y) => compare(x.p, y.p))) {
      const prev = byPeriod.get(keyOf(axis.shift(s.p, -1)))?.ids ?? new Set<string>();
      let retained = 0;
      for (const id of s.ids) if (prev.has(id)) retained++;
      const retention = retained / prev.size;
      out.push([s.p, ...g.keys, s.ids.size, s.ids.size - retained, retention, 1 - retention]);
    }
  }
  return conform(tab, out.batch());
}

export const ACTIVITY_METRICS: Plugin = { name: 'activity_metrics', run: activityMetrics };
