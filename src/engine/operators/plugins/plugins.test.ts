import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileQuery } from '../../../kql/index.js';
import { scalarFunction } from '../../functions/registry.js';
import { createContext } from '../../run.js';
import { plugin } from './registry.js';
import type { Evaluate } from './types.js';
import { q, sorted } from '../testing.js';

const day = (d: string) => `${d}T00:00:00.0000000Z`;

async function rejectsWith(text: string, code: string): Promise<void> {
  await assert.rejects(q(text), (e: { diagnostic?: { code: string } }) => e.diagnostic?.code === code);
}

// ---------------------------------------------------------------- registry

test('evaluate: unknown plugins are unsupported, plugins reaching out are refused', async () => {
  await rejectsWith(`range x from 1 to 3 step 1 | evaluate python(typeof(*), 'result = df')`, 'EW103');
  await rejectsWith(`range x from 1 to 3 step 1 | evaluate http_request('https://example.com')`, 'EW104');
  assert.ok(plugin('BAG_UNPACK'), 'plugin names are case-insensitive');
});

// ---------------------------------------------------------------- activity plugins

const USERS = `let Users = datatable(Timestamp:datetime, user:long)[
  datetime(2019-11-01),0, datetime(2019-11-01),2, datetime(2019-11-01),3, datetime(2019-11-01),4,
  datetime(2019-11-02),0, datetime(2019-11-02),1, datetime(2019-11-02),3, datetime(2019-11-02),4, datetime(2019-11-02),5,
  datetime(2019-11-03),0, datetime(2019-11-03),2, datetime(2019-11-03),4, datetime(2019-11-03),5,
  datetime(2019-11-04),0, datetime(2019-11-04),1, datetime(2019-11-04),2, datetime(2019-11-04),3,
  datetime(2019-11-05),0, datetime(2019-11-05),1, datetime(2019-11-05),2, datetime(2019-11-05),3, datetime(2019-11-05),4];`;

test('activity_counts_metrics: counts, distinct, new and running distinct ids per period', async () => {
  // oracle activity-counts-metrics-plugin-00
  const r = await q(`let T = datatable(UserId:string, Timestamp:datetime)[
    'A', datetime(2017-08-01), 'D', datetime(2017-08-01), 'J', datetime(2017-08-01), 'B', datetime(2017-08-01),
    'C', datetime(2017-08-02), 'T', datetime(2017-08-02), 'J', datetime(2017-08-02),
    'H', datetime(2017-08-03), 'T', datetime(2017-08-03), 'T', datetime(2017-08-03), 'J', datetime(2017-08-03),
    'B', datetime(2017-08-03), 'S', datetime(2017-08-03), 'S', datetime(2017-08-04)];
    T | evaluate activity_counts_metrics(UserId, Timestamp, datetime(2017-08-01), datetime(2017-08-04), 1d)`);
  assert.deepEqual(r.columns, ['Timestamp:datetime', 'count:long', 'dcount:long', 'new_dcount:long', 'aggregated_dcount:long']);
  assert.deepEqual(r.rows, [
    [day('2017-08-01'), 4, 4, 4, 4], [day('2017-08-02'), 3, 3, 2, 6],
    [day('2017-08-03'), 6, 5, 2, 8], [day('2017-08-04'), 1, 1, 0, 8],
  ]);
});

test('activity_metrics: retention and churn against the period before', async () => {
  const r = await q(`${USERS} Users | evaluate activity_metrics(user, Timestamp, datetime(2019-11-01), datetime(2019-11-05), 1d)`);
  assert.deepEqual(r.columns, ['Timestamp:datetime', 'dcount_values:long', 'dcount_newvalues:long', 'retention_rate:real', 'churn_rate:real']);
  // The first period has no period before: NaN rates (as Kusto's docs show).
  assert.deepEqual(r.rows[0], [day('2019-11-01'), 4, 4, 'NaN', 'NaN']);
  // 11-02 {0,1,3,4,5} after {0,2,3,4}: 3 of 4 returned, 2 new.
  assert.deepEqual(r.rows[1], [day('2019-11-02'), 5, 2, 0.75, 0.25]);
  assert.equal(r.rows.length, 5);
});

