import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScalarType } from '../../schema/types.js';
import { aggregateFunction } from './registry.js';
import { scalarFunction } from '../functions/registry.js';
import { parseDatetime, parseTimespan } from '../values/index.js';

type Arg = ScalarType | [ScalarType, unknown];

/**
 * Runs an aggregate as summarize does: bind once, add each row's argument values, then result.
 * An argument given as [type, value] is a constant (like a percent or a maxSize literal) and is
 * also passed on every row.
 */
function agg(name: string, args: Arg[], rows: unknown[][], resultType: ScalarType = 'dynamic'): unknown {
  const def = aggregateFunction(name);
  assert.ok(def, `aggregate ${name} is registered`);
  const info = args.map((a) => (Array.isArray(a)
    ? { type: a[0], constant: true, value: a[1] }
    : { type: a, constant: false }));
  const acc = def.bind({ args: info, resultType, span: { start: 0, length: 0 } });
  let s = acc.init();
  for (const r of rows) {
    const vals = args.map((a, i) => (Array.isArray(a) ? a[1] : r[i]));
    s = acc.add(s, ...vals);
  }
  return acc.result(s);
}

const col = (...xs: unknown[]) => xs.map((x) => [x]);
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const close = (actual: unknown, expected: number, rel = 1e-9) =>
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) <= rel * Math.abs(expected) + 1e-12, `${actual} ≈ ${expected}`);

test('count counts every row, nulls included; countif counts true predicates', () => {
  // oracle summarize-operator-08: count(y) over [null, 5.0] is 2
  assert.equal(agg('count', [], [[], []], 'long'), 2);
  assert.equal(agg('count', [], [], 'long'), 0);
  assert.equal(agg('countif', ['bool'], col(true, false, null, true), 'long'), 2);
  assert.equal(agg('countif', ['bool'], [], 'long'), 0);
});

test('sum ignores nulls; its default is 0; long sums are exact', () => {
  // oracle hw-summarize: sum over [1, null, 3] → 4, over [] and [null, null] → 0
  assert.equal(agg('sum', ['int'], col(1, null, 3), 'long'), 4);
  assert.equal(agg('sum', ['int'], [], 'long'), 0);
  assert.equal(agg('sum', ['int'], col(null, null), 'long'), 0);
  assert.equal(agg('sum', ['long'], col(9007199254740991, 2), 'long'), 9007199254740993n);
  assert.equal(agg('sum', ['real'], col(0.5, null, 0.25), 'real'), 0.75);
  assert.equal(agg('sum', ['timespan'], col(parseTimespan('1:00:00'), parseTimespan('0:30:00')), 'timespan'), parseTimespan('1:30:00'));
  // oracle sumif-aggregation-function-01: sumif(day_of_birth, strlen(name) > 4) → 32
  const people: [string, number][] = [['John', 9], ['Paul', 18], ['George', 25], ['Ringo', 7]];
  assert.equal(agg('sumif', ['long', 'bool'], people.map(([n, d]) => [d, n.length > 4]), 'long'), 32);
  assert.equal(agg('sumif', ['int', 'bool'], [], 'long'), 0);
});

test('avg is real, ignores nulls, and is NaN for no values', () => {
  assert.equal(agg('avg', ['int'], col(1, null, 3), 'real'), 2);
  assert.ok(Number.isNaN(agg('avg', ['int'], [], 'real') as number));
  assert.ok(Number.isNaN(agg('avg', ['int'], col(null, null), 'real') as number));
  // oracle welch-test-function-00
  const s1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
  assert.equal(agg('avg', ['real'], col(...s1), 'real'), 20.819999999999997);
  close(agg('variance', ['real'], col(...s1), 'real'), 7.8674285714);
  assert.equal(agg('avgif', ['long', 'bool'], [[2, true], [100, false], [4, true]], 'real'), 3);
  const d = (s: string) => parseDatetime(s);
  assert.equal(agg('avg', ['datetime'], col(d('2018-01-01'), d('2018-01-03')), 'datetime'), d('2018-01-02'));
  assert.equal(agg('avg', ['timespan'], col(parseTimespan('1:00:00'), parseTimespan('2:00:00')), 'timespan'), parseTimespan('1:30:00'));
  assert.equal(agg('avg', ['timespan'], [], 'timespan'), null);
});

