/**
 * Conversion, math, conditional, IP and hash functions. Expected values come from the KQL
 * documentation and from results of the real Kusto engine (the oracle cases).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScalarType } from '../../schema/types.js';
import { fromParts } from '../values/datetime.js';
import { scalarFunction } from './registry.js';
import { callScalar } from './testing.js';

type Arg = [ScalarType, unknown];

function invoke(name: string, args: Arg[], resultType: ScalarType, constant: boolean): unknown {
  return callScalar(name, args, { resultType, constant });
}

/** Calls `name` as the engine would, once with constant arguments and once per row; both must agree. */
function call(name: string, args: Arg[], resultType: ScalarType = 'string'): unknown {
  const folded = invoke(name, args, resultType, true);
  const perRow = invoke(name, args, resultType, false);
  assert.deepEqual(perRow, folded, `${name}: constant and per-row results differ`);
  return folded;
}

const s = (v: string): Arg => ['string', v];
const l = (v: number | bigint | null): Arg => ['long', v];
const i = (v: number | null): Arg => ['int', v];
const r = (v: number | null): Arg => ['real', v];
const b = (v: boolean | null): Arg => ['bool', v];
const d = (v: unknown): Arg => ['dynamic', v];
const dt = (y: number, m: number, day: number): Arg => ['datetime', fromParts(y, m, day)];

function near(actual: unknown, expected: number, rel = 1e-12) {
  assert.equal(typeof actual, 'number');
  const a = actual as number;
  assert.ok(Math.abs(a - expected) <= rel * Math.max(1, Math.abs(expected)), `${a} is not ${expected}`);
}

// ---------------------------------------------------------------- conversion

test('tostring: Kusto text forms of each type', () => {
  assert.equal(call('tostring', [dt(2020, 1, 1)]), '2020-01-01T00:00:00.0000000Z');
  assert.equal(call('tostring', [l(123)]), '123');
  assert.equal(call('tostring', [l(9007199254740993n)]), '9007199254740993');
  assert.equal(call('tostring', [r(1)]), '1');
  assert.equal(call('tostring', [r(0.1 + 0.2)]), '0.30000000000000004');
  assert.equal(call('tostring', [r(1e15)]), '1E+15');
  assert.equal(call('tostring', [r(0.00001)]), '1E-05');
  assert.equal(call('tostring', [r(0.0001)]), '0.0001');
  assert.equal(call('tostring', [r(-1.5e-7)]), '-1.5E-07');
  assert.equal(call('tostring', [r(123456789012345)]), '123456789012345');
  assert.equal(call('tostring', [b(true)]), 'true');
  assert.equal(call('tostring', [['timespan', 2 * 864_000_000_000]]), '2.00:00:00');
  assert.equal(call('tostring', [l(null)]), '');
  // A string inside a dynamic comes out bare; other dynamic values as JSON.
  assert.equal(call('tostring', [d('s')]), 's');
  assert.equal(call('tostring', [d({ a: [1, 'x'] })]), '{"a":[1,"x"]}');
  assert.equal(call('tostring', [d(null)]), '');
});

test('toint/tolong truncate; failed conversions are null', () => {
  assert.equal(call('toint', [s('123')], 'int'), 123);
  assert.equal(call('toint', [r(2.3)], 'int'), 2);
  assert.equal(call('toint', [r(-2.7)], 'int'), -2);
  assert.equal(call('toint', [r(2)], 'int'), 2);
  assert.equal(call('toint', [l(3_000_000_000)], 'int'), null);
  assert.equal(call('tolong', [s('not a number')], 'long'), null);
  assert.equal(call('tolong', [s('42')], 'long'), 42);
  assert.equal(call('tolong', [s('9223372036854775807')], 'long'), 9223372036854775807n);
  assert.equal(call('tolong', [s('9223372036854775808')], 'long'), null);
  assert.equal(call('tolong', [s(' 12.9 ')], 'long'), 12);
  assert.equal(call('tolong', [r(1e20)], 'long'), null);
  assert.equal(call('tolong', [r(-9223372036854775808)], 'long'), -9223372036854775808n);
  assert.equal(call('tolong', [b(true)], 'long'), 1);
  assert.equal(call('tolong', [d('17')], 'long'), 17);
  assert.equal(call('tolong', [d(4.9)], 'long'), 4);
  assert.equal(call('tolong', [d({})], 'long'), null);
  assert.equal(call('tolong', [r(NaN)], 'long'), null);
  // A datetime converts to its .NET tick count.
  assert.equal(call('tolong', [dt(2020, 1, 1)], 'long'), 637134336000000000n);
});

test('toreal/todouble, todecimal, tobool/toboolean', () => {
  assert.equal(call('toreal', [s('123.4')], 'real'), 123.4);
  assert.equal(call('todouble', [l(5)], 'real'), 5);
  assert.equal(call('toreal', [s('abc')], 'real'), null);
  assert.equal(call('todecimal', [s('123.45678')], 'decimal'), 123.45678);
  assert.equal(call('tobool', [s('true')], 'bool'), true);
  assert.equal(call('tobool', [s('FALSE')], 'bool'), false);
  assert.equal(call('tobool', [l(1)], 'bool'), true);
  assert.equal(call('tobool', [l(123)], 'bool'), true);
  assert.equal(call('toboolean', [l(0)], 'bool'), false);
  assert.equal(call('tobool', [s('yes')], 'bool'), null);
});

