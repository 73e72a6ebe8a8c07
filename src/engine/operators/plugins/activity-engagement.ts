/**
 * activity_engagement(IdColumn, TimelineColumn, [Start, End,] InnerActivityWindow,
 * OuterActivityWindow [, dim1, ...]): per inner window (counted from Start) and dimension
 * combination, the distinct ids in the inner window, the distinct ids in the outer window that
 * ends where the inner one ends, and their ratio (e.g. DAU/WAU). Windows without rows are left out.
 */
import { facts } from '../../../diagnostics/facts.js';
import type { Batch } from '../../batch.js';
import { keyOf } from '../../values/index.js';
import { activityArgs, activityGroups, compare, conform, extent, lowerBound, makeAxis, missing, plus, Rows } from './common.js';
import type { Plugin, PluginCall } from './types.js';

async function activityEngagement(call: PluginCall): Promise<Batch> {
  const { tab } = call;
  const a = await activityArgs(call);
  let start: unknown, end: unknown, inner: unknown, outer: unknown;
  if (a.consts.length >= 4) [start, end, inner, outer] = a.consts;
  else if (a.consts.length === 2) { [start, end] = extent(a.times); [inner, outer] = a.consts; }
  else throw facts.runtime('activity_engagement needs [Start, End,] InnerActivityWindow, OuterActivityWindow', tab.span);
  if (outer === null || outer === undefined || typeof outer === 'string') throw facts.runtime('activity_engagement: OuterActivityWindow must be a timespan', tab.span);
  const axis = makeAxis(a.timeType, inner, start, 'activity_engagement', tab.span);
  const out = new Rows([
    { name: a.timeName, type: a.timeType },
    ...a.dims.map((d) => ({ name: d.name, type: d.type })),
    { name: 'dcount_activities_inner', type: 'long' }, { name: 'dcount_activities_outer', type: 'long' },
    { name: 'activity_ratio', type: 'real' },
  ]);
  for (const g of activityGroups(a, start, end)) {
    const rows = g.rows.slice().sort((x, y) => compare(a.times[x], a.times[y]));
    const times = rows.map((i) => a.times[i]);
    const starts = new Map<string, unknown>();
    for (const t of times) {
      const p = axis.floor(t);
      starts.set(keyOf(p), p);
    }
    for (const p of [...starts.values()].sort(compare)) {
      const next = axis.shift(p, 1);
      const distinct = (from: unknown) => {
        const ids = new Set<string>();
        for (let k = lowerBound(times, from); k < times.length && compare(times[k], next) < 0; k++) {
          const id = a.ids[rows[k]!];
          if (!missing(id)) ids.add(keyOf(id));
        }
        return ids.size;
      };
      const innerCount = distinct(p);
      const outerCount = distinct(plus(next, outer, -1));
      out.push([p, ...g.keys, innerCount, outerCount, innerCount / outerCount]);
    }
  }
  return conform(tab, out.batch());
}

export const ACTIVITY_ENGAGEMENT: Plugin = { name: 'activity_engagement', run: activityEngagement };