test('min and max ignore nulls and are null (or "") for no values', () => {
  assert.equal(agg('min', ['int'], [], 'int'), null);
  assert.equal(agg('max', ['int'], col(null, null), 'int'), null);
  assert.equal(agg('min', ['long'], col(5, null, -2, 7), 'long'), -2);
  assert.equal(agg('max', ['long'], col(5, 9223372036854775807n, 7), 'long'), 9223372036854775807n);
  assert.equal(agg('max', ['string'], col('apple', 'Zebra', 'banana'), 'string'), 'banana');
  assert.equal(agg('min', ['string'], [], 'string'), '');
  const d = (s: string) => parseDatetime(s);
  assert.equal(agg('max', ['datetime'], col(d('2007-01-01'), d('2007-12-31 23:53'), null), 'datetime'), d('2007-12-31 23:53'));
  assert.equal(agg('min', ['bool'], col(true, false, true), 'bool'), false);
  assert.equal(agg('minif', ['long', 'bool'], [[1, false], [5, true], [3, true]], 'long'), 3);
  assert.equal(agg('maxif', ['real', 'bool'], [[10, false], [5, true]], 'real'), 5);
});

test('dcount counts distinct non-null values', () => {
  assert.equal(agg('dcount', ['int'], col(1, null, 3), 'long'), 2);
  assert.equal(agg('dcount', ['int'], [], 'long'), 0);
  assert.equal(agg('dcount', ['string', ['int', 2]], col('a', 'b', 'a'), 'long'), 2);
  assert.equal(agg('dcountif', ['string', 'bool'], [['a', true], ['b', false], ['c', true], ['a', true]], 'long'), 2);
  assert.equal(agg('count_distinct', ['long'], col(1, 1, 2, null), 'long'), 2);
});

test('binary_all_and / or / xor fold 64-bit values', () => {
  // oracle binary-all-*-aggregation-function-00: each yields 0xCAFEF00D
  assert.equal(agg('binary_all_and', ['long'], col(0xFFFFFFFF, 0xFFFFF00F, 0xCFFFFFFD, 0xFAFEFFFF), 'long'), 0xCAFEF00D);
  assert.equal(agg('binary_all_or', ['long'], col(0x88888008, 0x42000000, 0x00767000, 0x00000005), 'long'), 0xCAFEF00D);
  assert.equal(agg('binary_all_xor', ['long'], col(0x44404440, 0x1E1E1E1E, 0x90ABBA09, 0x000B105A), 'long'), 0xCAFEF00D);
  assert.equal(agg('binary_all_and', ['long'], col(-1n * 9223372036854775807n - 1n, -1), 'long'), -9223372036854775808n);
  assert.equal(agg('binary_all_or', ['int'], col(1, null, 4), 'int'), 5);
  assert.equal(agg('binary_all_xor', ['long'], [], 'long'), null);
});

