import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScalarType } from '../../schema/types.js';
import { parseDatetimeText } from './datetime.js';
import {
  formatDatetime, formatTimespan, parseDatetime, parseTimespan, fromNetTicks, DATETIME_MAX,
} from '../values/datetime.js';
import { callScalar } from './testing.js';

type Arg = [ScalarType, unknown];

const NOW = parseDatetime('2026-08-02T23:56:44.4514557Z')!;

/** Binds a function as the engine does (constant args) and calls it, honouring null propagation. */
function call(name: string, args: Arg[], resultType: ScalarType, constant = true): unknown {
  return callScalar(name, args, { resultType, constant, now: NOW, fixResult: false });
}

const dt = (s: string) => {
  const v = parseDatetime(s);
  assert.notEqual(v, null, s);
  return v;
};
const ts = (s: string) => {
  const v = parseTimespan(s);
  assert.notEqual(v, null, s);
  return v;
};
/** Datetime result as the oracle writes it (fraction only when non-zero). */
const showDt = (v: unknown) => (v === null ? null : formatDatetime(v as bigint).replace(/0+Z$/, 'Z').replace('.Z', 'Z'));
const showTs = (v: unknown) => (v === null ? null : formatTimespan(v as bigint));

const D = (s: string): Arg => ['datetime', dt(s)];
const T = (s: string): Arg => ['timespan', ts(s)];
const L = (n: number | bigint): Arg => ['long', n];
const S = (s: string): Arg => ['string', s];
const R = (n: number): Arg => ['real', n];

test('now and ago use the query time', () => {
  assert.equal(showDt(call('now', [], 'datetime')), '2026-08-02T23:56:44.4514557Z');
  assert.equal(showDt(call('now', [T('-2.00:00:00')], 'datetime')), '2026-07-31T23:56:44.4514557Z');
  assert.equal(showDt(call('ago', [T('1.00:00:00')], 'datetime')), '2026-08-01T23:56:44.4514557Z');
});

test('bin rounds numbers down', () => {
  assert.equal(call('bin', [R(4.5), L(1)], 'real'), 4);
  assert.equal(call('bin', [R(-4.5), L(1)], 'real'), -5);
  assert.equal(call('bin', [L(-5), L(2)], 'long'), -6);
  assert.equal(call('bin', [L(17), L(5)], 'long'), 15);
  assert.equal(call('floor', [L(17), L(5)], 'long'), 15);
  assert.equal(call('bin', [L(9007199254741999n), L(10)], 'long'), 9007199254741990n);
  // a null, zero or negative bin size gives null
  assert.equal(call('bin', [L(17), L(-5)], 'long'), null);
  assert.equal(call('bin', [R(4.5), R(0)], 'real'), null);
  assert.equal(call('bin', [L(17), L(null as never)], 'long'), null);
});

test('bin on timespans and datetimes', () => {
  assert.equal(showTs(call('bin', [T('16.00:00:00'), T('7.00:00:00')], 'timespan')), '14.00:00:00');
  assert.equal(showTs(call('bin', [T('14.03:00:00'), T('1.00:00:00')], 'timespan')), '14.00:00:00');
  assert.equal(showDt(call('bin', [D('1970-05-11 13:45:07'), T('1.00:00:00')], 'datetime')), '1970-05-11T00:00:00Z');
  assert.equal(showDt(call('bin', [D('2007-03-05 12:34'), T('1.00:00:00')], 'datetime')), '2007-03-05T00:00:00Z');
  assert.equal(showDt(call('bin', [D('2026-08-02T23:56:44.4514557Z'), T('01:00:00')], 'datetime')), '2026-08-02T23:00:00Z');
  // bins count from 0001-01-01 (a Monday), so weekly bins start on Mondays
  assert.equal(showDt(call('bin', [D('2017-05-17 10:20'), T('7.00:00:00')], 'datetime')), '2017-05-15T00:00:00Z');
  assert.equal(showDt(call('bin', [D('1900-05-17 10:20'), T('7.00:00:00')], 'datetime')), '1900-05-14T00:00:00Z');
  assert.equal(showDt(call('bin', [D('2017-05-17 10:20:33.1234567'), T('00:00:00.001')], 'datetime')), '2017-05-17T10:20:33.123Z');
  // a non-constant bin size works too
  assert.equal(showDt(call('bin', [D('2017-05-17 10:20'), T('06:00:00')], 'datetime', false)), '2017-05-17T06:00:00Z');
});

