/**
 * Hash functions. hash()/hash_xxhash64() are XXH64 (seed 0) over the value's bytes: UTF-8 for
 * strings, the 8 little-endian bytes of the .NET tick count for datetimes (both match Kusto);
 * longs, reals and timespans hash their 8 little-endian bytes.
 * The cryptographic hashes take the value's tostring() text and return lowercase hex.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { ScalarType } from '../../schema/types.js';
import { toNetTicks } from '../values/datetime.js';
import { type I64, big, norm } from '../values/int64.js';
import { asLong, asText } from './conversion.js';
import type { ScalarFunction } from './types.js';

const M64 = (1n << 64n) - 1n;
const P1 = 11400714785074694791n;
const P2 = 14029467366897019727n;
const P3 = 1609587929392839161n;
const P4 = 9650029242287828579n;
const P5 = 2870177450012600261n;

const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & M64;

function round(acc: bigint, input: bigint): bigint {
  acc = (acc + input * P2) & M64;
  acc = rotl(acc, 31n);
  return (acc * P1) & M64;
}

function mergeRound(acc: bigint, v: bigint): bigint {
  acc ^= round(0n, v);
  return (acc * P1 + P4) & M64;
}

/** XXH64 of a byte array, as an unsigned 64-bit bigint. */
export function xxhash64(buf: Uint8Array, seed = 0n): bigint {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const len = buf.length;
  let p = 0;
  let h: bigint;
  if (len >= 32) {
    let v1 = (seed + P1 + P2) & M64;
    let v2 = (seed + P2) & M64;
    let v3 = seed;
    let v4 = (seed - P1) & M64;
    while (p <= len - 32) {
      v1 = round(v1, view.getBigUint64(p, true));
      v2 = round(v2, view.getBigUint64(p + 8, true));
      v3 = round(v3, view.getBigUint64(p + 16, true));
      v4 = round(v4, view.getBigUint64(p + 24, true));
      p += 32;
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M64;
    h = mergeRound(h, v1);
    h = mergeRound(h, v2);
    h = mergeRound(h, v3);
    h = mergeRound(h, v4);
  } else {
    h = (seed + P5) & M64;
  }
  h = (h + BigInt(len)) & M64;
  while (p + 8 <= len) {
    h ^= round(0n, view.getBigUint64(p, true));
    h = (rotl(h, 27n) * P1 + P4) & M64;
    p += 8;
  }
  if (p + 4 <= len) {
    h ^= (BigInt(view.getUint32(p, true)) * P1) & M64;
    h = (rotl(h, 23n) * P2 + P3) & M64;
    p += 4;
  }
  while (p < len) {
    h ^= (BigInt(buf[p]!) * P5) & M64;
    h = (rotl(h, 11n) * P1) & M64;
    p++;
  }
  h ^= h >> 33n;
  h = (h * P2) & M64;
  h ^= h >> 29n;
  h = (h * P3) & M64;
  h ^= h >> 32n;
  return h;
}

const encoder = new TextEncoder();

function int64Bytes(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, BigInt.asIntN(64, v), true);
  return b;
}

/** A guid's 16 bytes in .NET order (the first three groups little-endian). */
function guidBytes(g: string): Uint8Array {
  const hex = g.replace(/-/g, '');
  const b = new Uint8Array(16);
  for (let i = 0; i < 16; i++) b[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  const swap = (i: number, j: number) => { const t = b[i]!; b[i] = b[j]!; b[j] = t; };
  swap(0, 3); swap(1, 2); swap(4, 5); swap(6, 7);
  return b;
}

/** The bytes hash() digests for a value of type `t`. */
function bytesOf(t: ScalarType): (v: unknown) => Uint8Array {
  switch (t) {
    case 'string': return (v) => encoder.encode(v as string);
    case 'datetime': return (v) => int64Bytes(toNetTicks(v as I64));
    case 'long': case 'int': case 'timespan': return (v) => int64Bytes(big(v as I64));
    case 'real': case 'decimal': return (v) => {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, v as number, true);
      return b;
    };
    case 'bool': return (v) => Uint8Array.of(v ? 1 : 0);
    case 'guid': return (v) => guidBytes(v as string);
    case 'dynamic': {
      const text = asText('dynamic');
      return (v) => encoder.encode(text(v));
    }
  }
}

/** The unsigned XXH64 of a value of type `t`. */
export function hasher(t: ScalarType): (v: unknown) => bigint {
  const bytes = bytesOf(t);
  return (v) => xxhash64(bytes(v));
}

/** hash(x) is the signed long; hash(x, mod) reduces the unsigned value, so it lies in 0..mod-1. */
const xxFn = (name: string): ScalarFunction => ({
  name,
  bind(ctx) {
    const h = hasher(ctx.args[0]!.type);
    if (ctx.args.length < 2) return (v) => norm(BigInt.asIntN(64, h(v)));
    const mod = asLong(ctx.args[1]!.type);
    return (v, m) => {
      const n = mod(m);
      if (n === null || n <= 0) return null;
      return norm(h(v) % big(n));
    };
  },
});

const GOLDEN = 0x9e3779b97f4a7c15n;

/**
 * Folds hash values into one (a 64-bit variant of boost::hash_combine). Kusto's own combiner is
 * undocumented, so combined values are stable here but differ from Kusto's.
 */
export function combineHashes(hashes: bigint[]): I64 {
  let seed = BigInt.asUintN(64, hashes[0] ?? 0n);
  for (let i = 1; i < hashes.length; i++) {
    const h = BigInt.asUintN(64, hashes[i]!);
    seed = (seed ^ ((h + GOLDEN + (seed << 6n) + (seed >> 2n)) & M64)) & M64;
  }
  return norm(BigInt.asIntN(64, seed));
}

const hashCombine: ScalarFunction = {
  name: 'hash_combine',
  bind(ctx) {
    const longs = ctx.args.map((a) => asLong(a.type));
    return (...vals) => {
      const hs: bigint[] = [];
      for (let i = 0; i < vals.length; i++) {
        const v = longs[i]!(vals[i]);
        if (v === null) return null;
        hs.push(big(v));
      }
      return combineHashes(hs);
    };
  },
};

const hashMany: ScalarFunction = {
  name: 'hash_many',
  bind(ctx) {
    const hs = ctx.args.map((a) => hasher(a.type));
    return (...vals) => combineHashes(vals.map((v, i) => hs[i]!(v)));
  },
};

function digest(name: string, algorithm: string): ScalarFunction {
  return {
    name,
    bind(ctx) {
      const text = asText(ctx.args[0]!.type);
      return (v) => createHash(algorithm).update(text(v), 'utf8').digest('hex');
    },
  };
}

export const HASH_FUNCTIONS: ScalarFunction[] = [
  xxFn('hash'),
  xxFn('hash_xxhash64'),
  hashCombine,
  hashMany,
  digest('hash_sha256', 'sha256'),
  digest('hash_sha1', 'sha1'),
  digest('hash_md5', 'md5'),
  { name: 'new_guid', volatile: true, bind: () => () => randomUUID() },
];