test('make_set: distinct values in first-seen order, arrays flattened, typed values made dynamic', () => {
  // oracle make-set-aggregation-function-01
  assert.deepEqual(agg('make_set', ['int'], col(1, 5, 7, 5)), [1, 5, 7]);
  const arrs = [['A1', 'A2', 'A3'], ['A2', 'C1'], ['C2', 'A3'], ['C2', 'A1']];
  assert.deepEqual(agg('make_set', ['dynamic'], col(...arrs)), ['A1', 'A2', 'A3', 'C1', 'C2']);
  // oracle summarize-operator-09 and -06
  assert.deepEqual(agg('make_set', ['real'], col(null, 5)), [5]);
  assert.deepEqual(agg('make_set', ['long'], []), []);
  assert.deepEqual(agg('makeset', ['long'], []), []);
  assert.deepEqual(agg('make_set', ['datetime'], col(parseDatetime('2018-03-01 06:00'), parseDatetime('2018-03-01 06:00'))), ['2018-03-01T06:00:00.0000000Z']);
  assert.deepEqual(agg('make_set', ['long', ['long', 2]], col(1, 2, 3, 1)), [1, 2]);
  assert.deepEqual(agg('make_set_if', ['string', 'bool', ['int', 10]], [['a', true], ['b', false], ['a', true], ['c', true]]), ['a', 'c']);
  // the deprecated makeset keeps at most 128 values by default
  assert.equal((agg('makeset', ['long'], col(...range(1, 200))) as unknown[]).length, 128);
  assert.equal((agg('make_set', ['long'], col(...range(1, 200))) as unknown[]).length, 200);
});

test('make_list keeps order and duplicates; make_list_with_nulls keeps nulls', () => {
  // oracle make-list-aggregation-function-00/01
  const names = ['triangle', 'square', 'rectangle', 'pentagon'];
  assert.deepEqual(agg('make_list', ['string'], col(...names)), names);
  assert.deepEqual(agg('make_list', ['int'], col(1, null, 3)), [1, 3]);
  assert.deepEqual(agg('make_list', ['long'], []), []);
  // oracle make-list-with-nulls-aggregation-function-00
  assert.deepEqual(agg('make_list_with_nulls', ['int'], col(null, 4, 4, 5)), [null, 4, 4, 5]);
  // an array is one element of the list, not flattened
  assert.deepEqual(agg('make_list', ['dynamic'], col([1, 2], [3])), [[1, 2], [3]]);
  assert.deepEqual(agg('make_list', ['timespan', ['long', 10000]], col(parseTimespan('1:00:00'))), ['01:00:00']);
  assert.deepEqual(agg('make_list', ['long', ['int', 2]], col(1, 2, 3)), [1, 2]);
  assert.deepEqual(agg('make_list_if', ['long', 'bool'], [[1, true], [2, false], [3, true]]), [1, 3]);
  assert.deepEqual(agg('makelist', ['long'], col(3, 3)), [3, 3]);
});

test('make_bag merges property bags and skips other values', () => {
  // oracle make-bag-aggregation-function-00 and make-bag-if-aggregation-function-00
  const bags = [{ prop01: 'val_a' }, { prop02: 'val_b' }, { prop03: 'val_c' }];
  assert.deepEqual(agg('make_bag', ['dynamic'], col(...bags)), { prop01: 'val_a', prop02: 'val_b', prop03: 'val_c' });
  assert.deepEqual(agg('make_bag_if', ['dynamic', 'bool'], bags.map((b, i) => [b, i !== 1])), { prop01: 'val_a', prop03: 'val_c' });
  assert.deepEqual(agg('make_bag', ['dynamic'], col(null, [1, 2], 'x', { a: 1 })), { a: 1 });
  assert.deepEqual(agg('make_bag', ['dynamic'], []), {});
  assert.deepEqual(agg('make_bag', ['dynamic', ['int', 2]], col({ a: 1, b: 2 }, { c: 3 })), { a: 1, b: 2 });
  const odd = agg('make_bag', ['dynamic'], col(JSON.parse('{"__proto__": 1}'))) as Record<string, unknown>;
  assert.deepEqual(Object.keys(odd), ['__proto__']);
});