test('toguid takes the first 32 hex digits, ignoring hyphens', () => {
  assert.equal(call('toguid', [s('0123456789abcdef0123456789abcdef')], 'guid'), '01234567-89ab-cdef-0123-456789abcdef');
  assert.equal(call('toguid', [s('0123456789ab-cdef-0123-456789abcdef')], 'guid'), '01234567-89ab-cdef-0123-456789abcdef');
  assert.equal(call('toguid', [s('0123456789ABCDEF0123456789ABCDEF and more')], 'guid'), '01234567-89ab-cdef-0123-456789abcdef');
  assert.equal(call('toguid', [s('a string that is not a guid')], 'guid'), null);
  assert.equal(call('toguid', [s('0123')], 'guid'), null);
});

test('gettype names the runtime type, looking inside dynamic values', () => {
  assert.equal(call('gettype', [s('a')]), 'string');
  assert.equal(call('gettype', [l(111)]), 'long');
  assert.equal(call('gettype', [b(true)]), 'bool');
  assert.equal(call('gettype', [dt(2020, 1, 1)]), 'datetime');
  assert.equal(call('gettype', [['timespan', 10_000_000]]), 'timespan');
  assert.equal(call('gettype', [r(123.45)]), 'real');
  assert.equal(call('gettype', [['guid', '12e8b78d-55b4-46ae-b068-26d7a0080254']]), 'guid');
  assert.equal(call('gettype', [d(1)]), 'int');
  assert.equal(call('gettype', [d('abc')]), 'string');
  assert.equal(call('gettype', [d({ abc: 1 })]), 'dictionary');
  assert.equal(call('gettype', [d([1, 2, 3])]), 'array');
  assert.equal(call('gettype', [d(null)]), 'null');
});

// ---------------------------------------------------------------- math

test('round: half away from zero, negative precision', () => {
  assert.equal(call('round', [r(2.98765), l(3)], 'real'), 2.988);
  assert.equal(call('round', [r(2.15), l(1)], 'real'), 2.2);
  assert.equal(call('round', [r(2.15)], 'real'), 2);
  assert.equal(call('round', [r(-50.55), l(-2)], 'real'), -100);
  assert.equal(call('round', [r(21.5), l(-1)], 'real'), 20);
  assert.equal(call('round', [r(2.5)], 'real'), 3);
  assert.equal(call('round', [r(-2.5)], 'real'), -3);
  assert.equal(call('round', [l(1250), l(-2)], 'long'), 1300);
  assert.equal(call('round', [l(-1250), l(-2)], 'long'), -1300);
  assert.equal(call('round', [l(1249), l(-2)], 'long'), 1200);
  assert.equal(call('round', [l(7), l(2)], 'long'), 7);
});

test('ceiling, abs, sign', () => {
  assert.equal(call('ceiling', [r(-1.1)], 'real'), -1);
  assert.equal(call('ceiling', [l(0)], 'long'), 0);
  assert.equal(call('ceiling', [r(0.9)], 'real'), 1);
  assert.equal(call('abs', [l(-5)], 'long'), 5);
  assert.equal(call('abs', [l(-9007199254740993n)], 'long'), 9007199254740993n);
  assert.equal(call('abs', [r(-2.5)], 'real'), 2.5);
  assert.equal(call('abs', [['timespan', -10_000_000]], 'timespan'), 10_000_000);
  assert.equal(call('sign', [l(-42)], 'real'), -1);
  assert.equal(call('sign', [l(0)], 'real'), 0);
  assert.equal(call('sign', [r(11.2)], 'real'), 1);
});

test('exponentials, logarithms and trigonometry match Kusto', () => {
  assert.equal(call('exp', [l(2)], 'real'), 7.38905609893065);
  assert.equal(call('exp2', [l(3)], 'real'), 8);
  assert.equal(call('exp10', [l(2)], 'real'), 100);
  assert.equal(call('log', [l(5)], 'real'), 1.6094379124341003);
  assert.equal(call('log10', [l(5)], 'real'), 0.6989700043360189);
  assert.equal(call('log2', [l(5)], 'real'), 2.321928094887362);
  assert.equal(call('log', [l(-1)], 'real'), null);
  assert.equal(call('sqrt', [l(-4)], 'real'), null);
  assert.equal(call('sqrt', [l(16)], 'real'), 4);
  assert.equal(call('pow', [l(2), l(3)], 'real'), 8);
  assert.equal(call('pow', [l(1024), l(2)], 'real'), 1048576);
  assert.equal(call('atan2', [l(1), l(1)], 'real'), 0.7853981633974483);
  assert.equal(call('atan2', [l(0), l(-1)], 'real'), 3.141592653589793);
  assert.equal(call('atan2', [l(-1), l(0)], 'real'), -1.5707963267948966);
  assert.equal(call('cot', [l(1)], 'real'), 0.6420926159343306);
  assert.equal(call('sin', [l(1)], 'real'), 0.8414709848078965);
  assert.equal(call('pi', [], 'real'), Math.PI);
  near(call('degrees', [r(Math.PI / 4)], 'real'), 45);
  near(call('degrees', [r(Math.PI * 1.5)], 'real'), 270);
  assert.equal(call('degrees', [l(0)], 'real'), 0);
  near(call('radians', [l(180)], 'real'), Math.PI);
  // A dynamic number is a number; dynamic text is not.
  assert.equal(call('exp2', [d(3)], 'real'), 8);
  assert.equal(call('exp2', [d('3')], 'real'), null);
});

