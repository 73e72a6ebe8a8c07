/**
 * The series_* functions: element-wise math and comparisons over dynamic numeric arrays,
 * reductions (sum, dot product, statistics), filling of missing values, FIR/IIR filters,
 * line fitting, FFT, outlier scoring, period detection and seasonal decomposition.
 *
 * A series is a dynamic array; its numeric elements are numbers (or exact longs as bigint), and
 * any other element (null, string, bag...) is "non-numeric". Functions that return several
 * values (series_fit_line, series_decompose...) return a JS array, one element per output
 * column, which the engine spreads into the columns the binder named.
 */
import { facts } from '../../diagnostics/facts.js';
import type { ScalarType } from '../../schema/types.js';
import { asNumber } from './conversion.js';
import { stringifier } from './operators.js';
import type { BindContext, ScalarFunction } from './types.js';

// ---------------------------------------------------------------------------------------------
// Reading series

/** A numeric element as a JS number; null for anything else. */
function num(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return null;
}

/** The elements as numbers, NaN standing for non-numeric ones. */
function numbers(arr: unknown[]): number[] {
  const out = new Array<number>(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const x = num(arr[i]);
    out[i] = x === null ? NaN : x;
  }
  return out;
}

const asArray = (v: unknown): unknown[] | null => (Array.isArray(v) ? v : null);

/** Reads an optional argument of any numeric type as a number; null when absent or null. */
function numArg(ctx: BindContext, i: number): (v: unknown) => number | null {
  const a = ctx.args[i];
  if (!a) return () => null;
  const read = asNumber(a.type);
  return (v) => (v === null || v === undefined ? null : read(v));
}

function boolArg(v: unknown, dflt: boolean): boolean {
  return typeof v === 'boolean' ? v : dflt;
}

/** A constant argument's value at bind time (undefined when absent or not constant). */
function constArg(ctx: BindContext, i: number): unknown {
  const a = ctx.args[i];
  return a && a.constant ? a.value : undefined;
}

function textArg(ctx: BindContext, i: number, dflt: string): (v: unknown) => string {
  const a = ctx.args[i];
  if (!a) return () => dflt;
  const str = stringifier(a.type);
  return (v) => {
    if (v === null || v === undefined) return dflt;
    const s = str(v).trim().toLowerCase();
    return s === '' ? dflt : s;
  };
}

// ---------------------------------------------------------------------------------------------
// Element-wise functions

/** series_f(series): f applied to every numeric element; null for the others. */
function unary(name: string, f: (x: number) => number): ScalarFunction {
  return {
    name,
    bind: () => (s) => {
      const arr = asArray(s);
      if (!arr) return null;
      const out = new Array<unknown>(arr.length);
      for (let i = 0; i < arr.length; i++) {
        const x = num(arr[i]);
        out[i] = x === null ? null : f(x);
      }
      return out;
    },
  };
}

/** One side of an element-wise binary function: a series, or a number repeated along the other. */
type Operand = { arr: unknown[] } | { scalar: number } | null;

function operandReader(type: ScalarType): (v: unknown) => Operand {
  if (type === 'dynamic') {
    return (v) => {
      if (Array.isArray(v)) return { arr: v };
      const x = num(v);
      return x === null ? null : { scalar: x };
    };
  }
  const read = asNumber(type);
  return (v) => {
    const x = read(v);
    return x === null ? null : { scalar: x };
  };
}

/**
 * series_f(series1, series2): f of the elements at each index; either side may be a number.
 * Past the end of the shorter series, and where an element is not numeric, the result is null.
 */
function binary(name: string, f: (x: number, y: number) => number | boolean): ScalarFunction {
  return {
    name,
    bind(ctx) {
      const ra = operandReader(ctx.args[0]!.type), rb = operandReader(ctx.args[1]!.type);
      return (a, b) => {
        const x = ra(a), y = rb(b);
        if (!x || !y) return null;
        if (!('arr' in x) && !('arr' in y)) return null;
        const n = Math.max('arr' in x ? x.arr.length : 0, 'arr' in y ? y.arr.length : 0);
        const out = new Array<unknown>(n);
        for (let i = 0; i < n; i++) {
          const u = 'arr' in x ? (i < x.arr.length ? num(x.arr[i]) : null) : x.scalar;
          const v = 'arr' in y ? (i < y.arr.length ? num(y.arr[i]) : null) : y.scalar;
          out[i] = u === null || v === null ? null : f(u, v);
        }
        return out;
      };
    },
  };
}

const ELEMENTWISE: ScalarFunction[] = [
  unary('series_abs', Math.abs),
  unary('series_acos', Math.acos),
  unary('series_asin', Math.asin),
  unary('series_atan', Math.atan),
  unary('series_ceiling', (x) => Math.ceil(x) + 0),
  unary('series_cos', Math.cos),
  unary('series_exp', Math.exp),
  unary('series_floor', Math.floor),
  unary('series_log', Math.log),
  unary('series_sign', (x) => (x > 0 ? 1 : x < 0 ? -1 : 0)),
  unary('series_sin', Math.sin),
  unary('series_tan', Math.tan),
  binary('series_add', (x, y) => x + y),
  binary('series_subtract', (x, y) => x - y),
  binary('series_multiply', (x, y) => x * y),
  binary('series_divide', (x, y) => x / y),
  binary('series_pow', Math.pow),
  binary('series_greater', (x, y) => x > y),
  binary('series_greater_equals', (x, y) => x >= y),
  binary('series_less', (x, y) => x < y),
  binary('series_less_equals', (x, y) => x <= y),
  binary('series_equals', (x, y) => x === y),
  binary('series_not_equals', (x, y) => x !== y),
];

// ---------------------------------------------------------------------------------------------
// Reductions

/** A reduction over the numeric elements (the others are skipped). */
function reduce(name: string, init: number, step: (acc: number, x: number) => number, done: (acc: number) => number = (a) => a): ScalarFunction {
  return {
    name,
    bind: () => (s) => {
      const arr = asArray(s);
      if (!arr) return null;
      let acc = init;
      for (const v of arr) {
        const x = num(v);
        if (x !== null) acc = step(acc, x);
      }
      return done(acc);
    },
  };
}