test('activity_engagement: inner-window ids over the outer window ending with it, by dimension', async () => {
  const r = await q(`${USERS} Users | extend parity = user % 2
    | evaluate activity_engagement(user, Timestamp, datetime(2019-11-01), datetime(2019-11-05), 1d, 2d, parity)`);
  assert.deepEqual(r.columns, ['Timestamp:datetime', 'parity:long', 'dcount_activities_inner:long', 'dcount_activities_outer:long', 'activity_ratio:real']);
  const even = r.rows.filter((x) => x[1] === 0);
  // Even users: 11-01 {0,2,4}; 11-02 {0,4}, outer 11-01..11-02 {0,2,4}.
  assert.deepEqual(even.slice(0, 2), [[day('2019-11-01'), 0, 3, 3, 1], [day('2019-11-02'), 0, 2, 3, 2 / 3]]);
  assert.equal(r.rows.length, 10);
});

test('new_activity_metrics: cohorts of new ids against every later period (docs example)', async () => {
  const r = await q(`${USERS} Users | evaluate new_activity_metrics(user, Timestamp, datetime(2019-11-01), datetime(2019-11-07) - 1tick, 1d)
    | where from_Timestamp < datetime(2019-11-03)`);
  assert.deepEqual(r.rows.map((x) => x.slice(2)), [
    [4, 4, 0, 1, 0], [2, 3, 1, 0.75, 0.25], [1, 3, 1, 0.75, 0.25], [1, 3, 1, 0.75, 0.25], [1, 4, 0, 1, 0], [0, 0, 4, 0, 1],
    [2, 2, 0, 1, 0], [0, 1, 1, 0.5, 0.5], [0, 1, 1, 0.5, 0.5], [0, 1, 1, 0.5, 0.5], [0, 0, 2, 0, 1],
  ]);
  assert.deepEqual(r.rows[5]!.slice(0, 2), [day('2019-11-01'), day('2019-11-06')], 'periods without rows are reported');
  // One cohort; ids of the lookback table are not new.
  const c = await q(`${USERS} let lb = datatable(user:long)[0, 2];
    Users | evaluate new_activity_metrics(user, Timestamp, datetime(2019-11-01), datetime(2019-11-02), 1d, datetime(2019-11-01), lb)`);
  assert.deepEqual(c.rows.map((x) => x.slice(2, 5)), [[2, 2, 0], [2, 2, 0]]);
});

test('session_count: a session starts when the id was not seen within the lookback', async () => {
  // As oracle session-count-plugin-01: a gap of exactly the lookback starts a new session.
  const r = await q(`datatable(Id:long, Timeline:long)[1,1, 1,3, 1,5, 2,2, 2,12, 1,9, 3,15]
    | evaluate session_count(Id, Timeline, 1, 20, 10, 4)`);
  assert.deepEqual(r.columns, ['Timeline:long', 'count_sessions:long']);
  assert.deepEqual(r.rows, [[0, 3], [10, 2]]);
});

test('sliding_window_counts: counts and distinct ids over the lookback (docs example)', async () => {
  const r = await q(`let T = datatable(UserId: string, Timestamp: datetime)[
    'Bob', datetime(2017-08-01), 'David', datetime(2017-08-01), 'David', datetime(2017-08-01), 'John', datetime(2017-08-01),
    'Bob', datetime(2017-08-01), 'Ananda', datetime(2017-08-02), 'Atul', datetime(2017-08-02), 'John', datetime(2017-08-02),
    'Ananda', datetime(2017-08-03), 'Atul', datetime(2017-08-03), 'Atul', datetime(2017-08-03), 'John', datetime(2017-08-03),
    'Bob', datetime(2017-08-03), 'Betsy', datetime(2017-08-04), 'Bob', datetime(2017-08-05)];
    T | evaluate sliding_window_counts(UserId, Timestamp, datetime(2017-08-01), datetime(2017-08-07), 3d, 1d)`);
  assert.deepEqual(r.rows.map((x) => x.slice(1)), [[5, 3], [8, 5], [13, 5], [9, 5], [7, 5], [2, 2], [1, 1]]);
});