test('isnan, isinf, isfinite', () => {
  assert.deepEqual([-Infinity, NaN, Infinity].map((x) => call('isfinite', [r(x)], 'bool')), [false, false, false]);
  assert.deepEqual([-Infinity, NaN, Infinity, 1].map((x) => call('isinf', [r(x)], 'bool')), [true, false, true, false]);
  assert.deepEqual([-1, NaN, 1].map((x) => call('isnan', [r(x)], 'bool')), [false, true, false]);
  assert.equal(call('isfinite', [l(5)], 'bool'), true);
});

test('gamma, loggamma, erf, erfc', () => {
  assert.equal(call('gamma', [l(5)], 'real'), 24);
  near(call('gamma', [r(0.5)], 'real'), Math.sqrt(Math.PI));
  near(call('gamma', [r(-1.5)], 'real'), (4 * Math.sqrt(Math.PI)) / 3);
  assert.equal(call('loggamma', [l(5)], 'real'), 3.1780538303479458);
  near(call('loggamma', [r(0.5)], 'real'), Math.log(Math.sqrt(Math.PI)));
  const erfc = [1.9999779095030015, 1.9953222650189528, 1.842700792949715, 1.0, 0.15729920705028513, 0.004677734981047265, 2.2090496998585438e-5];
  [-3, -2, -1, 0, 1, 2, 3].forEach((x, k) => near(call('erfc', [l(x)], 'real'), erfc[k]!, 1e-12));
  near(call('erf', [l(1)], 'real'), 0.842700792949715, 1e-14);
  near(call('erf', [l(-3)], 'real'), -0.999977909503001, 1e-14);
  assert.equal(call('erf', [l(0)], 'real'), 0);
});

test('beta distribution and Welch test', () => {
  near(call('beta_cdf', [r(0.9), r(10), r(20)], 'real'), 0.9999999999999593, 1e-12);
  assert.ok(Number.isNaN(call('beta_cdf', [r(1.5), r(10), r(20)], 'real')));
  assert.ok(Number.isNaN(call('beta_cdf', [r(-10), r(10), r(20)], 'real')));
  near(call('beta_pdf', [r(0.5), r(10), r(20)], 'real'), 0.746176019310951, 1e-12);
  near(call('beta_inv', [r(0.1), r(10), r(20)], 'real'), 0.226415022388749, 1e-12);
  assert.equal(call('beta_inv', [r(0.1), r(-1), r(20)], 'real'), null);
  const p = call('welch_test', [r(20.819999999999997), r(7.8674285714), l(15), r(22.986666666666668), r(3.8126666667), l(15)], 'real');
  near(p, 0.02137800146286441, 1e-9);
});

test('min_of/max_of ignore nulls and convert to the common type', () => {
  assert.equal(call('max_of', [l(10), l(1), l(-3), l(17)], 'long'), 17);
  assert.equal(call('min_of', [l(10), l(1), l(-3), l(17)], 'long'), -3);
  const rows: [number | null, number | null, number | null][] = [[1, 6, 6], [8, 1, 8], [null, 2, 2], [1, null, 1], [null, null, null]];
  for (const [a, bb, want] of rows) assert.equal(call('max_of', [i(a), i(bb)], 'int'), want);
  assert.equal(call('min_of', [i(5), i(null)], 'int'), 5);
  assert.equal(call('max_of', [l(1), r(2.5)], 'real'), 2.5);
  assert.equal(call('max_of', [s('b'), s('abc')], 'string'), 'b');
  assert.equal(call('min_of', [dt(2021, 1, 1), dt(2020, 6, 1)], 'datetime'), fromParts(2020, 6, 1));
});

test('rand returns reals in [0, 1) or whole numbers below N', () => {
  const def = scalarFunction('rand')!;
  assert.equal(def.volatile, true);
  for (let k = 0; k < 100; k++) {
    const x = invoke('rand', [], 'real', false) as number;
    assert.ok(x >= 0 && x < 1);
    const n = invoke('rand', [l(10)], 'real', false) as number;
    assert.ok(Number.isInteger(n) && n >= 0 && n < 10);
  }
});

test('binary_* functions are exact on 64-bit longs', () => {
  assert.equal(call('binary_or', [l(5), l(3)], 'long'), 7);
  assert.equal(call('binary_and', [l(6), l(3)], 'long'), 2);
  assert.equal(call('binary_xor', [l(6), l(3)], 'long'), 5);
  assert.equal(call('binary_not', [l(100)], 'long'), -101);
  assert.equal(call('binary_shift_left', [l(1), l(2)], 'long'), 4);
  assert.equal(call('binary_shift_right', [l(1), l(2)], 'long'), 0);
  assert.equal(call('binary_shift_left', [l(1), l(-1)], 'long'), null);
  assert.equal(call('binary_shift_left', [l(1), l(63)], 'long'), -9223372036854775808n);
  assert.equal(call('binary_shift_left', [l(1), l(64)], 'long'), 1);
  assert.equal(call('binary_shift_right', [l(-16), l(2)], 'long'), -4);
  assert.equal(call('binary_and', [l(0x7fffffffffffffffn), l(-2)], 'long'), 0x7ffffffffffffffen);
  assert.equal(call('binary_xor', [l(2 ** 40), l(1)], 'long'), 2 ** 40 + 1);
  assert.equal(call('binary_not', [l(0x7fffffffffffffffn)], 'long'), -9223372036854775808n);
  assert.equal(call('bitset_count_ones', [l(42)], 'long'), 3);
  assert.equal(call('bitset_count_ones', [l(-1)], 'long'), 64);
});

