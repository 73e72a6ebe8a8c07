/**
 * The intermediate results of dcount and percentiles: what hll() and tdigest() produce and what
 * dcount_hll, hll_merge, merge_tdigest, percentile_tdigest, percentiles_array_tdigest,
 * rank_tdigest and percentrank_tdigest read. Kusto documents both encodings as opaque dynamic
 * values; ours follow the shapes its docs show, holding exact data:
 *
 * - hll: `[[1024, precision], [hash, ...], []]`, Kusto's sparse layout: the XXH64 of every
 *   distinct value (hash()'s signed value, as decimal text). It never turns into a dense register
 *   array, so dcount_hll is the exact distinct count (Kusto's estimate is within its stated error).
 * - tdigest: `[[typeCode], [value, ...], [weight, ...]]`: every distinct value (ascending) with its
 *   total weight, i.e. a digest whose centroids are exact; percentiles are weighted nearest-rank
 *   picks, as percentile() gives.
 */
import { type ScalarType, parseScalarType } from '../../schema/types.js';
import { castValue } from '../cast.js';
import { compareValues, toDynamic } from '../values/index.js';
import type { ScalarFunction } from './types.js';

// ---------------------------------------------------------------------------------------------
// hll

/** Register-index bits for hll()'s accuracy argument 0..4 (Kusto's default, 1, is 14 bits). */
const HLL_PRECISION = [12, 14, 16, 17, 18];
const HLL_DEFAULT_ACCURACY = 1;

export function hllPrecision(accuracy: unknown): number {
  const a = typeof accuracy === 'number' || typeof accuracy === 'bigint' ? Number(accuracy) : HLL_DEFAULT_ACCURACY;
  return HLL_PRECISION[a >= 0 && a < HLL_PRECISION.length ? Math.trunc(a) : HLL_DEFAULT_ACCURACY]!;
}

/** Accumulated hll data: the precision and the distinct hashes (decimal text). */
export interface HllData { precision: number; hashes: Set<string> }

export function hllValue(h: HllData): unknown {
  return [[1024, h.precision], [...h.hashes], []];
}

/** The parts of an hll value; null when `v` is not one. */
export function readHll(v: unknown): { precision: number; hashes: unknown[] } | null {
  if (!Array.isArray(v) || v.length < 2) return null;
  const [head, hashes] = v as [unknown, unknown];
  if (!Array.isArray(head) || head.length < 2 || !Array.isArray(hashes)) return null;
  const p = Number(head[1]);
  return Number.isInteger(p) ? { precision: p, hashes } : null;
}

/** Adds the hashes of hll value `v` to `into` (creating it); `into` unchanged when `v` is not an hll. */
export function mergeHll(into: HllData | null, v: unknown): HllData | null {
  const h = readHll(v);
  if (h === null) return into;
  const out = into ?? { precision: h.precision, hashes: new Set<string>() };
  for (const x of h.hashes) out.hashes.add(String(x));
  return out;
}

const dcountHll: ScalarFunction = {
  name: 'dcount_hll',
  bind: () => (v) => {
    const h = readHll(v);
    return h === null ? null : new Set(h.hashes.map(String)).size;
  },
};

const hllMerge: ScalarFunction = {
  name: 'hll_merge',
  propagatesNulls: false,
  bind: () => (...vals) => {
    let acc: HllData | null = null;
    for (const v of vals) acc = mergeHll(acc, v);
    return acc === null ? null : hllValue(acc);
  },
};

// ---------------------------------------------------------------------------------------------
// tdigest

const DIGEST_TYPES: ScalarType[] = ['int', 'long', 'real', 'decimal', 'datetime', 'timespan'];
/** Type codes written in a digest's header; 7 (long) is the code Kusto's docs show. */
const TYPE_CODE: Partial<Record<ScalarType, number>> = { int: 6, long: 7, real: 8, decimal: 9, datetime: 10, timespan: 11 };
const CODE_TYPE = new Map(Object.entries(TYPE_CODE).map(([t, c]) => [c, t as ScalarType]));

export function isDigestType(t: ScalarType): boolean {
  return DIGEST_TYPES.includes(t);
}

/** Weights by value (numbers, or I64 ticks for datetime and timespan), of one value type. */
export interface DigestData { type: ScalarType; weights: Map<unknown, number> }

/** A digest sorted for lookups. */
export interface Digest { type: ScalarType; values: unknown[]; cumulative: number[]; total: number }

export function addToDigest(d: DigestData, v: unknown, w: number): void {
  d.weights.set(v, (d.weights.get(v) ?? 0) + w);
}

function sortedEntries(d: DigestData): [unknown, number][] {
  return [...d.weights].sort((a, b) => compareValues(a[0], b[0]));
}

export function digestValue(d: DigestData): unknown {
  const entries = sortedEntries(d);
  return [[TYPE_CODE[d.type]!], entries.map((e) => e[0]), entries.map((e) => e[1])];
}

/** Adds the centroids of digest value `v` to `into` (creating it); unchanged when `v` is not a digest. */
export function mergeDigest(into: DigestData | null, v: unknown): DigestData | null {
  const d = readDigestData(v);
  if (d === null) return into;
  if (into === null) return d;
  for (const [x, w] of d.weights) addToDigest(into, x, w);
  return into;
}

function readDigestData(v: unknown): DigestData | null {
  if (!Array.isArray(v) || v.length < 3) return null;
  const [head, values, weights] = v as [unknown, unknown, unknown];
  if (!Array.isArray(head) || !Array.isArray(values) || !Array.isArray(weights) || values.length !== weights.length) return null;
  const type = CODE_TYPE.get(Number(head[0]));
  if (type === undefined) return null;
  const d: DigestData = { type, weights: new Map() };
  for (let i = 0; i < values.length; i++) {
    const x = values[i], w = Number(weights[i]);
    if ((typeof x !== 'number' && typeof x !== 'bigint') || !(w > 0)) return null;
    addToDigest(d, x, w);
  }
  return d;
}

