import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { SHARED } from '../../../test/conformance/oracle.js';
import { compileFor, loadData, runPlan } from '../../engine/query.js';
import { ExfilwatchError } from '../../diagnostics/facts.js';
import { defenderTables, findTable } from '../../schema/index.js';
import { type DataFile, discoverFiles, newStats } from '../index.js';
import type { ReadStats } from '../reader.js';
import { claimsZeekConn } from './detect.js';
import { ipType } from '../../schema/ip-type.js';
import { CONN_TO_NETWORK_EVENTS, toNetworkEvent } from './mapping.js';
import { epochToIso } from './read.js';
import { zeekReader } from './zeek.js';

const CORPUS = path.join(SHARED, 'corpus/formats/zeek');

function dataFile(p: string): DataFile {
  return { path: p, reader: 'zeek', gzip: p.endsWith('.gz'), table: 'DeviceNetworkEvents', routed: false };
}

async function read(p: string, stats: ReadStats = newStats()) {
  const out: { rec: Record<string, unknown>; table?: string; line?: number }[] = [];
  for await (const r of zeekReader.read(dataFile(p), stats)) out.push(r);
  return { recs: out.map((r) => r.rec), out, stats };
}

function tmp(name: string, body: string | Buffer): string {
  const d = mkdtempSync(path.join(tmpdir(), 'exfilwatch-zeek-'));
  writeFileSync(path.join(d, name), body);
  return path.join(d, name);
}

const extra = (r: Record<string, unknown>) => r.AdditionalFields as Record<string, unknown>;

test('every corpus conn.log loads with the row count its README gives, nothing skipped', async () => {
  const counts: Record<string, number> = {
    'conn.zeek-cut-testdata.log': 5,
    'conn-tsv.zeek-cut-testdata.log': 5,
    'conn.teredo.btest-baseline.log': 21,
    'conn.zeek-docs-tls-decryption.log': 1,
    'conn.zeek-docs.json.log': 3,
  };
  const files = await discoverFiles([CORPUS]);
  assert.deepEqual(files.map((f) => [path.basename(f.path), f.reader]).sort(), Object.keys(counts).sort().map((n) => [n, 'zeek']),
    'the README, the baseline .txt and the license are not claimed');
  for (const [name, n] of Object.entries(counts)) {
    const { out, stats } = await read(path.join(CORPUS, name));
    assert.equal(out.length, n, name);
    assert.equal(stats.skipped, 0, name);
    assert.ok(out.every((r) => r.table === 'DeviceNetworkEvents' && r.rec.ActionType === 'ConnectionFlow'), name);
  }
});