// ---------------------------------------------------------------- conditional

test('iff/iif: null condition takes else; branches convert to the result type', () => {
  assert.equal(call('iff', [b(true), s('Yes'), s('No')]), 'Yes');
  assert.equal(call('iif', [b(false), s('Yes'), s('No')]), 'No');
  assert.equal(call('iff', [b(null), l(1), l(2)], 'long'), 2);
  const x = call('iff', [b(true), l(1), r(2.5)], 'real');
  assert.equal(x, 1);
  assert.equal(typeof x, 'number');
  assert.equal(call('iff', [b(true), l(2n ** 60n), r(2.5)], 'real'), 2 ** 60);
  assert.equal(call('iff', [b(true), r(null), r(5)], 'real'), null);
  assert.equal(call('iff', [b(true), dt(2020, 1, 1), s('x')], 'string'), '2020-01-01T00:00:00.0000000Z');
  assert.equal(call('iff', [b(false), s('a'), l(null)], 'string'), '');
});

test('case returns the first satisfied branch, else the last argument', () => {
  const bucket = (size: number) =>
    call('case', [b(size <= 3), s('Small'), b(size <= 10), s('Medium'), s('Large')]);
  assert.deepEqual([1, 3, 5, 9, 11, 15].map(bucket), ['Small', 'Small', 'Medium', 'Medium', 'Large', 'Large']);
  assert.equal(call('case', [b(null), l(1), l(2)], 'long'), 2);
  assert.equal(call('case', [b(true), l(1), r(0.5)], 'real'), 1);
});

test('coalesce: first non-null, or first non-empty string', () => {
  assert.equal(call('coalesce', [l(null), l(42), l(33)], 'long'), 42);
  assert.equal(call('coalesce', [s(''), s('x'), s('y')]), 'x');
  assert.equal(call('coalesce', [s(''), s('')]), '');
  assert.equal(call('coalesce', [l(null), l(null)], 'long'), null);
  assert.equal(call('coalesce', [r(null), l(7)], 'real'), 7);
});

test('isnull/isempty and their negations', () => {
  assert.equal(call('isnull', [s('')], 'bool'), false);
  assert.equal(call('isnull', [s('x')], 'bool'), false);
  assert.equal(call('isnull', [d(null)], 'bool'), true);
  assert.equal(call('isnull', [d([])], 'bool'), false);
  assert.equal(call('isnull', [d({})], 'bool'), false);
  assert.equal(call('isnull', [l(null)], 'bool'), true);
  assert.equal(call('isnotnull', [l(0)], 'bool'), true);
  assert.equal(call('notnull', [r(null)], 'bool'), false);
  assert.equal(call('isempty', [s('')], 'bool'), true);
  assert.equal(call('isempty', [s('x')], 'bool'), false);
  assert.equal(call('isempty', [d(null)], 'bool'), true);
  assert.equal(call('isempty', [d([])], 'bool'), false);
  assert.equal(call('isempty', [d({})], 'bool'), false);
  assert.equal(call('isempty', [l(null)], 'bool'), true);
  assert.equal(call('isnotempty', [s('a')], 'bool'), true);
  assert.equal(call('notempty', [s('')], 'bool'), false);
});

// ---------------------------------------------------------------- IP

test('parse_ipv4 and parse_ipv4_mask apply the IP prefix', () => {
  assert.equal(call('parse_ipv4', [s('192.168.1.1')], 'long'), 3232235777);
  assert.equal(call('parse_ipv4', [s('192.168.1.1/24')], 'long'), 3232235776);
  assert.equal(call('parse_ipv4', [s('255.255.255.255/31')], 'long'), 4294967294);
  assert.equal(call('parse_ipv4', [s('256.1.1.1')], 'long'), null);
  assert.equal(call('parse_ipv4', [s('1.2.3')], 'long'), null);
  assert.equal(call('parse_ipv4', [s('1.2.3.4/33')], 'long'), null);
  assert.equal(call('parse_ipv4', [d('10.0.0.1')], 'long'), 167772161);
  assert.equal(call('parse_ipv4_mask', [s('127.0.0.1'), l(24)], 'long'), 2130706432);
  assert.equal(call('parse_ipv4_mask', [s('127.0.0.1'), l(33)], 'long'), null);
});

