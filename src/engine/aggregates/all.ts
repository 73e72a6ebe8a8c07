/** The aggregate functions, by family (see basic.ts, collect.ts, select.ts, stats.ts, sketch.ts). */
import type { AggregateFunction } from './types.js';
import {
  avg, avgif, binaryAllAnd, binaryAllOr, binaryAllXor, count, countDistinct, countDistinctif, countif,
  dcount, dcountif, max, maxif, min, minif, sum, sumif,
} from './basic.js';
import {
  makeBagAgg, makeBagIf, makeDictionary, makeListAgg, makeListIf, makeListLegacy, makeListWithNulls,
  makeSetAgg, makeSetIf, makeSetLegacy, buildschema,
} from './collect.js';
import { hll, hllIf, hllMergeAgg, tdigest, tdigestMerge } from './sketch.js';
import { argMax, argMin, takeAny, takeAnyif } from './select.js';
import {
  covariance, covarianceif, covariancep, covariancepif, percentile, percentiles, percentilesArray,
  percentilesw, percentileswArray, percentilew, stdev, stdevif, stdevp, variance, varianceif, variancep,
  variancepif,
} from './stats.js';

export const AGGREGATES: AggregateFunction[] = [
  count, countif, sum, sumif, avg, avgif, min, minif, max, maxif,
  dcount, dcountif, countDistinct, countDistinctif,
  binaryAllAnd, binaryAllOr, binaryAllXor,
  makeListAgg, makeListLegacy, makeListIf, makeListWithNulls,
  makeSetAgg, makeSetLegacy, makeSetIf,
  makeBagAgg, makeDictionary, makeBagIf,
  argMax, argMin, takeAny, takeAnyif,
  variance, variancep, varianceif, variancepif, stdev, stdevp, stdevif,
  covariance, covariancep, covarianceif, covariancepif,
  percentile, percentiles, percentilesArray, percentilew, percentilesw, percentileswArray,
  buildschema, hll, hllIf, hllMergeAgg, tdigest, tdigestMerge,
];
