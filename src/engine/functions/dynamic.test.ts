import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScalarType } from '../../schema/types.js';
import { fromParts, TICKS_PER_DAY, TICKS_PER_HOUR } from '../values/datetime.js';
import { NOT_JSON, parseJson, parseJsonPath } from './dynamic.js';
import { callScalar } from './testing.js';

type Arg = [ScalarType, unknown] | [ScalarType, unknown, 'const'];

/** Binds `name` as the engine does (constants marked), then calls it, honouring propagatesNulls. */
function call(name: string, args: Arg[], resultType: ScalarType = 'dynamic'): unknown {
  return callScalar(name, args.map((a) => [a[0], a[1], a[2] === 'const' ? 'const' : 'row'] as const), { resultType, fixResult: false });
}

const dyn = (v: unknown): Arg => ['dynamic', v];
const str = (v: string): Arg => ['string', v];
const long = (v: number | bigint): Arg => ['long', v];

test('property and index access', () => {
  const bag = { a: { b: 7 }, 'a b c': '2015-01-01' };
  assert.deepEqual(call('.', [dyn(bag), ['string', 'a', 'const']]), { b: 7 });
  assert.equal(call('[]', [dyn(bag), str('a b c')]), '2015-01-01');
  assert.equal(call('.', [dyn(bag), ['string', 'zzz', 'const']]), null);
  assert.equal(call('[]', [dyn([1, 2, 3]), long(0)]), 1);
  assert.equal(call('[]', [dyn([1, 2, 3]), long(-1)]), 3, 'a negative index counts from the end');
  assert.equal(call('[]', [dyn([1, 2, 3]), long(9)]), null, 'out of range is null, not an error');
  assert.equal(call('[]', [dyn([1, 2, 3]), long(-4)]), null);
  assert.equal(call('[]', [dyn({ a: 1 }), long(0)]), null);
  assert.equal(call('[]', [dyn([1, 2]), str('a')]), null);
  // A string holding JSON is not parsed by member access.
  assert.equal(call('.', [dyn('{"a":1}'), ['string', 'a', 'const']]), null);
  assert.equal(call('.', [dyn(1), ['string', 'a', 'const']]), null);
  // Inherited names are not properties.
  assert.equal(call('.', [dyn({}), ['string', 'constructor', 'const']]), null);
  assert.equal(call('.', [dyn({}), ['string', 'toString', 'const']]), null);
});

test('parse_json: JSON text, exact big longs, non-JSON stays a string', () => {
  const v = call('parse_json', [str('{"duration":{"value":118.0,"count":5.0,"min":100.0}}')]) as any;
  assert.equal(v.duration.value, 118);
  assert.equal(v.duration.min, 100);
  // From the docs: a JSON string inside JSON needs tostring() and a second parse_json.
  const d = call('parse_json', [str('{"a":123, "b":"{\\"c\\":456}"}')]) as any;
  assert.equal(d.b, '{"c":456}');
  assert.deepEqual(call('parse_json', [str(d.b)]), { c: 456 });
  assert.deepEqual(call('parse_json', [str('{"id": 9007199254740993, "x": [12345678901234567890]}')]),
    { id: 9007199254740993n, x: [12345678901234567890] });
  assert.equal(call('parse_json', [str('-9223372036854775808')]), -9223372036854775808n);
  assert.equal(call('parse_json', [str('hello world')]), 'hello world');
  assert.equal(call('parse_json', [str('{"a":')]), '{"a":');
  assert.equal(call('parse_json', [str('"quoted"')]), 'quoted');
  assert.equal(call('parse_json', [str('42')]), 42);
  assert.equal(call('parse_json', [str('')]), null);
  // A dynamic argument is used as it is, even a string that holds JSON.
  assert.equal(call('parse_json', [dyn('{"c":1}')]), '{"c":1}');
  assert.deepEqual(call('todynamic', [str("{'a': 'single', \"b\": [true, null]}")]), { a: 'single', b: [true, null] });
  // "__proto__" is an ordinary key, not the object's prototype.
  const p = call('parse_json', [str('{"__proto__": {"x": 1}}')]) as Record<string, unknown>;
  assert.deepEqual(Object.keys(p), ['__proto__']);
  assert.equal(Object.getPrototypeOf(p), Object.prototype);
});

