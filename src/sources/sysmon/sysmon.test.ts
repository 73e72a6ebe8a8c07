/**
 * Sysmon XML and EVTX onto Defender tables: the mapping as data (checked against the schema),
 * the corpus in ../shared/corpus/formats/sysmon-xml/ and the two Sysmon EVTX samples, Sysmon for
 * Linux in syslog (fixtures/), and queries run end to end through the engine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { compileFor, loadData, runPlan } from '../../engine/query.js';
import { defenderTables } from '../../schema/index.js';
import { type DataFile, discoverFiles, newStats } from '../index.js';
import { toWinEvent, type WinEvent } from '../evtx/event.js';
import { SYSMON_MAPPINGS } from './mapping.js';
import { sysmonReader } from './sysmon.js';
import { TRANSFORMS, TRANSFORM_ARITY } from './transforms.js';
import { parseXmlElement, scanEvents } from './xml.js';

const FORMATS = fileURLToPath(new URL('../../../../../shared/corpus/formats/', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../../../src/sources/sysmon/fixtures/', import.meta.url));
const have = existsSync(FORMATS);

function tmp(files: Record<string, string | Buffer>): string {
  const d = mkdtempSync(path.join(tmpdir(), 'exfilwatch-sysmon-'));
  for (const [name, body] of Object.entries(files)) writeFileSync(path.join(d, name), body);
  return d;
}

async function rows(p: string, strict = false) {
  const stats = newStats(strict);
  const [file] = await discoverFiles([p]);
  assert.equal(file!.reader, 'sysmon', `${p} is claimed by the Sysmon reader`);
  const out: { table: string; rec: Record<string, unknown>; line?: number }[] = [];
  for await (const r of sysmonReader.read(file as DataFile, stats)) out.push({ table: r.table!, rec: r.rec, line: r.line });
  return { rows: out, stats };
}

async function query(q: string, p: string) {
  const data = await loadData(await discoverFiles([p]));
  const b = await runPlan(compileFor(q, data), data, 0);
  const objs = Array.from({ length: b.length }, (_, i) => Object.fromEntries(b.fields.map((f, c) => [f.name, b.columns[c]![i]])));
  return { rows: objs, stats: data.stats };
}

test('the mapping is data the schema agrees with', () => {
  const tables = new Map(defenderTables().map((t) => [t.name, new Set(t.columns.map((c) => c.name))]));
  const ids = new Set<string>();
  for (const m of SYSMON_MAPPINGS) {
    assert.ok(!ids.has(m.id), `mapping id ${m.id} is unique`);
    ids.add(m.id);
    const cols = tables.get(m.table);
    assert.ok(cols, `${m.id}: table ${m.table} exists`);
    const written = new Set<string>();
    for (const rule of m.columns) {
      const tos = Array.isArray(rule.to) ? rule.to : [rule.to];
      for (const to of tos) {
        assert.ok(cols!.has(to), `${m.id}: ${to} is a column of ${m.table}`);
        assert.ok(!written.has(to), `${m.id}: ${to} is written once`);
        written.add(to);
      }
      assert.ok((rule.value === undefined) !== (rule.from === undefined), `${m.id}: ${tos} has a value or a source`);
      const vias = rule.via === undefined ? [] : Array.isArray(rule.via) ? rule.via : [rule.via];
      for (const v of vias) assert.ok(TRANSFORMS[v], `${m.id}: transform ${v} exists`);
      const arity = vias.length ? TRANSFORM_ARITY[vias[vias.length - 1]!] ?? 1 : 1;
      assert.equal(tos.length, arity, `${m.id}: ${tos} gets ${arity} value(s)`);
    }
    for (const must of ['Timestamp', 'DeviceName', 'ActionType']) assert.ok(written.has(must), `${m.id} fills ${must}`);
  }
  // `System.X` sources name fields the event model has (checked on a real event).
  const line = readFileSync(`${FIXTURES}linux-syslog.txt`, 'utf8').split('\n')[1]!;
  const system = toWinEvent(parseXmlElement(line.slice(line.indexOf('<Event')))).System;
  for (const m of SYSMON_MAPPINGS) {
    for (const rule of m.columns) {
      for (const f of [rule.from ?? []].flat()) {
        if (f.startsWith('System.')) assert.ok(f.slice(7) in system, `${m.id}: ${f} is a System field`);
        else if (f.includes('.')) assert.match(f, /^(process|parent)\.\w+$/, `${m.id}: ${f}`);
      }
    }
  }
  assert.deepEqual(sysmonReader.tables, ['DeviceProcessEvents', 'DeviceNetworkEvents', 'DeviceFileEvents', 'DeviceEvents']);
  // The doc is the readable form of the mapping: every mapped column appears in it.
  const doc = readFileSync(fileURLToPath(new URL('../../../../docs/sysmon-mapping.md', import.meta.url)), 'utf8');
  for (const m of SYSMON_MAPPINGS) {
    for (const rule of m.columns) for (const to of [rule.to].flat()) assert.ok(doc.includes(`\`${to}\``), `docs/sysmon-mapping.md names ${to}`);
  }
});

test('transforms', () => {
  const T = TRANSFORMS;
  assert.deepEqual(T.split_account!('NT AUTHORITY\\SYSTEM'), ['nt authority', 'system']);
  assert.deepEqual(T.split_account!('CONTOSO\\Alice'), ['contoso', 'alice']);
  assert.deepEqual(T.split_account!('alice@contoso.com'), ['contoso.com', 'alice']);
  assert.deepEqual(T.split_account!('root'), [null, 'root']);
  assert.deepEqual(T.hashes!('SHA1=CE8E48,MD5=A27A24,SHA256=8F16A4,IMPHASH=0EB64E'), ['ce8e48', 'a27a24', '8f16a4']);
  assert.deepEqual(T.hashes!('SHA256=AB'), [null, null, 'ab']);
  assert.equal(T.basename!('C:\\Windows\\SysWOW64\\PING.EXE'), 'PING.EXE');
  assert.equal(T.basename!('/usr/bin/rclone'), 'rclone');
  assert.equal(T.basename!('System'), 'System');
  assert.equal(T.dirname!('C:\\Windows\\notepad.exe'), 'C:\\Windows');
  assert.equal(T.utc_datetime!('2017-12-26 13:10:29.134'), '2017-12-26T13:10:29.1340000Z');
  assert.equal(T.utc_datetime!('2017-12-26T13:10:29.1368792Z'), '2017-12-26T13:10:29.1368792Z');
  assert.equal(T.hex_long!('0x3e7'), '999');
  assert.equal(T.hex_long!('0x00000000000003e7'), '999');
  assert.equal(T.hex_long!('1000'), '1000');
  assert.equal(T.hex_long!('0xffffffffffffffff'), '-1');
  assert.equal(T.protocol!('tcp'), 'Tcp');
  assert.equal(T.connection_action!('true'), 'ConnectionSuccess');
  assert.equal(T.connection_action!('false'), 'InboundConnectionAccepted');
  // ip_type is schema/ip-type.ts (its cases are in ip-type.test.ts): Defender's documented values,
  // link-local Private and multicast Reserved; null for text that is not an address.
  const types: [string, string | null][] = [
    ['8.8.8.8', 'Public'], ['40.77.226.250', 'Public'], ['10.0.2.15', 'Private'], ['172.16.0.1', 'Private'],
    ['172.32.0.1', 'Public'], ['192.168.62.2', 'Private'], ['127.0.0.1', 'Loopback'], ['169.254.180.25', 'Private'],
    ['239.255.255.250', 'Reserved'], ['255.255.255.255', 'Broadcast'], ['0.0.0.0', 'Reserved'], ['100.64.0.1', 'Reserved'],
    ['::1', 'Loopback'], ['::', 'Reserved'], ['fe80::252c:71a:8319:6430', 'Private'], ['fe80:0:0:0:252c:71a:8319:6430', 'Private'],
    ['ff02:0:0:0:0:0:1:3', 'Reserved'], ['fd00::1', 'Private'], ['::ffff:10.0.0.1', 'FourToSixMapping'],
    ['2001:0:4136:e378::1', 'Teredo'], ['2606:4700::1111', 'Public'], ['fe80::1%12', 'Private'],
    ['not-an-ip', null], ['1.2.3', null], ['1::2::3', null], ['', null],
  ];
  for (const [ip, want] of types) assert.equal(T.ip_type!(ip), want, ip);
});

test('Windows-rendered Sysmon XML gives the expected field values', { skip: !have }, async () => {
  for (const name of ['sysmon-9.01.winlogbeat-testdata.excerpt', 'sysmon-evtx-derived']) {
    const xmlName = name === 'sysmon-evtx-derived' ? `${name}.libevtx.xml` : `${name}.xml`;
    const text = readFileSync(`${FORMATS}sysmon-xml/${xmlName}`, 'utf8');
    const want = readFileSync(`${FORMATS}sysmon-xml/${name}.expected.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const got: WinEvent[] = [];
    for await (const e of scanEvents([text])) {
      assert.equal(e.error, undefined, `${xmlName}:${e.line}`);
      got.push(toWinEvent(e.xml!));
    }
    assert.equal(got.length, want.length, xmlName);
    got.forEach((ev, i) => {
      const w = want[i];
      const s = ev.System;
      assert.deepEqual(
        [s.EventID, s.Version, s.EventRecordID, s.TimeCreated, s.ProviderName, s.ProviderGuid, s.Channel, s.Computer, s.ProcessID, s.ThreadID, s.UserID],
        [w.EventID, w.Version, w.EventRecordID, w.TimeCreated, w.ProviderName, w.ProviderGuid, w.Channel, w.Computer, w.ExecutionProcessID, w.ExecutionThreadID, w.UserID],
        `${xmlName} event ${i + 1}`,
      );
      assert.deepEqual(ev.EventData, w.EventData, `${xmlName} event ${i + 1}`);
    });
  }
});

test('Sysmon XML maps onto Defender rows', { skip: !have }, async () => {
  const { rows: r, stats } = await rows(`${FORMATS}sysmon-xml/sysmon-9.01.winlogbeat-testdata.excerpt.xml`);
  assert.deepEqual(r.map((x) => x.table), ['DeviceNetworkEvents', 'DeviceNetworkEvents', 'DeviceNetworkEvents', 'DeviceProcessEvents', 'DeviceProcessEvents']);
  const tcp = r[2]!.rec;
  assert.deepEqual(
    [tcp.Timestamp, tcp.DeviceName, tcp.ActionType, tcp.RemoteIP, tcp.RemotePort, tcp.RemoteIPType, tcp.LocalIP, tcp.LocalPort, tcp.LocalIPType, tcp.Protocol],
    ['2019-03-18T16:57:48.2140000Z', 'vagrant-2012-r2', 'ConnectionSuccess', '40.77.226.250', '443', 'Public', '10.0.2.15', '1139', 'Private', 'Tcp'],
  );
  assert.equal(r[1]!.rec.RemoteIPType, 'Reserved', 'udp IPv6 fe80:: → ff02:: (multicast)');
  assert.equal(r[1]!.rec.LocalIPType, 'Private', 'link-local');
  const wmi = r[3]!.rec;
  assert.deepEqual(
    [wmi.FileName, wmi.FolderPath, wmi.ProcessCommandLine, wmi.ProcessId, wmi.AccountDomain, wmi.AccountName, wmi.LogonId, wmi.SHA1, wmi.InitiatingProcessFileName, wmi.InitiatingProcessId, wmi.InitiatingProcessCommandLine],
    ['WmiPrvSE.exe', 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe', 'C:\\Windows\\system32\\wbem\\wmiprvse.exe -Embedding', '4508', 'nt authority', 'system', '999',
      '5a4c0e82ff95c9fb762d46a696ef9f1b68001c21', 'svchost.exe', '560', 'C:\\Windows\\system32\\svchost.exe -k DcomLaunch'],
  );
  assert.equal(wmi.ProcessVersionInfoProductName, 'Microsoft® Windows® Operating System');
  assert.deepEqual(wmi.AdditionalFields, {
    SysmonEventId: 1, SysmonMapping: 'sysmon-1-process-create', ProcessGuid: '{42f11c3b-ce03-5c8f-0000-0010e9462a00}',
    ParentProcessGuid: '{42f11c3b-6e1b-5c8c-0000-00102f610000}', LogonGuid: '{42f11c3b-6e1a-5c8c-0000-0020e7030000}', CurrentDirectory: 'C:\\Windows\\system32\\',
  });
  assert.equal(stats.skipped, 0);
  assert.deepEqual(stats.warnings.map((w) => w.message), [
    '4 event(s) have no Defender table mapping and were not loaded (Sysmon Event ID 2: 1; Sysmon Event ID 4: 1; Sysmon Event ID 5: 1; Sysmon Event ID 16: 1); 5 loaded',
  ]);
});

test('both Sysmon EVTX samples load: counts per table and values of known records', { skip: !have }, async () => {
  const count = (r: { table: string }[]) => r.reduce<Record<string, number>>((a, x) => ((a[x.table] = (a[x.table] ?? 0) + 1), a), {});
  const s = await rows(`${FORMATS}evtx/sysmon.evtx`);
  // README: EventIDs 1 (227), 3 (2), 10 (60), 11 (34), 12 (8), 13 (24), 15 (2), 16 (1).
  assert.deepEqual(count(s.rows), { DeviceProcessEvents: 227, DeviceNetworkEvents: 2, DeviceFileEvents: 34 });
  assert.equal(s.stats.skipped, 0);
  assert.match(s.stats.warnings[0]!.message, /^95 event\(s\) have no Defender table mapping .*Sysmon Event ID 10: 60; .*; 263 loaded$/);
  const ping = s.rows.find((x) => x.line === 1742)!.rec;
  assert.deepEqual(
    [ping.Timestamp, ping.DeviceName, ping.FileName, ping.ProcessCommandLine, ping.ProcessId, ping.SHA1, ping.MD5, ping.SHA256, ping.AccountName,
      ping.LogonId, ping.ProcessIntegrityLevel, ping.InitiatingProcessFileName, ping.InitiatingProcessId, ping.ReportId],
    ['2017-12-26T13:10:29.1340000Z', 'desktop-2kgm189', 'PING.EXE', 'ping  -n 6 127.0.0.1 ', '9112', 'ce8e487cb76704fe5fbb821a78a1e969efbe71f9',
      'a27a24553b2c36e139647f88df738c35', '8f16a431c919a0aa7c9466ec1cdc1e721f30eb5c8182835585a1b74abecb1920', 'system', '999', 'System', 'cmd.exe', '8392', '1742'],
  );
  const file = s.rows.find((x) => x.line === 1765)!.rec;
  assert.deepEqual([file.ActionType, file.FileName, file.FolderPath, file.InitiatingProcessFileName],
    ['FileCreated', 'AM_Delta.exe', 'C:\\Windows\\SoftwareDistribution\\Download\\Install\\AM_Delta.exe', 'svchost.exe']);
  const net = s.rows.find((x) => x.line === 2061)!.rec;
  assert.equal(net.ActionType, 'ConnectionSuccess');
  assert.equal(net.Protocol, 'Tcp');

  const i43 = await rows(`${FORMATS}evtx/pyevtx-issue_43-sysmon.evtx`);
  // README: EventIDs 1 (356), 2 (851), 3 (153), 4 (3), 5 (351), 6 (13), 16 (3).
  assert.deepEqual(count(i43.rows), { DeviceProcessEvents: 356, DeviceNetworkEvents: 153 });
  // 11 inbound TCP connections accepted by tor on 127.0.0.1:9050: the local socket is Sysmon's Source.
  const inbound = i43.rows.filter((x) => x.rec.ActionType === 'InboundConnectionAccepted' && x.rec.Protocol === 'Tcp');
  assert.equal(inbound.length, 11);
  assert.ok(inbound.every((x) => x.rec.LocalPort === '9050' || x.rec.LocalPort !== x.rec.RemotePort));
  // InitiatingProcess* of a network event come from the ProcessCreate of the same ProcessGuid earlier in the file.
  const enriched = i43.rows.filter((x) => x.table === 'DeviceNetworkEvents' && x.rec.InitiatingProcessCommandLine);
  assert.ok(enriched.length > 0);
  for (const x of enriched) {
    const guid = (x.rec.AdditionalFields as Record<string, string>).ProcessGuid!.toLowerCase();
    const parent = i43.rows.find((p) => p.table === 'DeviceProcessEvents' && (p.rec.AdditionalFields as Record<string, string>).ProcessGuid!.toLowerCase() === guid)!;
    assert.equal(x.rec.InitiatingProcessCommandLine, parent.rec.ProcessCommandLine);
    assert.equal(x.rec.InitiatingProcessSHA1 ?? null, parent.rec.SHA1 ?? null);
  }
});

test('the same events from EVTX and from their XML export map to the same rows', { skip: !have }, async () => {
  const fromXml = (await rows(`${FORMATS}sysmon-xml/sysmon-evtx-derived.libevtx.xml`)).rows;
  const fromEvtx = [...(await rows(`${FORMATS}evtx/sysmon.evtx`)).rows, ...(await rows(`${FORMATS}evtx/pyevtx-issue_43-sysmon.evtx`)).rows];
  assert.equal(fromXml.length, 8); // the EID 1, 3 and 11 events of the 18 exported
  // Columns that come from the event itself (not from earlier events of the file, which the export lacks).
  const own = ['Timestamp', 'DeviceName', 'ActionType', 'FileName', 'FolderPath', 'ProcessCommandLine', 'ProcessId', 'SHA1', 'MD5', 'SHA256',
    'AccountDomain', 'AccountName', 'LogonId', 'RemoteIP', 'RemotePort', 'RemoteIPType', 'LocalIP', 'LocalPort', 'Protocol',
    'InitiatingProcessFileName', 'InitiatingProcessFolderPath', 'InitiatingProcessId', 'InitiatingProcessAccountName', 'ReportId'];
  for (const x of fromXml) {
    const e = fromEvtx.find((y) => y.rec.ReportId === x.rec.ReportId && y.rec.DeviceName === x.rec.DeviceName)!;
    assert.equal(e.table, x.table);
    for (const c of own) assert.equal(String(e.rec[c] ?? ''), String(x.rec[c] ?? ''), `record ${x.rec.ReportId} ${c}`);
  }
});

test('events are found however the text arrives: one line, many lines, pieces of any size', async () => {
  const lines = readFileSync(`${FIXTURES}linux-syslog.txt`, 'utf8').split('\n').filter((l) => l.includes('<Event'));
  const events = lines.map((l) => l.slice(l.indexOf('<Event')));
  const scan = async (pieces: Iterable<string>) => {
    const out: [number, string | undefined, number | undefined][] = [];
    for await (const e of scanEvents(pieces)) out.push([e.line, e.error, e.xml ? toWinEvent(e.xml).System.EventRecordID : undefined]);
    return out;
  };
  // wevtutil qe /f:xml writes every event on one line, with no line end at the end.
  const oneLine = '<Events>' + events.join('') + '</Events>';
  const want = events.map((_, i) => [1, undefined, 41 + i]);
  for (const size of [1, 2, 7, 8, 9, 64, 1000, oneLine.length]) {
    const pieces = Array.from({ length: Math.ceil(oneLine.length / size) }, (_, i) => oneLine.slice(i * size, (i + 1) * size));
    assert.deepEqual(await scan(pieces), want, `pieces of ${size}`);
  }
  const multi = lines.join('\r\n') + '\r\n';
  const wantMulti = events.map((_, i) => [i + 1, undefined, 41 + i]);
  for (const size of [3, 8, 100]) {
    const pieces = Array.from({ length: Math.ceil(multi.length / size) }, (_, i) => multi.slice(i * size, (i + 1) * size));
    assert.deepEqual(await scan(pieces), wantMulti, `CRLF lines in pieces of ${size}`);
  }
  // An end with no start, a start with no end, text cut mid-line.
  assert.deepEqual(await scan(['x </Event>\n', events[0]!, '\n', events[1]!.slice(0, 50)]), [[1, 'an </Event> with no <Event> before it (damaged or cut off)', undefined], [2, undefined, 41], [3, 'the file ends inside an event (no </Event>)', undefined]]);
  assert.deepEqual(await scan([events[0]!, '\nNov  1 09:15:10 web-']), [[1, undefined, 41], [2, 'the file ends in the middle of a line (cut off?)', undefined]]);
});

test('Sysmon for Linux in syslog: prefixes and other lines ignored, process info carried to later events', async () => {
  const { rows: r, stats } = await rows(`${FIXTURES}linux-syslog.txt`);
  assert.deepEqual(r.map((x) => [x.table, x.line]), [['DeviceProcessEvents', 2], ['DeviceProcessEvents', 3], ['DeviceNetworkEvents', 4], ['DeviceFileEvents', 6]]);
  const rc = r[1]!.rec;
  assert.deepEqual(
    [rc.FileName, rc.AccountDomain, rc.AccountName, rc.InitiatingProcessFileName, rc.InitiatingProcessAccountName, rc.InitiatingProcessSHA256, rc.InitiatingProcessParentFileName, rc.ProcessVersionInfoCompanyName],
    ['rclone', undefined, 'alice', 'bash', 'alice', '1b2f8c7e0a3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7', 'sshd', undefined],
    '`-` is Sysmon\'s "none"',
  );
  const net = r[2]!.rec;
  assert.deepEqual(
    [net.DeviceName, net.RemoteIP, net.RemotePort, net.RemoteIPType, net.RemoteUrl, net.InitiatingProcessFileName, net.InitiatingProcessCommandLine, net.InitiatingProcessAccountName],
    ['web-01', '5.75.200.23', '22', 'Public', undefined, 'rclone', 'rclone copy /srv/exports backup-sftp:/drop --transfers 8', 'alice'],
  );
  assert.equal(stats.skipped, 0);
  assert.match(stats.warnings[0]!.message, /^1 event\(s\) have no Defender table mapping .*Sysmon Event ID 5: 1\); 4 loaded$/);
});

test('broken Sysmon XML: each bad event is skipped with its line, the rest load; --strict stops at the first', async () => {
  const bad = `${FIXTURES}linux-syslog-bad-truncated.txt`;
  const { rows: r, stats } = await rows(bad);
  assert.deepEqual(r.map((x) => x.line), [2, 4]);
  assert.deepEqual(stats.warnings.filter((w) => w.line !== undefined).map((w) => [w.line, w.message]), [
    [3, 'the event has no </Event> before the next <Event> (truncated)'],
    [5, 'not well-formed event XML: </Dat> closes <Data>'],
    [6, 'the event has no <EventID>'],
    [7, 'the file ends inside an event (no </Event>)'],
  ]);
  assert.equal(stats.skipped, 4);
  await assert.rejects(rows(bad, true), /linux-syslog-bad-truncated\.txt:3: the event has no <\/Event>/);
});

test('damaged EVTX: skipped records are counted and named by byte offset; empty and non-EVTX files are errors', { skip: !have }, async () => {
  const d = tmp({});
  copyFileSync(`${FORMATS}evtx/sample_with_a_bad_chunk_magic.evtx`, path.join(d, 'appx.evtx'));
  const { stats } = await rows(path.join(d, 'appx.evtx'));
  assert.equal(stats.skipped, 5);
  assert.match(stats.warnings[0]!.message, /^byte offset 12224: record size 472 does not match its trailing copy 0; skipped the rest of chunk 0/);

  // Cut inside the third chunk, and gzip-compressed: what precedes the cut loads.
  const sysmon = readFileSync(`${FORMATS}evtx/sysmon.evtx`);
  const cut = tmp({ 'cut.evtx.gz': gzipSync(sysmon.subarray(0, 4096 + 2 * 65536 + 30000)) });
  const c = await rows(path.join(cut, 'cut.evtx.gz'));
  assert.ok(c.rows.length > 60 && c.rows.length < 263, `${c.rows.length} rows`);
  assert.match(c.stats.warnings[0]!.message, /^byte offset 135168: the file ends inside chunk 2 \(30000 of 65536 bytes\)/);

  const e = tmp({ 'empty.evtx': Buffer.alloc(0), 'head.evtx': Buffer.from('ElfFile\0 and nothing else') });
  // An empty .evtx has no magic to claim it by, so nothing claims it; a cut header is claimed and fails clearly.
  await assert.rejects(discoverFiles([path.join(e, 'empty.evtx')]), /cannot tell the format/);
  await assert.rejects(rows(path.join(e, 'head.evtx')), /head\.evtx: the file ends inside its header \(25 of 4096 bytes\)/);
});

test('what the reader claims', () => {
  const evtx = Buffer.concat([Buffer.from('ElfFile\0', 'latin1'), Buffer.alloc(100)]);
  const win = Buffer.from("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon'/>");
  const linux = Buffer.from('Nov  1 09:14:07 web-01 sysmon: <Event><System><Provider Name="Linux-Sysmon"/>');
  const security = Buffer.from("<Event xmlns='x'><System><Provider Name='Microsoft-Windows-Security-Auditing'/>");
  assert.equal(sysmonReader.claims('/case/sysmon.evtx', evtx), true);
  assert.equal(sysmonReader.claims('/case/renamed.bin', evtx), true, 'EVTX is known by its magic');
  assert.equal(sysmonReader.claims('/case/export.xml', win), true);
  assert.equal(sysmonReader.claims('/var/log/syslog', linux), true);
  assert.equal(sysmonReader.claims('/var/log/messages.1', linux), true);
  assert.equal(sysmonReader.claims('/case/sysmon.log', linux), true);
  assert.equal(sysmonReader.claims('/case/export.xml', security), false, 'other providers\' XML is not Sysmon');
  assert.equal(sysmonReader.claims('/case/devicenetworkevents.jsonl', win), false);
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(win.toString('utf8'), 'utf16le')]);
  assert.equal(sysmonReader.claims('/case/export.xml', utf16), true, 'UTF-16 exports (PowerShell 5 redirection)');
});

test('KQL over Sysmon files: summarize by FileName, the seed\'s network leg, a UTF-16 XML export', { skip: !have }, async () => {
  const top = await query('DeviceProcessEvents | summarize n = count() by FileName | top 3 by n', `${FORMATS}evtx/sysmon.evtx`);
  assert.deepEqual(top.rows.map((x) => [x.FileName, x.n]), [['PING.EXE', 131], ['UI0Detect.exe', 10], ['installer.exe', 8]]);

  const seedNet = await query(`DeviceNetworkEvents
    | where RemotePort in (443, 22, 465, 587, 990, 993, 8443, 21) and RemoteIPType == "Public"
    | where InitiatingProcessFileName in~ ("rclone", "rclone.exe") or InitiatingProcessCommandLine has_any ("sftp", "rclone")
    | project Timestamp, DeviceName, AccountName, InitiatingProcessFileName, RemoteIP, RemotePort`, `${FIXTURES}linux-syslog.txt`);
  assert.equal(seedNet.rows.length, 1);
  assert.equal(seedNet.rows[0]!.AccountName, 'alice', 'the AccountName extension column falls back to InitiatingProcessAccountName');
  assert.equal(seedNet.rows[0]!.RemotePort, 22);

  // A Windows XML export saved as UTF-16 with CRLF line ends, with a DNS query (EID 22).
  const dns = `<?xml version="1.0" encoding="utf-16"?>\r\n<Events>\r\n<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385f-c22a-43e0-bf4c-06f5698ffbd9}'/><EventID>22</EventID><Version>5</Version><Level>4</Level><Task>22</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='2026-11-01T10:00:00.1234567Z'/><EventRecordID>9001</EventRecordID><Correlation/><Execution ProcessID='3000' ThreadID='4000'/><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>WS-7.contoso.com</Computer><Security UserID='S-1-5-18'/></System><EventData><Data Name='RuleName'>-</Data><Data Name='UtcTime'>2026-11-01 10:00:00.120</Data><Data Name='ProcessGuid'>{aa11bb22-0000-0000-0000-000000000001}</Data><Data Name='ProcessId'>5120</Data><Data Name='QueryName'>mega.nz</Data><Data Name='QueryStatus'>0</Data><Data Name='QueryResults'>::ffff:31.216.144.5;</Data><Data Name='Image'>C:\\Tools\\rclone.exe</Data><Data Name='User'>CONTOSO\\bob</Data></EventData></Event>\r\n</Events>\r\n`;
  const d = tmp({ 'export.xml': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(dns, 'utf16le')]) });
  const q = await query('DeviceEvents | project Timestamp, DeviceName, ActionType, RemoteUrl, InitiatingProcessFileName, InitiatingProcessAccountDomain, AdditionalFields', d);
  assert.equal(q.rows.length, 1);
  const row = q.rows[0]!;
  assert.deepEqual([row.DeviceName, row.ActionType, row.RemoteUrl, row.InitiatingProcessFileName, row.InitiatingProcessAccountDomain],
    ['ws-7.contoso.com', 'DnsQueryResponse', 'mega.nz', 'rclone.exe', 'contoso']);
  assert.match(String(row.AdditionalFields), /"DnsQueryString":"mega.nz","DnsQueryResult":"::ffff:31.216.144.5;"/);
});
