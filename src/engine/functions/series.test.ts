import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScalarType } from '../../schema/types.js';
import { compileFor, loadData, runPlan } from '../query.js';
import { callScalar } from './testing.js';

type Arg = [ScalarType, unknown];

/** Binds `name` as the engine does (every argument constant), then calls it, honouring propagatesNulls. */
function call(name: string, args: Arg[]): any {
  return callScalar(name, args, { fixResult: false });
}

const dyn = (v: unknown): Arg => ['dynamic', v];
const long = (v: number): Arg => ['long', v];
const real = (v: number | null): Arg => ['real', v];
const bool = (v: boolean): Arg => ['bool', v];
const str = (v: string): Arg => ['string', v];

/** Element-wise closeness with a relative tolerance. */
function close(actual: unknown, expected: (number | null)[], tol = 1e-9): void {
  assert.ok(Array.isArray(actual), `not an array: ${JSON.stringify(actual)}`);
  assert.equal(actual.length, expected.length, `length of ${JSON.stringify(actual)}`);
  expected.forEach((e, i) => {
    const a = actual[i];
    if (e === null) assert.equal(a, null, `element ${i}`);
    else assert.ok(Math.abs((a as number) - e) <= tol * Math.max(1, Math.abs(e)), `element ${i}: ${a} != ${e}`);
  });
}

test('element-wise functions: non-numeric elements and missing positions give null', () => {
  assert.deepEqual(call('series_abs', [dyn([-6.5, 0, 8.2, 'x', null])]), [6.5, 0, 8.2, null, null]);
  assert.deepEqual(call('series_sign', [dyn([-6, 0, 8])]), [-1, 0, 1]);
  assert.deepEqual(call('series_ceiling', [dyn([-1.5, 1, 2.5])]), [-1, 1, 3]);
  assert.deepEqual(call('series_floor', [dyn([-1.5, 1, 2.5])]), [-2, 1, 2]);
  close(call('series_atan', [dyn([-1, 0, 1])]), [-0.7853981633974483, 0, 0.7853981633974483]);
  close(call('series_log', [dyn([1, 2, 3])]), [0, 0.6931471805599453, 1.0986122886681098]);
  assert.deepEqual(call('series_add', [dyn([1, 2, 4]), dyn([4, 2, 1])]), [5, 4, 5]);
  assert.deepEqual(call('series_subtract', [dyn([1, 2, 4]), dyn([4, 2])]), [-3, 0, null], 'past the shorter series: null');
  assert.deepEqual(call('series_multiply', [long(10), dyn([1, -1, 0])]), [10, -10, 0], 'a number is repeated along the series');
  assert.deepEqual(call('series_divide', [dyn([2, 1, -1, 0]), long(0)]), [Infinity, Infinity, -Infinity, NaN]);
  assert.deepEqual(call('series_pow', [dyn([1, 2, 3, 4]), dyn([1, 2, 3, 0.5])]), [1, 4, 27, 2]);
  assert.deepEqual(call('series_greater', [dyn([1, 2, 4]), dyn([4, 2, 1])]), [false, false, true]);
  assert.deepEqual(call('series_greater_equals', [dyn([1, 2, 4]), dyn([4, 2, 1])]), [false, true, true]);
  assert.deepEqual(call('series_less', [dyn([1, 2, 4]), dyn([4, 2, 1])]), [true, false, false]);
  assert.deepEqual(call('series_equals', [dyn([1, 2, 'a']), dyn([1, 3, 'a'])]), [true, false, null]);
  assert.equal(call('series_add', [dyn('not an array'), long(1)]), null);
});

