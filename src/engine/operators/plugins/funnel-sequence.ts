/**
 * funnel_sequence(IdColumn, TimelineColumn, Start, End, MaxSequenceStepWindow, Step,
 * StateColumn, Sequence): where ids go through Sequence (consecutive events of the id whose
 * states are the sequence's, each within MaxSequenceStepWindow of the one before), the state
 * just before (`prev`) and just after (`next`) it, empty when there is no event within
 * MaxSequenceStepWindow. Per period of Step (counted from Start, holding the sequence's first
 * event) and (prev, next): the distinct ids and up to 128 of them. Kusto also returns a
 * prev-only and a next-only table; a query here has one result, so this gives the first.
 */
import { facts } from '../../../diagnostics/facts.js';
import type { Batch } from '../../batch.js';
import { stringifier } from '../../functions/operators.js';
import { keyOf, toDynamic } from '../../values/index.js';
import { argName, columnArg, compare, conform, constant, groupRows, input, makeAxis, missing, plus, Rows } from './common.js';
import type { Plugin, PluginCall } from './types.js';

const MAX_SAMPLES = 128;

async function funnelSequence(call: PluginCall): Promise<Batch> {
  const { tab, ctx, positional } = call;
  const [idExpr, timeExpr, startExpr, endExpr, maxStepExpr, stepExpr, stateExpr, seqExpr] = positional;
  if (!idExpr || !timeExpr || !startExpr || !endExpr || !maxStepExpr || !stepExpr || !stateExpr || !seqExpr) {
    throw facts.runtime('funnel_sequence needs IdColumn, TimelineColumn, Start, End, MaxSequenceStepWindow, Step, StateColumn and Sequence', tab.span);
  }
  const [start, end, maxStep, step] = [startExpr, endExpr, maxStepExpr, stepExpr].map((e) => constant(e, ctx));
  const sequence = constant(seqExpr, ctx);
  if (!Array.isArray(sequence) || sequence.length === 0) throw facts.runtime('funnel_sequence: Sequence must be a non-empty array', seqExpr.span);
  const b = await input(call);
  const ids = columnArg(idExpr, b, ctx);
  const time = columnArg(timeExpr, b, ctx);
  const state = columnArg(stateExpr, b, ctx);
  const text = stringifier(state.type);
  const wanted = sequence.map((s) => (typeof s === 'string' ? s : JSON.stringify(s)));
  const axis = makeAxis(time.type, step, start, 'funnel_sequence', tab.span);
  const t = time.values;
  const withinStep = (x: unknown, y: unknown) => compare(y, plus(x, maxStep)) <= 0;

  const cells = new Map<string, { p: unknown; prev: unknown; next: unknown; ids: Map<string, unknown> }>();
  const inRange = (i: number) => !missing(ids.values[i]) && t[i] !== null && t[i] !== undefined && compare(t[i], start) >= 0 && compare(t[i], end) <= 0;
  for (const g of groupRows([ids.values], b.length, inRange)) {
    const rows = g.rows.slice().sort((x, y) => compare(t[x], t[y]) || x - y);
    const n = wanted.length;
    for (let i = 0; i + n <= rows.length; i++) {
      let ok = true;
      for (let k = 0; k < n && ok; k++) {
        const r = rows[i + k]!;
        ok = text(state.values[r]) === wanted[k] && (k === 0 || withinStep(t[rows[i + k - 1]!], t[r]));
      }
      if (!ok) continue;
      const first = rows[i]!, last = rows[i + n - 1]!;
      const before = i > 0 && withinStep(t[rows[i - 1]!], t[first]) ? state.values[rows[i - 1]!] : null;
      const after = i + n < rows.length && withinStep(t[last], t[rows[i + n]!]) ? state.values[rows[i + n]!] : null;
      const p = axis.floor(t[first]);
      const key = keyOf(p) + '|' + keyOf(before) + '|' + keyOf(after);
      let c = cells.get(key);
      if (!c) { c = { p, prev: before, next: after, ids: new Map() }; cells.set(key, c); }
      c.ids.set(keyOf(g.keys[0]), g.keys[0]);
    }
  }
  const out = new Rows([
    { name: argName(timeExpr, 'Timeline'), type: time.type },
    { name: 'prev', type: state.type }, { name: 'next', type: state.type },
    { name: 'dcount', type: 'long' }, { name: 'samples', type: 'dynamic' },
  ]);
  const sorted = [...cells.values()].sort((x, y) => compare(x.p, y.p) || y.ids.size - x.ids.size);
  for (const c of sorted) {
    const samples = [...c.ids.values()].slice(0, MAX_SAMPLES).map((v) => toDynamic(ids.type, v));
    out.push([c.p, c.prev, c.next, c.ids.size, samples]);
  }
  return conform(tab, out.batch());
}

export const FUNNEL_SEQUENCE: Plugin = { name: 'funnel_sequence', run: funnelSequence };
