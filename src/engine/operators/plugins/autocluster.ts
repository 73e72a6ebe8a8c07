/**
 * autocluster([SizeWeight, WeightColumn, NumSeeds, CustomWildcard, ...]): a few patterns of
 * column values that together cover much of the data. Kusto runs a randomized Seed-Expand search;
 * this is a deterministic stand-in for it that follows the documented trade-off: candidates are
 * the closed frequent patterns (at least 1% of the weight), scored by the weighted geometric mean
 * of coverage (weight share of the rows not yet covered by chosen patterns) and informativeness
 * (share of columns fixed), with weights SizeWeight (default 0.5) and 1 - SizeWeight. The best is
 * chosen repeatedly while it adds at least 5% coverage, up to NumSeeds (default 25) patterns.
 * Output: SegmentId, Count, Percent, then each column's value or wildcard.
 */
import { fieldIndex, type Batch } from '../../batch.js';
import { constant, input, isDefault } from './common.js';
import { closedPatterns, minePatterns, type Pattern, patternColumns, weightOf, weightsOf, wildcards } from './patterns.js';
import type { Plugin, PluginCall } from './types.js';

const MIN_SUPPORT = 0.01;
const MIN_GAIN = 0.05;

async function autocluster(call: PluginCall): Promise<Batch> {
  const { ctx, positional } = call;
  const [sizeWeightExpr, weightExpr, seedsExpr, ...wildArgs] = positional;
  const sizeWeight = isDefault(sizeWeightExpr, ctx) ? 0.5 : Math.min(1, Math.max(0, Number(constant(sizeWeightExpr, ctx))));
  const maxPatterns = isDefault(seedsExpr, ctx) ? 25 : Math.max(1, Number(constant(seedsExpr, ctx)));
  const b = await input(call);
  const weightCol = weightExpr && weightExpr.kind === 'column' ? fieldIndex(b.fields, weightExpr.name) : -1;
  const weights = weightsOf(b, weightCol);
  const total = weights ? weights.reduce((x, y) => x + y, 0) : b.length;
  const dims = b.fields.map((_, c) => c).filter((c) => c !== weightCol);
  const candidates = total === 0 ? [] : closedPatterns(minePatterns(b, dims, dims.length, (rows) => weightOf(rows, weights) >= MIN_SUPPORT * total));

  const covered = new Uint8Array(b.length);
  const chosen: Pattern[] = [];
  while (chosen.length < maxPatterns) {
    let best: Pattern | null = null, bestScore = -1, bestGain = 0;
    for (const p of candidates) {
      if (chosen.includes(p)) continue;
      let gain = 0;
      for (const r of p.rows) if (!covered[r]) gain += weights ? weights[r]! : 1;
      gain /= total;
      const score = gain ** sizeWeight * (p.items.length / dims.length) ** (1 - sizeWeight);
      if (score > bestScore) { best = p; bestScore = score; bestGain = gain; }
    }
    if (!best || bestGain < MIN_GAIN) break;
    chosen.push(best);
    for (const r of best.rows) covered[r] = 1;
  }
  const counts = chosen.map((p) => weightOf(p.rows, weights));
  const { fields, columns } = patternColumns(b, dims, chosen, wildcards(wildArgs, ctx));
  return {
    fields: [{ name: 'SegmentId', type: 'long' }, { name: 'Count', type: 'long' }, { name: 'Percent', type: 'real' }, ...fields],
    columns: [chosen.map((_, i) => i), counts, counts.map((c) => (100 * c) / total), ...columns],
    length: chosen.length,
  };
}

export const AUTOCLUSTER: Plugin = { name: 'autocluster', run: autocluster };