test('parseJson and parseJsonPath directly', () => {
  assert.equal(parseJson('[1, 2'), NOT_JSON);
  assert.deepEqual(parseJson(' [1, "\\u0041\\n", 1.5e2] '), [1, 'A\n', 150]);
  assert.deepEqual(parseJson('{"n": 1234567890123456789}'), { n: 1234567890123456789n });
  assert.deepEqual(parseJsonPath("$.Details.User['IP Address']"), ['Details', 'User', 'IP Address']);
  assert.deepEqual(parseJsonPath('$.Tags[0]'), ['Tags', 0]);
  assert.deepEqual(parseJsonPath('$[0].Name'), [0, 'Name']);
  assert.deepEqual(parseJsonPath('$'), []);
  assert.equal(parseJsonPath('a.b'), null);
  assert.equal(parseJsonPath('$..a'), null);
  assert.equal(parseJsonPath('$.a[*]'), null);
});

test('extract_json', () => {
  const json = '{"name": "John", "age": 30, "city": "New York", "tags": ["a", {"x": 1}], "ok": true}';
  const path = (p: string): Arg => ['string', p, 'const'];
  assert.equal(call('extract_json', [path('$.name'), str(json)], 'string'), 'John');
  assert.equal(call('extract_json', [path('$.age'), str(json)], 'string'), '30');
  assert.equal(call('extract_json', [path('$.age'), str(json), ['string', 'long', 'const']], 'long'), 30);
  assert.equal(call('extract_json', [path('$.tags[1]'), str(json)], 'string'), '{"x":1}');
  assert.equal(call('extract_json', [path("$['city']"), str(json)], 'string'), 'New York');
  assert.equal(call('extract_json', [path('$.ok'), str(json), ['string', 'bool', 'const']], 'bool'), true);
  assert.equal(call('extract_json', [path('$.missing'), str(json)], 'string'), null);
  assert.equal(call('extract_json', [path('$.name'), str('not json')], 'string'), null);
  assert.equal(call('extractjson', [path('$[0].Name'), str('[{"Name":"wifi"}]')], 'string'), 'wifi');
  assert.throws(() => call('extract_json', [path('$..name'), str(json)], 'string'), /JSONPath/);
});

test('pack and pack_array convert typed values', () => {
  assert.deepEqual(
    call('bag_pack', [str('Level'), str('Information'), str('ProcessID'), long(1234), str('Data'), dyn({ url: 'www.bing.com' })]),
    { Level: 'Information', ProcessID: 1234, Data: { url: 'www.bing.com' } },
  );
  assert.deepEqual(call('pack', [str('a'), ['timespan', 2 * 10_000_000], str('b'), ['real', null]]), { a: '00:00:02', b: null });
  assert.deepEqual(call('pack_array', [long(1), str('2'), ['timespan', 2 * 10_000_000]]), [1, '2', '00:00:02']);
  assert.deepEqual(call('pack_array', [['datetime', fromParts(2022, 1, 1)], ['bool', null], str('')]),
    ['2022-01-01T00:00:00.0000000Z', null, '']);
});

test('pack_all, as the translator expands it', () => {
  const row = (src: string, target: string, n: number): Arg[] => [str('Source'), str(src), str('Target'), str(target), str('CharsCount'), long(n)];
  assert.deepEqual(call('pack_all', [['bool', false], ...row('555-1313', '', 42)]), { Source: '555-1313', Target: '', CharsCount: 42 });
  assert.deepEqual(call('pack_all', [['bool', true], ...row('555-1313', '', 42)]), { Source: '555-1313', CharsCount: 42 });
  assert.deepEqual(call('pack_all', [['bool', true], str('a'), ['long', null], str('b'), dyn([])]), { b: [] });
  // Not expanded: refused rather than answering an empty bag.
  assert.throws(() => call('pack_all', []), /pack_all/);
  assert.throws(() => call('pack_all', [['bool', true]]), /pack_all/);
});