test('reductions', () => {
  assert.equal(call('series_sum', [dyn([1, 2, 3, 4])]), 10);
  assert.equal(call('series_product', [dyn([1, 2, 3, 4])]), 24);
  assert.equal(call('series_magnitude', [dyn([1, 2, 3, 4])]), 5.477225575051661);
  assert.equal(call('series_dot_product', [dyn([1, 2, 4]), dyn([4, 2, 1])]), 12);
  assert.equal(call('series_dot_product', [dyn([3, 6, 12]), long(3)]), 63);
  assert.equal(call('series_dot_product', [dyn([1, 2, 3]), dyn([1, 1])]), 3, 'the longer series is cut');
  assert.equal(call('series_dot_product', [dyn([]), dyn([1])]), null, 'an empty series gives null');
  close([call('series_cosine_similarity', [dyn([0.1, 0.2, 0.1, 0.2]), dyn([0.11, 0.2, 0.11, 0.21])])], [0.9993534382550399]);
  close([call('series_cosine_similarity', [dyn([0.1, 0.2, 0.1, 0.2]), dyn([1, 2, 3, 4])])], [0.9237604307034012]);
  assert.equal(call('series_pearson_correlation', [dyn([1, 2, 3, 4, 5]), dyn([2, 4, 6, 8, 10])]), 1);
  assert.equal(call('series_pearson_correlation', [dyn([1, 2, 3]), dyn([1, 2])]), null, 'different lengths give null');
});

test('series_stats and series_stats_dynamic: sample variance, first index of the extremes', () => {
  const x = [23, 46, 23, 87, 4, 8, 3, 75, 2, 56, 13, 75, 32, 16, 29];
  const [min, minIdx, max, maxIdx, avg, stdev, variance] = call('series_stats', [dyn(x)]);
  assert.deepEqual([min, minIdx, max, maxIdx], [2, 8, 87, 3]);
  close([avg, stdev, variance], [32.8, 28.50363385354827, 812.4571428571429]);
  const bag = call('series_stats_dynamic', [dyn(x)]);
  assert.deepEqual(Object.keys(bag), ['min', 'min_idx', 'max', 'max_idx', 'avg', 'stdev', 'variance', 'sum', 'len']);
  assert.deepEqual([bag.sum, bag.len, bag.max_idx], [492, 15, 3]);
  assert.deepEqual(call('series_stats', [dyn([1, null, 3])]), [null, null, null, null, null, null, null], 'non-finite values make every statistic null');
  const ignored = call('series_stats', [dyn([5, null, 1, NaN]), bool(true)]);
  assert.deepEqual(ignored.slice(0, 5), [1, 2, 5, 0, 3], 'ignore_nonfinite: indexes stay those of the input');
});

test('filling missing values', () => {
  assert.deepEqual(call('series_fill_backward', [dyn([111, null, 36, 41, null, null, 16, 61, 33, null, null])]),
    [111, 36, 36, 41, 16, 16, 16, 61, 33, null, null]);
  assert.deepEqual(call('series_fill_forward', [dyn([null, null, 36, 41, null, null, 16, 61, 33, null, null])]),
    [null, null, 36, 41, 41, 41, 16, 61, 33, 33, 33]);
  assert.deepEqual(call('series_fill_const', [dyn([111, null, 36, null]), long(-1)]), [111, -1, 36, -1]);
  assert.deepEqual(call('series_fill_forward', [dyn([1, 0, 0, 2]), long(0)]), [1, 1, 1, 2], 'a placeholder marks the missing values');
  const arr = [null, 111.0, null, 36.0, 41.0, null, null, 16.0, 61.0, 33.0, null, null];
  const filled = [111, 111, 73.5, 36, 41, 32.66666666666667, 24.333333333333336, 16, 61, 33, 33, 33];
  close(call('series_fill_linear', [dyn(arr)]), filled);
  close(call('series_fill_linear', [dyn(arr), real(null), bool(false)]), [null, ...filled.slice(1, 10), null, null]);
  assert.deepEqual(call('series_fill_linear', [dyn([null, null]), real(null), bool(false)]), [0, 0], 'no value at all: the constant, 0 by default');
  assert.deepEqual(call('series_fill_linear', [dyn([null, null]), real(null), bool(true), real(3.14159)]), [3.14159, 3.14159]);
  assert.deepEqual(call('series_fill_linear', [dyn([null, null]), real(null), bool(true), real(null)]), [null, null]);
});