test('format_ipv4 and format_ipv4_mask', () => {
  const rows: [string, number, string, string][] = [
    ['192.168.1.1', 24, '192.168.1.0', '192.168.1.0/24'],
    ['192.168.1.1', 32, '192.168.1.1', '192.168.1.1/32'],
    ['192.168.1.1/24', 32, '192.168.1.0', '192.168.1.0/24'],
    ['192.168.1.1/24', -1, '', ''],
  ];
  for (const [ip, mask, plain, cidr] of rows) {
    assert.equal(call('format_ipv4', [s(ip), l(mask)]), plain);
    assert.equal(call('format_ipv4_mask', [s(ip), l(mask)]), cidr);
  }
  assert.equal(call('format_ipv4', [l(3232235777)]), '192.168.1.1');
  assert.equal(call('format_ipv4_mask', [l(3232235777), l(16)]), '192.168.0.0/16');
  assert.equal(call('format_ipv4', [s('nope')]), '');
});

test('ipv4_compare and ipv4_is_match use the smallest prefix', () => {
  const pairs: [string, string][] = [
    ['192.168.1.0', '192.168.1.0'],
    ['192.168.1.1/24', '192.168.1.255'],
    ['192.168.1.1', '192.168.1.255/24'],
    ['192.168.1.1/30', '192.168.1.255/24'],
  ];
  for (const [a, c] of pairs) {
    assert.equal(call('ipv4_is_match', [s(a), s(c)], 'bool'), true);
    assert.equal(call('ipv4_compare', [s(a), s(c)], 'long'), 0);
  }
  const withPrefix: [string, string, number][] = [
    ['192.168.1.1', '192.168.1.0', 31],
    ['192.168.1.1/24', '192.168.1.255', 31],
    ['192.168.1.1', '192.168.1.255', 24],
  ];
  for (const [a, c, p] of withPrefix) assert.equal(call('ipv4_is_match', [s(a), s(c), l(p)], 'bool'), true);
  assert.equal(call('ipv4_compare', [s('10.0.0.1'), s('10.0.0.2')], 'long'), -1);
  assert.equal(call('ipv4_compare', [s('10.0.0.3'), s('10.0.0.2')], 'long'), 1);
  assert.equal(call('ipv4_is_match', [s('10.0.0.3'), s('x')], 'bool'), null);
});

test('ipv4_is_private, ipv4_netmask_suffix, ipv4_is_in_range, ipv4_is_in_any_range', () => {
  assert.equal(call('ipv4_is_private', [s('10.1.2.3')], 'bool'), true);
  assert.equal(call('ipv4_is_private', [s('192.168.1.1/24')], 'bool'), true);
  assert.equal(call('ipv4_is_private', [s('10.1.2.3/24')], 'bool'), true);
  assert.equal(call('ipv4_is_private', [s('172.31.0.1')], 'bool'), true);
  assert.equal(call('ipv4_is_private', [s('172.32.0.1')], 'bool'), false);
  assert.equal(call('ipv4_is_private', [s('202.1.2.3')], 'bool'), false);
  assert.equal(call('ipv4_is_private', [s('127.0.0.1')], 'bool'), false);
  assert.equal(call('ipv4_is_private', [s('not an ip')], 'bool'), null);
  assert.equal(call('ipv4_netmask_suffix', [s('10.1.2.3')], 'long'), 32);
  assert.equal(call('ipv4_netmask_suffix', [s('192.168.1.1/24')], 'long'), 24);
  assert.equal(call('ipv4_netmask_suffix', [s('127.0.0.1/16')], 'long'), 16);
  assert.equal(call('ipv4_is_in_range', [s('192.168.1.1'), s('192.168.1.1')], 'bool'), true);
  assert.equal(call('ipv4_is_in_range', [s('192.168.1.1'), s('192.168.1.255/24')], 'bool'), true);
  assert.equal(call('ipv4_is_in_range', [s('192.168.2.1'), s('192.168.1.255/24')], 'bool'), false);
  assert.equal(call('ipv4_is_in_any_range', [s('127.0.0.1'), d(['127.0.0.1', '192.168.1.1'])], 'bool'), true);
  assert.equal(call('ipv4_is_in_any_range', [s('192.168.1.6'), s('192.168.1.1/24'), s('10.0.0.1/8'), s('127.1.0.1/16')], 'bool'), true);
  const local = d(['192.168.1.1/16', '127.0.0.1/8', '10.0.0.1/8']);
  const got = ['10.1.2.3', '192.168.1.5', '123.1.11.21', '1.1.1.1'].map((ip) => call('ipv4_is_in_any_range', [s(ip), local], 'bool'));
  assert.deepEqual(got, [true, true, false, false]);
});

test('ipv4_range_to_cidr_list', () => {
  assert.deepEqual(call('ipv4_range_to_cidr_list', [s('1.1.128.0'), s('1.1.140.255')], 'dynamic'), ['1.1.128.0/21', '1.1.136.0/22', '1.1.140.0/24']);
  assert.deepEqual(call('ipv4_range_to_cidr_list', [s('0.0.0.0'), s('255.255.255.255')], 'dynamic'), ['0.0.0.0/0']);
  assert.deepEqual(call('ipv4_range_to_cidr_list', [s('10.0.0.1'), s('10.0.0.1')], 'dynamic'), ['10.0.0.1/32']);
});

