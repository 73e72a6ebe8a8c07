/**
 * hll, hll_if, hll_merge, tdigest and tdigest_merge/merge_tdigest: the intermediate results of
 * dcount and percentiles, in the encodings described in functions/sketch.ts. A group with no
 * values gives null.
 */
import { facts } from '../../diagnostics/facts.js';
import type { AggregateFunction } from './types.js';
import { hasher } from '../functions/hash.js';
import {
  type DigestData, type HllData, addToDigest, digestValue, hllPrecision, hllValue, isDigestType,
  mergeDigest, mergeHll,
} from '../functions/sketch.js';
import { asNumber, constArg, isNull } from './common.js';
import { conditional } from './basic.js';

/** hll(expr [, accuracy]): the XXH64 hash of every distinct non-null value. */
export const hll: AggregateFunction = {
  name: 'hll',
  bind(ctx) {
    const hash = hasher(ctx.args[0]!.type);
    const precision = hllPrecision(constArg(ctx, 1));
    return {
      init: (): HllData => ({ precision, hashes: new Set<string>() }),
      add(s: HllData, v: unknown) {
        if (!isNull(v)) s.hashes.add(BigInt.asIntN(64, hash(v)).toString());
        return s;
      },
      result: (s: HllData) => (s.hashes.size === 0 ? null : hllValue(s)),
    };
  },
};

export const hllIf = conditional('hll_if', hll, 1);

export const hllMergeAgg: AggregateFunction = {
  name: 'hll_merge',
  bind: () => ({
    init: (): HllData | null => null,
    add: (s: HllData | null, v: unknown) => mergeHll(s, v),
    result: (s: HllData | null) => (s === null ? null : hllValue(s)),
  }),
};

/** tdigest(expr [, weight]): every distinct value with its total weight (1 per row by default). */
export const tdigest: AggregateFunction = {
  name: 'tdigest',
  bind(ctx) {
    const type = ctx.args[0]!.type;
    if (!isDigestType(type)) throw facts.unsupportedFunction(`tdigest over ${type}`, ctx.span);
    const weighted = ctx.args.length > 1;
    return {
      init: (): DigestData => ({ type, weights: new Map() }),
      add(s: DigestData, v: unknown, w: unknown) {
        if (isNull(v)) return s;
        const weight = weighted ? asNumber(w) : 1;
        if (weight !== null && weight > 0) addToDigest(s, v, weight);
        return s;
      },
      result: (s: DigestData) => (s.weights.size === 0 ? null : digestValue(s)),
    };
  },
};

export const tdigestMerge: AggregateFunction = {
  name: 'tdigest_merge',
  aliases: ['merge_tdigest'],
  bind: () => ({
    init: (): DigestData | null => null,
    add: (s: DigestData | null, v: unknown) => mergeDigest(s, v),
    result: (s: DigestData | null) => (s === null ? null : digestValue(s)),
  }),
};
