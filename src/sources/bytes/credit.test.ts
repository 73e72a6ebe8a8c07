import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { compileFor, loadData, runPlan } from '../../engine/query.js';
import { discoverFiles, newStats } from '../index.js';
import type { ReadHints, ReadStats, SourceRecord } from '../reader.js';
import { enrich } from './credit.js';

const MiB = 1048576;

function dir(files: Record<string, string | Buffer>): string {
  const d = mkdtempSync(path.join(tmpdir(), 'exfilwatch-credit-'));
  for (const [name, body] of Object.entries(files)) writeFileSync(path.join(d, name), body);
  return d;
}

const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** An endpoint connection row (10.0.0.5 → 198.51.100.10:443 unless overridden). */
function conn(ts: string, localPort: number, more: Record<string, unknown> = {}) {
  return {
    Timestamp: ts, DeviceId: 'd1', DeviceName: 'WS-1', ActionType: 'ConnectionSuccess', LocalIP: '10.0.0.5', LocalPort: localPort,
    RemoteIP: '198.51.100.10', RemotePort: 443, Protocol: 'Tcp', InitiatingProcessFileName: 'rclone.exe', InitiatingProcessId: 42, ...more,
  };
}

/** A Zeek JSON conn record for 10.0.0.5:port → 198.51.100.10:443. */
function flow(ts: string, localPort: number, sent: number, more: Record<string, unknown> = {}) {
  return { ts, uid: `C${localPort}${ts}`, 'id.orig_h': '10.0.0.5', 'id.orig_p': localPort, 'id.resp_h': '198.51.100.10', 'id.resp_p': 443, proto: 'tcp', orig_bytes: sent, resp_bytes: 7, conn_state: 'SF', ...more };
}

async function rows(d: string, q = 'DeviceNetworkEvents | project Timestamp, ActionType, LocalPort, InitiatingProcessFileName, SentBytes, ReceivedBytes') {
  const data = await loadData(await discoverFiles([d]));
  const b = await runPlan(compileFor(q, data), data, 0);
  return { rows: Array.from({ length: b.length }, (_, i) => Object.fromEntries(b.fields.map((f, c) => [f.name, b.columns[c]![i]]))), stats: data.stats };
}

const summary = (r: Record<string, unknown>) => [r.ActionType, r.LocalPort, r.InitiatingProcessFileName || '-', r.SentBytes];

test('the closest flow within ±2 minutes is credited; the others stay rows of their own', async () => {
  const d = dir({
    'DeviceNetworkEvents.jsonl': jsonl([conn('2026-11-01T10:00:00Z', 50000)]),
    'conn.log': jsonl([
      flow('2026-11-01T10:01:50Z', 50000, 2 * MiB), // in the window, but farther
      flow('2026-11-01T09:59:30Z', 50000, 1 * MiB), // closest: credited
      flow('2026-11-01T10:02:01Z', 50000, 3 * MiB), // just outside the window
    ]),
  });
  assert.deepEqual((await rows(d)).rows.map(summary), [
    ['ConnectionSuccess', 50000, 'rclone.exe', 1 * MiB],
    ['ConnectionFlow', 50000, '-', 2 * MiB],
    ['ConnectionFlow', 50000, '-', 3 * MiB],
  ]);
});

test('a ConnectionRequest and a ConnectionSuccess of one connection share its flow once', async () => {
  const d = dir({
    'DeviceNetworkEvents.jsonl': jsonl([
      conn('2026-11-01T10:00:00.000Z', 50000, { ActionType: 'ConnectionRequest' }),
      conn('2026-11-01T10:00:00.050Z', 50000),
    ]),
    'conn.log': jsonl([flow('2026-11-01T10:00:00.025Z', 50000, 5 * MiB)]),
  });
  const { rows: r } = await rows(d, 'DeviceNetworkEvents | summarize Rows = count(), Sent = sum(SentBytes), Credited = countif(isnotnull(SentBytes)) by InitiatingProcessFileName');
  assert.deepEqual(r, [{ InitiatingProcessFileName: 'rclone.exe', Rows: 2, Sent: 5 * MiB, Credited: 1 }]);
  const { rows: which } = await rows(d, 'DeviceNetworkEvents | where isnotnull(SentBytes) | project ActionType');
  assert.deepEqual(which, [{ ActionType: 'ConnectionSuccess' }], 'equally close: ConnectionSuccess is preferred');
});

test('what does not match: other protocol, other port, no process, bytes already known', async () => {
  const d = dir({
    'DeviceNetworkEvents.jsonl': jsonl([
      conn('2026-11-01T10:00:00Z', 50001, { Protocol: 'Udp' }),
      conn('2026-11-01T10:00:00Z', 50002, { InitiatingProcessFileName: '', InitiatingProcessId: 0 }),
      conn('2026-11-01T10:00:00Z', 50003, { SentBytes: 99, ReceivedBytes: 1 }),
      conn('2026-11-01T10:00:00Z', 50004, { Protocol: 'TcpV4', LocalIP: '::ffff:10.0.0.5' }), // these do match
    ]),
    'conn.log': jsonl([
      flow('2026-11-01T10:00:01Z', 50001, 1),
      flow('2026-11-01T10:00:01Z', 50002, 2),
      flow('2026-11-01T10:00:01Z', 50003, 3),
      flow('2026-11-01T10:00:01Z', 50004, 4),
      flow('2026-11-01T10:00:01Z', 50005, 5),
    ]),
  });
  assert.deepEqual((await rows(d)).rows.map(summary), [
    ['ConnectionSuccess', 50001, 'rclone.exe', null],
    ['ConnectionSuccess', 50002, '-', null],
    ['ConnectionSuccess', 50003, 'rclone.exe', 99],
    ['ConnectionSuccess', 50004, 'rclone.exe', 4],
    ['ConnectionFlow', 50001, '-', 1],
    ['ConnectionFlow', 50002, '-', 2],
    ['ConnectionFlow', 50003, '-', 3],
    ['ConnectionFlow', 50005, '-', 5],
  ]);
});