test('bag functions', () => {
  assert.deepEqual(call('bag_keys', [dyn({ a: 'b', c: { d: 123 } })]), ['a', 'c']);
  assert.equal(call('bag_keys', [dyn('a')]), null);
  assert.equal(call('bag_keys', [dyn([])]), null);
  assert.deepEqual(call('bag_merge', [dyn({ A1: 12, B1: 2, C1: 3 }), dyn({ A2: 81, B2: 82, A1: 1 })]),
    { A1: 12, B1: 2, C1: 3, A2: 81, B2: 82 });

  const nested = { key1: 123, key2: { prop1: 'abc', prop2: 'xyz' }, key3: [100, 200] };
  assert.equal(call('bag_has_key', [dyn({ key1: 123, key2: 'abc' }), str('key2')], 'bool'), true);
  assert.equal(call('bag_has_key', [dyn({ key1: 123, key3: 'abc' }), str('key2')], 'bool'), false);
  assert.equal(call('bag_has_key', [dyn(nested), str('$.key2.prop1')], 'bool'), true);
  assert.equal(call('bag_has_key', [dyn(nested), str('$.key2.nope')], 'bool'), false);

  assert.deepEqual(call('bag_remove_keys', [dyn({ key1: 123, key2: 'abc' }), dyn(['key2', 'key4'])]), { key1: 123 });
  assert.deepEqual(call('bag_remove_keys', [dyn(nested), dyn(['$.key2.prop1', 'key3'])]), { key1: 123, key2: { prop2: 'xyz' } });
  assert.deepEqual(nested.key2, { prop1: 'abc', prop2: 'xyz' }, 'the input is not modified');

  assert.deepEqual(call('bag_set_key', [dyn({ key1: 1, key2: 2 }), str('key3'), long(3)]), { key1: 1, key2: 2, key3: 3 });
  assert.deepEqual(call('bag_set_key', [dyn({ key1: 1, key3: 'abc' }), str('key3'), long(3)]), { key1: 1, key3: 3 });
  const src = { key1: 123, key2: { prop1: 123, prop2: 'xyz' } };
  const set = call('bag_set_key', [dyn(src), str('$.key2.prop1'), str('abc')]) as any;
  assert.deepEqual(Object.keys(set.key2), ['prop2', 'prop1'], 'a replaced key moves last, as Kusto shows');
  assert.equal(set.key2.prop1, 'abc');
  assert.equal(src.key2.prop1, 123);
  assert.deepEqual(call('bag_set_key', [dyn({ key1: 123 }), str('$.key2.prop1'), str('abc')]), { key1: 123, key2: { prop1: 'abc' } });
  assert.equal(call('bag_set_key', [dyn([1]), str('a'), long(1)]), null);

  assert.deepEqual(call('bag_zip', [dyn(['a', 'b', 'c']), dyn([1, '2', 3.4])]), { a: 1, b: '2', c: 3.4 });
  assert.deepEqual(call('bag_zip', [dyn(['a', 'b', 'c']), dyn([1, '2'])]), { a: 1, b: '2', c: null });
  assert.deepEqual(call('bag_zip', [dyn(['a', 8, 'b']), dyn([1, '2', 2.5])]), { a: 1, b: 2.5 });
  assert.deepEqual(call('bag_zip', [dyn(['a', 8, 'b']), dyn(1)]), { a: null, b: null });
  assert.equal(call('bag_zip', [dyn('a'), dyn([1])]), null);
});

test('treepath', () => {
  assert.deepEqual(call('treepath', [dyn({ a: 'b', c: 123 })]), ["['a']", "['c']"]);
  assert.deepEqual(call('treepath', [dyn({ prop1: [1, 2, 3, 4], prop2: 'value2' })]), ["['prop1']", "['prop1'][0]", "['prop2']"]);
  assert.deepEqual(call('treepath', [dyn({ listProperty: [100, 200, 300, 'abcde', { x: 'y' }] })]),
    ["['listProperty']", "['listProperty'][0]", "['listProperty'][0]['x']"]);
});