/**
 * The numeric pairs of two series (or a series and a number), the longer series cut to the
 * length of the shorter; null when either is empty or not a series.
 */
function pairs(x: Operand, y: Operand): [number[], number[]] | null {
  if (!x || !y || (!('arr' in x) && !('arr' in y))) return null;
  const n = 'arr' in x && 'arr' in y ? Math.min(x.arr.length, y.arr.length) : 'arr' in x ? x.arr.length : (y as { arr: unknown[] }).arr.length;
  if (n === 0) return null;
  const us: number[] = [], vs: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = 'arr' in x ? num(x.arr[i]) : x.scalar;
    const v = 'arr' in y ? num(y.arr[i]) : y.scalar;
    if (u === null || v === null) continue;
    us.push(u);
    vs.push(v);
  }
  return [us, vs];
}

function dot(u: number[], v: number[]): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += u[i]! * v[i]!;
  return s;
}

const seriesDotProduct: ScalarFunction = {
  name: 'series_dot_product',
  bind(ctx) {
    const ra = operandReader(ctx.args[0]!.type), rb = operandReader(ctx.args[1]!.type);
    return (a, b) => {
      const p = pairs(ra(a), rb(b));
      return p ? dot(p[0], p[1]) : null;
    };
  },
};

const seriesCosineSimilarity: ScalarFunction = {
  name: 'series_cosine_similarity',
  propagatesNulls: false,
  bind(ctx) {
    const m1 = numArg(ctx, 2), m2 = numArg(ctx, 3);
    return (a, b, x, y) => {
      const p = pairs(Array.isArray(a) ? { arr: a } : null, Array.isArray(b) ? { arr: b } : null);
      if (!p) return null;
      const [u, v] = p;
      const mu = m1(x) ?? Math.sqrt(dot(u, u));
      const mv = m2(y) ?? Math.sqrt(dot(v, v));
      return dot(u, v) / (mu * mv);
    };
  },
};

const seriesPearsonCorrelation: ScalarFunction = {
  name: 'series_pearson_correlation',
  bind: () => (a, b) => {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length || a.length === 0) return null;
    const x = numbers(a), y = numbers(b);
    if (x.some(Number.isNaN) || y.some(Number.isNaN)) return null;
    const mx = mean(x), my = mean(y);
    let sxy = 0, sxx = 0, syy = 0;
    for (let i = 0; i < x.length; i++) {
      const dx = x[i]! - mx, dy = y[i]! - my;
      sxy += dx * dy;
      sxx += dx * dx;
      syy += dy * dy;
    }
    return sxy / Math.sqrt(sxx * syy);
  },
};

const REDUCTIONS: ScalarFunction[] = [
  reduce('series_sum', 0, (a, x) => a + x),
  reduce('series_product', 1, (a, x) => a * x),
  reduce('series_magnitude', 0, (a, x) => a + x * x, Math.sqrt),
  seriesDotProduct,
  seriesCosineSimilarity,
  seriesPearsonCorrelation,
];

// ---------------------------------------------------------------------------------------------
// Statistics helpers

