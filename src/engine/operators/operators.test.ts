import { test } from 'node:test';
import assert from 'node:assert/strict';
import { q, sorted } from './testing.js';

const XY = `let X = datatable(Key:string, Value1:long)['a',1, 'b',2, 'b',3, 'c',4];
let Y = datatable(Key:string, Value2:long)['b',10, 'c',20, 'c',30, 'd',40];`;

// ---------------------------------------------------------------- join

test('join: default innerunique keeps the first left row per key', async () => {
  const r = await q(`${XY} X | join Y on Key`);
  assert.deepEqual(r.columns, ['Key:string', 'Value1:long', 'Key1:string', 'Value2:long']);
  assert.deepEqual(sorted(r.rows), [['b', 2, 'b', 10], ['c', 4, 'c', 20], ['c', 4, 'c', 30]]);
});

test('join: inner keeps every matching pair', async () => {
  const r = await q(`${XY} X | join kind=inner Y on Key`);
  assert.deepEqual(sorted(r.rows), [['b', 2, 'b', 10], ['b', 3, 'b', 10], ['c', 4, 'c', 20], ['c', 4, 'c', 30]]);
});

test('join: outer kinds fill the missing side with nulls', async () => {
  const left = await q(`${XY} X | join kind=leftouter Y on Key`);
  assert.deepEqual(sorted(left.rows), [['a', 1, '', null], ['b', 2, 'b', 10], ['b', 3, 'b', 10], ['c', 4, 'c', 20], ['c', 4, 'c', 30]]);
  const right = await q(`${XY} X | join kind=rightouter Y on Key`);
  assert.deepEqual(sorted(right.rows), [['', null, 'd', 40], ['b', 2, 'b', 10], ['b', 3, 'b', 10], ['c', 4, 'c', 20], ['c', 4, 'c', 30]]);
  const full = await q(`${XY} X | join kind=fullouter Y on Key`);
  assert.equal(full.rows.length, 6);
  assert.ok(full.rows.some((r) => r[0] === 'a' && r[3] === null));
  assert.ok(full.rows.some((r) => r[2] === 'd' && r[1] === null));
});

test('join: semi and anti kinds return one side only', async () => {
  assert.deepEqual(sorted((await q(`${XY} X | join kind=leftsemi Y on Key`)).rows), [['b', 2], ['b', 3], ['c', 4]]);
  assert.deepEqual((await q(`${XY} X | join kind=leftanti Y on Key`)).rows, [['a', 1]]);
  const rs = await q(`${XY} X | join kind=rightsemi Y on Key`);
  assert.deepEqual(rs.columns, ['Key:string', 'Value2:long']);
  assert.deepEqual(sorted(rs.rows), [['b', 10], ['c', 20], ['c', 30]]);
  assert.deepEqual((await q(`${XY} X | join kind=rightanti Y on Key`)).rows, [['d', 40]]);
});

test('join: null keys match nothing but stay in outer and anti results', async () => {
  const data = `let L = datatable(k:long, a:string)[1,'x', long(null),'n'];
    let R = datatable(k:long, b:string)[1,'p', long(null),'m'];`;
  assert.deepEqual((await q(`${data} L | join kind=inner R on k`)).rows, [[1, 'x', 1, 'p']]);
  assert.deepEqual((await q(`${data} L | join kind=leftanti R on k`)).rows, [[null, 'n']]);
  assert.equal((await q(`${data} L | join kind=fullouter R on k`)).rows.length, 3);
});

test('join: $left/$right keys of int and long compare by value', async () => {
  const r = await q(`let L = datatable(k:int, a:string)[1,'x', 2,'y'];
    let R = datatable(id:long, b:string)[1,'p', 3,'q'];
    L | join kind=inner R on $left.k == $right.id`);
  assert.deepEqual(r.columns, ['k:int', 'a:string', 'id:long', 'b:string']);
  assert.deepEqual(r.rows, [[1, 'x', 1, 'p']]);
});

