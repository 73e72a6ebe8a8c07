/**
 * rolling_percentile(ValueColumn, Percentile, IndexColumn, BinSize, BinsPerWindow [, dim1, ...]):
 * per bin of the index (bin()-aligned) that has rows, and dimension combination, the percentile
 * (nearest rank, as percentile()) of the values in the window of BinsPerWindow bins ending with it.
 */
import { facts } from '../../../diagnostics/facts.js';
import type { Batch } from '../../batch.js';
import { aggregateFunction } from '../../aggregates/registry.js';
import { keyOf } from '../../values/index.js';
import { argName, columnArg, compare, conform, constant, groupRows, input, makeAxis, Rows } from './common.js';
import type { Plugin, PluginCall } from './types.js';

async function rollingPercentile(call: PluginCall): Promise<Batch> {
  const { tab, ctx, positional } = call;
  const [valueExpr, pctExpr, indexExpr, binExpr, widthExpr, ...dimExprs] = positional;
  if (!valueExpr || !pctExpr || !indexExpr || !binExpr || !widthExpr) {
    throw facts.runtime('rolling_percentile needs ValueColumn, Percentile, IndexColumn, BinSize and BinsPerWindow', tab.span);
  }
  const pct = Number(constant(pctExpr, ctx));
  const width = Math.max(1, Number(constant(widthExpr, ctx)));
  const b = await input(call);
  const value = columnArg(valueExpr, b, ctx);
  const index = columnArg(indexExpr, b, ctx);
  const dims = dimExprs.map((e, i) => ({ name: argName(e, `Column${i + 1}`), ...columnArg(e, b, ctx) }));
  const axis = makeAxis(index.type, constant(binExpr, ctx), 'bin', 'rolling_percentile', tab.span);
  const acc = aggregateFunction('percentile')!.bind({
    args: [{ type: value.type, constant: false }, { type: 'real', constant: true, value: pct }],
    resultType: value.type,
    span: tab.span,
  });
  const valueName = argName(valueExpr, 'value');
  const out = new Rows([
    { name: argName(indexExpr, 'Index'), type: index.type },
    ...dims.map((d) => ({ name: d.name, type: d.type })),
    { name: `rolling_${width}_percentile_${valueName}_${pct}`, type: value.type },
  ]);
  const groups = groupRows(dims.map((d) => d.values), b.length, (i) => index.values[i] !== null && index.values[i] !== undefined);
  for (const g of groups) {
    const bins = new Map<string, { p: unknown; rows: number[] }>();
    for (const i of g.rows) {
      const p = axis.floor(index.values[i]);
      const k = keyOf(p);
      let s = bins.get(k);
      if (!s) { s = { p, rows: [] }; bins.set(k, s); }
      s.rows.push(i);
    }
    for (const s of [...bins.values()].sort((x, y) => compare(x.p, y.p))) {
      let st = acc.init();
      for (let k = 0; k < width; k++) {
        const w = bins.get(keyOf(axis.shift(s.p, -k)));
        if (w) for (const i of w.rows) st = acc.add(st, value.values[i]);
      }
      out.push([s.p, ...g.keys, acc.result(st)]);
    }
  }
  return conform(tab, out.batch());
}

export const ROLLING_PERCENTILE: Plugin = { name: 'rolling_percentile', run: rollingPercentile };