test('series_fir and series_iir', () => {
  const val = [0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 20, 40, 100, 40, 20, 10, 0, 0, 0, 0, 0, 0, 0, 0];
  close(call('series_fir', [dyn(val), dyn([1, 1, 1, 1, 1])]),
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 6, 14, 34, 42, 44, 42, 34, 14, 6, 2, 0, 0, 0, 0]);
  close(call('series_fir', [dyn(val), dyn([1, 1, 1, 1, 1]), bool(true), bool(true)]),
    [0, 0, 0, 0, 0, 0, 0, 2, 6, 14, 34, 42, 44, 42, 34, 14, 6, 2, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(call('series_fir', [dyn([0, 0, 2, 2, 3]), dyn([1, -1])]), [0, 0, 2, 0, 1], 'a negative coefficient turns normalization off');
  assert.equal(call('series_fir', [dyn([1, 2]), dyn([1, -1]), bool(true)]), null, 'normalizing a filter with negatives gives null');
  assert.deepEqual(call('series_iir', [dyn([1, 2, 3, 4, 5]), dyn([1]), dyn([1, -1])]), [1, 3, 6, 10, 15]);
});

test('series_fit_line, series_fit_2lines and their dynamic forms', () => {
  const [rsquare, slope, variance, rvariance, interception, fit] = call('series_fit_line', [dyn([2, 5, 6, 8, 11, 15, 17, 18, 25, 26, 30, 30])]);
  close([rsquare, slope, variance, rvariance, interception], [0.982900730884447, 2.730769230769231, 98.62878787878786, 1.6864801864801864, -1.6666666666666667]);
  close([fit[0], fit[11]], [1.0641025641025641, 31.102564102564102]);
  const y = [1, 2.2, 2.5, 4.7, 5.0, 12, 10.3, 10.3, 9, 8.3, 6.2];
  close(call('series_fit_line_dynamic', [dyn(y)]).line_fit,
    [2.5727272727272714, 3.3581818181818166, 4.143636363636363, 4.929090909090908, 5.714545454545454, 6.499999999999999, 7.285454545454545, 8.07090909090909, 8.856363636363636, 9.641818181818183, 10.427272727272728]);
  const two = call('series_fit_2lines_dynamic', [dyn(y)]);
  assert.equal(two.split_idx, 5, 'the split is the first index of the right segment');
  close(two.line_fit, [0.979999999999999, 2.029999999999999, 3.079999999999999, 4.129999999999999, 5.179999999999999, 11.942857142857143, 10.905714285714286, 9.868571428571428, 8.831428571428573, 7.794285714285716, 6.75714285714286]);
  // Each side's x counts from 1: the right line's first value is its interception plus its slope.
  close([two.right.interception + two.right.slope, two.left.interception + two.left.slope * 5], [11.942857142857143, 5.18]);
  const tuple = call('series_fit_2lines', [dyn(y)]);
  assert.equal(tuple.length, 15);
  assert.deepEqual([tuple[0], tuple[1], tuple[6], tuple[11]], [two.rsquare, 5, two.right.slope, two.left.slope]);
  const [polyR2, coefficients] = call('series_fit_poly', [dyn([1, 4, 9, 16, 25]), real(null), long(2)]);
  close([polyR2, ...coefficients], [1, 1, 0, 0]);
});

test('series_outliers: Tukey fences, ctukey by default', () => {
  const y = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30];
  // tukey: Q1 = 3.5, Q3 = 8.5, IQR = 5.
  close(call('series_outliers', [dyn(y), str('tukey')]), [-0.5, -0.3, -0.1, 0, 0, 0, 0, 0, 0.1, 0.3, 4.3]);
  // ctukey: p10 = 2, p90 = 10; the unit is their range over 2.7726056055079167.
  const unit = 8 / 2.7726056055079167;
  close(call('series_outliers', [dyn(y)]), [-1 / unit, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20 / unit]);
  // Nulls and ignored values score 0 and stay out of the quartiles (of 1..5: 2 and 4).
  close(call('series_outliers', [dyn([null, 1, 2, 3, 4, 5, -1]), str('tukey'), long(-1)]), [0, -0.5, 0, 0, 0, 0.5, 0]);
});

