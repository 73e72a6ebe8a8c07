/**
 * Math functions: rounding, exponentials and logarithms, trigonometry, special functions
 * (gamma, erf, beta distribution, Welch's test), min_of/max_of, rand, and the bitwise
 * binary_* family, which is exact on 64-bit longs.
 */
import type { ScalarType } from '../../schema/types.js';
import { castValue } from '../cast.js';
import { type I64, big, norm, neg, toNumber } from '../values/int64.js';
import { compareValues } from '../values/index.js';
import { asLong, asNumber } from './conversion.js';
import type { BindContext, RowFn, ScalarFunction } from './types.js';
import { QUANTITIES, type Quantity, convertUnit } from './units.js';

const isIntegral = (t: ScalarType) => t === 'long' || t === 'int' || t === 'timespan';

/** A function of real arguments returning a real (or bool). */
function real(name: string, f: (...x: number[]) => unknown): ScalarFunction {
  return {
    name,
    bind(ctx) {
      const readers = ctx.args.map((a) => asNumber(a.type));
      if (readers.length === 0) return () => f();
      if (readers.length === 1) {
        const r = readers[0]!;
        return (v) => {
          const x = r(v);
          return x === null ? null : f(x);
        };
      }
      return (...vals) => {
        const xs = new Array<number>(vals.length);
        for (let i = 0; i < vals.length; i++) {
          const x = readers[i]!(vals[i]);
          if (x === null) return null;
          xs[i] = x;
        }
        return f(...xs);
      };
    },
  };
}

/** Rounds half away from zero. */
function roundHalfAway(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

function roundReal(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  if (digits === 0) return roundHalfAway(x) + 0;
  if (digits > 0) {
    if (digits > 15) return x;
    const s = 10 ** digits;
    const scaled = x * s;
    // Past 2^52 the value has no fractional digits left to round.
    if (Math.abs(scaled) >= 2 ** 52) return x;
    return roundHalfAway(scaled) / s + 0;
  }
  if (digits < -308) return 0;
  const s = 10 ** -digits;
  return roundHalfAway(x / s) * s + 0;
}

/** round() of a long to a negative number of digits: exact, half away from zero. */
function roundLong(x: I64, digits: number): I64 {
  if (digits >= 0) return x;
  if (digits < -18) return 0;
  const s = 10n ** BigInt(-digits);
  const v = big(x);
  const q = v / s;
  const r = v - q * s;
  const twice = (r < 0n ? -r : r) * 2n;
  const up = twice >= s ? (v < 0n ? -1n : 1n) : 0n;
  return norm((q + up) * s);
}

const round: ScalarFunction = {
  name: 'round',
  bind(ctx) {
    const t = ctx.args[0]!.type;
    const digitsOf = ctx.args[1] ? asLong(ctx.args[1].type) : () => 0;
    if (isIntegral(ctx.resultType)) {
      return (x, d) => {
        const digits = d === undefined ? 0 : digitsOf(d);
        return digits === null ? null : roundLong(x as I64, toNumber(digits));
      };
    }
    const num = asNumber(t);
    return (x, d) => {
      const v = num(x);
      const digits = d === undefined ? 0 : digitsOf(d);
      if (v === null || digits === null) return null;
      return roundReal(v, toNumber(digits));
    };
  },
};

const ceiling: ScalarFunction = {
  name: 'ceiling',
  bind(ctx) {
    if (isIntegral(ctx.resultType)) return (x) => x;
    const num = asNumber(ctx.args[0]!.type);
    return (x) => {
      const v = num(x);
      return v === null ? null : Math.ceil(v) + 0;
    };
  },
};

const abs: ScalarFunction = {
  name: 'abs',
  bind(ctx) {
    if (isIntegral(ctx.resultType)) {
      const long = asLong(ctx.args[0]!.type);
      return (x) => {
        const v = long(x);
        return v === null ? null : v < 0 ? neg(v) : v;
      };
    }
    const num = asNumber(ctx.args[0]!.type);
    return (x) => {
      const v = num(x);
      return v === null ? null : Math.abs(v);
    };
  },
};

// Lanczos approximation (g = 7, n = 9), good to about 15 digits.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

function lanczosSum(x: number): number {
  let a = LANCZOS[0]!;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (x + i);
  return a;
}

const FACTORIALS: number[] = [1];
for (let i = 1; i <= 170; i++) FACTORIALS.push(FACTORIALS[i - 1]! * i);

export function gamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (Number.isInteger(x)) {
    if (x <= 0) return NaN;
    return x <= 171 ? FACTORIALS[x - 1]! : Infinity;
  }
  if (x < 0.5) return Math.PI / (Math.sin(Math.PI * x) * gamma(1 - x));
  const z = x - 1;
  const t = z + 7.5;
  return Math.sqrt(2 * Math.PI) * t ** (z + 0.5) * Math.exp(-t) * lanczosSum(z);
}