test('join: several keys, the empty string is a value', async () => {
  const r = await q(`let L = datatable(a:string, b:long, v:long)['',1,10, 'x',1,11, 'x',2,12];
    let R = datatable(a:string, b:long, w:long)['',1,20, 'x',2,22];
    L | join kind=inner R on a, b | project v, w`);
  assert.deepEqual(sorted(r.rows), [[10, 20], [12, 22]]);
});

test('lookup: right key columns are not repeated; leftouter by default', async () => {
  const r = await q(`let F = datatable(Row:string, Personal:string, Family:string)
      ['1','Rowan','Murphy', '2','Ellis','Turner', '3','Nobody','Here'];
    let D = datatable(Personal:string, Family:string, Alias:string)['Rowan','Murphy','rowanm', 'Ellis','Turner','ellist'];
    F | lookup D on Personal, Family`);
  assert.deepEqual(r.columns, ['Row:string', 'Personal:string', 'Family:string', 'Alias:string']);
  assert.deepEqual(sorted(r.rows), [['1', 'Rowan', 'Murphy', 'rowanm'], ['2', 'Ellis', 'Turner', 'ellist'], ['3', 'Nobody', 'Here', '']]);
  const inner = await q(`let F = datatable(k:long, v:long)[1,10, 2,20];
    let D = datatable(id:long, v:long)[1,100];
    F | lookup kind=inner D on $left.k == $right.id`);
  assert.deepEqual(inner.columns, ['k:long', 'v:long', 'v1:long']);
  assert.deepEqual(inner.rows, [[1, 10, 100]]);
});

// ---------------------------------------------------------------- mv-expand

test('mv-expand: arrays to elements, bags to single-property bags', async () => {
  const r = await q(`datatable(a:int, b:dynamic)[1, dynamic([10, 20]), 2, dynamic({"p":"x","q":"y"})] | mv-expand b`);
  assert.deepEqual(r.columns, ['a:int', 'b:dynamic']);
  assert.deepEqual(r.rows, [[1, 10], [1, 20], [2, { p: 'x' }], [2, { q: 'y' }]]);
  const arr = await q(`datatable(b:dynamic)[dynamic({"p":"x","q":"y"})] | mv-expand kind=array b`);
  assert.deepEqual(arr.rows, [[['p', 'x']], [['q', 'y']]]);
});

test('mv-expand: null gives one row, empty array or bag none, a scalar stays', async () => {
  const r = await q(`datatable(a:int, b:dynamic)[1, dynamic([]), 2, dynamic(null), 3, dynamic(5), 4, dynamic({})] | mv-expand b`);
  assert.deepEqual(r.rows, [[2, null], [3, 5]]);
});

test('mv-expand: parallel columns, item index, typed elements and limit', async () => {
  const r = await q(`print a=1, b=dynamic([1,2,3]), c=dynamic(['x','y']) | mv-expand with_itemindex=i b to typeof(long), c`);
  assert.deepEqual(r.columns, ['a:long', 'b:long', 'c:dynamic', 'i:long']);
  assert.deepEqual(r.rows, [[1, 1, 'x', 0], [1, 2, 'y', 1], [1, 3, null, 2]]);
  const lim = await q(`print b=dynamic([1,2,3]) | mv-expand b limit 2`);
  assert.deepEqual(lim.rows, [[1], [2]]);
  const named = await q(`print a=1 | mv-expand x=pack_array(a, 2), y=dynamic(['s']) to typeof(string)`);
  assert.deepEqual(named.columns, ['a:long', 'x:dynamic', 'y:string']);
  assert.deepEqual(named.rows, [[1, 1, 's'], [1, 2, '']]);
});

// ---------------------------------------------------------------- parse

const TRACE = `datatable(s:string)['a=1, b=hello, c=2.5', 'a=x, b=world, c=3', 'junk']`;