function mean(xs: number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample variance (n - 1 in the denominator); 0 for fewer than two values. */
function sampleVariance(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return s / (xs.length - 1);
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

/** The p-th percentile (0..100) of ascending values, interpolating linearly between ranks. */
function percentileSorted(s: number[], p: number): number {
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * p / 100;
  const lo = Math.floor(pos), frac = pos - lo;
  if (lo + 1 >= s.length) return s[s.length - 1]!;
  return s[lo]! + (s[lo + 1]! - s[lo]!) * frac;
}

// ---------------------------------------------------------------------------------------------
// series_stats / series_stats_dynamic

interface Stats { min: number | null; minIdx: number | null; max: number | null; maxIdx: number | null; avg: number | null; stdev: number | null; variance: number | null; sum: number | null; len: number }

function stats(arr: unknown[], ignoreNonFinite: boolean): Stats {
  const none: Stats = { min: null, minIdx: null, max: null, maxIdx: null, avg: null, stdev: null, variance: null, sum: null, len: arr.length };
  const xs: number[] = [];
  let min = Infinity, max = -Infinity, minIdx = -1, maxIdx = -1;
  for (let i = 0; i < arr.length; i++) {
    const x = num(arr[i]);
    if (x === null || !Number.isFinite(x)) {
      if (ignoreNonFinite) continue;
      return none;
    }
    xs.push(x);
    if (x < min) { min = x; minIdx = i; }
    if (x > max) { max = x; maxIdx = i; }
  }
  if (xs.length === 0) return none;
  let sum = 0;
  for (const x of xs) sum += x;
  const variance = sampleVariance(xs);
  return { min, minIdx, max, maxIdx, avg: sum / xs.length, stdev: Math.sqrt(variance), variance, sum, len: arr.length };
}

const seriesStats: ScalarFunction = {
  name: 'series_stats',
  bind(ctx) {
    const ignore = boolArg(constArg(ctx, 1), false);
    return (s) => {
      const arr = asArray(s);
      if (!arr) return null;
      const r = stats(arr, ignore);
      return [r.min, r.minIdx, r.max, r.maxIdx, r.avg, r.stdev, r.variance];
    };
  },
};

const seriesStatsDynamic: ScalarFunction = {
  name: 'series_stats_dynamic',
  bind(ctx) {
    const ignore = boolArg(constArg(ctx, 1), false);
    return (s) => {
      const arr = asArray(s);
      if (!arr) return null;
      const r = stats(arr, ignore);
      return { min: r.min, min_idx: r.minIdx, max: r.max, max_idx: r.maxIdx, avg: r.avg, stdev: r.stdev, variance: r.variance, sum: r.sum, len: r.len };
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Filling missing values

/**
 * Which elements are missing: with no placeholder (or a null one), the non-numeric elements;
 * otherwise the numeric elements equal to the placeholder.
 */
function missingTest(placeholder: number | null): (v: unknown) => boolean {
  if (placeholder === null) return (v) => num(v) === null;
  return (v) => num(v) === placeholder;
}

const seriesFillConst: ScalarFunction = {
  name: 'series_fill_const',
  propagatesNulls: false,
  bind(ctx) {
    const value = numArg(ctx, 1), placeholder = numArg(ctx, 2);
    return (s, c, p) => {
      const arr = asArray(s);
      if (!arr) return null;
      const missing = missingTest(placeholder(p));
      const fill = value(c);
      return arr.map((v) => (missing(v) ? fill : v));
    };
  },
};

/** series_fill_forward / series_fill_backward: each missing element takes its nearest earlier (later) value. */
function fillDirectional(name: string, forward: boolean): ScalarFunction {
  return {
    name,
    propagatesNulls: false,
    bind(ctx) {
      const placeholder = numArg(ctx, 1);
      return (s, p) => {
        const arr = asArray(s);
        if (!arr) return null;
        const missing = missingTest(placeholder(p));
        const out = [...arr];
        let last: unknown = undefined;
        for (let k = 0; k < out.length; k++) {
          const i = forward ? k : out.length - 1 - k;
          if (!missing(out[i])) last = out[i];
          else if (last !== undefined) out[i] = last;
        }
        return out;
      };
    },
  };
}

/**
 * series_fill_linear(series[, placeholder[, fill_edges[, constant]]]): missing elements between
 * two values are interpolated linearly; those at the edges take the nearest value (unless
 * fill_edges is false); a series with no value at all is filled with the constant (default 0).
 */
const seriesFillLinear: ScalarFunction = {
  name: 'series_fill_linear',
  propagatesNulls: false,
  bind(ctx) {
    const placeholder = numArg(ctx, 1), constant = numArg(ctx, 3);
    const hasConstant = ctx.args.length > 3;
    return (s, p, edges, c) => {
      const arr = asArray(s);
      if (!arr) return null;
      const missing = missingTest(placeholder(p));
      const fillEdges = boolArg(edges, true);
      const known: number[] = [];
      for (let i = 0; i < arr.length; i++) if (!missing(arr[i])) known.push(i);
      if (known.length === 0) {
        const fill = hasConstant ? constant(c) : 0;
        return fill === null ? [...arr] : arr.map(() => fill);
      }
      const out = [...arr];
      const first = known[0]!, last = known[known.length - 1]!;
      if (fillEdges) {
        for (let i = 0; i < first; i++) out[i] = arr[first];
        for (let i = last + 1; i < arr.length; i++) out[i] = arr[last];
      }
      for (let k = 0; k + 1 < known.length; k++) {
        const a = known[k]!, b = known[k + 1]!;
        if (b === a + 1) continue;
        const ya = num(arr[a])!, yb = num(arr[b])!;
        for (let i = a + 1; i < b; i++) out[i] = ya + (yb - ya) * (i - a) / (b - a);
      }
      return out;
    };
  },
};

const FILLS: ScalarFunction[] = [
  seriesFillConst,
  fillDirectional('series_fill_forward', true),
  fillDirectional('series_fill_backward', false),
  seriesFillLinear,
];

// ---------------------------------------------------------------------------------------------
// Filters

/**
 * series_fir(series, filter[, normalize[, center]]): y[i] = Σ filter[j]·x[i-j] (points before
 * the start count as 0). normalize divides the filter by its sum (the default unless the
 * filter has a negative coefficient; a negative filter with normalize=true yields null); center
 * shifts the window forward by half the filter's length.
 */
const seriesFir: ScalarFunction = {
  name: 'series_fir',
  propagatesNulls: false,
  bind: () => (s, f, normalize, center) => {
    const arr = asArray(s), filt = asArray(f);
    if (!arr || !filt) return null;
    const c = numbers(filt).map((x) => (Number.isNaN(x) ? 0 : x));
    const negative = c.some((x) => x < 0);
    const norm = typeof normalize === 'boolean' ? normalize : !negative;
    if (norm && negative) return null;
    if (norm) {
      let sum = 0;
      for (const x of c) sum += x;
      for (let j = 0; j < c.length; j++) c[j] = c[j]! / sum;
    }
    const x = numbers(arr).map((v) => (Number.isNaN(v) ? 0 : v));
    const shift = center === true ? Math.floor(c.length / 2) : 0;
    const out = new Array<number>(x.length);
    for (let i = 0; i < x.length; i++) {
      let acc = 0;
      for (let j = 0; j < c.length; j++) {
        const k = i - j + shift;
        if (k >= 0 && k < x.length) acc += c[j]! * x[k]!;
      }
      out[i] = acc;
    }
    return out;
  },
};

/** series_iir(series, numerators b, denominators a): a0·y[i] = Σ b[j]·x[i-j] - Σ_{j≥1} a[j]·y[i-j]. */
const seriesIir: ScalarFunction = {
  name: 'series_iir',
  bind: () => (s, bs, as) => {
    const arr = asArray(s), bArr = asArray(bs), aArr = asArray(as);
    if (!arr || !bArr || !aArr || aArr.length === 0) return null;
    const b = numbers(bArr).map((v) => (Number.isNaN(v) ? 0 : v));
    const a = numbers(aArr).map((v) => (Number.isNaN(v) ? 0 : v));
    const x = numbers(arr).map((v) => (Number.isNaN(v) ? 0 : v));
    const y = new Array<number>(x.length);
    for (let i = 0; i < x.length; i++) {
      let acc = 0;
      for (let j = 0; j < b.length && j <= i; j++) acc += b[j]! * x[i - j]!;
      for (let j = 1; j < a.length && j <= i; j++) acc -= a[j]! * y[i - j]!;
      y[i] = acc / a[0]!;
    }
    return y;
  },
};

// ---------------------------------------------------------------------------------------------
// Line fitting

interface LineFit { rsquare: number; slope: number; variance: number; rvariance: number; interception: number; fit: number[]; sse: number }

/**
 * Least-squares line over y at x = 1..n (non-finite points are left out of the fit but get a
 * fitted value). variance and rvariance are sample variances of y and of the residuals.
 */
function fitLine(y: number[]): LineFit {
  const xs: number[] = [], ys: number[] = [];
  for (let i = 0; i < y.length; i++) if (Number.isFinite(y[i]!)) { xs.push(i + 1); ys.push(y[i]!); }
  const n = ys.length;
  let slope = 0, interception = n ? mean(ys) : NaN;
  if (n >= 2) {
    const mx = mean(xs), my = mean(ys);
    let sxy = 0, sxx = 0;
    for (let i = 0; i < n; i++) {
      sxy += (xs[i]! - mx) * (ys[i]! - my);
      sxx += (xs[i]! - mx) * (xs[i]! - mx);
    }
    slope = sxy / sxx;
    interception = my - slope * mx;
  }
  const fit = y.map((_, i) => slope * (i + 1) + interception);
  const residuals = ys.map((v, i) => v - (slope * xs[i]! + interception));
  let sse = 0;
  for (const r of residuals) sse += r * r;
  const my = mean(ys);
  let sst = 0;
  for (const v of ys) sst += (v - my) * (v - my);
  return { rsquare: 1 - sse / sst, slope, variance: sampleVariance(ys), rvariance: sampleVariance(residuals), interception, fit, sse };
}

const seriesFitLine: ScalarFunction = {
  name: 'series_fit_line',
  bind: () => (s) => {
    const arr = asArray(s);
    if (!arr) return null;
    const f = fitLine(numbers(arr));
    return [f.rsquare, f.slope, f.variance, f.rvariance, f.interception, f.fit];
  },
};

const seriesFitLineDynamic: ScalarFunction = {
  name: 'series_fit_line_dynamic',
  bind: () => (s) => {
    const arr = asArray(s);
    if (!arr) return null;
    const f = fitLine(numbers(arr));
    return { rsquare: f.rsquare, slope: f.slope, variance: f.variance, rvariance: f.rvariance, interception: f.interception, line_fit: f.fit };
  },
};

interface TwoLines { rsquare: number; split: number; variance: number; rvariance: number; fit: number[]; left: LineFit; right: LineFit }

/**
 * Residual sums of squares of least-squares lines over index ranges, from running sums (x and
 * y centred first to keep the sums small): O(1) per range instead of a refit.
 */
function rangeSse(y: number[]): (from: number, to: number) => number {
  const n = y.length;
  const finite = y.filter(Number.isFinite);
  const my = finite.length ? mean(finite) : 0, mx = n / 2;
  const c = new Float64Array(n + 1), sx = new Float64Array(n + 1), sxx = new Float64Array(n + 1);
  const sy = new Float64Array(n + 1), syy = new Float64Array(n + 1), sxy = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const ok = Number.isFinite(y[i]!);
    const x = i - mx, v = ok ? y[i]! - my : 0;
    c[i + 1] = c[i]! + (ok ? 1 : 0);
    sx[i + 1] = sx[i]! + (ok ? x : 0);
    sxx[i + 1] = sxx[i]! + (ok ? x * x : 0);
    sy[i + 1] = sy[i]! + v;
    syy[i + 1] = syy[i]! + v * v;
    sxy[i + 1] = sxy[i]! + x * v;
  }
  return (from, to) => {
    const k = c[to]! - c[from]!;
    if (k < 3) return 0;
    const X = sx[to]! - sx[from]!, Y = sy[to]! - sy[from]!;
    const vxx = sxx[to]! - sxx[from]! - X * X / k;
    const vyy = syy[to]! - syy[from]! - Y * Y / k;
    const vxy = sxy[to]! - sxy[from]! - X * Y / k;
    return Math.max(0, vxx > 0 ? vyy - vxy * vxy / vxx : vyy);
  };
}

/**
 * Two-segment regression: every split index (the first point of the right segment; each
 * segment keeps at least two points when the series allows) fits a line to each side; the
 * split with the highest total r-square (least total squared residual) wins. Each side's x
 * runs from 1.
 */
function fitTwoLines(y: number[]): TwoLines {
  const n = y.length;
  const minSide = n >= 4 ? 2 : 1;
  const finite = y.filter(Number.isFinite);
  const my = mean(finite);
  let sst = 0;
  for (const v of finite) sst += (v - my) * (v - my);
  const sse = rangeSse(y);
  let split = -1, bestSse = Infinity;
  for (let i = minSide; i <= n - minSide; i++) {
    const total = sse(0, i) + sse(i, n);
    if (split < 0 || total < bestSse) { split = i; bestSse = total; }
  }
  let left: LineFit, right: LineFit, fit: number[];
  if (split < 0) {
    left = right = fitLine(y);
    split = 0;
    fit = left.fit;
  } else {
    left = fitLine(y.slice(0, split));
    right = fitLine(y.slice(split));
    fit = [...left.fit, ...right.fit];
  }
  const residuals: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(y[i]!)) residuals.push(y[i]! - fit[i]!);
  const rsquare = split > 0 ? 1 - (left.sse + right.sse) / sst : left.rsquare;
  return { rsquare, split, variance: sampleVariance(finite), rvariance: sampleVariance(residuals), fit, left, right };
}

const seriesFit2Lines: ScalarFunction = {
  name: 'series_fit_2lines',
  bind: () => (s) => {
    const arr = asArray(s);
    if (!arr) return null;
    const t = fitTwoLines(numbers(arr));
    const r = t.right, l = t.left;
    return [t.rsquare, t.split, t.variance, t.rvariance, t.fit,
      r.rsquare, r.slope, r.interception, r.variance, r.rvariance,
      l.rsquare, l.slope, l.interception, l.variance, l.rvariance];
  },
};

const seriesFit2LinesDynamic: ScalarFunction = {
  name: 'series_fit_2lines_dynamic',
  bind: () => (s) => {
    const arr = asArray(s);
    if (!arr) return null;
    const t = fitTwoLines(numbers(arr));
    const side = (f: LineFit) => ({ rsquare: f.rsquare, slope: f.slope, interception: f.interception, variance: f.variance, rvariance: f.rvariance });
    return { rsquare: t.rsquare, split_idx: t.split, variance: t.variance, rvariance: t.rvariance, line_fit: t.fit, right: side(t.right), left: side(t.left) };
  },
};

/** Least squares by Householder QR: the x minimising |A·x - b| (A given by rows). */
function leastSquares(rows: number[][], b: number[]): number[] {
  const m = rows.length, n = rows[0]?.length ?? 0;
  const a = rows.map((r) => [...r]);
  const y = [...b];
  for (let k = 0; k < n && k < m; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += a[i]![k]! * a[i]![k]!;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = a[k]![k]! > 0 ? -norm : norm;
    const v = new Array<number>(m).fill(0);
    for (let i = k; i < m; i++) v[i] = a[i]![k]!;
    v[k] = v[k]! - alpha;
    let vv = 0;
    for (let i = k; i < m; i++) vv += v[i]! * v[i]!;
    if (vv === 0) continue;
    for (let j = k; j < n; j++) {
      let d = 0;
      for (let i = k; i < m; i++) d += v[i]! * a[i]![j]!;
      const f = 2 * d / vv;
      for (let i = k; i < m; i++) a[i]![j] = a[i]![j]! - f * v[i]!;
    }
    let d = 0;
    for (let i = k; i < m; i++) d += v[i]! * y[i]!;
    const f = 2 * d / vv;
    for (let i = k; i < m; i++) y[i] = y[i]! - f * v[i]!;
  }
  const x = new Array<number>(n).fill(0);
  for (let k = Math.min(n, m) - 1; k >= 0; k--) {
    let s = y[k]!;
    for (let j = k + 1; j < n; j++) s -= a[k]![j]! * x[j]!;
    x[k] = a[k]![k] === 0 ? 0 : s / a[k]![k]!;
  }
  return x;
}

/** series_fit_poly(y[, x[, degree]]): polynomial least squares; coefficients from the highest power. */
const seriesFitPoly: ScalarFunction = {
  name: 'series_fit_poly',
  propagatesNulls: false,
  bind(ctx) {
    const degreeOf = numArg(ctx, 2);
    return (ys, xsArg, d) => {
      const yArr = asArray(ys);
      if (!yArr) return null;
      const y = numbers(yArr);
      const xArr = asArray(xsArg);
      const x = xArr ? numbers(xArr) : y.map((_, i) => i + 1);
      const degree = Math.max(0, Math.trunc(degreeOf(d) ?? 1));
      const use: number[] = [];
      for (let i = 0; i < y.length; i++) if (Number.isFinite(y[i]!) && Number.isFinite(x[i] ?? NaN)) use.push(i);
      if (use.length === 0) return [null, null, null, null, null];
      const rows = use.map((i) => Array.from({ length: degree + 1 }, (_, p) => x[i]! ** (degree - p)));
      const coefficients = leastSquares(rows, use.map((i) => y[i]!));
      const evalAt = (t: number) => coefficients.reduce((acc, c) => acc * t + c, 0);
      const fit = y.map((_, i) => (i < x.length && Number.isFinite(x[i]!) ? evalAt(x[i]!) : null));
      const vals = use.map((i) => y[i]!);
      const residuals = use.map((i) => y[i]! - evalAt(x[i]!));
      const my = mean(vals);
      let sse = 0, sst = 0;
      for (let k = 0; k < vals.length; k++) {
        sse += residuals[k]! * residuals[k]!;
        sst += (vals[k]! - my) * (vals[k]! - my);
      }
      return [1 - sse / sst, coefficients, sampleVariance(vals), sampleVariance(residuals), fit];
    };
  },
};

const FITS: ScalarFunction[] = [seriesFitLine, seriesFitLineDynamic, seriesFit2Lines, seriesFit2LinesDynamic, seriesFitPoly];

// ---------------------------------------------------------------------------------------------
// FFT

/** In-place radix-2 FFT (length a power of two); `sign` -1 forward, +1 inverse (unscaled). */
function fftPow2(re: Float64Array, im: Float64Array, sign: number): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = sign * 2 * Math.PI / len;
    const half = len >> 1;
    for (let k = 0; k < half; k++) {
      const wr = Math.cos(ang * k), wi = Math.sin(ang * k);
      for (let i = k; i < n; i += len) {
        const j = i + half;
        const xr = re[j]! * wr - im[j]! * wi, xi = re[j]! * wi + im[j]! * wr;
        re[j] = re[i]! - xr;
        im[j] = im[i]! - xi;
        re[i] = re[i]! + xr;
        im[i] = im[i]! + xi;
      }
    }
  }
}

const nextPow2 = (n: number): number => {
  let m = 1;
  while (m < n) m <<= 1;
  return m;
};

/** The DFT of any length (Bluestein's chirp transform when the length is not a power of two). */
function dft(reIn: number[], imIn: number[], inverse: boolean): [number[], number[]] {
  const n = reIn.length;
  const sign = inverse ? 1 : -1;
  if (n === 0) return [[], []];
  if ((n & (n - 1)) === 0) {
    const re = Float64Array.from(reIn), im = Float64Array.from(imIn);
    fftPow2(re, im, sign);
    return [Array.from(re), Array.from(im)];
  }
  const m = nextPow2(2 * n - 1);
  // chirp w[k] = exp(sign·iπk²/n); k² taken mod 2n keeps the angle exact for long series.
  const cr = new Float64Array(n), ci = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const a = Math.PI * ((k * k) % (2 * n)) / n;
    cr[k] = Math.cos(a);
    ci[k] = sign * Math.sin(a);
  }
  const ar = new Float64Array(m), ai = new Float64Array(m);
  for (let k = 0; k < n; k++) {
    ar[k] = reIn[k]! * cr[k]! - imIn[k]! * ci[k]!;
    ai[k] = reIn[k]! * ci[k]! + imIn[k]! * cr[k]!;
  }
  const br = new Float64Array(m), bi = new Float64Array(m);
  br[0] = cr[0]!;
  bi[0] = -ci[0]!;
  for (let k = 1; k < n; k++) {
    br[k] = br[m - k] = cr[k]!;
    bi[k] = bi[m - k] = -ci[k]!;
  }
  fftPow2(ar, ai, -1);
  fftPow2(br, bi, -1);
  for (let k = 0; k < m; k++) {
    const r = ar[k]! * br[k]! - ai[k]! * bi[k]!;
    ai[k] = ar[k]! * bi[k]! + ai[k]! * br[k]!;
    ar[k] = r;
  }
  fftPow2(ar, ai, 1);
  const outRe = new Array<number>(n), outIm = new Array<number>(n);
  for (let k = 0; k < n; k++) {
    const r = ar[k]! / m, i = ai[k]! / m;
    outRe[k] = r * cr[k]! - i * ci[k]!;
    outIm[k] = r * ci[k]! + i * cr[k]!;
  }
  return [outRe, outIm];
}

