/**
 * new_activity_metrics(IdColumn, TimelineColumn, Start, End, Window [, Cohort] [, dim1, ...]
 * [, Lookback]): for each cohort of new ids (first seen in a period counted from Start; ids of the
 * Lookback table count as seen before) and each period from the cohort's on:
 *   dcount_new_values: ids of the later period not seen up to the cohort's period (the cohort's
 *     size in its own period); dcount_retained_values / dcount_churn_values: cohort ids seen / not
 *     seen in the later period; the rates divide those by the cohort's size.
 * Every period from Start to End is reported, with or without rows.
 */
import { facts } from '../../../diagnostics/facts.js';
import type { Batch } from '../../batch.js';
import { fieldIndex } from '../../batch.js';
import { keyOf } from '../../values/index.js';
import { activityArgs, activityGroups, conform, makeAxis, missing, periods, Rows, tableArg } from './common.js';
import type { Plugin, PluginCall } from './types.js';

async function lookbackIds(call: PluginCall, idName: string | null, table: PluginCall['positional'][number] | undefined): Promise<Set<string>> {
  const ids = new Set<string>();
  if (!table) return ids;
  const b = await tableArg(table, call, 'Lookback');
  let col = idName === null ? -1 : fieldIndex(b.fields, idName);
  if (col < 0) col = 0;
  for (const v of b.columns[col] ?? []) if (!missing(v)) ids.add(keyOf(v));
  return ids;
}

async function newActivityMetrics(call: PluginCall): Promise<Batch> {
  const { tab, positional } = call;
  const a = await activityArgs(call);
  if (a.consts.length < 3) throw facts.runtime('new_activity_metrics needs Start, End and Window', tab.span);
  const [start, end, window, cohort] = a.consts;
  const axis = makeAxis(a.timeType, window, start, 'new_activity_metrics', tab.span);
  const all = periods(axis, start, end, 'new_activity_metrics', tab.span);
  const index = new Map(all.map((p, i) => [keyOf(p), i]));
  const only = cohort === undefined || cohort === null ? null : index.get(keyOf(axis.floor(cohort))) ?? -1;
  const idExpr = positional[0]!;
  const lookback = await lookbackIds(call, idExpr.kind === 'column' ? idExpr.name : null, a.table);

  const out = new Rows([
    { name: `from_${a.timeName}`, type: a.timeType },
    { name: `to_${a.timeName}`, type: a.timeType },
    ...a.dims.map((d) => ({ name: d.name, type: d.type })),
    { name: 'dcount_new_values', type: 'long' }, { name: 'dcount_retained_values', type: 'long' },
    { name: 'dcount_churn_values', type: 'long' }, { name: 'retention_rate', type: 'real' },
    { name: 'churn_rate', type: 'real' },
  ]);
  for (const g of activityGroups(a, start, end)) {
    const ids = all.map(() => new Set<string>());
    for (const i of g.rows) {
      const k = index.get(keyOf(axis.floor(a.times[i])));
      if (k !== undefined && !missing(a.ids[i])) ids[k]!.add(keyOf(a.ids[i]));
    }
    const seen = new Set(lookback);
    for (let f = 0; f < all.length; f++) {
      const own = ids[f]!;
      if (only === null || only === f) {
        const fresh = [...own].filter((id) => !seen.has(id));
        const size = fresh.length;
        for (let t = f; t < all.length; t++) {
          const later = ids[t]!;
          let added: number, retained: number;
          if (t === f) {
            added = size;
            retained = size;
          } else {
            added = 0;
            for (const id of later) if (!seen.has(id) && !own.has(id)) added++;
            retained = 0;
            for (const id of fresh) if (later.has(id)) retained++;
          }
          out.push([all[f], all[t], ...g.keys, added, retained, size - retained, retained / size, (size - retained) / size]);
        }
      }
      for (const id of own) seen.add(id);
    }
  }
  return conform(tab, out.batch());
}

export const NEW_ACTIVITY_METRICS: Plugin = { name: 'new_activity_metrics', run: newActivityMetrics };
