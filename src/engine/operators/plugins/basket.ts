/**
 * basket([Threshold, WeightColumn, MaxDimensions, CustomWildcard, ...]): the frequent patterns of
 * column values (Apriori): those matching at least Threshold (default 0.05) of the rows' weight,
 * fixing at most MaxDimensions (default 5) columns. Only closed patterns are shown: a pattern is
 * left out when one fixing one more column matches the same rows. Output: SegmentId, Count,
 * Percent, then each column's value or its wildcard (null, '' for strings, or a custom one).
 * Kusto samples to find the initial values, so its counts near the threshold may differ.
 */
import { fieldIndex, type Batch } from '../../batch.js';
import { constant, input, isDefault } from './common.js';
import { closedPatterns, minePatterns, patternColumns, weightOf, weightsOf, wildcards } from './patterns.js';
import type { Plugin, PluginCall } from './types.js';

async function basket(call: PluginCall): Promise<Batch> {
  const { ctx, positional } = call;
  const [thresholdExpr, weightExpr, maxDimsExpr, ...wildArgs] = positional;
  const threshold = isDefault(thresholdExpr, ctx) ? 0.05 : Number(constant(thresholdExpr, ctx));
  const maxDims = isDefault(maxDimsExpr, ctx) ? 5 : Math.max(1, Number(constant(maxDimsExpr, ctx)));
  const b = await input(call);
  const weightCol = weightExpr && weightExpr.kind === 'column' ? fieldIndex(b.fields, weightExpr.name) : -1;
  const weights = weightsOf(b, weightCol);
  const total = weights ? weights.reduce((x, y) => x + y, 0) : b.length;
  const dims = b.fields.map((_, c) => c).filter((c) => c !== weightCol);
  const min = threshold * total;
  const patterns = closedPatterns(minePatterns(b, dims, maxDims, (rows) => weightOf(rows, weights) >= min))
    .sort((p, q) => q.items.length - p.items.length || weightOf(q.rows, weights) - weightOf(p.rows, weights));
  const counts = patterns.map((p) => weightOf(p.rows, weights));
  const { fields, columns } = patternColumns(b, dims, patterns, wildcards(wildArgs, ctx));
  return {
    fields: [{ name: 'SegmentId', type: 'long' }, { name: 'Count', type: 'long' }, { name: 'Percent', type: 'real' }, ...fields],
    columns: [patterns.map((_, i) => i), counts, counts.map((c) => (100 * c) / total), ...columns],
    length: patterns.length,
  };
}

export const BASKET: Plugin = { name: 'basket', run: basket };