test('array_length, concat, slice, reverse', () => {
  assert.equal(call('array_length', [dyn([1, 2, 3, 'four'])], 'long'), 4);
  assert.equal(call('array_length', [dyn({ a: 1 })], 'long'), null);
  assert.deepEqual(call('array_concat', [dyn([1, 2, 4]), dyn([1, 2])]), [1, 2, 4, 1, 2]);
  assert.deepEqual(call('array_concat', [dyn([[1], 2]), dyn([[3]])]), [[1], 2, [3]], 'nested arrays stay nested');
  assert.deepEqual(call('array_slice', [dyn([1, 2, 3]), long(1), long(2)]), [2, 3]);
  assert.deepEqual(call('array_slice', [dyn([1, 2, 3, 4, 5]), long(2), long(-1)]), [3, 4, 5]);
  assert.deepEqual(call('array_slice', [dyn([1, 2, 3, 4, 5]), long(-3), long(-2)]), [3, 4]);
  assert.deepEqual(call('array_slice', [dyn([1, 2, 3]), long(2), long(1)]), []);
  assert.deepEqual(call('array_slice', [dyn([1, 2, 3]), long(1), long(100)]), [2, 3]);
  const arr = ['this', 'is', 'an', 'example'];
  assert.deepEqual(call('array_reverse', [dyn(arr)]), ['example', 'an', 'is', 'this']);
  assert.deepEqual(arr, ['this', 'is', 'an', 'example']);
});

test('rotate and shift', () => {
  const a = dyn([1, 2, 3, 4, 5]);
  assert.deepEqual(call('array_rotate_left', [a, long(2)]), [3, 4, 5, 1, 2]);
  assert.deepEqual(call('array_rotate_left', [a, long(-2)]), [4, 5, 1, 2, 3]);
  assert.deepEqual(call('array_rotate_right', [a, long(2)]), [4, 5, 1, 2, 3]);
  assert.deepEqual(call('array_rotate_right', [a, long(-2)]), [3, 4, 5, 1, 2]);
  assert.deepEqual(call('array_rotate_left', [a, long(7)]), [3, 4, 5, 1, 2]);
  assert.deepEqual(call('array_shift_left', [a, long(2)]), [3, 4, 5, null, null]);
  assert.deepEqual(call('array_shift_left', [a, long(2), long(-1)]), [3, 4, 5, -1, -1]);
  assert.deepEqual(call('array_shift_left', [a, long(-2), long(-1)]), [-1, -1, 1, 2, 3]);
  assert.deepEqual(call('array_shift_right', [a, long(2)]), [null, null, 1, 2, 3]);
  assert.deepEqual(call('array_shift_right', [a, long(2), long(-1)]), [-1, -1, 1, 2, 3]);
  assert.deepEqual(call('array_shift_right', [a, long(-2), long(-1)]), [3, 4, 5, -1, -1]);
  assert.deepEqual(call('array_shift_right', [a, long(9)]), [null, null, null, null, null]);
});

test('array_sort_asc / array_sort_desc', () => {
  assert.deepEqual(call('array_sort_asc', [dyn(['John', 'Paul', 'Jane', 'Kao'])]), ['Jane', 'John', 'Kao', 'Paul']);
  assert.deepEqual(call('array_sort_desc', [dyn(['John', 'Paul', 'Jane', 'Kayo'])]), ['Paul', 'Kayo', 'John', 'Jane']);
  const colors = dyn([null, 'blue', 'yellow', 'green', null]);
  assert.deepEqual(call('array_sort_asc', [colors]), ['blue', 'green', 'yellow', null, null]);
  assert.deepEqual(call('array_sort_asc', [colors, ['bool', false]]), [null, null, 'blue', 'green', 'yellow']);
  assert.deepEqual(call('array_sort_desc', [colors]), ['yellow', 'green', 'blue', null, null]);
  assert.deepEqual(call('array_sort_desc', [colors, ['bool', false]]), [null, null, 'yellow', 'green', 'blue']);
  // Numbers before strings before everything else.
  assert.deepEqual(call('array_sort_asc', [dyn(['b', true, 10, 'a', 2.5, { x: 1 }])]), [2.5, 10, 'a', 'b', true, { x: 1 }]);
  // Several arrays: the others follow the first; one of another length is null.
  assert.deepEqual(call('array_sort_asc', [dyn([1, 3, 4, 5, 2]), dyn(['a', 'b', 'c', 'd', 'e']), dyn([1])]),
    [[1, 2, 3, 4, 5], ['a', 'e', 'b', 'c', 'd'], null]);
  assert.deepEqual(call('array_sort_desc', [dyn([1, 3, 4, 5, 2]), dyn(['a', 'b', 'c', 'd', 'e'])]),
    [[5, 4, 3, 2, 1], ['d', 'c', 'b', 'e', 'a']]);
});