test('arg_max / arg_min return the extreme row; null keys lose unless all are null', () => {
  // arg-max-aggregation-function.md null-handling example: arg_max(Version, *) by Fruit
  const types: ScalarType[] = ['int', 'string'];
  assert.deepEqual(agg('arg_max', types, [[1, 'Red'], [null, 'Green']]), [1, 'Red']);
  assert.deepEqual(agg('arg_max', types, [[null, 'Yellow'], [null, 'Green']]), [null, 'Yellow']);
  assert.deepEqual(agg('arg_max', types, [[1, 'Brown'], [2, 'Green']]), [2, 'Green']);
  assert.deepEqual(agg('arg_min', types, [[null, 'x'], [3, 'a'], [1, 'b'], [1, 'c']]), [1, 'b']);
  // oracle summarize-operator-04: no rows → nulls ("" for strings)
  assert.deepEqual(agg('arg_max', types, []), [null, '']);
  const d = (s: string) => parseDatetime(s);
  assert.deepEqual(agg('arg_max', ['datetime', 'string'], [[d('2007-01-01'), 'a'], [d('2007-12-31'), 'b'], [d('2007-06-01'), 'c']]), [d('2007-12-31'), 'b']);
});

test('take_any prefers a non-empty value; several arguments come from one row', () => {
  assert.equal(agg('take_any', ['long'], [], 'long'), null);
  assert.equal(agg('take_any', ['string'], col('', 'x', 'y'), 'string'), 'x');
  assert.equal(agg('take_any', ['string'], col('', ''), 'string'), '');
  assert.equal(agg('any', ['long'], col(null, 7), 'long'), 7);
  assert.deepEqual(agg('take_any', ['string', 'long'], [['a', 1], ['b', 2]]), ['a', 1]);
  assert.deepEqual(agg('take_any', ['string', 'long'], []), ['', null]);
  assert.equal(agg('take_anyif', ['string', 'bool'], [['a', false], ['b', true]], 'string'), 'b');
  assert.equal(agg('take_anyif', ['long', 'bool'], [[1, false]], 'long'), null);
});

test('variance and stdev: sample and population, 0 for no values', () => {
  const oneToFive = col(...range(1, 5));
  assert.equal(agg('variance', ['long'], oneToFive, 'real'), 2.5);
  // oracle variancep-aggregation-function-00
  assert.equal(agg('variancep', ['long'], oneToFive, 'real'), 2);
  close(agg('stdev', ['long'], oneToFive, 'real'), 1.58113883008419, 1e-13);
  close(agg('stdevp', ['long'], oneToFive, 'real'), 1.4142135623731, 1e-13);
  // oracle varianceif / variancepif: even numbers of 1..100 → 850, 833
  const evens = range(1, 100).map((x) => [x, x % 2 === 0]);
  assert.equal(agg('varianceif', ['long', 'bool'], evens, 'real'), 850);
  assert.equal(agg('variancepif', ['long', 'bool'], evens, 'real'), 833);
  close(agg('stdevif', ['long', 'bool'], evens, 'real'), 29.1547594742265, 1e-13);
  // oracle hw-summarize: stdev / variance over [] and [null, null] → 0
  assert.equal(agg('stdev', ['int'], [], 'real'), 0);
  assert.equal(agg('variance', ['int'], col(null, null), 'real'), 0);
  assert.equal(agg('variance', ['int'], col(42), 'real'), 0);
  // no cancellation with a large offset
  assert.equal(agg('variance', ['real'], col(1e9 + 1, 1e9 + 2, 1e9 + 3), 'real'), 1);
});

test('covariance of two variables', () => {
  // oracle covariance-aggregation-function-00
  const xy = [[1, 14], [2, 10], [3, 17], [4, 20], [5, 50]];
  close(agg('covariance', ['real', 'real'], xy, 'real'), 20.5);
  close(agg('covariancep', ['real', 'real'], xy, 'real'), 16.4);
  close(agg('covarianceif', ['real', 'real', 'bool'], [...xy.map(([x, y]) => [x, y, true]), [100, -100, false]], 'real'), 20.5);
  assert.equal(agg('covariance', ['real', 'real'], [], 'real'), 0);
});

