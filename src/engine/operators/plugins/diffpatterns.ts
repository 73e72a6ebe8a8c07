/**
 * diffpatterns(SplitColumn, SplitValueA, SplitValueB [, WeightColumn, Threshold, MaxDimensions,
 * CustomWildcard, ...]): patterns of column values whose share of the rows differs between set A
 * (tostring(SplitColumn) == SplitValueA) and set B by at least Threshold (default 0.05, i.e. 5
 * percentage points). Among related patterns (one fixing a subset of the other's values) only the
 * one with the largest difference is kept. Output, by decreasing difference: SegmentId, CountA,
 * CountB, PercentA, PercentB, PercentDiffAB, then each column but SplitColumn with its value or
 * wildcard. Kusto's own selection heuristics are undocumented; results may differ in detail.
 */
import { facts } from '../../../diagnostics/facts.js';
import { fieldIndex, type Batch } from '../../batch.js';
import { stringifier } from '../../functions/operators.js';
import { constant, input, isDefault } from './common.js';
import { isSubPattern, minePatterns, type Pattern, patternColumns, weightsOf, wildcards } from './patterns.js';
import type { Plugin, PluginCall } from './types.js';

async function diffpatterns(call: PluginCall): Promise<Batch> {
  const { tab, ctx, positional } = call;
  const [splitExpr, aExpr, bExpr, weightExpr, thresholdExpr, maxDimsExpr, ...wildArgs] = positional;
  if (!splitExpr || !aExpr || !bExpr) throw facts.runtime('diffpatterns needs SplitColumn, SplitValueA and SplitValueB', tab.span);
  const valueA = String(constant(aExpr, ctx)), valueB = String(constant(bExpr, ctx));
  const threshold = isDefault(thresholdExpr, ctx) ? 0.05 : Number(constant(thresholdExpr, ctx));
  const b = await input(call);
  const splitCol = splitExpr.kind === 'column' ? fieldIndex(b.fields, splitExpr.name) : -1;
  if (splitCol < 0) throw facts.runtime('diffpatterns: SplitColumn must be a column of the input', splitExpr.span);
  const weightCol = weightExpr && weightExpr.kind === 'column' ? fieldIndex(b.fields, weightExpr.name) : -1;
  const dims = b.fields.map((_, c) => c).filter((c) => c !== splitCol && c !== weightCol);
  const maxDims = isDefault(maxDimsExpr, ctx) ? dims.length : Math.max(1, Number(constant(maxDimsExpr, ctx)));

  // Rows of neither set take no part.
  const text = stringifier(b.fields[splitCol]!.type);
  const side = b.columns[splitCol]!.map((v) => {
    const s = v === null || v === undefined ? '' : text(v);
    return s === valueA ? 1 : s === valueB ? 2 : 0;
  });
  const weights = weightsOf(b, weightCol) ?? new Float64Array(b.length).fill(1);
  for (let r = 0; r < b.length; r++) if (side[r] === 0) weights[r] = 0;
  let totalA = 0, totalB = 0;
  for (let r = 0; r < b.length; r++) { if (side[r] === 1) totalA += weights[r]!; else if (side[r] === 2) totalB += weights[r]!; }
  const shares = (rows: Int32Array) => {
    let a = 0, c = 0;
    for (const r of rows) { if (side[r] === 1) a += weights[r]!; else if (side[r] === 2) c += weights[r]!; }
    return { a, b: c, pa: totalA ? a / totalA : 0, pb: totalB ? c / totalB : 0 };
  };
  // A pattern can only differ by the threshold if it holds that share of one set.
  const frequent = (rows: Int32Array) => { const s = shares(rows); return Math.max(s.pa, s.pb) >= threshold; };
  const scored = minePatterns(b, dims, maxDims, frequent)
    .map((p) => ({ p, s: shares(p.rows) }))
    .filter((x) => Math.abs(x.s.pa - x.s.pb) >= threshold)
    .sort((x, y) => Math.abs(y.s.pa - y.s.pb) - Math.abs(x.s.pa - x.s.pb) || x.p.items.length - y.p.items.length);
  const kept: typeof scored = [];
  for (const x of scored) {
    if (!kept.some((k) => isSubPattern(k.p, x.p) || isSubPattern(x.p, k.p))) kept.push(x);
  }
  const patterns: Pattern[] = kept.map((k) => k.p);
  const { fields, columns } = patternColumns(b, dims, patterns, wildcards(wildArgs, ctx));
  return {
    fields: [
      { name: 'SegmentId', type: 'long' }, { name: 'CountA', type: 'long' }, { name: 'CountB', type: 'long' },
      { name: 'PercentA', type: 'real' }, { name: 'PercentB', type: 'real' }, { name: 'PercentDiffAB', type: 'real' },
      ...fields,
    ],
    columns: [
      kept.map((_, i) => i), kept.map((k) => k.s.a), kept.map((k) => k.s.b),
      kept.map((k) => 100 * k.s.pa), kept.map((k) => 100 * k.s.pb), kept.map((k) => 100 * Math.abs(k.s.pa - k.s.pb)),
      ...columns,
    ],
    length: kept.length,
  };
}

export const DIFFPATTERNS: Plugin = { name: 'diffpatterns', run: diffpatterns };