test('parse: simple mode is strict; non-matching rows get nulls', async () => {
  const r = await q(`${TRACE} | parse s with 'a=' a:long ', b=' b ', c=' c:real`);
  assert.deepEqual(r.columns, ['s:string', 'a:long', 'b:string', 'c:real']);
  assert.deepEqual(r.rows.map((x) => x.slice(1)), [[1, 'hello', 2.5], [null, '', null], [null, '', null]]);
});

test('parse: relaxed mode nulls only the columns that do not convert', async () => {
  const r = await q(`${TRACE} | parse kind=relaxed s with 'a=' a:long ', b=' b ', c=' c:real`);
  assert.deepEqual(r.rows.map((x) => x.slice(1)), [[1, 'hello', 2.5], [null, 'world', 3], [null, '', null]]);
});

test('parse-where drops rows that do not match', async () => {
  const r = await q(`${TRACE} | parse-where s with * 'b=' b ',' *`);
  assert.deepEqual(r.rows, [['a=1, b=hello, c=2.5', 'hello'], ['a=x, b=world, c=3', 'world']]);
});

test('parse: string columns stop at the next literal, the last takes the rest', async () => {
  const r = await q(`print s='hello world foo' | parse s with a ' ' b`);
  assert.deepEqual(r.rows, [['hello world foo', 'hello', 'world foo']]);
  const num = await q(`print n=12345 | parse n with a:long '3' b:long`);
  assert.deepEqual(num.rows, [[12345, 12, 45]]);
});

test('parse: regex mode is greedy unless flag U, and literal groups do not shift columns', async () => {
  const text = `datatable(s:string)['k1=v1;k2=v2;']`;
  assert.deepEqual((await q(`${text} | parse kind=regex s with @'(k\\d)=' key ';' *`)).rows, [['k1=v1;k2=v2;', 'v1;k2=v2']]);
  assert.deepEqual((await q(`${text} | parse kind=regex flags=U s with @'(k\\d)=' key ';' *`)).rows, [['k1=v1;k2=v2;', 'v1']]);
  const typed = await q(`print s='x=42 y=2020-01-02' | parse kind=regex s with 'x=' x:long ' y=' y:datetime`);
  assert.deepEqual(typed.rows, [['x=42 y=2020-01-02', 42, '2020-01-02T00:00:00.0000000Z']]);
});

test('parse: datetime columns accept the invariant formats', async () => {
  const r = await q(`print s='lockTime=02/17/2016 08:40:01, x' | parse s with 'lockTime=' t:datetime ',' *`);
  assert.deepEqual(r.rows[0]![1], '2016-02-17T08:40:01.0000000Z');
});

// ---------------------------------------------------------------- make-series

const SERIES = `let T = datatable(t:datetime, k:string, v:long)[
  datetime(2020-01-01 01:00), 'a', 1, datetime(2020-01-01 02:30), 'a', 2,
  datetime(2020-01-01 02:40), 'b', 5, datetime(2020-01-01 05:00), 'a', 7];`;
const H = (h: number) => `2020-01-01T0${h}:00:00.0000000Z`;

test('make-series: by columns first, defaults in empty bins, `to` exclusive', async () => {
  const r = await q(`${SERIES} T | make-series n=count(), s=sum(v) default=-1 on t from datetime(2020-01-01) to datetime(2020-01-01 04:00) step 1h by k`);
  assert.deepEqual(r.columns, ['k:string', 'n:dynamic', 's:dynamic', 't:dynamic']);
  const axis = [H(0), H(1), H(2), H(3)];
  assert.deepEqual(sorted(r.rows), [['a', [0, 1, 1, 0], [-1, 1, 2, -1], axis], ['b', [0, 0, 1, 0], [-1, -1, 5, -1], axis]]);
});

test('make-series: without from/to the range covers the data', async () => {
  const r = await q(`${SERIES} T | make-series avg(v) on t step 1h`);
  assert.deepEqual(r.columns, ['avg_v:dynamic', 't:dynamic']);
  assert.deepEqual(r.rows, [[[1, 3.5, 0, 0, 7], [H(1), H(2), H(3), H(4), H(5)]]]);
});