test('parse_ipv6 and parse_ipv6_mask give the canonical form', () => {
  assert.equal(call('parse_ipv6', [s('192.168.255.255')]), '0000:0000:0000:0000:0000:ffff:c0a8:ffff');
  assert.equal(call('parse_ipv6', [s('192.168.255.255/24')]), '0000:0000:0000:0000:0000:ffff:c0a8:ff00');
  assert.equal(call('parse_ipv6', [s('::1')]), '0000:0000:0000:0000:0000:0000:0000:0001');
  assert.equal(call('parse_ipv6', [s('fe80::')]), 'fe80:0000:0000:0000:0000:0000:0000:0000');
  assert.equal(call('parse_ipv6', [s('1:2:3:4:5:6:7:8')]), '0001:0002:0003:0004:0005:0006:0007:0008');
  assert.equal(call('parse_ipv6', [s('1:2:3:4:5:6:1.2.3.4')]), '0001:0002:0003:0004:0005:0006:0102:0304');
  assert.equal(call('parse_ipv6', [s('1::2::3')]), '');
  assert.equal(call('parse_ipv6', [s('12345::')]), '');
  assert.equal(call('parse_ipv6', [s('1:2:3:4:5:6:7:8:9')]), '');
  const rows: [string, number, string][] = [
    ['192.168.255.255', 120, '0000:0000:0000:0000:0000:ffff:c0a8:ff00'],
    ['192.168.255.255/24', 124, '0000:0000:0000:0000:0000:ffff:c0a8:ff00'],
    ['255.255.255.255', 128, '0000:0000:0000:0000:0000:ffff:ffff:ffff'],
    ['fe80::85d:e82c:9446:7994', 128, 'fe80:0000:0000:0000:085d:e82c:9446:7994'],
    ['fe80::85d:e82c:9446:7994/120', 124, 'fe80:0000:0000:0000:085d:e82c:9446:7900'],
    ['::192.168.255.255', 128, '0000:0000:0000:0000:0000:0000:c0a8:ffff'],
    ['::192.168.255.255/24', 128, '0000:0000:0000:0000:0000:0000:c0a8:ff00'],
  ];
  for (const [ip, mask, want] of rows) assert.equal(call('parse_ipv6_mask', [s(ip), l(mask)]), want, ip);
});

test('ipv6_compare/ipv6_is_match treat IPv4 as IPv6 and use the smallest prefix', () => {
  const pairs: [string, string][] = [
    ['192.168.1.1', '192.168.1.1'],
    ['192.168.1.1/24', '192.168.1.255'],
    ['192.168.1.1', '192.168.1.255/24'],
    ['192.168.1.1/30', '192.168.1.255/24'],
    ['fe80::85d:e82c:9446:7994', 'fe80::85d:e82c:9446:7994'],
    ['fe80::85d:e82c:9446:7994/120', 'fe80::85d:e82c:9446:7998'],
    ['fe80::85d:e82c:9446:7994', 'fe80::85d:e82c:9446:7998/120'],
    ['fe80::85d:e82c:9446:7994/120', 'fe80::85d:e82c:9446:7998/120'],
    ['192.168.1.1', '::ffff:c0a8:0101'],
    ['192.168.1.1/24', '::ffff:c0a8:01ff'],
    ['::ffff:c0a8:0101', '192.168.1.255/24'],
    ['::192.168.1.1/30', '192.168.1.255/24'],
  ];
  for (const [a, c] of pairs) {
    assert.equal(call('ipv6_compare', [s(a), s(c)], 'long'), 0, `${a} vs ${c}`);
    assert.equal(call('ipv6_is_match', [s(a), s(c)], 'bool'), true, `${a} vs ${c}`);
  }
  const withPrefix: [string, string, number][] = [
    ['192.168.1.1', '192.168.1.0', 31],
    ['192.168.1.1/24', '192.168.1.255', 31],
    ['192.168.1.1', '192.168.1.255', 24],
    ['fe80::85d:e82c:9446:7994', 'fe80::85d:e82c:9446:7995', 127],
    ['fe80::85d:e82c:9446:7994/127', 'fe80::85d:e82c:9446:7998', 120],
    ['fe80::85d:e82c:9446:7994/120', 'fe80::85d:e82c:9446:7998', 127],
    ['192.168.1.1/24', '::ffff:c0a8:01ff', 127],
    ['::ffff:c0a8:0101', '192.168.1.255', 120],
    ['::192.168.1.1/30', '192.168.1.255/24', 127],
  ];
  for (const [a, c, p] of withPrefix) {
    assert.equal(call('ipv6_compare', [s(a), s(c), l(p)], 'long'), 0, `${a} vs ${c} /${p}`);
    assert.equal(call('ipv6_is_match', [s(a), s(c), l(p)], 'bool'), true, `${a} vs ${c} /${p}`);
  }
  assert.equal(call('ipv6_compare', [s('fe80::1'), s('fe80::2')], 'long'), -1);
  assert.equal(call('ipv6_compare', [s('fe80::1'), s('bad')], 'long'), null);
});

test('ipv6_is_in_range and ipv6_is_in_any_range', () => {
  const ip = s('a5e:f127:8a9d:146d:e102:b5d3:c755:abcd');
  assert.equal(call('ipv6_is_in_range', [ip, s('a5e:f127:8a9d:146d:e102:b5d3:c755:0000/112')], 'bool'), true);
  assert.equal(call('ipv6_is_in_range', [ip, s('a5e:f127:8a9d:146d:e102:b5d3:c755:abcd')], 'bool'), true);
  assert.equal(call('ipv6_is_in_range', [ip, s('0:0:0:0:0:ffff:c0a8:ac/60')], 'bool'), false);
  assert.equal(call('ipv6_is_in_any_range', [ip, d(['::1', 'a5e:f127::/32'])], 'bool'), true);
  assert.equal(call('ipv6_is_in_any_range', [ip, s('::1'), s('fe80::/10')], 'bool'), false);
});