test('percentiles use the nearest rank', () => {
  // oracle summarize-operator-04: percentile of no values is null
  assert.equal(agg('percentile', ['long', ['long', 55]], [], 'long'), null);
  // oracle rolling-percentile-plugin-01: median of the odd numbers 1..23 is 11, of 1..47 is 23
  const odd = (n: number) => col(...range(1, n).filter((x) => x % 2 === 1));
  assert.equal(agg('percentile', ['long', ['long', 50]], odd(23), 'long'), 11);
  assert.equal(agg('percentile', ['long', ['long', 50]], odd(47), 'long'), 23);
  assert.equal(agg('percentile', ['real', ['real', 0]], col(3.5, null, 1.5, 2.5), 'real'), 1.5);
  assert.equal(agg('percentile', ['real', ['long', 100]], col(3.5, 1.5, 2.5), 'real'), 3.5);
  // 10% of 30 values is rank 3 exactly, despite 0.1 * 30 > 3 in binary
  assert.equal(agg('percentile', ['long', ['long', 10]], col(...range(1, 30)), 'long'), 3);
  assert.deepEqual(agg('percentiles', ['long', ['long', 5], ['long', 50], ['long', 95]], col(...range(1, 20))), [1, 10, 19]);
  assert.deepEqual(agg('percentiles', ['long', ['long', 50], ['long', 90]], []), [null, null]);
  assert.equal(agg('percentiles', ['long', ['long', 50]], col(1, 2, 3), 'long'), 2);
  const d = (s: string) => parseDatetime(s);
  assert.equal(agg('percentile', ['datetime', ['long', 50]], col(d('2020-01-03'), d('2020-01-01'), d('2020-01-02')), 'datetime'), d('2020-01-02'));
  assert.deepEqual(agg('percentiles_array', ['datetime', ['long', 50]], col(d('2020-01-02'))), ['2020-01-02T00:00:00.0000000Z']);
  assert.deepEqual(agg('percentiles_array', ['long', ['dynamic', [0, 100]]], col(4, 2, 9)), [2, 9]);
});

test('weighted percentiles count each value weight times', () => {
  // oracle percentilesw-aggregation-function-02/03
  const latency = [[10, 8], [20, 6], [30, 3], [40, 1]];
  assert.deepEqual(agg('percentilesw_array', ['long', 'long', ['long', 50], ['long', 75], ['real', 99.9]], latency), [20, 20, 40]);
  assert.deepEqual(agg('percentilesw_array', ['long', 'long', ['dynamic', [50, 75, 99.9]]], latency), [20, 20, 40]);
  assert.deepEqual(agg('percentilesw', ['long', 'long', ['long', 50], ['long', 99.9]], latency), [20, 40]);
  // oracle tdigest-aggregation-function-01: values 1.0 (weight 1) and 2.0 (weight 2), P50 → 2.0
  assert.equal(agg('percentilew', ['real', 'long', ['long', 50]], [[1.0, 1], [2.0, 2]], 'real'), 2);
});

test('percent arguments that are not constants are read from the rows', () => {
  const def = aggregateFunction('percentile')!;
  const acc = def.bind({ args: [{ type: 'long', constant: false }, { type: 'long', constant: false }], resultType: 'long', span: { start: 0, length: 0 } });
  let s = acc.init();
  for (const x of [5, 1, 4, 2, 3]) s = acc.add(s, x, 40);
  assert.equal(acc.result(s), 2);
});