test('bin_at aligns to a fixed point', () => {
  assert.equal(call('bin_at', [R(6.5), R(2.5), L(7)], 'real'), 4.5);
  assert.equal(showTs(call('bin_at', [T('01:00:00'), T('1.00:00:00'), T('12:00:00')], 'timespan')), '-12:00:00');
  assert.equal(showDt(call('bin_at', [D('2017-05-15 10:20'), T('1.00:00:00'), D('1970-01-01 12:00')], 'datetime')), '2017-05-14T12:00:00Z');
  assert.equal(showDt(call('bin_at', [D('2017-05-17 10:20'), T('7.00:00:00'), D('2017-06-04')], 'datetime')), '2017-05-14T00:00:00Z');
  const fixed = D('2018-02-24 15:14');
  const bins = ['2018-02-24T15:14', '2018-02-24T15:24', '2018-02-23T16:14', '2018-02-23T17:29', '2018-02-26T15:14']
    .map((s) => showDt(call('bin_at', [D(s), T('1.00:00:00'), fixed], 'datetime')));
  assert.deepEqual(bins, ['2018-02-24T15:14:00Z', '2018-02-24T15:14:00Z', '2018-02-23T15:14:00Z',
    '2018-02-23T15:14:00Z', '2018-02-26T15:14:00Z']);
});

test('start and end of periods, with offsets', () => {
  const d = D('2017-01-01 10:10:17');
  const run = (fn: string) => [-1, 0, 1].map((o) => showDt(call(fn, [d, L(o)], 'datetime')));
  assert.deepEqual(run('startofday'), ['2016-12-31T00:00:00Z', '2017-01-01T00:00:00Z', '2017-01-02T00:00:00Z']);
  assert.deepEqual(run('startofweek'), ['2016-12-25T00:00:00Z', '2017-01-01T00:00:00Z', '2017-01-08T00:00:00Z']);
  assert.deepEqual(run('startofmonth'), ['2016-12-01T00:00:00Z', '2017-01-01T00:00:00Z', '2017-02-01T00:00:00Z']);
  assert.deepEqual(run('startofyear'), ['2016-01-01T00:00:00Z', '2017-01-01T00:00:00Z', '2018-01-01T00:00:00Z']);
  assert.deepEqual(run('endofday'), ['2016-12-31T23:59:59.9999999Z', '2017-01-01T23:59:59.9999999Z', '2017-01-02T23:59:59.9999999Z']);
  assert.deepEqual(run('endofweek'), ['2016-12-31T23:59:59.9999999Z', '2017-01-07T23:59:59.9999999Z', '2017-01-14T23:59:59.9999999Z']);
  assert.deepEqual(run('endofmonth'), ['2016-12-31T23:59:59.9999999Z', '2017-01-31T23:59:59.9999999Z', '2017-02-28T23:59:59.9999999Z']);
  assert.deepEqual(run('endofyear'), ['2016-12-31T23:59:59.9999999Z', '2017-12-31T23:59:59.9999999Z', '2018-12-31T23:59:59.9999999Z']);
  // without the offset argument; and far from the fast range (bigint ticks)
  assert.equal(showDt(call('startofweek', [D('2025-06-17')], 'datetime')), '2025-06-15T00:00:00Z');
  assert.equal(showDt(call('startofday', [D('1601-03-04 05:06:07')], 'datetime')), '1601-03-04T00:00:00Z');
  assert.equal(showDt(call('endofmonth', [D('2024-02-10')], 'datetime')), '2024-02-29T23:59:59.9999999Z');
  assert.equal(call('endofyear', [D('9999-06-01')], 'datetime'), DATETIME_MAX);
  assert.equal(call('startofyear', [D('0001-06-01'), L(-1)], 'datetime'), null);
});