test('series_periods_detect, series_periods_validate and series_seasonal', () => {
  const y = [80, 139, 87, 110, 68, 54, 50, 51, 53, 133, 86, 141, 97, 156, 94, 149, 95, 140, 77, 61, 50, 54, 47, 133, 72, 152, 94, 148, 105, 162, 101, 160, 87, 63, 53, 55, 54, 151, 103, 189, 108, 183, 113, 175, 113, 178, 90, 71, 62, 62, 65, 165, 109, 181, 115, 182, 121, 178, 114, 170];
  const [periods, scores] = call('series_periods_detect', [dyn(y), real(0), real(50), long(2)]);
  assert.deepEqual(periods, [14, 0]);
  assert.ok(scores[0] > 0.8 && scores[0] <= 1 && scores[1] === 0);
  const [vp, vs] = call('series_periods_validate', [dyn(y), real(14), real(2), real(31)]);
  assert.deepEqual(vp, [14, 2, 31]);
  assert.ok(vs[0] > 0.8);
  assert.deepEqual(vs.slice(1), [0, 0], 'periods below 4 or above half the length score 0');
  assert.deepEqual(call('series_seasonal', [dyn([2, 5, 3, 4, 3, 2, 1, 2, 3, 4, 3, 2, 1, 2, 3, 4, 3, 2, 1, 2, 3, 4, 3, 2, 1])]),
    [1, 2, 3, 4, 3, 2, 1, 2, 3, 4, 3, 2, 1, 2, 3, 4, 3, 2, 1, 2, 3, 4, 3, 2, 1]);
  assert.deepEqual(call('series_seasonal', [dyn([8, 12, 14, 12, 10, 10, 12, 14, 12, 10, 10, 12, 14, 12, 10, 10, 12, 14, 12, 10])]),
    [10, 12, 14, 12, 10, 10, 12, 14, 12, 10, 10, 12, 14, 12, 10, 10, 12, 14, 12, 10]);
  assert.deepEqual(call('series_seasonal', [dyn([1, 3, 5, 2, 4, 6, 1, 3, 5, 2, 4, 6])]), new Array(12).fill(0), 'too short to detect');
  assert.deepEqual(call('series_seasonal', [dyn([1, 3, 5, 2, 4, 6, 1, 3, 5, 2, 4, 6]), long(3)]), [1.5, 3.5, 5.5, 1.5, 3.5, 5.5, 1.5, 3.5, 5.5, 1.5, 3.5, 5.5]);
});

/** A weekly-like pattern of period 7 with a rising trend and one spike. */
function sample(): number[] {
  const shape = [10, 12, 15, 14, 11, 3, 2];
  return Array.from({ length: 70 }, (_, i) => shape[i % 7]! + i / 10 + (i === 40 ? 12 : 0) + ((i * 37) % 11) / 20);
}