test('zeek-cut testdata: UTC timestamps and every other column match zeek-cut -u\'s baseline', async () => {
  const { recs } = await read(path.join(CORPUS, 'conn.zeek-cut-testdata.log'));
  const baseline = readFileSync(path.join(CORPUS, 'conn.zeek-cut-testdata.utc.btest-baseline.txt'), 'utf8')
    .split('\n').filter((l) => l !== '' && !l.startsWith('###')).map((l) => l.split('\t'));
  assert.equal(recs.length, baseline.length);
  recs.forEach((r, i) => {
    const b = baseline[i]!;
    // zeek-cut -u prints whole seconds with +0000; we keep the fraction (7 digits, Kusto's form).
    assert.match(r.Timestamp as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
    assert.equal((r.Timestamp as string).slice(0, 19) + '+0000', b[0]);
    const x = extra(r);
    assert.deepEqual(
      [x.uid, r.LocalIP, r.LocalPort, r.RemoteIP, r.RemotePort, (r.Protocol as string).toLowerCase(), x.service, x.duration, r.SentBytes, r.ReceivedBytes, x.conn_state,
        'local_orig' in x ? x.local_orig : '-', x.missed_bytes, x.history, x.orig_pkts, x.orig_ip_bytes, x.resp_pkts, x.resp_ip_bytes, x.tunnel_parents],
      [b[1], b[2], +b[3]!, b[4], +b[5]!, b[6], b[7], +b[8]!, +b[9]!, +b[10]!, b[11], b[12], +b[13]!, b[14], +b[15]!, +b[16]!, +b[17]!, +b[18]!, []],
      `row ${i + 1}`);
  });
  assert.equal(recs[0]!.Timestamp, '2012-02-21T16:52:55.7361070Z', 'the fraction comes from the digits, not a float');
  assert.equal(recs[0]!.Protocol, 'Tcp');
  assert.equal(recs[0]!.DeviceName, '');
});

test('the header-less zeek-cut TSV gives the same rows as the # header file, but for uids', async () => {
  const a = (await read(path.join(CORPUS, 'conn.zeek-cut-testdata.log'))).recs;
  const b = (await read(path.join(CORPUS, 'conn-tsv.zeek-cut-testdata.log'))).recs;
  const strip = (r: Record<string, unknown>) => ({ ...r, AdditionalFields: { ...extra(r), uid: undefined } });
  const byTime = (x: Record<string, unknown>, y: Record<string, unknown>) => String(x.Timestamp).localeCompare(String(y.Timestamp));
  assert.deepEqual(b.map(strip).sort(byTime), a.map(strip).sort(byTime));
});

test('teredo baseline: sets, unset values, IPv6, icmp, broadcast; masked ts become null Timestamps, counted', async () => {
  const p = path.join(CORPUS, 'conn.teredo.btest-baseline.log');
  const { recs } = await read(p);
  const byUid = new Map(recs.map((r) => [extra(r).uid, r]));
  const icmp6 = byUid.get('C9mvWx3ezztgzcexV7')!;
  assert.deepEqual(extra(icmp6).tunnel_parents, ['Ck51lg1bScffFj34Ri', 'CtPZjS20MLrsMUOJi2']);
  assert.equal(icmp6.Protocol, 'Icmp');
  assert.equal(icmp6.LocalIP, '2001:0:4137:9e50:8000:f12a:b9c8:2815');
  assert.equal(icmp6.LocalIPType, 'Teredo');
  assert.equal(icmp6.RemoteIPType, 'Public');
  assert.equal(extra(icmp6).ip_proto, 58);
  const unset = byUid.get('CwjjYJ2WqgTbAqiHl6')!;
  assert.ok(!('SentBytes' in unset) && !('duration' in extra(unset)), 'unset (-) fields are left out');
  assert.ok(!('tunnel_parents' in extra(unset)));
  const dhcp = byUid.get('C9rXSW3KSpTYvPrlI1')!;
  assert.deepEqual([dhcp.LocalIPType, dhcp.RemoteIPType, dhcp.Protocol, extra(dhcp).service], ['Reserved', 'Broadcast', 'Udp', 'dhcp']);
  assert.equal(byUid.get('C0LAHyvtKSQHyJxIl')!.RemoteIPType, 'Private');
  assert.deepEqual([extra(unset).local_orig, extra(unset).local_resp], [true, false]);

  const data = await loadData(await discoverFiles([p]));
  const b = await runPlan(compileFor('DeviceNetworkEvents | summarize n = count(), t = countif(isnull(Timestamp)), sent = sum(SentBytes)', data), data, 0);
  assert.deepEqual(b.columns.map((c) => c[0]), [21, 21, 790 + 66 + 150 + 123 + 129 + 469 + 2359 + 416 + 4 + 1675]);
  assert.equal(data.stats.coercedToNull.get('DeviceNetworkEvents.Timestamp'), 21);
  assert.equal(data.stats.skipped, 0);
});

test('tls-decryption doc example: multi-valued service stays one string; unset bools left out', async () => {
  const [r] = (await read(path.join(CORPUS, 'conn.zeek-docs-tls-decryption.log'))).recs;
  assert.equal(r!.Timestamp, '2022-03-01T16:03:58.6318340Z');
  assert.equal(extra(r!).service, 'http,ssl');
  assert.deepEqual([r!.SentBytes, r!.ReceivedBytes, r!.RemotePort, r!.LocalIPType, r!.RemoteIPType], [10853, 151695, 443, 'Private', 'Public']);
  assert.ok(!('local_orig' in extra(r!)) && !('local_resp' in extra(r!)));
  assert.equal(extra(r!).tunnel_parents, undefined);
});

test('JSON lines: epoch ts to UTC, native types kept, absent fields stay absent', async () => {
  const { recs } = await read(path.join(CORPUS, 'conn.zeek-docs.json.log'));
  assert.deepEqual(recs.map((r) => r.Timestamp), ['2020-06-05T14:39:59.3059880Z', '2020-06-05T14:39:59.4301660Z', '2004-10-21T12:20:14.4204590Z']);
  assert.deepEqual(recs.map((r) => r.Protocol), ['Udp', 'Tcp', 'unknown_transport']);
  assert.deepEqual([recs[1]!.SentBytes, recs[1]!.ReceivedBytes, extra(recs[1]!).service, extra(recs[1]!).duration], [77, 295, 'http', 0.25411510467529297]);
  const ospf = extra(recs[2]!);
  assert.deepEqual([ospf.local_orig, ospf.local_resp, ospf.ip_proto, 'service' in ospf, 'history' in ospf], [true, false, 89, false, false]);
  assert.equal(recs[2]!.RemoteIPType, 'Reserved', '224.0.0.6 is multicast');
});

test('JSON with ISO timestamps and nested id records; RemoteUrl from merged ssl fields', async () => {
  const p = tmp('conn.json.log', [
    JSON.stringify({ ts: '2026-11-01T10:00:00.123456Z', uid: 'C1', id: { orig_h: '10.0.0.5', orig_p: 50101, resp_h: '198.51.100.10', resp_p: 443 }, proto: 'tcp', orig_bytes: 5, resp_bytes: 6, conn_state: 'SF', server_name: 'g.api.mega.co.nz' }),
    JSON.stringify({ ts: 1793527200, uid: 'C2', 'id.orig_h': '10.0.0.5', 'id.orig_p': 1, 'id.resp_h': '10.0.0.1', 'id.resp_p': 53, proto: 'udp', conn_state: 'S0' }),
  ].join('\n') + '\n');
  const { recs } = await read(p);
  assert.deepEqual(recs.map((r) => [r.Timestamp, r.LocalIP, r.RemotePort, r.RemoteUrl]), [
    ['2026-11-01T10:00:00.123456Z', '10.0.0.5', 443, 'g.api.mega.co.nz'],
    ['2026-11-01T10:00:00.0000000Z', '10.0.0.5', 53, undefined],
  ]);
});

test('ASCII escapes: \\x09 inside a field, UTF-8 bytes, an escaped set separator, a literal "-"', async () => {
  const p = tmp('conn.log', [
    '#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tconn',
    '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\thistory\ttunnel_parents',
    '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tstring\tset[string]',
    '1.5\ta\\x09b\t10.0.0.5\t1\t10.0.0.6\t2\ttcp\tsm\\xc3\\xa9ile\t\\x2d\tx\\x2cy,z',
  ].join('\n') + '\n');
  const [r] = (await read(p)).recs;
  assert.deepEqual([extra(r!).uid, extra(r!).service, extra(r!).history, extra(r!).tunnel_parents], ['a\tb', 'sméile', '-', ['x,y', 'z']]);
  assert.equal(r!.Timestamp, '1970-01-01T00:00:01.5000000Z');
});

test('bad lines are skipped with file:line, the rest still load; --strict stops at the first', async () => {
  const body = [
    '#separator \\x09', '#path\tconn',
    '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\torig_bytes\tresp_bytes',
    '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tcount',
    '1.0\tC1\t10.0.0.5\t1\t10.0.0.6\t443\ttcp\t10\t20',
    '2.0\tC2\t10.0.0.5\t2', // line 6: too few fields
    '{"ts": 3.0, "uid": "C3", "id.orig_h": ', // line 7: broken JSON
    '[1,2]', // line 8: not a record... and not JSON-looking: a field-count mismatch
    '\u0000\u0001garbage\tx', // line 9
    '{"ts": 4.0, "uid": "C4"}', // line 10: no addresses
    '5.0\tC5\t10.0.0.5\t5\t10.0.0.6\t443\ttcp\tnot-a-count\t20', // kept: the value becomes null later, counted
    '#close\t2026-11-01-00-00-00',
  ].join('\n') + '\n';
  const p = tmp('conn.log', body);
  const { recs, stats } = await read(p);
  assert.deepEqual(recs.map((r) => extra(r).uid), ['C1', 'C5']);
  assert.deepEqual(stats.warnings.map((w) => [path.basename(w.file), w.line]), [['conn.log', 6], ['conn.log', 7], ['conn.log', 8], ['conn.log', 9], ['conn.log', 10]]);
  assert.match(stats.warnings[0]!.message, /expected 9 fields as #fields says, found 4/);
  assert.match(stats.warnings[1]!.message, /not valid JSON/);
  assert.match(stats.warnings[4]!.message, /no id\.orig_h/);
  assert.equal(stats.skipped, 5);

  await assert.rejects(read(p, newStats(true)), (e: unknown) => e instanceof ExfilwatchError && e.message.includes(`${p}:6:`));

  const data = await loadData(await discoverFiles([p]));
  const b = await runPlan(compileFor('DeviceNetworkEvents | summarize count(), sum(SentBytes)', data), data, 0);
  assert.deepEqual(b.columns.map((c) => c[0]), [2, 10]);
  assert.equal(data.stats.coercedToNull.get('DeviceNetworkEvents.SentBytes'), 1);
});

test('data before #fields, a non-conn #path, an empty file, a truncated gzip', async () => {
  const early = await read(tmp('conn.log', '#separator \\x09\n1.0\tC1\n'));
  assert.deepEqual([early.recs.length, early.stats.warnings[0]?.line], [0, 2]);
  assert.match(early.stats.warnings[0]!.message, /before the #fields header/);

  const ssl = await read(tmp('conn-ssl.log', '#separator \\x09\n#path\tssl\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\n1.0\tC1\t10.0.0.5\t1\t10.0.0.6\t443\n'));
  assert.deepEqual([ssl.recs.length, ssl.stats.skipped], [0, 1]);
  assert.match(ssl.stats.warnings[0]!.message, /Zeek 'ssl' log, not conn\.log/);

  assert.equal((await read(tmp('conn.log', ''))).recs.length, 0);

  const gz = gzipSync(readFileSync(path.join(CORPUS, 'conn.zeek-cut-testdata.log')));
  assert.equal((await read(tmp('conn.log.gz', gz))).recs.length, 5);
  const cut = tmp('conn.log.gz', gz.subarray(0, gz.length - 20));
  await assert.rejects(read(cut), (e: unknown) => e instanceof ExfilwatchError && e.message.includes(cut) && /gzip/.test(e.message));
});

test('claims: conn*.log by name, conn logs by their first bytes, not other Zeek logs or Defender rows', () => {
  const h = (s: string) => Buffer.from(s);
  const header = (p: string, fields: string) => h(`#separator \\x09\n#path\t${p}\n#fields\t${fields}\n`);
  assert.ok(claimsZeekConn('/x/conn.log', h('')));
  assert.ok(claimsZeekConn('/x/conn.00:00:00-01:00:00.log', h('')));
  assert.ok(claimsZeekConn('/x/conn-tsv.zeek-cut-testdata.log', h('')));
  assert.ok(!claimsZeekConn('/x/connector.log', h('some app log')));
  assert.ok(!claimsZeekConn('/x/connections.log', h('')));
  assert.ok(claimsZeekConn('/x/sensor1.log', header('conn', 'ts\tuid\tid.orig_h\tid.orig_p\tconn_state')));
  assert.ok(!claimsZeekConn('/x/ssl.log', header('ssl', 'ts\tuid\tid.orig_h\tid.orig_p\tserver_name')));
  assert.ok(claimsZeekConn('/x/flows.json', h('{"ts":1.5,"uid":"C1","id.orig_h":"10.0.0.5","conn_state":"SF"}\n')));
  assert.ok(!claimsZeekConn('/x/dns.json', h('{"ts":1.5,"uid":"C1","id.orig_h":"10.0.0.5","query":"a.b"}\n')));
  assert.ok(!claimsZeekConn('/x/devicenetworkevents.jsonl', h('{"Timestamp":"2026-11-01T00:00:00Z","ActionType":"SslConnectionInspected","AdditionalFields":{"id.orig_h":"x","conn_state":"SF"}}\n')));
  assert.ok(claimsZeekConn('/x/flows.tsv', h('ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tconn_state\n')));
  assert.ok(claimsZeekConn('/x/big.json', h(`{"ts":1.5,"id.orig_h":"10.0.0.5","conn_state":"SF","pad":"${'x'.repeat(5000)}`)), 'a first line longer than the head');
});

test('the mapping writes only DeviceNetworkEvents columns', () => {
  const def = findTable(defenderTables(), 'DeviceNetworkEvents')!;
  const names = new Set(def.columns.map((c) => c.name));
  for (const rule of CONN_TO_NETWORK_EVENTS) assert.ok(names.has(rule.to), rule.to);
  assert.equal(new Set(CONN_TO_NETWORK_EVENTS.map((r) => r.to)).size, CONN_TO_NETWORK_EVENTS.length, 'no column twice');
});

test('LocalIPType/RemoteIPType come from schema/ip-type.ts, empty for non-addresses; epochToIso', () => {
  // The classifier's own cases are in src/schema/ip-type.test.ts; here, that the mapping uses it.
  const pairs: [string, string][] = [
    ['10.1.2.3', '8.8.8.8'], ['169.254.1.1', '224.0.0.251'], ['fe80::1%eth0', 'ff02::1'], ['::ffff:10.0.0.5', '2001:0:4137:9e50::1'],
    ['127.0.0.1', '255.255.255.255'], ['not an ip', '1.2.3.256'], ['', '10.0.0.0/8'],
  ];
  for (const [orig, resp] of pairs) {
    const rec = toNetworkEvent({ 'id.orig_h': orig, 'id.resp_h': resp });
    assert.deepEqual([rec.LocalIPType, rec.RemoteIPType], [ipType(orig) ?? '', ipType(resp) ?? ''], `${orig} ${resp}`);
  }
  const linkLocal = toNetworkEvent({ 'id.orig_h': '169.254.1.1', 'id.resp_h': 'ff02::1' });
  assert.deepEqual([linkLocal.LocalIPType, linkLocal.RemoteIPType], ['Private', 'Reserved']);
  const bad = toNetworkEvent({ 'id.orig_h': 'not an ip', 'id.resp_h': '1.2.3.256' });
  assert.deepEqual([bad.LocalIPType, bad.RemoteIPType], ['', '']);
  assert.equal(epochToIso('1329843175.736107'), '2012-02-21T16:52:55.7361070Z');
  assert.equal(epochToIso('1329843175'), '2012-02-21T16:52:55.0000000Z');
  assert.equal(epochToIso('1.2e9'), '2008-01-10T21:20:00.0000000Z');
  assert.equal(epochToIso('XXXXXXXXXX.XXXXXX'), undefined);
  assert.equal(epochToIso('-5'), undefined);
});