export function readDigest(v: unknown): Digest | null {
  const d = readDigestData(v);
  if (d === null) return null;
  const entries = sortedEntries(d);
  const cumulative = new Array<number>(entries.length);
  let total = 0;
  for (let i = 0; i < entries.length; i++) { total += entries[i]![1]; cumulative[i] = total; }
  return { type: d.type, values: entries.map((e) => e[0]), cumulative, total };
}

/** The weighted nearest-rank percentile: the first value whose cumulative weight reaches p%. */
export function digestPercentile(d: Digest, p: number): unknown {
  if (d.values.length === 0 || Number.isNaN(p)) return null;
  const exact = (Math.min(Math.max(p, 0), 100) * d.total) / 100;
  // The tolerance keeps e.g. 10% of 30 at rank 3 despite rounding.
  const rank = Math.max(Math.ceil(exact - Math.abs(exact) * 1e-12), Math.min(1, d.total));
  let lo = 0, hi = d.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (d.cumulative[mid]! >= rank) hi = mid; else lo = mid + 1;
  }
  return d.values[lo];
}

const NUMERIC = new Set<ScalarType>(['int', 'long', 'real', 'decimal']);

/** Total weight of the values <= x; null when x's type does not compare with the digest's. */
export function digestRank(d: Digest, x: unknown, xType: ScalarType): number | null {
  const comparable = xType === d.type || (NUMERIC.has(xType) && NUMERIC.has(d.type))
    || (xType === 'dynamic' && (typeof x === 'number' || typeof x === 'bigint'));
  if (!comparable) return null;
  let lo = 0, hi = d.values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareValues(d.values[mid], x) <= 0) lo = mid + 1; else hi = mid;
  }
  return lo === 0 ? 0 : d.cumulative[lo - 1]!;
}

/** A digest's value as the result type: dynamic keeps the digest's own type (datetimes as text). */
function outputOf(d: Digest, resultType: ScalarType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (resultType === 'dynamic') return toDynamic(d.type, v);
  return castValue(d.type, resultType, v);
}

const mergeTdigest: ScalarFunction = {
  name: 'merge_tdigest',
  aliases: ['tdigest_merge'],
  propagatesNulls: false,
  bind: () => (...vals) => {
    let acc: DigestData | null = null;
    for (const v of vals) acc = mergeDigest(acc, v);
    return acc === null ? null : digestValue(acc);
  },
};

/** Percent arguments: numbers, or dynamic arrays of numbers. */
function percentsOf(vals: unknown[], out: number[] = []): number[] {
  for (const v of vals) {
    if (Array.isArray(v)) percentsOf(v, out);
    else if (typeof v === 'number' || typeof v === 'bigint') out.push(Number(v));
  }
  return out;
}

/** percentile_tdigest(digest, percent [, typeof(T)]): the result type comes from the binder. */
const percentileTdigest: ScalarFunction = {
  name: 'percentile_tdigest',
  bind(ctx) {
    const resultType = ctx.resultType;
    return (v, p) => {
      const d = readDigest(v);
      const pct = typeof p === 'number' || typeof p === 'bigint' ? Number(p) : null;
      if (d === null || pct === null) return null;
      return outputOf(d, resultType, digestPercentile(d, pct));
    };
  },
};

/**
 * percentiles_array_tdigest(digest, p1, p2, ... | dynamic array [, typeof(T)]): a dynamic array,
 * or a single typed value when the binder types the call as T (one percent and a type).
 */
const percentilesArrayTdigest: ScalarFunction = {
  name: 'percentiles_array_tdigest',
  bind(ctx) {
    const resultType = ctx.resultType;
    // The type literal arrives as a string constant: it is not a percent.
    const percentArgs = ctx.args.map((a) => a.type !== 'string');
    const typeArg = ctx.args.slice(1).find((a) => a.type === 'string' && a.constant);
    const elementType = typeArg ? parseScalarType(String(typeArg.value)) : undefined;
    return (v, ...rest) => {
      const d = readDigest(v);
      if (d === null) return null;
      const ps = percentsOf(rest.filter((_, i) => percentArgs[i + 1]));
      const picks = ps.map((p) => digestPercentile(d, p));
      if (resultType !== 'dynamic') return outputOf(d, resultType, picks[0]);
      return picks.map((x) => (elementType ? toDynamic(elementType, outputOf(d, elementType, x)) : outputOf(d, 'dynamic', x)));
    };
  },
};

/** rank_tdigest(digest, value): the total weight of the values <= value. */
const rankTdigest: ScalarFunction = {
  name: 'rank_tdigest',
  bind(ctx) {
    const xType = ctx.args[1]!.type;
    return (v, x) => {
      const d = readDigest(v);
      return d === null ? null : digestRank(d, x, xType);
    };
  },
};

/** percentrank_tdigest(digest, value): rank_tdigest as a percentage of the total weight. */
const percentrankTdigest: ScalarFunction = {
  name: 'percentrank_tdigest',
  bind(ctx) {
    const xType = ctx.args[1]!.type;
    return (v, x) => {
      const d = readDigest(v);
      if (d === null || d.total === 0) return null;
      const r = digestRank(d, x, xType);
      return r === null ? null : (r * 100) / d.total;
    };
  },
};

export const SKETCH_FUNCTIONS: ScalarFunction[] = [
  dcountHll, hllMerge,
  mergeTdigest, percentileTdigest, percentilesArrayTdigest, rankTdigest, percentrankTdigest,
];