test('make-series: in range() bins with bin() and includes the stop', async () => {
  const r = await q(`${SERIES} T | make-series m=max(v) * 2 default=long(null) on t in range(datetime(2020-01-01 01:30), datetime(2020-01-01 03:00), 1h)`);
  assert.deepEqual(r.rows, [[[2, 10, null], [H(1), H(2), H(3)]]]);
});

test('make-series: empty input gives no rows, unless kind=nonempty', async () => {
  assert.equal((await q(`${SERIES} T | take 0 | make-series c=count() on t from datetime(2020-01-01) to datetime(2020-01-01 02:00) step 1h`)).rows.length, 0);
  const r = await q(`${SERIES} T | take 0 | make-series kind=nonempty c=count() default=3 on t from datetime(2020-01-01) to datetime(2020-01-01 02:00) step 1h`);
  assert.deepEqual(r.rows, [[[3, 3], [H(0), H(1)]]]);
});

test('make-series: a numeric axis', async () => {
  const r = await q(`range x from 1 to 10 step 1 | make-series c=count() on x from 0 to 10 step 3`);
  assert.deepEqual(r.rows, [[[2, 3, 3, 2], [0, 3, 6, 9]]]);
});

// ---------------------------------------------------------------- top-nested

test('top-nested: two columns per level, nested top N', async () => {
  const r = await q(`datatable(id:string, ts:datetime, info:string)[
      'Barak', datetime(2015-01-01), '1', 'Barak', datetime(2016-01-01), '2', 'Barak', datetime(2017-01-20), '3',
      'Donald', datetime(2017-01-20), '4', 'Donald', datetime(2017-01-18), '5', 'Donald', datetime(2017-01-19), '6']
    | top-nested of id by Ignore0=max(1), top-nested 2 of ts by Ignore1=max(ts), top-nested of info by Ignore2=max(1)
    | project-away Ignore0, Ignore1, Ignore2`);
  assert.deepEqual(r.columns, ['id:string', 'ts:datetime', 'info:string']);
  assert.deepEqual(sorted(r.rows), [
    ['Barak', '2016-01-01T00:00:00.0000000Z', '2'], ['Barak', '2017-01-20T00:00:00.0000000Z', '3'],
    ['Donald', '2017-01-19T00:00:00.0000000Z', '6'], ['Donald', '2017-01-20T00:00:00.0000000Z', '4'],
  ]);
});

test('top-nested: asc, expressions over aggregates, and with others', async () => {
  const asc = await q(`${SERIES} T | top-nested of k by c=count() asc`);
  assert.deepEqual(asc.rows, [['b', 1], ['a', 3]]);
  const expr = await q(`${SERIES} T | top-nested 1 of k by twice=count() * 2`);
  assert.deepEqual(expr.rows, [['a', 6]]);
  const others = await q(`${SERIES} T | top-nested 1 of k with others='rest' by sum(v), top-nested 1 of bin(t, 1h) by count()`);
  assert.deepEqual(others.columns, ['k:string', 'aggregated_k:long', 't:datetime', 'aggregated_t:long']);
  assert.deepEqual(others.rows, [['a', 10, H(1), 1], ['rest', 5, null, null]]);
  // An others label on a deeper level only: the rows left out above still show up there.
  const deep = await q(`${SERIES} T | top-nested 1 of k by sum(v), top-nested 1 of v with others=-1 by max(v)`);
  assert.deepEqual(deep.rows, [['a', 10, 7, 7], ['a', 10, -1, 2], ['', null, -1, 5]]);
});

// ---------------------------------------------------------------- evaluate