test('calendar parts', () => {
  assert.equal(showTs(call('dayofweek', [D('1947-11-30 10:00:05')], 'timespan')), '00:00:00');
  assert.equal(showTs(call('dayofweek', [D('1970-05-11')], 'timespan')), '1.00:00:00');
  assert.equal(showTs(call('dayofweek', [D('1970-05-12')], 'timespan')), '2.00:00:00');
  assert.equal(call('dayofmonth', [D('2015-12-14')], 'int'), 14);
  assert.equal(call('dayofyear', [D('2015-12-14')], 'int'), 348);
  assert.equal(call('monthofyear', [D('2015-12-14')], 'int'), 12);
  assert.equal(call('getmonth', [D('2015-10-12')], 'int'), 10);
  assert.equal(call('getyear', [D('2015-10-12')], 'int'), 2015);
  assert.equal(call('hourofday', [D('2015-10-12 23:59:59.9999999')], 'int'), 23);
  assert.equal(call('hourofday', [D('1815-10-12 07:30')], 'int'), 7);
});

test('week_of_year is the ISO 8601 week', () => {
  const w = (s: string) => call('week_of_year', [D(s)], 'int');
  assert.equal(w('2020-12-31'), 53);
  assert.equal(w('2020-06-15'), 25);
  assert.equal(w('1970-01-01'), 1);
  assert.equal(w('2000-01-01'), 52);
  assert.equal(w('2018-12-31'), 1);
  assert.equal(w('2021-01-03'), 53);
  assert.equal(w('2021-01-04'), 1);
  assert.equal(w('2017-10-30'), 44);
});

test('datetime_part', () => {
  const d = D('2017-10-30 01:02:03.7654321');
  const parts = ['year', 'quarter', 'month', 'week_of_year', 'day', 'dayOfYear', 'hour', 'minute', 'second',
    'millisecond', 'microsecond', 'nanosecond'];
  assert.deepEqual(parts.map((p) => call('datetime_part', [S(p), d], 'long')),
    [2017, 4, 10, 44, 30, 303, 1, 2, 3, 765, 765432, 765432100]);
  assert.throws(() => call('datetime_part', [S('fortnight'), d], 'long'));
});

test('datetime_add: calendar periods clamp the day, fixed ones add ticks', () => {
  const d = D('2017-01-01');
  const add = (p: string, n: number, x: Arg = d) => showDt(call('datetime_add', [S(p), L(n), x], 'datetime'));
  assert.equal(add('year', -5), '2012-01-01T00:00:00Z');
  assert.equal(add('quarter', 12), '2020-01-01T00:00:00Z');
  assert.equal(add('month', -15), '2015-10-01T00:00:00Z');
  assert.equal(add('week', 100), '2018-12-02T00:00:00Z');
  assert.equal(add('Day', 1), '2017-01-02T00:00:00Z');
  assert.equal(add('second', 1), '2017-01-01T00:00:01Z');
  assert.equal(add('nanosecond', 1500), '2017-01-01T00:00:00.0000015Z');
  assert.equal(add('month', 1, D('2016-01-31 10:00')), '2016-02-29T10:00:00Z');
  assert.equal(add('year', 1, D('2016-02-29')), '2017-02-28T00:00:00Z');
  assert.equal(add('year', 10000), null);
});

test('datetime_diff counts calendar boundaries', () => {
  const diff = (p: string, a: string, b: string) => call('datetime_diff', [S(p), D(a), D(b)], 'long');
  assert.equal(diff('year', '2017-01-01', '2000-12-31'), 17);
  assert.equal(diff('quarter', '2017-07-01', '2017-03-30'), 2);
  assert.equal(diff('month', '2017-01-01', '2015-12-30'), 13);
  assert.equal(diff('week', '2017-10-29 00:00', '2017-09-30 23:59'), 5);
  assert.equal(diff('day', '2017-10-29 00:00', '2017-09-30 23:59'), 29);
  assert.equal(diff('hour', '2017-10-31 01:00', '2017-10-30 23:59'), 2);
  assert.equal(diff('minute', '2017-10-30 23:05:01', '2017-10-30 23:00:59'), 5);
  assert.equal(diff('second', '2017-10-30 23:00:10.100', '2017-10-30 23:00:00.900'), 10);
  assert.equal(diff('millisecond', '2017-10-30 23:00:00.200100', '2017-10-30 23:00:00.100900'), 100);
  assert.equal(diff('microsecond', '2017-10-30 23:00:00.1009001', '2017-10-30 23:00:00.1008009'), 100);
  assert.equal(diff('nanosecond', '2017-10-30 23:00:00.0000000', '2017-10-30 23:00:00.0000007'), -700);
  assert.equal(diff('day', '1900-01-01', '2100-01-01'), -73049);
});