test('inspected rows: string or object AdditionalFields, inbound direction, device must agree', async () => {
  const inspected = (ts: string, port: number, af: unknown, more: Record<string, unknown> = {}) => ({
    ...conn(ts, port), ActionType: 'SslConnectionInspected', InitiatingProcessFileName: null, InitiatingProcessId: 0, AdditionalFields: af, ...more,
  });
  const d = dir({
    'DeviceNetworkEvents.jsonl.gz': gzipSync(jsonl([
      conn('2026-11-01T10:00:00Z', 50001),
      conn('2026-11-01T10:00:00Z', 50002),
      conn('2026-11-01T10:00:00Z', 50003),
      inspected('2026-11-01T10:00:01Z', 50001, JSON.stringify({ direction: 'Out', orig_bytes: 11, resp_bytes: 12 })),
      inspected('2026-11-01T10:00:01Z', 50002, { direction: 'In', orig_bytes: '21', resp_bytes: '22' }),
      inspected('2026-11-01T10:00:00Z', 50003, { orig_bytes: 31 }, { DeviceId: 'd2' }), // another device
      inspected('2026-11-01T10:00:00Z', 50004, '[]'), // no bytes: not a flow, untouched
    ])),
  });
  assert.deepEqual((await rows(d)).rows.map((r) => [r.ActionType, r.LocalPort, r.SentBytes, r.ReceivedBytes]), [
    ['ConnectionSuccess', 50001, 11, 12],
    ['ConnectionSuccess', 50002, 22, 21],
    ['ConnectionSuccess', 50003, null, null],
    ['SslConnectionInspected', 50001, null, null],
    ['SslConnectionInspected', 50002, null, null],
    ['SslConnectionInspected', 50003, 31, null],
    ['SslConnectionInspected', 50004, null, null],
  ]);
});

test('two passes, warnings once; Defender rows with no flows pass through untouched', async () => {
  const withFlows = dir({
    'DeviceNetworkEvents.jsonl': jsonl([conn('2026-11-01T10:00:00Z', 50000)]) + '{broken\n',
    'conn.log': jsonl([flow('2026-11-01T10:00:00Z', 50000, 9)]),
  });
  const a = await rows(withFlows);
  assert.deepEqual(a.rows.map(summary), [['ConnectionSuccess', 50000, 'rclone.exe', 9]]);
  assert.deepEqual(a.stats.warnings.map((w) => [path.basename(w.file), w.line]), [['DeviceNetworkEvents.jsonl', 2]]);
  assert.equal(a.stats.skipped, 1);
  assert.equal(a.stats.rows, 1);

  const plain = dir({ 'DeviceNetworkEvents.jsonl': jsonl([conn('2026-11-01T10:00:00Z', 50000), conn('2026-11-01T10:00:00Z', 50001)]) });
  const b = await rows(plain);
  assert.deepEqual(b.rows.map(summary), [['ConnectionSuccess', 50000, 'rclone.exe', null], ['ConnectionSuccess', 50001, 'rclone.exe', null]]);
  assert.equal(b.stats.rows, 2);
});

test('a query pre-filter never hides a flow, and records pair up by place across both passes', async () => {
  const recs = [
    conn('2026-11-01T10:00:00Z', 50001),
    { ...conn('2026-11-01T10:00:01Z', 50001), ActionType: 'SslConnectionInspected', InitiatingProcessFileName: '', InitiatingProcessId: 0, AdditionalFields: { orig_bytes: 123 } },
    conn('2026-11-01T10:00:00Z', 50002, { InitiatingProcessFileName: 'chrome.exe' }),
  ];
  // A reader that honours the raw filter, as the JSON reader may.
  const records = async function* (_st: ReadStats, hints?: ReadHints): AsyncGenerator<SourceRecord[]> {
    for (const [i, rec] of recs.entries()) {
      const text = JSON.stringify(rec);
      if (hints?.rawFilter && !hints.rawFilter(text)) continue;
      yield [{ rec: { ...rec }, line: i + 1 }];
    }
  };
  const file = { path: path.join(dir({ 'DeviceNetworkEvents.jsonl': jsonl(recs) }), 'DeviceNetworkEvents.jsonl'), reader: 'json', gzip: false, table: 'DeviceNetworkEvents', routed: false };
  const out: Record<string, unknown>[] = [];
  for await (const b of enrich('DeviceNetworkEvents', records, newStats(), [file], { rawFilter: (t) => t.includes('rclone.exe') })) for (const r of b) out.push(r.rec);
  assert.deepEqual(out.map((r) => [r.ActionType, r.LocalPort, r.SentBytes]), [
    ['ConnectionSuccess', 50001, 123],
    ['SslConnectionInspected', 50001, undefined],
  ], 'the flow passes the widened filter; chrome\'s row is still filtered out');
});
