/**
 * active_users_count(IdColumn, TimelineColumn, Start, End, LookbackWindow, Period,
 * ActivePeriodsCount, Bin [, dim1, ...]): per period (Bin-sized, counted from Start) and
 * dimension combination, the distinct ids with an active appearance in it. An appearance at t
 * is active when the id appears in at least ActivePeriodsCount distinct Periods within
 * (t - LookbackWindow, t]; appearances before Start count towards that. Periods without active
 * ids are left out.
 */
import { facts } from '../../../diagnostics/facts.js';
import type { Batch } from '../../batch.js';
import { keyOf } from '../../values/index.js';
import { activityArgs, activityGroups, compare, conform, makeAxis, missing, plus, Rows } from './common.js';
import type { Plugin, PluginCall } from './types.js';

async function activeUsersCount(call: PluginCall): Promise<Batch> {
  const { tab } = call;
  const a = await activityArgs(call);
  if (a.consts.length < 6) throw facts.runtime('active_users_count needs Start, End, LookbackWindow, Period, ActivePeriodsCount and Bin', tab.span);
  const [start, end, lookback, period, activeCount, bin] = a.consts;
  const need = Number(activeCount);
  const binAxis = makeAxis(a.timeType, bin, start, 'active_users_count', tab.span);
  const periodAxis = makeAxis(a.timeType, period, start, 'active_users_count', tab.span);
  const out = new Rows([
    { name: a.timeName, type: a.timeType },
    ...a.dims.map((d) => ({ name: d.name, type: d.type })),
    { name: 'dcount', type: 'long' },
  ]);
  // Rows up to End: the lookback reaches back before Start.
  for (const g of activityGroups(a, null, end)) {
    const byId = new Map<string, number[]>();
    for (const i of g.rows) {
      if (missing(a.ids[i])) continue;
      const id = keyOf(a.ids[i]);
      let r = byId.get(id);
      if (!r) { r = []; byId.set(id, r); }
      r.push(i);
    }
    const active = new Map<string, { p: unknown; ids: Set<string> }>();
    for (const [id, rows] of byId) {
      rows.sort((x, y) => compare(a.times[x], a.times[y]));
      // A sliding window over the id's appearances, counting rows per period.
      const inWindow = new Map<string, number>();
      let lo = 0;
      for (let hi = 0; hi < rows.length; hi++) {
        const t = a.times[rows[hi]!];
        const pk = keyOf(periodAxis.floor(t));
        inWindow.set(pk, (inWindow.get(pk) ?? 0) + 1);
        const from = plus(t, lookback, -1);
        while (compare(a.times[rows[lo]!], from) <= 0) {
          const k = keyOf(periodAxis.floor(a.times[rows[lo]!]));
          const n = inWindow.get(k)! - 1;
          if (n === 0) inWindow.delete(k); else inWindow.set(k, n);
          lo++;
        }
        if (compare(t, start) < 0 || inWindow.size < need) continue;
        const p = binAxis.floor(t);
        const bk = keyOf(p);
        let s = active.get(bk);
        if (!s) { s = { p, ids: new Set() }; active.set(bk, s); }
        s.ids.add(id);
      }
    }
    for (const s of [...active.values()].sort((x, y) => compare(x.p, y.p))) out.push([s.p, ...g.keys, s.ids.size]);
  }
  return conform(tab, out.batch());
}

export const ACTIVE_USERS_COUNT: Plugin = { name: 'active_users_count', run: activeUsersCount };