test('active_users_count: ids seen in enough distinct periods of the lookback (docs example)', async () => {
  const r = await q(`let T = datatable(User:string, Timestamp:datetime)[
    "B", datetime(2018-06-29), "B", datetime(2018-06-30), "A", datetime(2018-07-02), "B", datetime(2018-07-04),
    "B", datetime(2018-07-08), "A", datetime(2018-07-10), "A", datetime(2018-07-14), "A", datetime(2018-07-17),
    "A", datetime(2018-07-20), "B", datetime(2018-07-24)];
    T | evaluate active_users_count(User, Timestamp, datetime(2018-07-01), datetime(2018-07-31), 8d, 1d, 3, 7d)`);
  // Weeks count from Start (a Sunday), and B on 07-08 is not active: 06-30 is exactly 8 days back.
  assert.deepEqual(r.rows, [[day('2018-07-01'), 1], [day('2018-07-15'), 1]]);
});

// ---------------------------------------------------------------- other plugins

test('rolling_percentile: nearest-rank percentile over the last bins (docs example)', async () => {
  const data = `let T = range idx from 0 to 24 * 10 - 1 step 1
    | project Timestamp = datetime(2018-01-01) + 1h * idx, val=idx + 1
    | extend EvenOrOdd = iff(val % 2 == 0, "Even", "Odd");`;
  const r = await q(`${data} T | evaluate rolling_percentile(val, 50, Timestamp, 1d, 3)`);
  assert.deepEqual(r.columns, ['Timestamp:datetime', 'rolling_3_percentile_val_50:long']);
  assert.deepEqual(r.rows.map((x) => x[1]), [12, 24, 36, 60, 84, 108, 132, 156, 180, 204]);
  const d = await q(`${data} T | evaluate rolling_percentile(val, 50, Timestamp, 1d, 3, EvenOrOdd) | where EvenOrOdd == 'Odd'`);
  assert.deepEqual(d.rows.slice(0, 4).map((x) => x[2]), [11, 23, 35, 59]);
});

test('rows_near: rows around the matches, in input order', async () => {
  const data = `datatable(i:long, s:string)[1,'ok', 2,'ok', 3,'ok', 4,'err', 5,'ok', 6,'ok', 7,'ok', 8,'ok', 9,'err']`;
  const r = await q(`${data} | evaluate rows_near(s == 'err', 1)`);
  assert.deepEqual(r.rows.map((x) => x[0]), [3, 4, 5, 8, 9]);
  const after = await q(`${data} | evaluate rows_near(s == 'err', 0, 2)`);
  assert.deepEqual(after.rows.map((x) => x[0]), [4, 5, 6, 9]);
});

test('dcount_intersect: distinct counts of the running intersections (docs example)', async () => {
  const r = await q(`range x from 1 to 100 step 1
    | extend isEven = (x % 2 == 0), isMod3 = (x % 3 == 0), isMod5 = (x % 5 == 0)
    | summarize hll_even = hll(iif(isEven, x, 0), 2), hll_mod3 = hll(iif(isMod3, x, 0), 2), hll_mod5 = hll(iif(isMod5, x, 0), 2)
    | evaluate dcount_intersect(hll_even, hll_mod3, hll_mod5)
    | project s0, s1, s2`);
  assert.deepEqual(r.rows, [[51, 17, 4]]);
});

const IP_DATA = `let IP_Data = datatable(network:string, continent_code:string, continent_name:string, country_iso_code:string, country_name:string)[
  "111.68.128.0/17","AS","Asia","JP","Japan", "5.8.0.0/19","EU","Europe","RU","Russia",
  "223.255.254.0/24","AS","Asia","SG","Singapore", "46.36.200.51/32","OC","Oceania","CK","Cook Islands",
  "2.20.183.0/24","EU","Europe","GB","United Kingdom"];
  let IPs = datatable(ip:string)['2.20.183.12', '5.8.1.2', '192.165.12.17'];`;