/** log |Γ(x)|. */
export function logGamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (Number.isInteger(x)) {
    if (x <= 0) return Infinity;
    if (x <= 171) return Math.log(FACTORIALS[x - 1]!);
  }
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(lanczosSum(z));
}

/** erf by its Taylor series near zero, erfc by a continued fraction further out. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a < 2.5) {
    // erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
    let term = a;
    let sum = a;
    const x2 = a * a;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    const r = (2 / Math.sqrt(Math.PI)) * sum;
    return x < 0 ? -r : r;
  }
  const r = 1 - erfcPositive(a);
  return x < 0 ? -r : r;
}

/** erfc for x ≥ 2.5 by Lentz's continued fraction. */
function erfcPositive(x: number): number {
  if (x > 27) return 0;
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const an = n / 2;
    d = x + an * d;
    d = d === 0 ? tiny : d;
    c = x + an / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x >= 2.5) return erfcPositive(x);
  if (x <= -2.5) return 2 - erfcPositive(-x);
  // Below 2.5, erfc is at least 4e-4, so 1 - erf keeps ample relative precision.
  return 1 - erf(x);
}

/** Continued fraction of the regularized incomplete beta function (Numerical Recipes' betacf). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  const qab = a + b, qap = a + 1, qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  const front = Math.exp(lnFront);
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

const badShape = (a: number, b: number) => !(a > 0 && a <= 10000 && b > 0 && b <= 10000);

/**
 * The beta CDF. A non-positive shape does not give NaN as the docs say: Kusto returns the
 * limit distribution (alpha -> 0 puts all mass at 0, so the CDF is 1), which is what it answers
 * for alpha = -1.
 */
function betaCdf(x: number, a: number, b: number): number {
  if (x < 0 || x > 1 || Number.isNaN(a) || Number.isNaN(b) || a > 10000 || b > 10000) return NaN;
  if (a <= 0 && b <= 0) return NaN;
  if (a <= 0) return 1;
  if (b <= 0) return x < 1 ? 0 : 1;
  return incompleteBeta(x, a, b);
}

function betaPdf(x: number, a: number, b: number): number {
  if (x <= 0 || x >= 1 || badShape(a, b)) return NaN;
  return Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log(1 - x) + logGamma(a + b) - logGamma(a) - logGamma(b));
}

function betaInv(p: number, a: number, b: number): number | null {
  if (!(a > 0 && b > 0)) return null;
  if (p <= 0 || p > 1) return NaN;
  if (p === 1) return 1;
  // Bisection: the cdf is monotone on [0, 1].
  let lo = 0, hi = 1;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (incompleteBeta(mid, a, b) < p) lo = mid;
    else hi = mid;
    if (hi - lo < 1e-16) break;
  }
  return (lo + hi) / 2;
}