test('array_sum, array_iff, array_split', () => {
  assert.equal(call('array_sum', [dyn([1, 2, 3, 4])], 'real'), 10);
  assert.equal(call('array_sum', [dyn([1.5, 9007199254740993n])], 'real'), 1.5 + 9007199254740993);
  assert.equal(call('array_sum', [dyn(['a'])], 'real'), null);

  assert.deepEqual(call('array_iff', [dyn([true, false, true]), dyn([1, 2, 3]), dyn([4, 5, 6])]), [1, 5, 3]);
  assert.deepEqual(call('array_iff', [dyn([1, 0, 50]), str('yes'), str('no')]), ['yes', 'no', 'yes']);
  assert.deepEqual(call('array_iif', [dyn(['some string value', '2022-01-01T00:00:00.0000000Z', null]), long(1), long(0)]), [null, null, null]);
  assert.deepEqual(call('array_iff', [dyn([true, true, true]), dyn([1, 2]), dyn([3, 4])]), [1, 2, null]);

  assert.deepEqual(call('array_split', [dyn([1, 2, 3, 4, 5]), long(2)]), [[1, 2], [3, 4, 5]]);
  assert.deepEqual(call('array_split', [dyn([1, 2, 3, 4, 5]), dyn([1, 3])]), [[1], [2, 3], [4, 5]]);
  assert.deepEqual(call('array_split', [dyn([1, 2, 3, 4, 5]), long(-1)]), [[1, 2, 3, 4], [5]]);
});

test('array_index_of and set_has_element', () => {
  const arr = dyn(['this', 'is', 'an', 'example', 'an', 'example']);
  const idx = (...args: Arg[]) => call('array_index_of', [arr, ...args], 'long');
  // The documented examples.
  assert.equal(idx(str('an')), 2);
  assert.equal(idx(str('example'), long(1), long(3)), 3);
  assert.equal(idx(str('example'), long(1), long(2)), -1);
  assert.equal(idx(str('is'), long(2), long(4)), -1);
  assert.equal(idx(str('example'), long(2), long(-1)), 3);
  assert.equal(idx(str('an'), long(1), long(-1), long(2)), 4);
  assert.equal(idx(str('an'), long(1), long(-1), long(3)), -1);
  assert.equal(idx(str('an'), long(-3)), 4);
  assert.equal(idx(str('is'), long(-4)), -1);
  assert.equal(idx(str('an'), long(0), long(-2)), null, 'length below -1 is null');
  assert.equal(idx(str('an'), long(0), long(-1), long(-1)), null, 'a negative occurrence is null');
  // Values compare as dynamic values: a long finds 1.0, a string does not find a number.
  assert.equal(call('array_index_of', [dyn([1.0, '1']), long(1)], 'long'), 0);
  assert.equal(call('array_index_of', [dyn([1, '1']), str('1')], 'long'), 1);
  assert.equal(call('array_index_of', [dyn(['2022-01-01T00:00:00.0000000Z']), ['datetime', fromParts(2022, 1, 1)]], 'long'), 0);
  assert.equal(call('set_has_element', [dyn(['this', 'is', 'an', 'example']), str('example')], 'bool'), true);
  assert.equal(call('set_has_element', [dyn(['this']), str('This')], 'bool'), false);
});