test('ipv4_lookup: rows whose network holds the address; return_unmatched keeps the rest', async () => {
  const r = await q(`${IP_DATA} IPs | evaluate ipv4_lookup(IP_Data, ip, network)`);
  assert.deepEqual(r.columns.slice(0, 3), ['ip:string', 'network:string', 'continent_code:string']);
  assert.deepEqual(sorted(r.rows.map((x) => [x[0], x[5]])), [['2.20.183.12', 'United Kingdom'], ['5.8.1.2', 'Russia']]);
  const all = await q(`${IP_DATA} IPs | evaluate ipv4_lookup(IP_Data, ip, network, return_unmatched = true)`);
  assert.deepEqual(all.rows.find((x) => x[0] === '192.165.12.17'), ['192.165.12.17', '', '', '', '', '']);
  // Extra keys must match too, and are not repeated from the lookup table.
  const keyed = await q(`${IP_DATA} datatable(ip:string, country_iso_code:string)['2.20.183.12','GB', '5.8.1.2','XX']
    | evaluate ipv4_lookup(IP_Data, ip, network, country_iso_code)`);
  assert.deepEqual(keyed.columns, ['ip:string', 'country_iso_code:string', 'network:string', 'continent_code:string', 'continent_name:string', 'country_name:string']);
  assert.deepEqual(keyed.rows, [['2.20.183.12', 'GB', '2.20.183.0/24', 'EU', 'Europe', 'United Kingdom']]);
});

test('ipv6_lookup: prefixes of IPv6 networks (docs example)', async () => {
  const r = await q(`let IP_Data = datatable(network:string, country_name:string)[
      "2001:0db8:85a3::/48","United States", "2404:6800:4001::/48","Japan", "2a02:26f0:4001::/48","France"];
    datatable(ip:string)["2001:0db8:85a3:0000:0000:8a2e:0370:7334", "2a02:26f0:4001:0006:0000:8a2e:0370:7334", "a5e:f127:8a9d:146d:e102:b5d3:c755:abcd"]
    | evaluate ipv6_lookup(IP_Data, ip, network, true)`);
  assert.deepEqual(sorted(r.rows.map((x) => [x[0], x[2]])), [
    ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', 'United States'],
    ['2a02:26f0:4001:0006:0000:8a2e:0370:7334', 'France'],
    ['a5e:f127:8a9d:146d:e102:b5d3:c755:abcd', ''],
  ]);
});

test('narrow: one row per cell, values as text', async () => {
  const r = await q(`datatable(a:long, b:string, c:datetime)[1, 'x', datetime(2020-01-02)] | evaluate narrow()`);
  assert.deepEqual(r.columns, ['Row:long', 'Column:string', 'Value:string']);
  assert.deepEqual(r.rows, [[0, 'a', '1'], [0, 'b', 'x'], [0, 'c', '2020-01-02T00:00:00.0000000Z']]);
});

test('schema_merge: columns by their latest ordinal; out-of-order ones are errors unless allowed', async () => {
  // The binder does not know schema_merge, so the plugin is called directly (oracle schema-merge-plugin-00..02).
  const merge = async (second: string, preserve?: boolean) => {
    const plan = compileQuery(`let s1 = datatable(Uri:string, HttpStatus:int)[] | getschema;
      let s2 = datatable(${second})[] | getschema; union s1, s2`, { tables: [] });
    const ctx = createContext({ now: 0, table: () => undefined });
    const tab = { op: 'evaluate', input: plan.result, plugin: 'schema_merge', args: [], schema: [], span: { start: 0, length: 0 } } as Evaluate;
    const named = new Map();
    if (preserve !== undefined) named.set('preserveorder', { kind: 'literal', type: 'bool', value: preserve, span: tab.span });
    const b = await plugin('schema_merge')!.run({ tab, ctx, positional: [], named });
    return Array.from({ length: b.length }, (_, i) => b.columns.map((c) => c[i]));
  };
  assert.deepEqual(await merge('Uri:string, HttpStatus:int, Referrer:string'), [
    ['Uri', 0, 'System.String', 'string'], ['HttpStatus', 1, 'System.Int32', 'int'], ['Referrer', 2, 'System.String', 'string'],
  ]);
  assert.deepEqual(await merge('Uri:string, Referrer:string, HttpStatus:int'), [
    ['Uri', 0, 'System.String', 'string'], ['Referrer', 1, 'System.String', 'string'],
    ['HttpStatus', -1, 'ERROR(unknown CSL type:ERROR(columns are out of order))', 'ERROR(columns are out of order)'],
  ]);
  assert.deepEqual((await merge('Uri:string, Referrer:string, HttpStatus:int', false)).map((r) => r.slice(0, 2)), [
    ['Uri', 0], ['Referrer', 1], ['HttpStatus', 2],
  ]);
});