test('bag_unpack: one column per slot, sorted, typed by the values', async () => {
  const r = await q(`datatable(d:dynamic)[dynamic({"Name":"John","Age":20}), dynamic({"Name":"Dave","Height":1.8,"Age":40}), dynamic(null)]
    | evaluate bag_unpack(d)`);
  assert.deepEqual(r.columns, ['Age:long', 'Height:real', 'Name:string']);
  assert.deepEqual(r.rows, [[20, null, 'John'], [40, 1.8, 'Dave'], [null, null, '']]);
  const mixed = await q(`datatable(d:dynamic)[dynamic({"x":1}), dynamic({"x":"s"})] | evaluate bag_unpack(d)`);
  assert.deepEqual(mixed.columns, ['x:dynamic']);
});

test('bag_unpack: prefix and column conflicts', async () => {
  const p = await q(`datatable(d:dynamic)[dynamic({"Name":"John","Age":20})] | evaluate bag_unpack(d, 'P_')`);
  assert.deepEqual(p.columns, ['P_Age:long', 'P_Name:string']);
  const data = `datatable(Name:string, d:dynamic)['James', dynamic({"Name":"John","Age":20})]`;
  const keep = await q(`${data} | evaluate bag_unpack(d, columnsConflict='keep_source')`);
  assert.deepEqual(keep.columns, ['Name:string', 'Age:long']);
  assert.deepEqual(keep.rows, [['James', 20]]);
  const replace = await q(`${data} | evaluate bag_unpack(d, columnsConflict='replace_source')`);
  assert.deepEqual(replace.columns, ['Age:long', 'Name:string']);
  assert.deepEqual(replace.rows, [[20, 'John']]);
  await assert.rejects(q(`${data} | evaluate bag_unpack(d)`), /already exists/);
});

test('bag_unpack: a query-given output schema', async () => {
  const r = await q(`datatable(d:dynamic, Description:string)[dynamic({"Name":"John","Age":20,"h":1}), "Student"]
    | evaluate bag_unpack(d) : (*, Name:string, Age:long)`);
  assert.deepEqual(r.columns, ['Description:string', 'Name:string', 'Age:long']);
  assert.deepEqual(r.rows, [['Student', 'John', 20]]);
});

test('pivot: count by default, an aggregate, group columns', async () => {
  const data = `datatable(State:string, EventType:string, Deaths:long)[
    'AL','Wind',1, 'AL','Wind',2, 'AK','Wind',5, 'AL','Rain',3]`;
  const c = await q(`${data} | project State, EventType | evaluate pivot(State)`);
  assert.deepEqual(c.columns, ['EventType:string', 'AL:long', 'AK:long']);
  assert.deepEqual(c.rows, [['Wind', 2, 1], ['Rain', 1, 0]]);
  const s = await q(`${data} | evaluate pivot(State, sum(Deaths), EventType)`);
  assert.deepEqual(s.rows, [['Wind', 3, 5], ['Rain', 3, 0]]);
});

test('evaluate: other plugins are reported as unsupported', async () => {
  await assert.rejects(q(`range x from 1 to 3 step 1 | evaluate python(typeof(*), 'result = df')`), (e: { diagnostic?: { code: string } }) => e.diagnostic?.code === 'EW103');
});

// ---------------------------------------------------------------- mv-apply

test('mv-apply: the subquery runs per row over its expanded items', async () => {
  const data = `datatable(index:int, Arr:dynamic)[0, dynamic([1, 5, 3]), 1, dynamic([10, 2, 5, 7])]`;
  const top = await q(`${data} | mv-apply topElem=Arr to typeof(long) on (top 1 by topElem)`);
  assert.deepEqual(top.columns, ['index:int', 'Arr:dynamic', 'topElem:long']);
  assert.deepEqual(sorted(top.rows), [[0, [1, 5, 3], 5], [1, [10, 2, 5, 7], 10]]);
  const idx = await q(`${data} | mv-apply with_itemindex=i v=Arr to typeof(long) on (where i >= 2)`);
  assert.deepEqual(idx.columns, ['index:int', 'Arr:dynamic', 'v:long', 'i:long']);
  assert.deepEqual(sorted(idx.rows), [[0, [1, 5, 3], 3, 2], [1, [10, 2, 5, 7], 5, 2], [1, [10, 2, 5, 7], 7, 3]]);
});

