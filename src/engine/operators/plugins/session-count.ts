/**
 * session_count(IdColumn, TimelineColumn, Start, End, Bin, LookBackWindow [, dim1, ...]): per
 * bin (bin()-aligned) and dimension combination, the sessions that start in it. An id's row
 * starts a session unless the same id has a row less than LookBackWindow before it. Bins
 * without rows are left out.
 */
import { facts } from '../../../diagnostics/facts.js';
import type { Batch } from '../../batch.js';
import { keyOf } from '../../values/index.js';
import { activityArgs, activityGroups, compare, conform, makeAxis, missing, plus, Rows } from './common.js';
import type { Plugin, PluginCall } from './types.js';

async function sessionCount(call: PluginCall): Promise<Batch> {
  const { tab } = call;
  const a = await activityArgs(call);
  if (a.consts.length < 4) throw facts.runtime('session_count needs Start, End, Bin and LookBackWindow', tab.span);
  const [start, end, bin, lookback] = a.consts;
  const axis = makeAxis(a.timeType, bin, 'bin', 'session_count', tab.span);
  const out = new Rows([
    { name: a.timeName, type: a.timeType },
    ...a.dims.map((d) => ({ name: d.name, type: d.type })),
    { name: 'count_sessions', type: 'long' },
  ]);
  for (const g of activityGroups(a, start, end)) {
    const rows = g.rows.slice().sort((x, y) => compare(a.times[x], a.times[y]));
    const counts = new Map<string, { p: unknown; n: number }>();
    const last = new Map<string, unknown>();
    for (const i of rows) {
      const t = a.times[i];
      const p = axis.floor(t);
      const pk = keyOf(p);
      let c = counts.get(pk);
      if (!c) { c = { p, n: 0 }; counts.set(pk, c); }
      if (missing(a.ids[i])) continue;
      const id = keyOf(a.ids[i]);
      const prev = last.get(id);
      if (prev === undefined || compare(plus(prev, lookback), t) <= 0) c.n++;
      last.set(id, t);
    }
    for (const c of [...counts.values()].sort((x, y) => compare(x.p, y.p))) out.push([c.p, ...g.keys, c.n]);
  }
  return conform(tab, out.batch());
}

export const SESSION_COUNT: Plugin = { name: 'session_count', run: sessionCount };