const STORMS = `let S = datatable(StartTime:datetime, EventType:string, State:string, EpisodeId:long)[
  datetime(2007-05-08), 'Excessive Heat', 'CALIFORNIA', 1, datetime(2007-05-08 16:02), 'Wildfire', 'CALIFORNIA', 1,
  datetime(2007-05-10 11:30), 'Wildfire', 'CALIFORNIA', 1, datetime(2007-05-20), 'Wildfire', 'CALIFORNIA', 1,
  datetime(2007-07-23 12:00), 'Excessive Heat', 'SOUTH DAKOTA', 2, datetime(2007-07-23 13:00), 'Hail', 'SOUTH DAKOTA', 2,
  datetime(2007-07-27 09:00), 'Wildfire', 'SOUTH DAKOTA', 2, datetime(2007-07-28 09:00), 'Hail', 'SOUTH DAKOTA', 2];`;

test('sequence_detect: every run of the steps within the step and span limits', async () => {
  const r = await q(`${STORMS} S | evaluate sequence_detect(StartTime, 5d, 5d, heat=(EventType == "Excessive Heat"), wildfire=(EventType == 'Wildfire'), State)`);
  assert.deepEqual(r.columns, ['State:string', 'heat_StartTime:datetime', 'wildfire_StartTime:datetime', 'Duration:timespan']);
  assert.deepEqual(r.rows, [
    ['CALIFORNIA', day('2007-05-08'), '2007-05-08T16:02:00.0000000Z', '16:02:00'],
    ['CALIFORNIA', day('2007-05-08'), '2007-05-10T11:30:00.0000000Z', '2.11:30:00'],
    ['SOUTH DAKOTA', '2007-07-23T12:00:00.0000000Z', '2007-07-27T09:00:00.0000000Z', '3.21:00:00'],
  ]);
});

test('funnel_sequence: states before and after the sequence, with distinct ids', async () => {
  const r = await q(`${STORMS} S | evaluate funnel_sequence(EpisodeId, StartTime, datetime(2007-01-01), datetime(2008-01-01), 10d, 365d, EventType, dynamic(['Wildfire']))`);
  assert.deepEqual(r.columns, ['StartTime:datetime', 'prev:string', 'next:string', 'dcount:long', 'samples:dynamic']);
  assert.deepEqual(sorted(r.rows.map((x) => x.slice(1))), [
    ['Excessive Heat', 'Wildfire', 1, [1]], ['Hail', 'Hail', 1, [2]], ['Wildfire', '', 1, [1]], ['Wildfire', 'Wildfire', 1, [1]],
  ]);
});

test('funnel_sequence_completion: ids reaching each step within each period', async () => {
  const r = await q(`${STORMS} S | evaluate funnel_sequence_completion(EpisodeId, StartTime, datetime(2007-01-01), datetime(2008-01-01), 365d,
    EventType, dynamic(['Excessive Heat', 'Wildfire', 'Hail']), dynamic([1d, 7d]))`);
  assert.deepEqual(r.columns, ['StartTime:datetime', 'EventType:string', 'Period:timespan', 'dcount:long']);
  assert.deepEqual(r.rows.map((x) => x.slice(1)), [
    ['Excessive Heat', '1.00:00:00', 2], ['Wildfire', '1.00:00:00', 1], ['Hail', '1.00:00:00', 0],
    ['Excessive Heat', '7.00:00:00', 2], ['Wildfire', '7.00:00:00', 2], ['Hail', '7.00:00:00', 1],
  ]);
});

// ---------------------------------------------------------------- pattern mining

const EVENTS = `range i from 1 to 100 step 1
  | extend State = iff(i <= 60, 'TX', 'IA'), Kind = iff(i % 2 == 0, 'Hail', 'Wind'), Damage = iff(i <= 60 and i % 2 == 0, 'YES', 'NO')
  | project-away i`;