test('mv-apply: columns the subquery drops come back from the row; empty results drop it', async () => {
  const r = await q(`datatable(Val:int, Arr1:dynamic, Arr2:dynamic)[
      1, dynamic(['A1', 'A2', 'A3']), dynamic([10, 30, 7]),
      3, dynamic(['C1', 'C2', 'C3', 'C4']), dynamic([6, 40, 20, 8]),
      4, dynamic([]), dynamic([])]
    | mv-apply NewArr1=Arr1, NewArr2=Arr2 to typeof(long) on (
        top 2 by NewArr2 | summarize NewArr1=make_list(NewArr1), NewArr2=make_list(NewArr2))`);
  assert.deepEqual(r.columns, ['Val:int', 'Arr1:dynamic', 'Arr2:dynamic', 'NewArr1:dynamic', 'NewArr2:dynamic']);
  // summarize without `by` gives one row even for the empty expansion of Val=4.
  assert.deepEqual(sorted(r.rows), [
    [1, ['A1', 'A2', 'A3'], [10, 30, 7], ['A2', 'A1'], [30, 10]],
    [3, ['C1', 'C2', 'C3', 'C4'], [6, 40, 20, 8], ['C2', 'C3'], [40, 20]],
    [4, [], [], [], []],
  ]);
  const none = await q(`datatable(k:string, a:dynamic)['x', dynamic([1, 2]), 'y', dynamic([])] | mv-apply a to typeof(long) limit 1 on (extend b = a * 2)`);
  assert.deepEqual(none.rows, [['x', 1, 2]]);
});

// ---------------------------------------------------------------- scan

test('scan: cumulative sums read the step state, with a reset condition', async () => {
  const sum = await q(`range x from 1 to 5 step 1 | scan declare (cumulative_x:long=0) with (step s1: true => cumulative_x = x + s1.cumulative_x;)`);
  assert.deepEqual(sum.rows, [[1, 1], [2, 3], [3, 6], [4, 10], [5, 15]]);
  const reset = await q(`range x from 1 to 5 step 1 | extend y = 2 * x
    | scan declare (cx:long=0, cy:long=0) with (
        step s1: true => cx = iff(s1.cx >= 10, x, x + s1.cx), cy = iff(s1.cy >= 10, y, y + s1.cy);)`);
  assert.deepEqual(reset.rows, [[1, 2, 1, 2], [2, 4, 3, 6], [3, 6, 6, 12], [4, 8, 10, 8], [5, 10, 5, 18]]);
});

test('scan: sequences move through the steps and get match ids', async () => {
  const r = await q(`datatable(Ts:timespan, Event:string)[0m,'A', 1m,'Start', 2m,'B', 3m,'D', 4m,'Stop', 6m,'C', 8m,'Start', 11m,'E', 12m,'Stop']
    | sort by Ts asc
    | scan with_match_id=m_id with (
        step s1: Event == 'Start';
        step s2: Event != 'Start' and Event != 'Stop' and Ts - s1.Ts <= 5m;
        step s3: Event == 'Stop' and Ts - s1.Ts <= 5m;)`);
  assert.deepEqual(r.columns, ['Ts:timespan', 'Event:string', 'm_id:long']);
  assert.deepEqual(r.rows, [
    ['00:01:00', 'Start', 0], ['00:02:00', 'B', 0], ['00:03:00', 'D', 0], ['00:04:00', 'Stop', 0],
    ['00:08:00', 'Start', 1], ['00:11:00', 'E', 1], ['00:12:00', 'Stop', 1],
  ]);
});

