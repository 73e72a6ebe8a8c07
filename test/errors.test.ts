/** Bad queries and bad rows: clear errors with codes and places, or nulls as Kusto gives; never a crash. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ExfilwatchError } from '../src/diagnostics/facts.js';
import { formatDiagnostic } from '../src/cli/main.js';
import { compileFor, loadData, runPlan } from '../src/engine/query.js';
import { discoverFiles } from '../src/sources/index.js';

async function run(query: string, files: string[] = []) {
  const data = await loadData(await discoverFiles(files));
  return runPlan(compileFor(query, data), data, 0);
}

async function errorOf(query: string): Promise<string> {
  try {
    await run(query);
  } catch (e) {
    assert.ok(e instanceof ExfilwatchError, `expected a diagnostic, got ${(e as Error)?.stack}`);
    return formatDiagnostic(e.diagnostic, query);
  }
  assert.fail(`no error for ${query}`);
}

test('syntax error: line and column of the problem', async () => {
  assert.match(await errorOf('print x = '), /^error: query:1:\d+: .+ \(KS\d+\)$/);
  assert.match(await errorOf('DeviceProcessEvents\n| where FileName == "a"\n| summarize by'), /^error: query:3:\d+: .* \(KS\d+\)$/);
});

test('unknown column and unknown table name the place', async () => {
  assert.equal(await errorOf('DeviceProcessEvents | where NoSuchColumn == 1'),
    "error: query:1:29: The name 'NoSuchColumn' does not refer to any known column, table, variable or function. (KS142)");
  assert.match(await errorOf('NoSuchTable | take 1'), /^error: query:1:1: .*NoSuchTable.* \(KS\d+\)$/);
});

test('wrong types are binder errors', async () => {
  assert.match(await errorOf('print x = strlen(1) + "a"'), /\(KS\d+\)$/);
});

test('network reach is refused', async () => {
  assert.match(await errorOf('externaldata(x:string)[@"https://example.com/x.csv"] with (format="csv")'), /refused.*\(EW104\)$/);
  assert.match(await errorOf('cluster("help").database("Samples").StormEvents | take 1'), /\(EW104\)$|\(KS\d+\)$/);
});

test('Defender service functions bind but say why they cannot run', async () => {
  assert.match(await errorOf('DeviceFileEvents | invoke FileProfile()'), /FileProfile.*\(EW110\)$/);
});

test('huge literals and deep nesting fail cleanly', async () => {
  assert.match(await errorOf('print x = 99999999999999999999999999'), /\(KS\d+\)$|\(EW\d+\)$/);
  const deep = 'print x = ' + '('.repeat(3000) + '1' + ')'.repeat(3000);
  assert.match(await errorOf(deep), /\((EW|KS)\d+\)$/);
});

test('exact longs past 2^53 survive', async () => {
  const r = await run('print x = 9007199254740993, y = 9007199254740993 + 2');
  assert.equal(r.columns[0]![0], 9007199254740993n);
  assert.equal(r.columns[1]![0], 9007199254740995n);
});

test('bad rows: malformed lines are skipped and counted; wrong types become null', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'exfilwatch-'));
  const file = path.join(dir, 'DeviceNetworkEvents.jsonl');
  writeFileSync(file, [
    JSON.stringify({ Timestamp: '2026-11-01T10:00:00Z', RemotePort: 443, DeviceName: 'a' }),
    '{not json',
    JSON.stringify({ Timestamp: 'yesterday', RemotePort: 'https', DeviceName: 'b' }),
    JSON.stringify({ DeviceName: 'c' }),
  ].join('\n') + '\n');
  const data = await loadData(await discoverFiles([dir]));
  const r = await runPlan(compileFor('DeviceNetworkEvents | project DeviceName, RemotePort, Timestamp', data), data, 0);
  assert.deepEqual(r.columns[0], ['a', 'b', 'c']);
  assert.deepEqual(r.columns[1], [443, null, null]);
  assert.equal(r.columns[2]![1], null);
  assert.equal(data.stats.skipped, 1);
  assert.deepEqual(data.stats.warnings.map((w) => [path.basename(w.file), w.line]), [['DeviceNetworkEvents.jsonl', 2]]);
  assert.equal(data.stats.coercedToNull.get('DeviceNetworkEvents.RemotePort'), 1);
  assert.equal(data.stats.coercedToNull.get('DeviceNetworkEvents.Timestamp'), 1);
});

test('a truncated gzip names the file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'exfilwatch-'));
  const file = path.join(dir, 'DeviceProcessEvents.jsonl.gz');
  writeFileSync(file, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01]));
  await assert.rejects(run('DeviceProcessEvents | count', [dir]), (e: unknown) =>
    e instanceof ExfilwatchError && e.message.includes('DeviceProcessEvents.jsonl.gz'));
});