test('series_decompose: phase medians, then the trend of the rest; baseline + residual = series', () => {
  const y = sample();
  const [baseline, seasonal, trend, residual] = call('series_decompose', [dyn(y), long(7), str('linefit')]);
  for (let i = 0; i < y.length; i++) {
    assert.ok(Math.abs(baseline[i] - seasonal[i] - trend[i]) < 1e-12);
    assert.ok(Math.abs(baseline[i] + residual[i] - y[i]!) < 1e-12);
  }
  const phase0 = y.filter((_, i) => i % 7 === 0).sort((a, b) => a - b);
  close([seasonal[0], seasonal[7]], [(phase0[4]! + phase0[5]!) / 2, (phase0[4]! + phase0[5]!) / 2]);
  assert.ok(Math.abs(trend[69] - trend[0] - 6.9) < 0.5, 'the fitted trend follows the 0.1 per point rise');
  const [, flatSeasonal, avgTrend] = call('series_decompose', [dyn(y), long(0)]);
  assert.deepEqual(flatSeasonal, new Array(70).fill(0));
  close([avgTrend[0], avgTrend[69]], [y.reduce((a, b) => a + b) / 70, y.reduce((a, b) => a + b) / 70]);
  const [autoBaseline] = call('series_decompose', [dyn(y), long(-1), str('linefit')]);
  close(autoBaseline, baseline, 1e-9);
});

test('series_decompose_anomalies and series_decompose_forecast', () => {
  const y = sample();
  const [flag, score, baseline] = call('series_decompose_anomalies', [dyn(y), real(1.5), long(7), str('linefit')]);
  assert.equal(flag[40], 1, 'the spike is flagged');
  assert.ok(score[40] > 1.5);
  assert.equal(flag.filter((f: number) => f !== 0).length, score.filter((s: number) => Math.abs(s) > 1.5).length);
  const [, , trend] = call('series_decompose', [dyn(y), long(7), str('linefit')]);
  close(baseline.slice(0, 3), call('series_decompose', [dyn(y), long(7), str('linefit')])[0].slice(0, 3));
  assert.ok(trend.length === 70);
  // The forecast learns from all but the last 14 points (zeros here) and extends the line.
  const withGap = [...y.slice(0, 56), ...new Array(14).fill(0)];
  const forecast = call('series_decompose_forecast', [dyn(withGap), long(14), long(7)]);
  assert.equal(forecast.length, 70);
  assert.ok(Math.abs(forecast[63] - y[63]!) < 2, `forecast ${forecast[63]} near ${y[63]}`);
});

test('series_fft and series_ifft', () => {
  const [re, im] = call('series_fft', [dyn([1, 2, 3, 4, 5])]);
  // X[1] of [1..5] is -2.5 + 3.4409548011779334i.
  close([re[0], im[0], re[1], im[1]], [15, 0, -2.5, 3.4409548011779334]);
  const [backRe, backIm] = call('series_ifft', [dyn(re), dyn(im)]);
  close(backRe, [1, 2, 3, 4, 5]);
  close(backIm, [0, 0, 0, 0, 0]);
  const [r8] = call('series_fft', [dyn([1, 0, 0, 0, 0, 0, 0, 0])]);
  assert.deepEqual(r8, new Array(8).fill(1));
});

test('tuple results spread into the named columns of extend and project', async () => {
  const data = await loadData([]);
  const run = async (q: string) => runPlan(compileFor(q, data), data, 0);
  const b = await run('print y=dynamic([2, 5, 6, 8]) | extend (r2, slope) = series_fit_line(y)');
  assert.deepEqual(b.fields.map((f) => f.name), ['y', 'r2', 'slope']);
  assert.deepEqual(b.fields.map((f) => f.type), ['dynamic', 'real', 'real']);
  close([b.columns[2]![0] as number], [1.9]);
  const p = await run('print x=dynamic([23, 46, 2, 87]) | project series_stats(x)');
  assert.deepEqual(p.fields.map((f) => f.name), ['series_stats_x_min', 'series_stats_x_min_idx', 'series_stats_x_max', 'series_stats_x_max_idx', 'series_stats_x_avg', 'series_stats_x_stdev', 'series_stats_x_variance']);
  assert.deepEqual(p.columns.slice(0, 4).map((c) => c[0]), [2, 2, 87, 3]);
});