test('scan: output=none advances a sequence silently (session tagging)', async () => {
  const r = await q(`datatable(Ts:timespan, Event:string)[0m,'A', 1m,'A', 2m,'B', 3m,'D', 32m,'B', 36m,'C', 38m,'D', 41m,'E', 75m,'A']
    | sort by Ts asc
    | scan with_match_id=session_id declare (sessionStart: timespan) with (
        step inSession: true => sessionStart = iff(isnull(inSession.sessionStart), Ts, inSession.sessionStart);
        step endSession output=none: Ts - inSession.sessionStart > 30m;)`);
  assert.deepEqual(r.rows.map((x) => [x[2], x[3]]), [
    ['00:00:00', 0], ['00:00:00', 0], ['00:00:00', 0], ['00:00:00', 0],
    ['00:32:00', 1], ['00:32:00', 1], ['00:32:00', 1], ['00:32:00', 1], ['01:15:00', 2],
  ]);
});

test('scan: output=last keeps only the last of consecutive matches of a step', async () => {
  const r = await q(`range x from 1 to 5 step 1 | scan with (step s1 output=last: x < 3; step s2: x >= 4;)`);
  assert.deepEqual(r.rows, [[2], [4], [5]]);
});

// ---------------------------------------------------------------- partition

test('partition: the subquery runs per key over that key\'s rows', async () => {
  const r = await q(`datatable(Timestamp:datetime, userID:int, EventType:string)[
      datetime(2024-05-28 08:15:23), 1, 'login', datetime(2024-05-28 08:30:15), 2, 'login',
      datetime(2024-05-28 12:30:45), 1, 'logout', datetime(2024-05-28 11:45:32), 2, 'logout']
    | partition hint.strategy=native by userID (
        sort by Timestamp asc
        | scan declare (start:datetime, end:datetime, d:timespan) with (
            step s1 output=none: EventType == 'login' => start = Timestamp;
            step s2: EventType == 'logout' => start = s1.start, end = Timestamp, d = Timestamp - s1.start;))
    | project userID, d`);
  assert.deepEqual(sorted(r.rows), [[1, '04:15:22'], [2, '03:15:17']]);
  const top = await q(`datatable(k:string, v:long)['a',1, 'b',5, 'a',3, 'b',2] | partition by k (top 1 by v)`);
  assert.deepEqual(sorted(top.rows), [['a', 3], ['b', 5]]);
});

test('partition: the { } form reads the key with toscalar()', async () => {
  const r = await q(`let L = datatable(a:long)[1, 2];
    datatable(p:string)['x', 'y', 'x'] | partition by p { L | extend key = toscalar(p) }`);
  assert.deepEqual(sorted(r.rows), [[1, 'x'], [1, 'y'], [2, 'x'], [2, 'y']]);
});

// ---------------------------------------------------------------- search

test('search: unscoped over let views, tagged with $table', async () => {
  const r = await q(`let Range10 = view () { range MyColumn from 1 to 10 step 1 };
    let Range20 = view () { range MyColumn from 1 to 20 step 1 };
    search MyColumn == 5`);
  assert.deepEqual(r.columns, ['$table:string', 'MyColumn:long']);
  assert.deepEqual(sorted(r.rows), [['Range10', 5], ['Range20', 5]]);
});

test('search: terms over every column, wildcards, column:term, case sensitivity', async () => {
  const AB = `let A = datatable(s:string, n:long)['Hello world', 1, 'foo bar', 2]; let B = datatable(t:string)['worldwide', 'x'];`;
  const w = await q(`${AB} search in (A, B) "world*"`);
  assert.deepEqual(w.columns, ['$table:string', 's:string', 'n:long', 't:string']);
  assert.deepEqual(sorted(w.rows), [['A', 'Hello world', 1, ''], ['B', '', null, 'worldwide']]);
  assert.deepEqual((await q(`${AB} A | search "wor"`)).rows, []);
  assert.deepEqual((await q(`${AB} A | search "*orl*"`)).rows, [['A', 'Hello world', 1]]);
  assert.deepEqual((await q(`${AB} A | search "h*o w*d"`)).rows, [['A', 'Hello world', 1]]);
  assert.deepEqual((await q(`${AB} A | search s:"bar" or n == 1`)).rows.length, 2);
  assert.deepEqual((await q(`${AB} A | search kind=case_sensitive "hello"`)).rows, []);
  assert.deepEqual((await q(`${AB} A | search "hello"`)).rows, [['A', 'Hello world', 1]]);
  assert.deepEqual((await q(`${AB} A | search * has "bar"`)).rows, [['A', 'foo bar', 2]]);
});