test('set functions', () => {
  assert.deepEqual(call('set_union', [dyn([1, 2, 1, 4]), dyn([1, 2]), dyn([8])]), [1, 2, 4, 8]);
  assert.deepEqual(call('set_union', [dyn(['A4', 'A2', 'A7', 'A2']), dyn(['A4', 'A2', 'A7', 'A2'])]), ['A4', 'A2', 'A7']);
  assert.deepEqual(call('set_intersect', [dyn([1, 2, 1, 4]), dyn([1, 2]), dyn([8, 1])]), [1]);
  assert.deepEqual(call('set_intersect', [dyn([1, 2, 3]), dyn([4, 5])]), []);
  assert.deepEqual(call('set_difference', [dyn([1, 2, 1, 4]), dyn([1, 2]), dyn([1, 2, 8])]), [4]);
  assert.deepEqual(call('set_difference', [dyn([1, 2, 3]), dyn([1, 2, 3])]), []);
  assert.deepEqual(call('set_union', [dyn([{ a: 1 }, 1]), dyn([{ a: 1 }, '1'])]), [{ a: 1 }, 1, '1']);
  assert.equal(call('set_equals', [dyn([1, 2, 2]), dyn([2, 1])], 'bool'), true);
  assert.equal(call('set_equals', [dyn([1, 2]), dyn([1, 3])], 'bool'), false);
  assert.equal(call('jaccard_index', [dyn([1, 2, 3]), dyn([1, 2, 3, 4])], 'real'), 0.75);
  assert.equal(call('set_union', [dyn([1]), dyn('x')]), null);
});

test('zip, range, repeat', () => {
  assert.deepEqual(call('zip', [dyn([1, 3, 5]), dyn([2, 4, 6])]), [[1, 2], [3, 4], [5, 6]]);
  assert.deepEqual(call('zip', [dyn(['A', 1, 1.5]), dyn([{}, 'B'])]), [['A', {}], [1, 'B'], [1.5, null]]);

  assert.deepEqual(call('range', [long(1), long(8), long(3)]), [1, 4, 7]);
  assert.deepEqual(call('range', [long(1), long(3)]), [1, 2, 3]);
  assert.deepEqual(call('range', [long(5), long(1), long(-2)]), [5, 3, 1]);
  assert.deepEqual(call('range', [long(5), long(1)]), []);
  assert.equal(call('range', [long(1), long(5), long(0)]), null);
  assert.deepEqual(call('range', [['real', 1.0], long(3), ['real', 0.5]]), [1, 1.5, 2, 2.5, 3]);
  assert.deepEqual(call('range', [['timespan', TICKS_PER_HOUR], ['timespan', 5 * TICKS_PER_HOUR]]),
    ['01:00:00', '02:00:00', '03:00:00', '04:00:00', '05:00:00']);
  const year = call('range', [['datetime', fromParts(2007, 1, 1)], ['datetime', fromParts(2007, 12, 31)], ['timespan', TICKS_PER_DAY]]) as string[];
  assert.equal(year.length, 365);
  assert.equal(year[0], '2007-01-01T00:00:00.0000000Z');
  assert.equal(year[364], '2007-12-31T00:00:00.0000000Z');
  assert.equal((call('range', [long(1), long(1_000_000_000)]) as unknown[]).length, 1_048_576, 'truncated as Kusto does');
  // Near the end of the long range the series stops instead of wrapping around.
  assert.deepEqual(call('range', [long(9223372036854775806n), long(9223372036854775807n)]), [9223372036854775806n, 9223372036854775807n]);

  assert.deepEqual(call('repeat', [long(1), long(3)]), [1, 1, 1]);
  assert.deepEqual(call('repeat', [['timespan', TICKS_PER_HOUR], long(2)]), ['01:00:00', '01:00:00']);
  assert.deepEqual(call('repeat', [str('a'), long(0)]), []);
  assert.equal(call('repeat', [str('a'), long(-1)]), null);
});

test('dynamic_to_json: canonical JSON with sorted keys at every depth; scalars as tostring', () => {
  // oracle dynamic-to-json-function-00: key order does not matter
  const bag1 = { Y10: {}, X8: { c3: 1, d8: 5, a4: 6 }, D1: 114, A1: 12, B1: 2, C1: 3, A14: [15, 13, 18] };
  const bag2 = { X8: { a4: 6, c3: 1, d8: 5 }, A14: [15, 13, 18], C1: 3, B1: 2, Y10: {}, A1: 12, D1: 114 };
  const want = '{"A1":12,"A14":[15,13,18],"B1":2,"C1":3,"D1":114,"X8":{"a4":6,"c3":1,"d8":5},"Y10":{}}';
  assert.equal(call('dynamic_to_json', [dyn(bag1)], 'string'), want);
  assert.equal(call('dynamic_to_json', [dyn(bag2)], 'string'), want);
  assert.equal(call('dynamic_to_json', [dyn([{ b: 'x', a: [true, null] }, 1.5])], 'string'), '[{"a":[true,null],"b":"x"},1.5]');
  assert.equal(call('dynamic_to_json', [dyn('text')], 'string'), 'text');
  assert.equal(call('dynamic_to_json', [long(42)], 'string'), '42');
});