test('has_ipv4 family: addresses must be delimited by non-alphanumerics', () => {
  const log = '05:04:54 127.0.0.1 GET /favicon.ico 404';
  assert.equal(call('has_ipv4', [s(log), s('127.0.0.1')], 'bool'), true);
  assert.equal(call('has_ipv4', [s('05:04:54 127.0.0.256 GET /favicon.ico 404'), s('127.0.0.256')], 'bool'), false);
  assert.equal(call('has_ipv4', [s('05:04:54127.0.0.1 GET /favicon.ico 404'), s('127.0.0.1')], 'bool'), false);
  assert.equal(call('has_ipv4', [s('from: 192.168.1.1, 10.1.1.115 and 10.1.1.201.'), s('10.1.1.201')], 'bool'), true);
  assert.equal(call('has_ipv4', [s('x127.0.0.1'), s('127.0.0.1')], 'bool'), false);
  assert.equal(call('has_ipv4_prefix', [s(log), s('127.0.')], 'bool'), true);
  assert.equal(call('has_ipv4_prefix', [s(log), s('127.0')], 'bool'), false);
  assert.equal(call('has_ipv4_prefix', [s('05:04:54 127.0.0.256 GET /favicon.ico 404'), s('127.0.')], 'bool'), false);
  assert.equal(call('has_ipv4_prefix', [s('05:04:54127.0.0.1 GET /favicon.ico 404'), s('127.0.')], 'bool'), false);
  assert.equal(call('has_any_ipv4', [s(log), s('127.0.0.1'), s('127.0.0.2')], 'bool'), true);
  assert.equal(call('has_any_ipv4', [s(log), d(['127.0.0.1', '127.0.0.2'])], 'bool'), true);
  assert.equal(call('has_any_ipv4', [s('05:04:54 127.0.0.256 GET /favicon.ico 404'), d(['127.0.0.256', '192.168.1.1'])], 'bool'), false);
  assert.equal(call('has_any_ipv4', [s('05:04:54127.0.0.1 GET /favicon.ico 404'), s('127.0.0.1'), s('192.168.1.1')], 'bool'), false);
  assert.equal(call('has_any_ipv4_prefix', [s(log), s('127.0.'), s('192.168.')], 'bool'), true);
  assert.equal(call('has_any_ipv4_prefix', [s(log), d(['127.0.', '192.168.'])], 'bool'), true);
  assert.equal(call('has_any_ipv4_prefix', [s(log), s('127.0')], 'bool'), false);
  assert.equal(call('has_any_ipv4_prefix', [s('05:04:54127.0.0.1 GET /favicon.ico 404'), s('127.0.'), s('192.')], 'bool'), false);
});

// ---------------------------------------------------------------- hash

test('hash and hash_xxhash64 are XXH64 of the value, as Kusto computes them', () => {
  for (const name of ['hash', 'hash_xxhash64']) {
    assert.equal(call(name, [s('World')], 'long'), 1846988464401551951n);
    assert.equal(call(name, [s('Hello')], 'long'), 753694413698530628n);
    assert.equal(call(name, [s('World'), l(100)], 'long'), 51);
    assert.equal(call(name, [dt(2015, 1, 1)], 'long'), 1380966698541616202n);
  }
  // Inputs of 32 bytes or more take XXH64's striped path (reference value of XXH64, seed 0).
  assert.equal(call('hash', [s('')], 'long'), -1205034819632174695n);
  // Published XXH64 test vector (0xfbcea83c8a378bf1).
  assert.equal(call('hash', [s('Nobody inspects the spammish repetition')], 'long'), BigInt.asIntN(64, 0xfbcea83c8a378bf1n));
  const m = call('hash', [s('Hello'), l(7)], 'long') as number;
  assert.ok(m >= 0 && m < 7);
  assert.equal(call('hash', [s('x'), l(0)], 'long'), null);
});

test('hash_many is hash_combine of the hashes', () => {
  const h1 = call('hash', [s('Hello')], 'long') as bigint | number;
  const h2 = call('hash', [s('World')], 'long') as bigint | number;
  const combined = call('hash_combine', [l(h1), l(h2)], 'long');
  assert.equal(call('hash_many', [s('Hello'), s('World')], 'long'), combined);
  assert.notEqual(call('hash_combine', [l(h2), l(h1)], 'long'), combined);
});