test('format_datetime', () => {
  const d = D('2017-01-29 09:00:05');
  const f = (fmt: string, x: Arg = d) => call('format_datetime', [x, S(fmt)], 'string');
  assert.equal(f('yy-MM-dd [HH:mm:ss]'), '17-01-29 [09:00:05]');
  assert.equal(f('yyyy-M-dd [H:mm:ss]'), '2017-1-29 [9:00:05]');
  assert.equal(f('yy-MM-dd [hh:mm:ss tt]'), '17-01-29 [09:00:05 AM]');
  const p = D('2009-06-15T13:45:30.6175425');
  assert.equal(f('h hh H HH tt', p), '1 01 13 13 PM');
  assert.equal(f('f ff fff ffff fffffff', p), '6 61 617 6175 6175425');
  assert.equal(f('FFFFFFF', D('2009-06-15T13:45:30.0001150')), '000115');
  assert.equal(f('ss.FFF', D('2009-06-15T13:45:30.0005')), '30');
  assert.equal(f('y yy yyyy', D('0900-01-01')), '0 00 0900');
  assert.equal(f('d/M/y', D('2009-06-01')), '1/6/9');
  assert.equal(f("yyyy-MM-dd'T'HH:mm:ss"), '2017-01-29T09:00:05');
  assert.equal(f('ddd, dd MMM yyyy'), 'Sun, 29 Jan 2017');
  // a non-constant format
  assert.equal(call('format_datetime', [d, S('yyyy_MM_dd')], 'string', false), '2017_01_29');
});

test('format_timespan', () => {
  const t = T('29.09:00:05.12345');
  const f = (fmt: string, x: Arg = t) => call('format_timespan', [x, S(fmt)], 'string');
  assert.equal(f('dd.hh:mm:ss:FF'), '29.09:00:05:12');
  assert.equal(f('ddd.h:mm:ss [fffffff]'), '029.9:00:05 [1234500]');
  assert.equal(f('d.HH:mm:ss', T('15.13:45:30')), '15.13:45:30');
  assert.equal(f('H:m:s', T('01:09:05')), '1:9:5');
  assert.equal(f('hh:mm', T('-01:30:00')), '-01:30');
});

test('make_datetime and make_timespan', () => {
  const md = (...a: number[]) => showDt(call('make_datetime', a.map((n) => ['long', n] as Arg), 'datetime'));
  assert.equal(md(2017, 10, 1), '2017-10-01T00:00:00Z');
  assert.equal(md(2017, 10, 1, 12, 10), '2017-10-01T12:10:00Z');
  assert.equal(showDt(call('make_datetime', [L(2017), L(10), L(1), L(12), L(11), R(0.1234567)], 'datetime')),
    '2017-10-01T12:11:00.1234567Z');
  assert.equal(md(2017, 2, 29), null);
  assert.equal(md(2017, 13, 1), null);
  assert.equal(md(2017, 1, 1, 24, 0), null);
  assert.equal(showTs(call('make_timespan', [L(1), L(12), L(30), R(55.123)], 'timespan')), '1.12:30:55.1230000');
  assert.equal(showTs(call('make_timespan', [L(12), L(30)], 'timespan')), '12:30:00');
  assert.equal(showTs(call('make_timespan', [L(12), L(30), L(15)], 'timespan')), '12:30:15');
  assert.equal(call('make_timespan', [L(25), L(0)], 'timespan'), null);
});