test('hll values: dcount_hll counts distinct hashes; hll_merge unites them', () => {
  // The sparse value Kusto's docs show for hll() (precision 14): four distinct hashes.
  const kusto = [[1024, 14], ['7755241107725382121', '-5665157283053373866', '3803688792395291579', '-1003235211361077779'], []];
  assert.equal(call('dcount_hll', [dyn(kusto)], 'long'), 4);
  const other = [[1024, 14], ['3803688792395291579', '42'], []];
  const merged = call('hll_merge', [dyn(kusto), dyn(other)]) as unknown[];
  assert.deepEqual(merged[0], [1024, 14]);
  assert.equal(call('dcount_hll', [dyn(merged)], 'long'), 5);
  assert.deepEqual(call('hll_merge', [dyn(null), dyn(other)]), other, 'null inputs are skipped');
  assert.equal(call('hll_merge', [dyn(null), dyn('junk')]), null);
  assert.equal(call('dcount_hll', [dyn({ a: 1 })], 'long'), null);
});

test('tdigest values: percentiles are weighted nearest-rank picks; ranks sum weights', () => {
  // A digest in the layout Kusto's docs show ([[type], values, weights]; OREGON's DamageProperty).
  const oregon = [[7], [5000, 1000, 60000, 434000, 20000, 50000, 100000, 500000, 0, 1500000, 20400000, 6000, 62600000],
    [8, 2, 1, 1, 1, 1, 3, 1, 401, 1, 1, 1, 1]];
  assert.equal(call('percentile_tdigest', [dyn(oregon), long(100)], 'long'), 62600000);
  assert.equal(call('percentile_tdigest', [dyn(oregon), long(50)], 'long'), 0);
  assert.equal(call('percentile_tdigest', [dyn(oregon), long(0)], 'long'), 0);
  // oracle tdigest-aggregation-function-01: values 1 (weight 1) and 2 (weight 2), P50 is 2
  const small = [[8], [1.0, 2.0], [1, 2]];
  assert.equal(call('percentile_tdigest', [dyn(small), long(50)]), 2);
  assert.deepEqual(call('percentiles_array_tdigest', [dyn(small), long(0), long(30), long(100)]), [1, 1, 2]);
  assert.deepEqual(call('percentiles_array_tdigest', [dyn(small), dyn([50, 10])]), [2, 1]);
  assert.equal(call('percentiles_array_tdigest', [dyn(small), long(10), ['string', 'long', 'const']], 'long'), 1);
  // oracle rank-tdigest-function-00 in small: 1..10 each once
  const ten = [[7], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], new Array(10).fill(1)];
  assert.equal(call('rank_tdigest', [dyn(ten), long(7)], 'real'), 7);
  assert.equal(call('rank_tdigest', [dyn(ten), ['real', 6.5]], 'real'), 6);
  assert.equal(call('rank_tdigest', [dyn(ten), long(0)], 'real'), 0);
  assert.equal(call('percentrank_tdigest', [dyn(ten), long(5)], 'real'), 50);
  assert.equal(call('rank_tdigest', [dyn(ten), str('7')], 'real'), null, 'a value of another type has no rank');
  // oracle merge-tdigest-function-00: merging 1..10 and 11..20, the 100th percentile is 20
  const tens = [[7], [11, 12, 13, 14, 15, 16, 17, 18, 19, 20], new Array(10).fill(1)];
  const merged = call('merge_tdigest', [dyn(ten), dyn(tens)]);
  assert.equal(call('percentile_tdigest', [dyn(merged), long(100)], 'long'), 20);
  assert.equal(call('percentile_tdigest', [dyn(merged), long(50)], 'long'), 10);
  assert.equal(call('percentile_tdigest', [dyn('junk'), long(50)], 'long'), null);
});