/** Two-sided p-value of Welch's unequal-variances t-test. */
function welchTest(m1: number, v1: number, c1: number, m2: number, v2: number, c2: number): number {
  const s1 = v1 / c1, s2 = v2 / c2;
  const t = (m1 - m2) / Math.sqrt(s1 + s2);
  const df = ((s1 + s2) ** 2) / ((s1 * s1) / (c1 - 1) + (s2 * s2) / (c2 - 1));
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** min_of/max_of: nulls are skipped; all values are first brought to the common type. */
function extremum(name: string, sign: 1 | -1): ScalarFunction {
  return {
    name,
    propagatesNulls: false,
    bind(ctx) {
      const to = ctx.resultType;
      const convs = ctx.args.map((a) => (a.type === to ? null : a.type));
      return (...vals) => {
        let best: unknown = null;
        for (let i = 0; i < vals.length; i++) {
          let v = vals[i];
          if (v === null || v === undefined) continue;
          const from = convs[i];
          if (from) v = castValue(from, to, v);
          if (v === null || v === undefined) continue;
          if (best === null || compareValues(v, best) * sign > 0) best = v;
        }
        return best;
      };
    },
  };
}

const rand: ScalarFunction = {
  name: 'rand',
  volatile: true,
  bind(ctx) {
    if (ctx.args.length === 0) return () => Math.random();
    const long = asLong(ctx.args[0]!.type);
    return (n) => {
      const v = long(n);
      return v === null ? null : Math.floor(Math.random() * toNumber(v));
    };
  },
};

const TWO31 = 2 ** 31;
const isSmall = (v: unknown): v is number => typeof v === 'number' && v >= -TWO31 && v < TWO31;

/** A bitwise function of longs; small values use 32-bit JS operators, the rest BigInt. */
function bitwise(name: string, small: (a: number, b: number) => number, wide: (a: bigint, b: bigint) => bigint): ScalarFunction {
  return {
    name,
    bind(ctx) {
      const [ra, rb] = ctx.args.map((a) => asLong(a.type)) as [(v: unknown) => I64 | null, (v: unknown) => I64 | null];
      return (x, y) => {
        const a = ra(x), b = rb(y);
        if (a === null || b === null) return null;
        if (isSmall(a) && isSmall(b)) return small(a, b);
        return norm(BigInt.asIntN(64, wide(big(a), big(b))));
      };
    },
  };
}

/** Shifts use (shift % 64), as .NET does for longs; a negative shift gives null. */
function shift(name: string, left: boolean): ScalarFunction {
  return {
    name,
    bind(ctx: BindContext): RowFn {
      const [ra, rb] = ctx.args.map((a) => asLong(a.type)) as [(v: unknown) => I64 | null, (v: unknown) => I64 | null];
      return (x, y) => {
        const a = ra(x), s = rb(y);
        if (a === null || s === null || s < 0) return null;
        const n = BigInt(toNumber(s) % 64);
        const v = big(a);
        return norm(BigInt.asIntN(64, left ? v << n : v >> n));
      };
    },
  };
}

const binaryNot: ScalarFunction = {
  name: 'binary_not',
  bind(ctx) {
    const long = asLong(ctx.args[0]!.type);
    return (x) => {
      const v = long(x);
      if (v === null) return null;
      return isSmall(v) ? ~v : norm(BigInt.asIntN(64, ~big(v)));
    };
  },
};

const bitsetCountOnes: ScalarFunction = {
  name: 'bitset_count_ones',
  bind(ctx) {
    const long = asLong(ctx.args[0]!.type);
    return (x) => {
      const v = long(x);
      if (v === null) return null;
      let u = BigInt.asUintN(64, big(v));
      let n = 0;
      while (u) {
        u &= u - 1n;
        n++;
      }
      return n;
    };
  },
};

/** convert_<quantity>(value, from, to): null for a unit the quantity does not have. */
function converter(name: string, q: Quantity): ScalarFunction {
  return {
    name,
    bind(ctx) {
      const read = asNumber(ctx.args[0]!.type);
      return (v, from, to) => {
        const x = read(v);
        return x === null ? null : convertUnit(q, x, String(from), String(to));
      };
    },
  };
}

const nonNegative = (f: (x: number) => number) => (x: number) => (x < 0 ? null : f(x));

export const MATH_FUNCTIONS: ScalarFunction[] = [
  abs, round, ceiling,
  real('exp', Math.exp),
  real('exp2', (x) => 2 ** x),
  real('exp10', (x) => 10 ** x),
  real('log', nonNegative(Math.log)),
  real('log2', nonNegative(Math.log2)),
  real('log10', nonNegative(Math.log10)),
  real('sqrt', nonNegative(Math.sqrt)),
  real('pow', (x, y) => Math.pow(x, y)),
  real('sign', (x) => (Number.isNaN(x) ? NaN : x > 0 ? 1 : x < 0 ? -1 : 0)),
  real('isnan', (x) => Number.isNaN(x)),
  real('isinf', (x) => x === Infinity || x === -Infinity),
  real('isfinite', (x) => Number.isFinite(x)),
  real('pi', () => Math.PI),
  real('cos', Math.cos),
  real('sin', Math.sin),
  real('tan', Math.tan),
  real('acos', Math.acos),
  real('asin', Math.asin),
  real('atan', Math.atan),
  real('atan2', (y, x) => Math.atan2(y, x)),
  real('cot', (x) => 1 / Math.tan(x)),
  real('degrees', (x) => (x * 180) / Math.PI),
  real('radians', (x) => (x * Math.PI) / 180),
  real('gamma', gamma),
  real('loggamma', logGamma),
  real('erf', erf),
  real('erfc', erfc),
  real('beta_cdf', betaCdf),
  real('beta_pdf', betaPdf),
  real('beta_inv', betaInv),
  real('welch_test', welchTest),
  rand,
  extremum('max_of', 1),
  extremum('min_of', -1),
  bitwise('binary_and', (a, b) => a & b, (a, b) => a & b),
  bitwise('binary_or', (a, b) => a | b, (a, b) => a | b),
  bitwise('binary_xor', (a, b) => a ^ b, (a, b) => a ^ b),
  binaryNot,
  shift('binary_shift_left', true),
  shift('binary_shift_right', false),
  bitsetCountOnes,
  ...Object.entries(QUANTITIES).map(([q, table]) => converter(`convert_${q}`, table)),
];
