/**
 * sequence_detect(TimelineColumn, MaxSequenceStepWindow, MaxSequenceSpan, Expr1, Expr2, ...,
 * Dim1, Dim2, ...): per dimension combination, every run of rows (in timeline order) where row k
 * satisfies Expr k, each within MaxSequenceStepWindow of the one before and the last within
 * MaxSequenceSpan of the first. One output row per run: the dimensions, the timeline value of
 * each step (named `<expr name>_<timeline>`), and the Duration from first to last step.
 */
import { facts } from '../../../diagnostics/facts.js';
import type { Expr, Field } from '../../../kql/plan.js';
import type { Batch } from '../../batch.js';
import { argName, columnArg, compare, conform, constant, groupRows, input, plus, Rows } from './common.js';
import type { Plugin, PluginCall } from './types.js';

const MAX_RESULTS = 10_000_000;

/** A step predicate with its output name (`heat=(...)` is named heat). */
function step(e: Expr, k: number): { name: string; expr: Expr } {
  if (e.kind === 'call' && e.fn === '=' && e.args[0]?.kind === 'literal') return { name: String(e.args[0].value), expr: e.args[1]! };
  return { name: `Expr${k + 1}`, expr: e };
}

function isBoolArg(e: Expr): boolean {
  return 'type' in e && e.type === 'bool';
}

async function sequenceDetect(call: PluginCall): Promise<Batch> {
  const { tab, ctx } = call;
  const [timeExpr, stepExpr, spanExpr, ...rest] = tab.args;
  if (!timeExpr || !stepExpr || !spanExpr || !rest[0]) throw facts.runtime('sequence_detect needs TimelineColumn, MaxSequenceStepWindow, MaxSequenceSpan and a predicate', tab.span);
  let k = 1;
  while (k < rest.length && isBoolArg(rest[k]!)) k++;
  const steps = rest.slice(0, k).map(step);
  const dimExprs = rest.slice(k);
  const maxStep = constant(stepExpr, ctx), maxSpan = constant(spanExpr, ctx);

  const b = await input(call);
  const time = columnArg(timeExpr, b, ctx);
  const preds = steps.map((s) => columnArg(s.expr, b, ctx).values);
  const dims = dimExprs.map((e, i) => ({ name: argName(e, `Column${i + 1}`), ...columnArg(e, b, ctx) }));
  const timeName = argName(timeExpr, 'Timeline');
  const fields: Field[] = [
    ...dims.map((d) => ({ name: d.name, type: d.type })),
    ...steps.map((s) => ({ name: `${s.name}_${timeName}`, type: time.type })),
    { name: 'Duration', type: time.type === 'datetime' ? 'timespan' : time.type },
  ];
  const out = new Rows(fields);
  const t = time.values;
  for (const g of groupRows(dims.map((d) => d.values), b.length, (i) => t[i] !== null && t[i] !== undefined)) {
    const rows = g.rows.slice().sort((x, y) => compare(t[x], t[y]) || x - y);
    const chosen: number[] = [];
    // Depth-first over the rows that can follow the last chosen step.
    const extend = (from: number) => {
      const s = chosen.length;
      if (s === steps.length) {
        if (out.length >= MAX_RESULTS) throw facts.runtime('sequence_detect: too many sequences', tab.span);
        const first = t[rows[chosen[0]!]!], last = t[rows[chosen[s - 1]!]!];
        out.push([...g.keys, ...chosen.map((c) => t[rows[c]!]), plus(last, first, -1)]);
        return;
      }
      const prevTime = s ? t[rows[chosen[s - 1]!]!] : null;
      const firstTime = s ? t[rows[chosen[0]!]!] : null;
      for (let j = from; j < rows.length; j++) {
        const tj = t[rows[j]!];
        if (s && (compare(tj, plus(prevTime, maxStep)) > 0 || compare(tj, plus(firstTime, maxSpan)) > 0)) break;
        if (preds[s]![rows[j]!] !== true) continue;
        chosen.push(j);
        extend(j + 1);
        chosen.pop();
      }
    };
    extend(0);
  }
  return conform(tab, out.batch());
}

export const SEQUENCE_DETECT: Plugin = { name: 'sequence_detect', run: sequenceDetect };