/** series_fft / series_ifft(real[, imaginary]): the (inverse, 1/n-scaled) discrete Fourier transform. */
function fourier(name: string, inverse: boolean): ScalarFunction {
  return {
    name,
    propagatesNulls: false,
    bind: () => (r, i) => {
      const re = asArray(r);
      if (!re) return null;
      const im = asArray(i);
      const x = numbers(re).map((v) => (Number.isNaN(v) ? 0 : v));
      const y = x.map((_, k) => (im ? num(im[k]) ?? 0 : 0));
      const [fr, fi] = dft(x, y, inverse);
      if (inverse) for (let k = 0; k < fr.length; k++) { fr[k] = fr[k]! / fr.length; fi[k] = fi[k]! / fi.length; }
      return [fr, fi];
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Outliers

/**
 * For ctukey's default 10th/90th percentiles, the score unit is their range divided by this
 * (measured from Kusto's output: the ratio is the same for every series).
 */
const CTUKEY_10_90 = 2.7726056055079167;

/** The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) => (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5, r = q * q;
  return (((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/**
 * Scores from Tukey's fences: inside [low, high] the score is 0; outside, the distance to the
 * nearer fence in units of `scale`. "tukey" takes the 25th/75th percentiles and scale = their
 * range; "ctukey" takes custom percentiles (default 10th/90th), the unit scaled from the
 * default pair's by the ratio of the normal quantile ranges. Null and ignored points score 0
 * and, like the last `testPoints` points, are left out of the percentiles.
 */
interface OutlierOptions { kind: string; ignore: number | null; minPct: number; maxPct: number; testPoints: number }

function outlierScores(y: number[], o: OutlierOptions): number[] {
  const valid = (v: number) => Number.isFinite(v) && (o.ignore === null || v !== o.ignore);
  const learn = Math.max(0, y.length - o.testPoints);
  const sorted: number[] = [];
  for (let i = 0; i < learn; i++) if (valid(y[i]!)) sorted.push(y[i]!);
  sorted.sort((a, b) => a - b);
  let low: number, high: number, scale: number;
  if (o.kind === 'tukey') {
    low = percentileSorted(sorted, 25);
    high = percentileSorted(sorted, 75);
    scale = high - low;
  } else {
    low = percentileSorted(sorted, o.minPct);
    high = percentileSorted(sorted, o.maxPct);
    const c = o.minPct === 10 && o.maxPct === 90 ? CTUKEY_10_90
      : CTUKEY_10_90 * (normalQuantile(o.maxPct / 100) - normalQuantile(o.minPct / 100)) / (normalQuantile(0.9) - normalQuantile(0.1));
    scale = (high - low) / c;
  }
  return y.map((v) => {
    if (!valid(v)) return 0;
    if (v > high) return (v - high) / scale;
    if (v < low) return (v - low) / scale;
    return 0;
  });
}

const seriesOutliers: ScalarFunction = {
  name: 'series_outliers',
  propagatesNulls: false,
  bind(ctx) {
    const kindOf = textArg(ctx, 1, 'ctukey');
    const ignoreOf = numArg(ctx, 2), minOf = numArg(ctx, 3), maxOf = numArg(ctx, 4), testOf = numArg(ctx, 5);
    const check = (kind: string, lo: number, hi: number) => {
      if (kind !== 'tukey' && kind !== 'ctukey') throw facts.runtime(`series_outliers: unknown kind '${kind}' (expected 'tukey' or 'ctukey')`, ctx.span);
      if (!(lo >= 2 && lo <= 98 && hi >= 2 && hi <= 98 && lo < hi)) throw facts.runtime('series_outliers: the percentiles must be in [2, 98], the minimum below the maximum', ctx.span);
    };
    return (s, k, ig, lo, hi, tp) => {
      const arr = asArray(s);
      if (!arr) return null;
      const kind = kindOf(k);
      const minPct = minOf(lo) ?? 10, maxPct = maxOf(hi) ?? 90;
      check(kind, minPct, maxPct);
      return outlierScores(numbers(arr), { kind, ignore: ignoreOf(ig), minPct, maxPct, testPoints: Math.max(0, Math.trunc(testOf(tp) ?? 0)) });
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Periods

/** y minus its least-squares line over the finite points (non-finite points become 0). */
function detrend(y: number[]): number[] {
  const f = fitLine(y);
  return y.map((v, i) => (Number.isFinite(v) ? v - f.fit[i]! : 0));
}

/** Autocorrelation of a centred series for lags 0..maxLag, each lag's mean product over the variance. */
function autocorrelation(d: number[], maxLag: number): number[] {
  const n = d.length;
  const m = nextPow2(2 * n);
  const re = new Float64Array(m), im = new Float64Array(m);
  for (let i = 0; i < n; i++) re[i] = d[i]!;
  fftPow2(re, im, -1);
  for (let k = 0; k < m; k++) {
    re[k] = re[k]! * re[k]! + im[k]! * im[k]!;
    im[k] = 0;
  }
  fftPow2(re, im, 1);
  const variance = re[0]! / m / n;
  const out = new Array<number>(maxLag + 1);
  for (let L = 0; L <= maxLag; L++) out[L] = L < n && variance > 0 ? re[L]! / m / (n - L) / variance : 0;
  return out;
}

interface Periods { periods: number[]; scores: number[] }

/**
 * Candidate periods come from the peaks of the periodogram of the detrended series (holding at
 * least a tenth of the strongest peak's power); each is refined to the highest autocorrelation
 * among the lags its frequency bin covers, which must be a local maximum. The score is that
 * autocorrelation (in [0, 1]). Periods run from 4 points to half the series.
 */
function detectPeriods(y: number[], minPeriod: number, maxPeriod: number): Periods {
  const n = y.length;
  const lo = Math.max(4, Math.ceil(minPeriod)), hi = Math.min(Math.floor(maxPeriod), Math.floor(n / 2));
  if (n < 8 || hi < lo) return { periods: [], scores: [] };
  const d = detrend(y);
  const [fr, fi] = dft(d, new Array<number>(n).fill(0), false);
  const half = Math.floor(n / 2);
  const power = new Array<number>(half + 2).fill(0);
  let maxPower = 0;
  for (let k = 1; k <= half; k++) {
    power[k] = fr[k]! * fr[k]! + fi[k]! * fi[k]!;
    if (power[k]! > maxPower) maxPower = power[k]!;
  }
  if (maxPower === 0) return { periods: [], scores: [] };
  const acf = autocorrelation(d, Math.min(hi + 1, n - 1));
  const at = (L: number) => (L < acf.length ? acf[L]! : -Infinity);
  const found = new Map<number, number>();
  // Bin 1 (one cycle over the whole series) cannot show a period: at least two cycles are needed.
  for (let k = 2; k <= half; k++) {
    const p = power[k]!;
    if (p < 0.1 * maxPower || p < power[k - 1]! || p < power[k + 1]!) continue;
    const from = Math.max(lo, Math.floor(n / (k + 1))), to = Math.min(hi, Math.ceil(n / (k - 1)));
    let best = -1;
    for (let L = from; L <= to; L++) if (best < 0 || at(L) > at(best)) best = L;
    if (best < 0) continue;
    const score = at(best);
    if (!(score > 0) || score < at(best - 1) || score < at(best + 1)) continue;
    found.set(best, Math.min(1, score));
  }
  const sorted = [...found.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return { periods: sorted.map((e) => e[0]), scores: sorted.map((e) => e[1]) };
}

/** The score of one given period: its (interpolated) autocorrelation, 0 outside [4, n/2]. */
function periodScore(y: number[], period: number): number {
  const n = y.length;
  if (!(period >= 4 && period <= n / 2)) return 0;
  const acf = autocorrelation(detrend(y), Math.min(Math.ceil(period), n - 1));
  const L = Math.floor(period), frac = period - L;
  const r = frac === 0 ? acf[L]! : acf[L]! + (acf[L + 1]! - acf[L]!) * frac;
  return Math.max(0, Math.min(1, r));
}

const seriesPeriodsDetect: ScalarFunction = {
  name: 'series_periods_detect',
  bind(ctx) {
    const minOf = numArg(ctx, 1), maxOf = numArg(ctx, 2), countOf = numArg(ctx, 3);
    return (s, a, b, c) => {
      const arr = asArray(s);
      if (!arr) return null;
      const count = Math.max(0, Math.trunc(countOf(c) ?? 0));
      const r = detectPeriods(numbers(arr), minOf(a) ?? 0, maxOf(b) ?? Infinity);
      const periods = new Array<number>(count).fill(0), scores = new Array<number>(count).fill(0);
      for (let i = 0; i < count && i < r.periods.length; i++) { periods[i] = r.periods[i]!; scores[i] = r.scores[i]!; }
      return [periods, scores];
    };
  },
};

const seriesPeriodsValidate: ScalarFunction = {
  name: 'series_periods_validate',
  bind(ctx) {
    const readers = ctx.args.slice(1).map((_, i) => numArg(ctx, i + 1));
    return (s, ...ps) => {
      const arr = asArray(s);
      if (!arr) return null;
      const y = numbers(arr);
      const periods = ps.map((p, i) => readers[i]!(p) ?? 0);
      return [periods, periods.map((p) => periodScore(y, p))];
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Decomposition

/** The period to use: the given one, or (for -1) the best detected one when its score reaches the threshold. */
function choosePeriod(y: number[], period: number, threshold: number): number {
  if (period >= 0) return Math.trunc(period);
  if (period !== -1) return 0;
  const r = detectPeriods(y, 0, Infinity);
  return r.periods.length && r.scores[0]! >= threshold ? r.periods[0]! : 0;
}

/** Per position, the median of the learning points in the same phase of the period. */
function seasonalComponent(y: number[], learn: number, period: number): number[] {
  const n = y.length;
  const out = new Array<number>(n).fill(0);
  if (period <= 0) return out;
  for (let phase = 0; phase < period && phase < n; phase++) {
    const vals: number[] = [];
    for (let i = phase; i < learn; i += period) if (Number.isFinite(y[i]!)) vals.push(y[i]!);
    const m = vals.length ? median(vals) : 0;
    for (let i = phase; i < n; i += period) out[i] = m;
  }
  return out;
}

interface Decomposition { baseline: number[]; seasonal: number[]; trend: number[]; residual: number[] }

/**
 * Seasonal (phase medians) first, then the trend of the deseasonalized learning points (their
 * average, a least-squares line, or nothing), baseline = seasonal + trend, residual = y - baseline.
 * The last `testPoints` points are left out of the learning and get the extrapolated baseline.
 */
function decompose(y: number[], period: number, trend: string, testPoints: number, threshold: number): Decomposition {
  const n = y.length;
  const learn = Math.max(0, n - testPoints);
  const p = choosePeriod(y.slice(0, learn), period, threshold);
  const seasonal = seasonalComponent(y, learn, p);
  const deseason: number[] = [];
  for (let i = 0; i < learn; i++) deseason.push(y[i]! - seasonal[i]!);
  let trendLine: number[];
  if (trend === 'avg') {
    const finite = deseason.filter(Number.isFinite);
    const m = finite.length ? mean(finite) : 0;
    trendLine = new Array<number>(n).fill(m);
  } else if (trend === 'linefit') {
    const f = fitLine(deseason);
    trendLine = y.map((_, i) => f.slope * (i + 1) + f.interception);
  } else {
    trendLine = new Array<number>(n).fill(0);
  }
  const baseline = seasonal.map((s, i) => s + trendLine[i]!);
  const residual = y.map((v, i) => v - baseline[i]!);
  return { baseline, seasonal, trend: trendLine, residual };
}

/** Reads the decomposition arguments shared by the series_decompose family. */
function decomposeArgs(ctx: BindContext, at: { period: number; trend: number; testPoints?: number; threshold: number }, defaultTrend: string) {
  const periodOf = numArg(ctx, at.period), thresholdOf = numArg(ctx, at.threshold);
  const testOf = at.testPoints === undefined ? () => null : numArg(ctx, at.testPoints);
  const trendOf = textArg(ctx, at.trend, defaultTrend);
  return (vals: unknown[]) => {
    const trend = trendOf(vals[at.trend]);
    if (trend !== 'avg' && trend !== 'linefit' && trend !== 'none') throw facts.runtime(`unknown trend '${trend}' (expected 'avg', 'linefit' or 'none')`, ctx.span);
    return {
      period: Math.trunc(periodOf(vals[at.period]) ?? -1),
      trend,
      testPoints: Math.max(0, Math.trunc(testOf(at.testPoints === undefined ? null : vals[at.testPoints]) ?? 0)),
      threshold: thresholdOf(vals[at.threshold]) ?? 0.6,
    };
  };
}

/** series_decompose(series[, seasonality[, trend[, test_points[, seasonality_threshold]]]]). */
const seriesDecompose: ScalarFunction = {
  name: 'series_decompose',
  propagatesNulls: false,
  bind(ctx) {
    const read = decomposeArgs(ctx, { period: 1, trend: 2, testPoints: 3, threshold: 4 }, 'avg');
    return (...vals) => {
      const arr = asArray(vals[0]);
      if (!arr) return null;
      const o = read(vals);
      const d = decompose(numbers(arr), o.period, o.trend, o.testPoints, o.threshold);
      return [d.baseline, d.seasonal, d.trend, d.residual];
    };
  },
};

/**
 * series_decompose_forecast(series, points[, seasonality[, trend[, seasonality_threshold]]]):
 * the baseline learnt without the last `points` points. The trend defaults to a fitted line.
 */
const seriesDecomposeForecast: ScalarFunction = {
  name: 'series_decompose_forecast',
  propagatesNulls: false,
  bind(ctx) {
    const read = decomposeArgs(ctx, { period: 2, trend: 3, testPoints: 1, threshold: 4 }, 'linefit');
    return (...vals) => {
      const arr = asArray(vals[0]);
      if (!arr) return null;
      const o = read(vals);
      return decompose(numbers(arr), o.period, o.trend, o.testPoints, o.threshold).baseline;
    };
  },
};

/**
 * series_decompose_anomalies(series[, threshold[, seasonality[, trend[, test_points[,
 * ad_method[, seasonality_threshold]]]]]]): outlier scores of the decomposition's residual;
 * the flag is +1/-1 where the score passes ±threshold.
 */
const seriesDecomposeAnomalies: ScalarFunction = {
  name: 'series_decompose_anomalies',
  propagatesNulls: false,
  bind(ctx) {
    const read = decomposeArgs(ctx, { period: 2, trend: 3, testPoints: 4, threshold: 6 }, 'avg');
    const kOf = numArg(ctx, 1);
    const methodOf = textArg(ctx, 5, 'ctukey');
    return (...vals) => {
      const arr = asArray(vals[0]);
      if (!arr) return null;
      const o = read(vals);
      const k = kOf(vals[1]) ?? 1.5;
      const kind = methodOf(vals[5]);
      if (kind !== 'tukey' && kind !== 'ctukey') throw facts.runtime(`series_decompose_anomalies: unknown method '${kind}' (expected 'ctukey' or 'tukey')`, ctx.span);
      const d = decompose(numbers(arr), o.period, o.trend, o.testPoints, o.threshold);
      const score = outlierScores(d.residual, { kind, ignore: null, minPct: 10, maxPct: 90, testPoints: o.testPoints });
      const flag = score.map((s) => (s > k ? 1 : s < -k ? -1 : 0));
      return [flag, score, d.baseline];
    };
  },
};

/**
 * series_seasonal(series[, period]): the seasonal component (phase medians). Period -1 (the
 * default) detects it, with a score threshold of 0.7; 0 or no detected period gives zeros.
 */
const seriesSeasonal: ScalarFunction = {
  name: 'series_seasonal',
  propagatesNulls: false,
  bind(ctx) {
    const periodOf = numArg(ctx, 1), testOf = numArg(ctx, 2);
    return (s, p, tp) => {
      const arr = asArray(s);
      if (!arr) return null;
      const y = numbers(arr);
      const learn = Math.max(0, y.length - Math.max(0, Math.trunc(testOf(tp) ?? 0)));
      const period = choosePeriod(y.slice(0, learn), Math.trunc(periodOf(p) ?? -1), 0.7);
      return seasonalComponent(y, learn, period);
    };
  },
};

const ANALYSIS: ScalarFunction[] = [
  seriesFir, seriesIir, seriesOutliers, seriesPeriodsDetect, seriesPeriodsValidate,
  seriesDecompose, seriesDecomposeForecast, seriesDecomposeAnomalies, seriesSeasonal,
  fourier('series_fft', false), fourier('series_ifft', true),
];

export const SERIES_FUNCTIONS: ScalarFunction[] = [
  ...ELEMENTWISE, ...REDUCTIONS, seriesStats, seriesStatsDynamic, ...FILLS, ...FITS, ...ANALYSIS,
];

