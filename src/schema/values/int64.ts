/**
 * Exact 64-bit integers (KQL long, and the tick counts of datetime and timespan) in a form that
 * is fast in the common case: a JS number while the value is a safe integer, a bigint beyond.
 * The form is canonical (a safe value is never a bigint), so `===` is equality and values can
 * key a Map. `<` and `>` work across the two forms natively.
 */
export type I64 = number | bigint;

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const TWO64 = 1n << 64n;
const TWO63 = 1n << 63n;

/** Canonical form of a bigint: wraps to 64 bits (as .NET long arithmetic does), narrows when safe. */
export function norm(v: bigint): I64 {
  if (v >= MIN_SAFE && v <= MAX_SAFE) return Number(v);
  if (v >= TWO63 || v < -TWO63) {
    v = ((v % TWO64) + TWO64) % TWO64;
    if (v >= TWO63) v -= TWO64;
    if (v >= MIN_SAFE && v <= MAX_SAFE) return Number(v);
  }
  return v;
}

export function big(v: I64): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

export function add(a: I64, b: I64): I64 {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  return norm(big(a) + big(b));
}

export function sub(a: I64, b: I64): I64 {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r;
  }
  return norm(big(a) - big(b));
}

export function mul(a: I64, b: I64): I64 {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    if (Number.isSafeInteger(r)) return r;
  }
  return norm(big(a) * big(b));
}

/** Integer division truncating toward zero; null on division by zero (Kusto raises; we null). */
export function div(a: I64, b: I64): I64 | null {
  if (b === 0) return null;
  if (typeof a === 'number' && typeof b === 'number') return Math.trunc(a / b) + 0;
  return norm(big(a) / big(b));
}

/** Euclidean modulo, never negative, as Kusto's % gives (-10 % 4 == 2, 10 % -4 == 2). */
export function mod(a: I64, b: I64): I64 | null {
  if (b === 0) return null;
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a % b;
    return (r < 0 ? r + Math.abs(b) : r) + 0;
  }
  const B = big(b) < 0n ? -big(b) : big(b);
  const r = big(a) % B;
  return norm(r < 0n ? r + B : r);
}

/** Floor division for non-negative divisors: rounds toward negative infinity. */
export function floorDiv(a: I64, b: I64): I64 | null {
  if (b === 0) return null;
  if (typeof a === 'number' && typeof b === 'number') return Math.floor(a / b) + 0;
  const A = big(a), B = big(b);
  let q = A / B;
  if ((A % B !== 0n) && ((A < 0n) !== (B < 0n))) q -= 1n;
  return norm(q);
}

export function neg(a: I64): I64 {
  return typeof a === 'number' ? -a + 0 : norm(-a);
}

export function cmp(a: I64, b: I64): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function toNumber(a: I64): number {
  return typeof a === 'number' ? a : Number(a);
}

/** From a double, truncating toward zero; null for NaN or infinities. */
export function fromNumber(x: number): I64 | null {
  if (!Number.isFinite(x)) return null;
  const t = Math.trunc(x);
  if (Number.isSafeInteger(t)) return t + 0;
  return norm(BigInt(t));
}

/** Parses a decimal integer literal exactly; undefined when it is not one or overflows 64 bits. */
export function parseI64(text: string): I64 | undefined {
  const s = text.trim();
  if (!/^[+-]?\d+$/.test(s)) {
    if (/^0x[0-9a-f]+$/i.test(s)) return norm(BigInt(s));
    return undefined;
  }
  if (s.length < 16) return Number(s) + 0;
  const v = BigInt(s);
  if (v >= TWO63 || v < -TWO63) return undefined;
  return norm(v);
}

export function toString(a: I64): string {
  return typeof a === 'number' ? String(a) : a.toString();
}
