/**
 * funnel_sequence_completion(IdColumn, TimelineColumn, Start, End, BinSize, StateColumn,
 * Sequence, MaxSequenceStepPeriods): per bin (counted from Start, each analyzed on its own), per
 * period of MaxSequenceStepPeriods and per step of Sequence, the distinct ids that went through
 * the sequence up to that step (in time order, not necessarily consecutively) within the period
 * from the first step.
 */
import { facts } from '../../../diagnostics/facts.js';
import type { Batch } from '../../batch.js';
import { stringifier } from '../../functions/operators.js';
import { keyOf } from '../../values/index.js';
import { argName, columnArg, compare, conform, constant, groupRows, input, makeAxis, missing, plus, Rows } from './common.js';
import type { Plugin, PluginCall } from './types.js';
import { parseTimespan } from '../../values/datetime.js';

/** A period of MaxSequenceStepPeriods: a timespan inside a dynamic is its text. */
function periodValue(v: unknown): unknown {
  if (typeof v === 'string') return parseTimespan(v);
  return v;
}

async function funnelSequenceCompletion(call: PluginCall): Promise<Batch> {
  const { tab, ctx, positional } = call;
  const [idExpr, timeExpr, startExpr, endExpr, binExpr, stateExpr, seqExpr, periodsExpr] = positional;
  if (!idExpr || !timeExpr || !startExpr || !endExpr || !binExpr || !stateExpr || !seqExpr || !periodsExpr) {
    throw facts.runtime('funnel_sequence_completion needs IdColumn, TimelineColumn, Start, End, BinSize, StateColumn, Sequence and MaxSequenceStepPeriods', tab.span);
  }
  const [start, end, binSize] = [startExpr, endExpr, binExpr].map((e) => constant(e, ctx));
  const sequence = constant(seqExpr, ctx), periodList = constant(periodsExpr, ctx);
  if (!Array.isArray(sequence) || sequence.length === 0 || !Array.isArray(periodList)) {
    throw facts.runtime('funnel_sequence_completion: Sequence and MaxSequenceStepPeriods must be arrays', tab.span);
  }
  const wanted = sequence.map((s) => (typeof s === 'string' ? s : JSON.stringify(s)));
  const windows = periodList.map(periodValue);
  const b = await input(call);
  const ids = columnArg(idExpr, b, ctx).values;
  const time = columnArg(timeExpr, b, ctx);
  const state = columnArg(stateExpr, b, ctx);
  const text = stringifier(state.type);
  const t = time.values;
  const axis = makeAxis(time.type, binSize, start, 'funnel_sequence_completion', tab.span);
  const inRange = (i: number) => !missing(ids[i]) && t[i] !== null && t[i] !== undefined && compare(t[i], start) >= 0 && compare(t[i], end) <= 0;
  const binOf = t.map((v) => (v === null || v === undefined ? null : axis.floor(v)));

  // Per bin: for each period, how many ids reached each step.
  const bins = new Map<string, { p: unknown; reached: number[][] }>();
  for (const g of groupRows([ids, binOf.map(keyOf)], b.length, inRange)) {
    const rows = g.rows.slice().sort((x, y) => compare(t[x], t[y]) || x - y);
    const steps = rows.map((r) => wanted.indexOf(text(state.values[r])));
    const p = binOf[rows[0]!];
    let bin = bins.get(keyOf(p));
    if (!bin) { bin = { p, reached: windows.map(() => wanted.map(() => 0)) }; bins.set(keyOf(p), bin); }
    windows.forEach((w, wi) => {
      let best = 0;
      for (let i = 0; i < rows.length && best < wanted.length; i++) {
        if (steps[i] !== 0) continue;
        const deadline = plus(t[rows[i]!], w);
        let next = 1;
        for (let j = i + 1; j < rows.length && next < wanted.length; j++) {
          if (compare(t[rows[j]!], deadline) > 0) break;
          if (text(state.values[rows[j]!]) === wanted[next]) next++;
        }
        best = Math.max(best, next);
      }
      for (let s = 0; s < best; s++) bin!.reached[wi]![s]!++;
    });
  }
  const out = new Rows([
    { name: argName(timeExpr, 'Timeline'), type: time.type },
    { name: argName(stateExpr, 'State'), type: 'string' },
    { name: 'Period', type: 'timespan' }, { name: 'dcount', type: 'long' },
  ]);
  for (const bin of [...bins.values()].sort((x, y) => compare(x.p, y.p))) {
    windows.forEach((w, wi) => wanted.forEach((s, k) => out.push([bin.p, s, w, bin.reached[wi]![k]])));
  }
  return conform(tab, out.batch());
}

export const FUNNEL_SEQUENCE_COMPLETION: Plugin = { name: 'funnel_sequence_completion', run: funnelSequenceCompletion };