// ---------------------------------------------------------------- reduce

test('reduce: values without frequent terms all fall in "others"', async () => {
  const r = await q(`range x from 1 to 10 step 1 | project str = strcat("foo", "Z", tostring(x)) | reduce by str`);
  assert.deepEqual(r.columns, ['Pattern:string', 'Count:long', 'Representative:string']);
  assert.deepEqual(r.rows, [['others', 10, '']]);
});

test('reduce: frequent terms make a pattern; kind=source labels each row', async () => {
  const r = await q(`range x from 1 to 10 step 1 | project str = strcat("San ", tostring(x)) | reduce by str`);
  assert.deepEqual(r.rows, [['San *', 10, 'San 1']]);
  const mixed = await q(`datatable(s:string)['a b c', 'a x c', 'a y c', 'q r', 'z'] | reduce by s with threshold=0.3`);
  assert.deepEqual(mixed.rows, [['a * c', 3, 'a b c'], ['others', 2, '']]);
  const src = await q(`datatable(s:string)['a b', 'a c', 'z'] | reduce kind=source by s with threshold=0.5`);
  assert.deepEqual(src.rows, [['a b', 'a *', 2, 'a b'], ['a c', 'a *', 2, 'a b'], ['z', 'others', 1, '']]);
});

// ---------------------------------------------------------------- graphs

const CHILD_OF = `datatable(child:string, parent:string)[
  'Alice','Bob', 'Carol','Alice', 'Carol','Dave', 'Greg','Alice', 'Greg','Dave',
  'Howard','Alice', 'Howard','Dave', 'Eve','Frank', 'Frank','Mallory', 'Eve','Kirk']`;

test('graph-mark-components: weakly connected components of the nodes', async () => {
  const r = await q(`${CHILD_OF} | make-graph child --> parent with_node_id=name
    | graph-mark-components with_component_id = family | graph-to-table nodes`);
  assert.deepEqual(r.columns, ['name:string', 'family:long']);
  assert.deepEqual(r.rows, [['Alice', 0], ['Bob', 0], ['Carol', 0], ['Dave', 0], ['Greg', 0], ['Howard', 0], ['Eve', 1], ['Frank', 1], ['Mallory', 1], ['Kirk', 1]]);
  const strong = await q(`datatable(a:string, b:string)['x','y', 'y','x', 'y','z']
    | make-graph a --> b with_node_id=n | graph-mark-components kind=strong | graph-to-table nodes`);
  assert.deepEqual(strong.rows, [['x', 0], ['y', 0], ['z', 1]]);
});

test('graph-to-table: edges with their endpoints and node tables', async () => {
  const r = await q(`let nodes = datatable(name:string, age:long)['Alice', 23, 'Bob', 31];
    datatable(source:string, destination:string, rel:string)['Alice','Bob','knows', 'Bob','Trent','trusts']
    | make-graph source --> destination with nodes on name
    | graph-to-table edges with_source_id=S with_target_id=T`);
  assert.deepEqual(r.columns, ['S:long', 'T:long', 'source:string', 'destination:string', 'rel:string']);
  const [e1, e2] = r.rows;
  assert.equal(e1![1], e2![0]); // Bob is one node
  assert.notEqual(e1![0], e1![1]);
  const n = await q(`let nodes = datatable(name:string, age:long)['Alice', 23, 'Bob', 31];
    datatable(source:string, destination:string)['Alice','Bob', 'Bob','Trent']
    | make-graph source --> destination with nodes on name | graph-to-table nodes`);
  // Trent has no node row: a node with empty properties.
  assert.deepEqual(n.rows, [['Alice', 23], ['Bob', 31], ['', null]]);
});
