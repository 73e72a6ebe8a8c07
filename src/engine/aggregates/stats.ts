/**
 * Statistics: variance, standard deviation and covariance (Welford's running moments, so large
 * offsets do not cancel), and nearest-rank percentiles, optionally weighted.
 */
import type { AggregateBindContext, AggregateFunction } from './types.js';
import type { ScalarType } from '../../schema/types.js';
import { compareValues, toDynamic } from '../values/index.js';
import { asNumber, constArg, isNull, nullOf } from './common.js';
import { conditional } from './basic.js';

interface Moments { n: number; mean: number; m2: number }

/**
 * variance / stdev, sample (n-1) or population (n). With too few values Kusto returns 0,
 * as its table of default values gives for an empty group.
 */
function spread(name: string, sample: boolean, root: boolean): AggregateFunction {
  return {
    name,
    bind: () => ({
      init: (): Moments => ({ n: 0, mean: 0, m2: 0 }),
      add: (s: Moments, v: unknown) => {
        const x = asNumber(v);
        if (x === null) return s;
        s.n++;
        const d = x - s.mean;
        s.mean += d / s.n;
        s.m2 += d * (x - s.mean);
        return s;
      },
      result: (s: Moments) => {
        const denom = sample ? s.n - 1 : s.n;
        if (denom <= 0) return 0;
        const v = s.m2 / denom;
        return root ? Math.sqrt(v) : v;
      },
    }),
  };
}

export const variance = spread('variance', true, false);
export const variancep = spread('variancep', false, false);
export const stdev = spread('stdev', true, true);
export const stdevp = spread('stdevp', false, true);
export const varianceif = conditional('varianceif', variance, 1);
export const variancepif = conditional('variancepif', variancep, 1);
export const stdevif = conditional('stdevif', stdev, 1);

interface CoMoments { n: number; mx: number; my: number; c: number }

/** covariance(x, y): rows where either value is null are skipped. */
function covarianceOf(name: string, sample: boolean): AggregateFunction {
  return {
    name,
    bind: () => ({
      init: (): CoMoments => ({ n: 0, mx: 0, my: 0, c: 0 }),
      add: (s: CoMoments, a: unknown, b: unknown) => {
        const x = asNumber(a);
        const y = asNumber(b);
        if (x === null || y === null) return s;
        s.n++;
        const dx = x - s.mx;
        s.mx += dx / s.n;
        s.my += (y - s.my) / s.n;
        s.c += dx * (y - s.my);
        return s;
      },
      result: (s: CoMoments) => {
        const denom = sample ? s.n - 1 : s.n;
        return denom <= 0 ? 0 : s.c / denom;
      },
    }),
  };
}

export const covariance = covarianceOf('covariance', true);
export const covariancep = covarianceOf('covariancep', false);
export const covarianceif = conditional('covarianceif', covariance, 2);
export const covariancepif = conditional('covariancepif', covariancep, 2);

/** Percent arguments: numbers, or a dynamic array of numbers (percentiles_array). */
function percentsOf(values: unknown[]): number[] {
  const out: number[] = [];
  for (const v of values) {
    if (Array.isArray(v)) out.push(...percentsOf(v));
    else {
      const p = asNumber(v);
      if (p !== null) out.push(p);
    }
  }
  return out;
}

/**
 * The nearest-rank percentile: the smallest value whose cumulative weight reaches P% of the
 * total (the first value for P = 0). `sorted` is ascending; `cum` its running weights or null
 * when every weight is 1.
 */
function nearestRank(sorted: unknown[], cum: number[] | null, total: number, p: number): unknown {
  if (sorted.length === 0) return null;
  const exact = (Math.min(Math.max(p, 0), 100) * total) / 100;
  // A tolerance so that e.g. 10% of 30 is rank 3, not 4 after rounding error.
  const rank = Math.max(1, Math.ceil(exact - Math.abs(exact) * 1e-12));
  if (cum === null) return sorted[Math.min(rank, sorted.length) - 1];
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! >= rank) hi = mid; else lo = mid + 1;
  }
  return sorted[lo];
}

interface PctState { values: unknown[]; weights: number[] | null; percents: number[] | null }

type PctShape = 'one' | 'columns' | 'array';

/**
 * The percentile family. Arguments: value, [weight,] then the percents (constants, or a
 * dynamic array). `one` yields a value, `columns` an array spread over output columns,
 * `array` a dynamic array.
 */
function percentileAgg(name: string, weighted: boolean, shape: PctShape): AggregateFunction {
  return {
    name,
    bind(ctx: AggregateBindContext) {
      const first = weighted ? 2 : 1;
      const type: ScalarType = ctx.args[0]!.type;
      const fixedArgs = ctx.args.slice(first).map((_, i) => constArg(ctx, first + i));
      const fixed = fixedArgs.every((v) => v !== undefined) ? percentsOf(fixedArgs) : null;
      const empty = nullOf(type);
      const present = (v: unknown) => !isNull(v) && !(type === 'string' && v === '');
      return {
        init: (): PctState => ({ values: [], weights: weighted ? [] : null, percents: fixed }),
        add: function (s: PctState, v: unknown, w: unknown) {
          if (s.percents === null) {
            const rest: unknown[] = [];
            for (let i = first + 1; i < arguments.length; i++) rest.push(arguments[i]);
            s.percents = percentsOf(rest);
          }
          if (!present(v)) return s;
          if (s.weights !== null) {
            const wn = asNumber(w);
            if (wn === null || !(wn > 0)) return s;
            s.weights.push(wn);
          }
          s.values.push(v);
          return s;
        },
        result(s: PctState) {
          const percents = s.percents ?? fixed ?? [];
          if (s.values.length === 0) {
            if (shape === 'one') return empty;
            if (shape === 'array') return null;
            return percents.length === 1 ? empty : percents.map(() => empty);
          }
          let sorted: unknown[];
          let cum: number[] | null = null;
          let total: number;
          if (s.weights === null) {
            sorted = s.values.slice().sort(compareValues);
            total = sorted.length;
          } else {
            const w = s.weights;
            const order = s.values.map((_, i) => i).sort((a, b) => compareValues(s.values[a], s.values[b]));
            sorted = order.map((i) => s.values[i]);
            cum = new Array<number>(order.length);
            total = 0;
            for (let i = 0; i < order.length; i++) { total += w[order[i]!]!; cum[i] = total; }
          }
          const picks = percents.map((p) => nearestRank(sorted, cum, total, p));
          if (shape === 'one') return picks[0] ?? empty;
          if (shape === 'array') return picks.map((v) => toDynamic(type, v));
          // percentiles(x, p) with a single percent is a single column.
          return picks.length === 1 ? picks[0] : picks;
        },
      };
    },
  };
}

export const percentile = percentileAgg('percentile', false, 'one');
export const percentiles = percentileAgg('percentiles', false, 'columns');
export const percentilesArray = percentileAgg('percentiles_array', false, 'array');
export const percentilew = percentileAgg('percentilew', true, 'one');
export const percentilesw = percentileAgg('percentilesw', true, 'columns');
export const percentileswArray = percentileAgg('percentilesw_array', true, 'array');