test('todatetime parses the forms Kusto accepts', () => {
  const td = (s: string) => showDt(call('todatetime', [S(s)], 'datetime'));
  assert.equal(td('2022-12-02'), '2022-12-02T00:00:00Z');
  assert.equal(td('2022-12-02 13:45:56'), '2022-12-02T13:45:56Z');
  assert.equal(td('2022/12/02'), '2022-12-02T00:00:00Z');
  assert.equal(td('12-02-2022'), '2022-12-02T00:00:00Z');
  assert.equal(td('12/02/2022'), '2022-12-02T00:00:00Z');
  assert.equal(td('12.02.2022'), '2022-12-02T00:00:00Z');
  assert.equal(td('2/3/2022'), '2022-02-03T00:00:00Z');
  assert.equal(td('12-02-2022 13:45:56'), '2022-12-02T13:45:56Z');
  assert.equal(td('12/02/2022 1:45:56 PM'), '2022-12-02T13:45:56Z');
  assert.equal(td('2 Dec 2022'), '2022-12-02T00:00:00Z');
  assert.equal(td('Dec 2, 2022'), '2022-12-02T00:00:00Z');
  assert.equal(td('Fri, 02 Dec 2022 13:45:56 GMT'), '2022-12-02T13:45:56Z');
  assert.equal(td('2014-11-08T15:05 GMT'), '2014-11-08T15:05:00Z');
  assert.equal(td('20221202'), '2022-12-02T00:00:00Z');
  assert.equal(td('2022-12-02T13:45:56+02:00'), '2022-12-02T11:45:56Z');
  assert.equal(td('2022-12-02T13:45:56-05:00'), '2022-12-02T18:45:56Z');
  assert.equal(td('2015-12-31 23:59:59.9'), '2015-12-31T23:59:59.9Z');
  for (const bad of ['not a date', '', '13-01-2022', 'x12-02-2022', '02/30/2022']) assert.equal(td(bad), null, bad);
  assert.equal(parseDatetimeText('12-02-2022'), parseDatetimeText('2022-12-02'));
  // other types: datetime as is, longs as .NET ticks, dynamic strings parsed
  assert.equal(showDt(call('todatetime', [D('2020-01-01')], 'datetime')), '2020-01-01T00:00:00Z');
  assert.equal(showDt(call('todatetime', [L(637134336000000000n)], 'datetime')), '2020-01-01T00:00:00Z');
  assert.equal(showDt(call('todatetime', [['dynamic', '2022-12-02T13:45:56Z']], 'datetime')), '2022-12-02T13:45:56Z');
  assert.equal(call('todatetime', [['dynamic', { a: 1 }]], 'datetime'), null);
  assert.equal(call('todatetime', [L(-1)], 'datetime'), null);
  assert.equal(fromNetTicks(0n) < 0n, true);
});

test('totimespan', () => {
  const tt = (a: Arg) => showTs(call('totimespan', [a], 'timespan'));
  assert.equal(tt(S('0.00:03:00')), '00:03:00');
  assert.equal(tt(S('00:03:00')), '00:03:00');
  assert.equal(tt(S('4.00:00:00')), '4.00:00:00');
  assert.equal(tt(T('4.00:00:00')), '4.00:00:00');
  assert.equal(tt(S('garbage')), null);
  assert.equal(tt(['dynamic', '01:02:03']), '01:02:03');
  assert.equal(showTs(call('totime', [S('1.00:00:00')], 'timespan')), '1.00:00:00');
});

test('unixtime_*_todatetime', () => {
  const u = (fn: string, a: Arg) => showDt(call(fn, [a], 'datetime'));
  assert.equal(u('unixtime_seconds_todatetime', L(1546300800)), '2019-01-01T00:00:00Z');
  assert.equal(u('unixtime_seconds_todatetime', R(1546300800.5)), '2019-01-01T00:00:00.5Z');
  assert.equal(u('unixtime_seconds_todatetime', L(-1)), '1969-12-31T23:59:59Z');
  assert.equal(u('unixtime_milliseconds_todatetime', L(1546300800000)), '2019-01-01T00:00:00Z');
  assert.equal(u('unixtime_microseconds_todatetime', L(1546300800000000)), '2019-01-01T00:00:00Z');
  assert.equal(u('unixtime_nanoseconds_todatetime', L(1546300800000000000n)), '2019-01-01T00:00:00Z');
  assert.equal(u('unixtime_nanoseconds_todatetime', L(1546300800000000150n)), '2019-01-01T00:00:00.0000001Z');
  assert.equal(u('unixtime_seconds_todatetime', L(1e15)), null);
  assert.equal(u('unixtime_seconds_todatetime', R(NaN)), null);
});