test('hash_md5, hash_sha1, hash_sha256 digest the tostring() text', () => {
  assert.equal(call('hash_md5', [s('World')]), 'f5a7924e621e84c9280a9a27e1bcb7f6');
  assert.equal(call('hash_md5', [dt(2020, 1, 1)]), '786c530672d1f8db31fee25ea8a9390b');
  assert.equal(call('hash_md5', [l(123)]), '202cb962ac59075b964b07152d234b70');
  assert.equal(call('hash_sha1', [s('abc')]), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  assert.equal(call('hash_sha256', [s('abc')]), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(call('hash_sha256', [s('World')]), '78ae647dc5544d227130a0682a51e30bc7777fbb6d8a8f17007463a3ecd1d524');
  assert.equal(call('hash_sha256', [dt(2020, 1, 1)]), 'ba666752dc1a20eb750b0eb64e780cc4c968bc9fb8813461c1d7e750f302d71d');
});

test('new_guid is volatile and returns lowercase guids', () => {
  assert.equal(scalarFunction('new_guid')!.volatile, true);
  const g1 = invoke('new_guid', [], 'guid', false) as string;
  const g2 = invoke('new_guid', [], 'guid', false) as string;
  assert.match(g1, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.notEqual(g1, g2);
});

// ---------------------------------------------------------------- tohex, unit conversion

test('tohex: two\'s complement of the int or long width, zero-padded to at most 16', () => {
  // oracle tohex-function-00
  assert.equal(call('tohex', [l(256)]), '100');
  assert.equal(call('tohex', [l(-256)]), 'ffffffffffffff00');
  assert.equal(call('tohex', [i(-256), i(8)]), 'ffffff00');
  assert.equal(call('tohex', [i(-256)]), 'ffffff00');
  assert.equal(call('tohex', [l(256), i(8)]), '00000100');
  assert.equal(call('tohex', [l(256), i(2)]), '100');
  assert.equal(call('tohex', [l(255), i(40)]), '00000000000000ff', 'minLength above 16 counts as 16');
  assert.equal(call('tohex', [l(9223372036854775807n)]), '7fffffffffffffff');
  assert.equal(call('tohex', [l(-9223372036854775808n)]), '8000000000000000');
  // oracle binary-all-and-aggregation-function-00 (after toupper)
  assert.equal(call('tohex', [l(0xcafef00d)]), 'cafef00d');
  assert.equal(call('tohex', [l(null)]), '');
});

test('convert_*: UnitsNet formulas through the base unit, null for unknown units', () => {
  // oracle convert-*-function-00
  assert.equal(call('convert_angle', [r(1.2), s('Degree'), s('Arcminute')], 'real'), 72);
  near(call('convert_energy', [r(1.2), s('Joule'), s('BritishThermalUnit')], 'real'), 0.0011373805443759806);
  near(call('convert_force', [r(1.2), s('Newton'), s('Decanewton')], 'real'), 0.12);
  assert.equal(call('convert_length', [r(1.2), s('Meter'), s('Foot')], 'real'), 3.9370078740157477);
  assert.equal(call('convert_mass', [r(1.2), s('Kilogram'), s('Pound')], 'real'), 2.6455471462185307);
  near(call('convert_temperature', [r(1.2), s('Kelvin'), s('DegreeCelsius')], 'real'), -271.95);
  // AcreFoot's two directions are not inverses in UnitsNet: Kusto's 0.0009728568 uses x * 0.000810714.
  assert.equal(call('convert_volume', [r(1.2), s('CubicMeter'), s('AcreFoot')], 'real'), 0.0009728568);
  // Neither side the base unit: through Kelvin, through Meter.
  near(call('convert_temperature', [r(100), s('DegreeCelsius'), s('DegreeFahrenheit')], 'real'), 212);
  near(call('convert_length', [r(1), s('Mile'), s('Kilometer')], 'real'), 1.60934);
  near(call('convert_speed', [r(36), s('KilometerPerHour'), s('MeterPerSecond')], 'real'), 10);
  assert.equal(call('convert_length', [r(5), s('Inch'), s('Inch')], 'real'), 5);
  assert.equal(call('convert_length', [l(2), s('Kilometer'), s('Meter')], 'real'), 2000, 'a long value is read as real');
  assert.equal(call('convert_length', [r(1), s('Meter'), s('Parsnip')], 'real'), null);
  assert.equal(call('convert_mass', [r(1), s('kilogram'), s('Pound')], 'real'), null, 'unit names are case-sensitive');
});

test('beta_cdf: a non-positive alpha gives the limit (1), as Kusto answers', () => {
  // oracle beta-cdf-function-00: beta_cdf(0.1, -1, 20) is 1
  assert.equal(call('beta_cdf', [r(0.1), r(-1), r(20)], 'real'), 1);
  assert.equal(call('beta_cdf', [r(0.1), r(2), r(-1)], 'real'), 0);
  assert.ok(Number.isNaN(call('beta_cdf', [r(0.1), r(-1), r(-1)], 'real')));
  assert.ok(Number.isNaN(call('beta_cdf', [r(0.1), r(20000), r(2)], 'real')));
});

// ---------------------------------------------------------------- environment

test('current_cluster_endpoint and current_database name this engine', () => {
  assert.equal(call('current_cluster_endpoint', []), 'localhost');
  assert.equal(call('current_database', []), 'exfilwatch');
});

test('estimate_data_size sums fixed widths and UTF-8 text lengths', () => {
  // oracle estimate-data-size-function-00: a long and a 10-character string are 18 bytes
  assert.equal(call('estimate_data_size', [l(7), s('1234567890')], 'long'), 18);
  assert.equal(call('estimate_data_size', [i(1), r(0.5), b(true), s('é')], 'long'), 4 + 8 + 1 + 2);
  assert.equal(call('estimate_data_size', [l(null), s('')], 'long'), 0);
  assert.equal(call('estimate_data_size', [d({ a: 1 })], 'long'), 7);
});