test('basket: closed frequent patterns above the threshold', async () => {
  const r = await q(`${EVENTS} | evaluate basket(0.3)`);
  assert.deepEqual(r.columns, ['SegmentId:long', 'Count:long', 'Percent:real', 'State:string', 'Kind:string', 'Damage:string']);
  const patterns = sorted(r.rows.map((x) => x.slice(1)));
  // TX+Hail always has YES: only the closed pattern {TX, Hail, YES} shows (30 rows).
  assert.ok(patterns.some((p) => JSON.stringify(p) === JSON.stringify([30, 30, 'TX', 'Hail', 'YES'])));
  assert.ok(!patterns.some((p) => JSON.stringify(p) === JSON.stringify([30, 30, 'TX', 'Hail', ''])));
  assert.ok(patterns.every((p) => (p[0] as number) >= 30));
  const custom = await q(`${EVENTS} | evaluate basket(0.5, '~', '~', '*')`);
  assert.ok(custom.rows.every((x) => x.slice(3).includes('*') || x.slice(3).every((v) => v !== '')));
});

test('autocluster: a few patterns covering most rows, wildcards for free columns', async () => {
  const r = await q(`${EVENTS} | evaluate autocluster()`);
  assert.ok(r.rows.length >= 1 && r.rows.length <= 25);
  const covered = r.rows.reduce((n, x) => n + (x[1] as number), 0);
  assert.ok(covered >= 50, `patterns cover ${covered} of 100 rows`);
});

test('diffpatterns: patterns whose share differs between the two sets', async () => {
  const r = await q(`${EVENTS} | evaluate diffpatterns(Damage, 'YES', 'NO')`);
  assert.deepEqual(r.columns, ['SegmentId:long', 'CountA:long', 'CountB:long', 'PercentA:real', 'PercentB:real', 'PercentDiffAB:real', 'State:string', 'Kind:string']);
  // Every YES row is a TX Hail row; no NO row is.
  assert.deepEqual(r.rows[0], [0, 30, 0, 100, 0, 100, 'TX', 'Hail']);
  for (const x of r.rows) assert.ok((x[5] as number) >= 5);
});

// ---------------------------------------------------------------- geo lookups

const geo = scalarFunction('geo_point_in_polygon') && scalarFunction('geo_distance_point_to_line');

test('geo_polygon_lookup and geo_line_lookup: locations matched to shapes', { skip: !geo && 'geo functions not registered yet' }, async () => {
  const r = await q(`let polygons = datatable(polygon_name:string, polygon:dynamic)[
      "New York", dynamic({"type":"Polygon", "coordinates":[[[-73.97375470114766,40.74300078124614],[-73.98653921014294,40.75486501361894],[-73.99910622331991,40.74112695466084],[-73.97375470114766,40.74300078124614]]]})];
    datatable(location_name:string, longitude:real, latitude:real)["Empire State Building", -73.98567337898565, 40.74842629977377, "Statue of Liberty", -74.04462223203123, 40.689195627512674]
    | evaluate geo_polygon_lookup(polygons, polygon, longitude, latitude, return_unmatched = true)`);
  assert.deepEqual(r.columns, ['location_name:string', 'longitude:real', 'latitude:real', 'polygon_name:string']);
  assert.deepEqual(sorted(r.rows.map((x) => [x[0], x[3]])), [['Empire State Building', 'New York'], ['Statue of Liberty', '']]);
  const l = await q(`let roads = datatable(road_name:string, road:dynamic)[
      "5th Avenue NY", dynamic({"type":"LineString","coordinates":[[-73.97291864770574,40.76428551254824],[-73.99708638113894,40.73145135821781]]})];
    datatable(location_name:string, longitude:real, latitude:real)["Empire State Building", -73.98567337898565, 40.74842629977377, "Grand Central Terminal", -73.97713140725149, 40.752730320824895]
    | evaluate geo_line_lookup(roads, road, longitude, latitude, 100)`);
  assert.deepEqual(l.rows.map((x) => x[0]), ['Empire State Building']);
});