test('hll collects distinct value hashes; hll_if and hll_merge; dcount_hll reads the result', () => {
  const dcountHll = (v: unknown) => {
    const f = scalarFunction('dcount_hll')!;
    return f.bind({ args: [{ type: 'dynamic', constant: false }], resultType: 'long', now: 0, span: { start: 0, length: 0 } })(v);
  };
  // oracle hll-merge-function-00: hll(1..10) merged with hll(11..20) counts 20
  const hx = agg('hll', ['long'], col(...range(1, 10), 3, null));
  const hy = agg('hll', ['long'], col(...range(11, 20)));
  assert.equal(dcountHll(hx), 10);
  assert.equal(dcountHll(agg('hll_merge', ['dynamic'], col(hx, hy, null))), 20);
  // Kusto's layout: [[1024, precision], hashes, []]; the hash of long 0 is the one its docs show.
  assert.deepEqual(agg('hll', ['long'], col(0)), [[1024, 14], ['3803688792395291579'], []]);
  assert.deepEqual((agg('hll', ['long', ['long', 4]], col(0)) as unknown[])[0], [1024, 18]);
  assert.deepEqual((agg('hll', ['long', ['long', 0]], col(0)) as unknown[])[0], [1024, 12]);
  assert.equal(dcountHll(agg('hll_if', ['string', 'bool'], [['a', true], ['b', false], ['c', true], ['a', true]])), 2);
  // oracle summarize-operator-04: no rows give null
  assert.equal(agg('hll', ['long'], []), null);
  assert.equal(agg('hll_merge', ['dynamic'], []), null);
});

test('tdigest keeps each distinct value with its weight; tdigest_merge adds them up', () => {
  const pct = (td: unknown, p: number, resultType: ScalarType = 'dynamic') => {
    const f = scalarFunction('percentile_tdigest')!;
    return f.bind({ args: [{ type: 'dynamic', constant: false }, { type: 'long', constant: true, value: p }], resultType, now: 0, span: { start: 0, length: 0 } })(td, p);
  };
  // oracle tdigest-aggregation-function-01
  const weighted = agg('tdigest', ['real', 'long'], [[1.0, 1], [2.0, 2], [3.0, 0], [null, 5]]);
  assert.deepEqual(weighted, [[8], [1, 2], [1, 2]]);
  assert.equal(pct(weighted, 50), 2);
  // oracle merge-tdigest-function-00 and rank-tdigest-function-00
  const tx = agg('tdigest', ['long'], col(...range(1, 10)));
  const ty = agg('tdigest', ['long'], col(...range(11, 20), 20));
  const merged = agg('tdigest_merge', ['dynamic'], col(tx, ty, null));
  assert.deepEqual((merged as unknown[][])[2]!.slice(-2), [1, 2]);
  assert.equal(pct(merged, 100, 'long'), 20);
  assert.equal(agg('merge_tdigest', ['dynamic'], col(tx)) !== null, true);
  // Datetimes come back as datetimes (their text when the result is dynamic).
  const td = agg('tdigest', ['datetime'], col(parseDatetime('2007-12-20 11:30'), parseDatetime('2007-12-31 23:59')));
  assert.equal(pct(td, 100), '2007-12-31T23:59:00.0000000Z');
  assert.equal(pct(td, 0, 'datetime'), parseDatetime('2007-12-20 11:30'));
  // oracle summarize-operator-04: no rows give null
  assert.equal(agg('tdigest', ['long'], []), null);
  assert.throws(() => agg('tdigest', ['string'], col('a')));
});

test('buildschema: the minimal schema admitting every value', () => {
  // The example in Kusto's docs.
  const values = [
    { x: 1, y: 3.5 },
    { x: 'somevalue', z: [1, 2, 3] },
    { y: { w: 'zzz' }, t: ['aa', 'bb'], z: ['foo'] },
  ];
  assert.deepEqual(agg('buildschema', ['dynamic'], col(...values)), {
    x: ['long', 'string'], y: ['double', { w: 'string' }], z: { '`indexer`': ['long', 'string'] }, t: { '`indexer`': 'string' },
  });
  assert.deepEqual(agg('buildschema', ['dynamic'], col(true, null, 7n)), ['bool', 'long']);
  assert.deepEqual(agg('buildschema', ['dynamic'], col({ a: [] })), { a: { '`indexer`': null } });
  // oracle summarize-operator-04: no rows give null
  assert.equal(agg('buildschema', ['dynamic'], []), null);
});