test('datetime_utc_to_local and datetime_local_to_utc', () => {
  const toLocal = (d: string, tz: string) => showDt(call('datetime_utc_to_local', [D(d), S(tz)], 'datetime'));
  const toUtc = (d: string, tz: string) => showDt(call('datetime_local_to_utc', [D(d), S(tz)], 'datetime'));
  assert.equal(toLocal('2026-08-02T23:56:37.6227102Z', 'US/Pacific'), '2026-08-02T16:56:37.6227102Z');
  assert.equal(toLocal('2026-08-02T23:56:37.6227102Z', 'Australia/Canberra'), '2026-08-03T09:56:37.6227102Z');
  assert.equal(toUtc('2020-02-02 20:02:20', 'US/Pacific'), '2020-02-03T04:02:20Z');
  assert.equal(toUtc('2020-02-02 20:02:20', 'America/Chicago'), '2020-02-03T02:02:20Z');
  assert.equal(toUtc('2020-02-02 20:02:20', 'Europe/Paris'), '2020-02-02T19:02:20Z');
  // around a spring-forward: the skipped hour takes the summer offset
  const local = ['2022-03-27 01:00', '2022-03-27 02:00', '2022-03-27 03:00', '2022-03-27 04:00'];
  assert.deepEqual(local.map((l) => toUtc(l, 'Europe/Brussels')),
    ['2022-03-27T00:00:00Z', '2022-03-27T00:00:00Z', '2022-03-27T01:00:00Z', '2022-03-27T02:00:00Z']);
  assert.equal(toLocal('2022-03-27T00:00:00Z', 'Europe/Brussels'), '2022-03-27T01:00:00Z');
  assert.equal(toLocal('2022-01-01', 'No/Such_Zone'), null);
  assert.equal(showDt(call('datetime_utc_to_local', [D('2022-01-01'), S('UTC')], 'datetime', false)), '2022-01-01T00:00:00Z');
});

test('around: within [center - delta, center + delta], bounds included', () => {
  // oracle around-function-00: 01:29, 01:30 and 01:31 are within 1min of 01:30
  const center = D('2021-01-01 01:30');
  for (const [t, want] of [['01:28', false], ['01:29', true], ['01:30', true], ['01:31', true], ['01:31:00.0000001', false]] as const) {
    assert.equal(call('around', [D(`2021-01-01 ${t}`), center, T('00:01:00')], 'bool'), want, t);
  }
  assert.equal(call('around', [L(10), L(12), L(2)], 'bool'), true);
  assert.equal(call('around', [R(9.5), L(12), L(2)], 'bool'), false);
  assert.equal(call('around', [R(1.5), R(1), R(0.5)], 'bool'), true);
  assert.equal(call('around', [T('1.00:00:00'), T('1.00:30:00'), T('00:30:00')], 'bool'), true);
  assert.equal(call('around', [L(10), L(10), L(-1)], 'bool'), false, 'a negative delta is an empty range');
  assert.equal(call('around', [['long', null], L(10), L(1)], 'bool'), null);
});

test('datetime_list_timezones lists every IANA zone and alias, in ordinal order', () => {
  const zones = call('datetime_list_timezones', [], 'dynamic') as string[];
  // oracle datetime-list-timezones-00 has 597 names, from Africa/Abidjan to Zulu
  assert.equal(zones.length, 597);
  assert.equal(zones[0], 'Africa/Abidjan');
  assert.equal(zones[zones.length - 1], 'Zulu');
  for (const z of ['Africa/Asmera', 'America/Argentina/ComodRivadavia', 'Etc/GMT+10', 'US/Pacific', 'UTC', 'America/Coyhaique']) assert.ok(zones.includes(z), z);
  assert.ok(!zones.includes('Factory'));
  assert.deepEqual([...zones].sort(), zones);
  // Every listed name is usable by the time zone functions.
  for (const z of zones) new Intl.DateTimeFormat('en-US', { timeZone: z });
});
