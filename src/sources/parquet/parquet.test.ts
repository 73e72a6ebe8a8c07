import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetMetadata } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { FLOW_SCHEMA } from './flow-schema.test-fixture.js';
import { ExfilwatchError } from '../../diagnostics/facts.js';
import { compileFor, loadData, runPlan } from '../../engine/query.js';
import { formatDatetime } from '../../engine/values/datetime.js';
import type { I64 } from '../../engine/values/int64.js';
import { discoverFiles } from '../index.js';
import type { FieldTest } from '../field-filter.js';
import { type DataFile, type ReadHints, type SourceRecord, newStats } from '../reader.js';
import { newSharedScan } from '../shared-scan.js';
import { isoFromMicros, isoFromNanosFast } from './decode.js';
import { isoFromNanos, parquetReader } from './parquet.js';

const ROOT = mkdtempSync(path.join(tmpdir(), 'exfilwatch-parquet-test-'));
after(() => rmSync(ROOT, { recursive: true, force: true }));

function write(name: string, body: Buffer): string {
  const d = mkdtempSync(path.join(ROOT, 'd-'));
  const p = path.join(d, name);
  writeFileSync(p, body);
  return p;
}

async function readAll(p: string, gzip = false, hints?: ReadHints) {
  const stats = newStats();
  const file: DataFile = { path: p, reader: 'parquet', gzip, table: 'T', routed: false };
  const out: SourceRecord[] = [];
  for await (const r of parquetReader.read(file, stats, hints)) out.push(r);
  return { out, stats };
}

const N = 2500;
function numbered(rowGroupSize = 1000): Buffer {
  return Buffer.from(parquetWriteBuffer({
    columnData: [
      { name: 'ReportId', data: Array.from({ length: N }, (_, i) => 9007199254740990n + BigInt(i)), type: 'INT64' },
      { name: 'FileName', data: Array.from({ length: N }, (_, i) => `f${i}.exe`), type: 'STRING' },
    ],
    rowGroupSize,
  }));
}

test('Parquet types arrive as values the coercion takes: exact INT64, full-precision times, JSON, nulls', async () => {
  const p = write('DeviceNetworkEvents.parquet', Buffer.from(parquetWriteBuffer({
    columnData: [
      { name: 'Timestamp', data: [1_793_527_200_123_456_700n, null] },
      { name: 'InitiatingProcessCreationTime', data: [1_793_527_200_123_456n, 0n] },
      { name: 'RemotePort', data: [443, 22] },
      { name: 'ReportId', data: [9007199254740993n, 5n] },
      { name: 'RemoteUrl', data: ['mega.nz', null] },
      { name: 'AdditionalFields', data: [{ direction: 'Out', bytes: 10 }, null] },
      { name: 'IsInitiatingProcessRemoteSession', data: [true, false] },
      { name: 'Score', data: [1.5, -2] },
    ],
    schema: [
      { name: 'root', num_children: 8 },
      { name: 'Timestamp', type: 'INT64', repetition_type: 'OPTIONAL', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'NANOS' } },
      { name: 'InitiatingProcessCreationTime', type: 'INT64', repetition_type: 'OPTIONAL', converted_type: 'TIMESTAMP_MICROS' },
      { name: 'RemotePort', type: 'INT32', repetition_type: 'OPTIONAL' },
      { name: 'ReportId', type: 'INT64', repetition_type: 'OPTIONAL' },
      { name: 'RemoteUrl', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL', converted_type: 'UTF8' },
      { name: 'AdditionalFields', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL', converted_type: 'JSON' },
      { name: 'IsInitiatingProcessRemoteSession', type: 'BOOLEAN', repetition_type: 'OPTIONAL' },
      { name: 'Score', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
    ],
  })));
  const { out } = await readAll(p);
  assert.deepEqual(out[0]!.rec, {
    Timestamp: '2026-11-01T10:00:00.1234567Z',
    InitiatingProcessCreationTime: '2026-11-01T10:00:00.1234560Z',
    RemotePort: 443,
    ReportId: 9007199254740993n,
    RemoteUrl: 'mega.nz',
    AdditionalFields: '{"direction":"Out","bytes":10}',
    IsInitiatingProcessRemoteSession: true,
    Score: 1.5,
  });
  assert.equal(out[1]!.rec.Timestamp, null);
  assert.equal(out[1]!.rec.InitiatingProcessCreationTime, '1970-01-01T00:00:00.0000000Z');
  assert.equal(out[1]!.rec.ReportId, 5);

  const data = await loadData(await discoverFiles([p]));
  const b = await runPlan(compileFor('DeviceNetworkEvents | project Timestamp, ReportId, d = tostring(parse_json(AdditionalFields).direction), RemotePort', data), data, 0);
  assert.equal(formatDatetime(b.columns[0]![0] as I64), '2026-11-01T10:00:00.1234567Z');
  assert.deepEqual(b.columns.map((c) => c[0]), [b.columns[0]![0], 9007199254740993n, 'Out', 443]);
  assert.equal(data.stats.coercedToNull.size, 0);
});

test('row groups stream one at a time and every row comes out, numbered', async () => {
  const { out, stats } = await readAll(write('x.parquet', numbered()));
  assert.equal(out.length, N);
  assert.equal(stats.skipped, 0);
  assert.deepEqual(out[2499], { rec: { ReportId: 9007199254740990n + 2499n, FileName: 'f2499.exe' }, line: 2500 });
  const gz = await readAll(write('x.parquet.gz', gzipSync(numbered())), true);
  assert.equal(gz.out.length, N);
});

test('a file is claimed by its PAR1 magic whatever its name', async () => {
  const p = write('DeviceProcessEvents.export', numbered());
  const [f] = await discoverFiles([p]);
  assert.equal(f!.reader, 'parquet');
});

test('a corrupt row group is skipped, named and counted; the others are read', async () => {
  const buf = numbered();
  const md = parquetMetadata(buf);
  const off = Number(md.row_groups[1]!.columns[1]!.meta_data!.data_page_offset);
  const bad = Buffer.from(buf);
  bad.fill(0xff, off, off + 8);
  const { out, stats } = await readAll(write('bad.parquet', bad));
  assert.equal(out.length, 1500);
  assert.equal(out[1000]!.line, 2001);
  assert.equal(stats.skipped, 1);
  assert.match(stats.warnings[0]!.message, /^row group 2 \(rows 1001-2000, byte offset \d+\) could not be read: /);
  const strict = newStats(true);
  await assert.rejects(async () => {
    for await (const _ of parquetReader.read({ path: stats.warnings[0]!.file, reader: 'parquet', gzip: false, table: 'T', routed: false }, strict));
  }, ExfilwatchError);
});

test('a truncated or foreign file is an error naming the file', async () => {
  const buf = numbered();
  for (const [name, body] of [['cut.parquet', buf.subarray(0, buf.length - 100)], ['text.parquet', Buffer.from('Timestamp,FileName\n')], ['empty.parquet', Buffer.alloc(0)]] as const) {
    const p = write(name, body);
    await assert.rejects(readAll(p), (e: unknown) => {
      assert.ok(e instanceof ExfilwatchError);
      assert.equal(e.diagnostic.file, p);
      assert.match(e.message, new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a valid Parquet file`));
      return true;
    });
  }
});

test('nanosecond times keep 100 ns ticks, before 1970 too, and out-of-range is null', () => {
  assert.equal(isoFromNanos(1_793_527_200_123_456_789n), '2026-11-01T10:00:00.1234567Z');
  assert.equal(isoFromNanos(-1n), '1969-12-31T23:59:59.9999999Z');
  assert.equal(isoFromNanos(-1_000_000_000n), '1969-12-31T23:59:59.0000000Z');
  assert.equal(isoFromNanos(400_000_000_000_000_000_000n), null);
});

test('fast time formatting writes what isoFromNanos writes', () => {
  let x = 12345;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  const micros = [0n, -1n, 1n, 999_999n, -1_000_000n, 1_793_527_200_123_456n, 2n ** 52n - 1n, -(2n ** 52n) + 1n, 2n ** 52n, 2n ** 60n, -(2n ** 60n)];
  for (let i = 0; i < 2000; i++) micros.push((BigInt(next()) * BigInt(next()) * (i % 2 ? 1n : -1n)) % 4_000_000_000_000_000n);
  for (const us of micros) {
    assert.equal(isoFromMicros(us), isoFromNanos(us * 1000n), `${us} µs`);
    assert.equal(isoFromMicros(Number(us)), isoFromNanos(BigInt(Number(us)) * 1000n), `${us} µs as a number`);
    const ns = us * 1000n + BigInt(next() % 1000);
    assert.equal(isoFromNanosFast(ns), isoFromNanos(ns), `${ns} ns`);
  }
});

function events(rows: number, shift = 0): Buffer {
  const start = 1_793_491_200_000_000n; // 2026-11-01T00:00:00Z in microseconds
  return Buffer.from(parquetWriteBuffer({
    columnData: [
      { name: 'Timestamp', data: Array.from({ length: rows }, (_, i) => start + BigInt(i + shift) * 600_000_000n) },
      { name: 'RemotePort', data: Array.from({ length: rows }, (_, i) => [22, 443, 80, 8080][(i + shift) % 4]!) },
      { name: 'FileName', data: Array.from({ length: rows }, (_, i) => ['rclone.exe', 'cmd.exe', 'curl.exe'][(i + shift) % 3]!) },
      { name: 'ActionType', data: Array.from({ length: rows }, (_, i) => ((i + shift) % 5 === 0 ? 'ConnectionFlow' : 'ConnectionSuccess')) },
    ],
    schema: [...FLOW_SCHEMA],
    rowGroupSize: 100,
  }));
}

const RECENT: FieldTest = { op: 'after', column: 'Timestamp', bound: '2026-11-02T12:00:00.0000000Z', strict: true };
const SSH: FieldTest = { op: 'int_in', column: 'RemotePort', values: ['22'] };

test('the scans of a table share one read of a file, each getting the rows its own read would', async () => {
  const p = write('DeviceNetworkEvents.parquet', events(400));
  const alone0 = await readAll(p, false, { fields: RECENT, columns: new Set(['Timestamp', 'FileName']) });
  const alone1 = await readAll(p, false, { fields: SSH, columns: new Set(['RemotePort', 'Timestamp']) });
  const alone2 = await readAll(p, false, { fields: SSH, columns: new Set(['ActionType', 'RemotePort']) });
  assert.equal(alone0.out.length, 183); // statistics skip the earlier row groups
  assert.equal(alone1.out.length, 100);
  assert.deepEqual(Object.keys(alone2.out[0]!.rec), ['RemotePort', 'ActionType']);

  const shared = newSharedScan([RECENT, SSH, SSH]);
  const first = await readAll(p, false, { fields: RECENT, columns: new Set(['Timestamp', 'FileName']), shared, member: 0 });
  assert.deepEqual(first.out, alone0.out);
  // The columns of every scan's test were decoded by the first read, for every row a scan may
  // take: another scan reading only those takes them from there (the file changing now does not
  // change them).
  const original = events(400);
  writeFileSync(p, events(400, 1));
  const second = await readAll(p, false, { fields: SSH, columns: new Set(['RemotePort', 'Timestamp']), shared, member: 1 });
  assert.deepEqual(second.out, alone1.out);
  // A `let` scanned twice reads the kept rows again.
  assert.deepEqual((await readAll(p, false, { fields: RECENT, columns: new Set(['Timestamp', 'FileName']), shared, member: 0 })).out, alone0.out);
  // Columns the first read did not decode (no test reads them) are decoded for the rows this scan takes.
  writeFileSync(p, original);
  const third = await readAll(p, false, { fields: SSH, columns: new Set(['ActionType', 'RemotePort']), shared, member: 2 });
  assert.deepEqual(third.out, alone2.out);
  assert.ok(shared.kept > 0);
});

test('a scan that starts while another is still reading the file reads for itself', async () => {
  const p = write('DeviceNetworkEvents.parquet', events(400));
  const shared = newSharedScan([RECENT, SSH]);
  const file: DataFile = { path: p, reader: 'parquet', gzip: false, table: 'T', routed: false };
  const a = parquetReader.read(file, newStats(), { fields: RECENT, shared, member: 0 })[Symbol.asyncIterator]();
  await a.next(); // the first read is under way
  const b = await readAll(p, false, { fields: SSH, shared, member: 1 });
  assert.deepEqual(b.out, (await readAll(p, false, { fields: SSH })).out);
  let n = 1;
  while (!(await a.next()).done) n++;
  assert.equal(n, 183);
});

test('a row group\'s other columns are decoded only when its test keeps a row', async () => {
  const buf = events(400);
  const md = parquetMetadata(new Uint8Array(buf).buffer);
  const off = Number(md.row_groups[1]!.columns[3]!.meta_data!.data_page_offset); // ActionType, rows 101-200
  const bad = Buffer.from(buf);
  bad.fill(0xff, off, off + 8);
  const p = write('DeviceNetworkEvents.parquet', bad);
  const columns = new Set(['Timestamp', 'FileName', 'ActionType']);
  // No row has this name (folding: the statistics cannot tell): the damaged column is never read.
  const none = await readAll(p, false, { fields: { op: 'in', column: 'FileName', values: ['nothing.exe'], fold: true }, columns });
  assert.deepEqual([none.out.length, none.stats.skipped], [0, 0]);
  // Rows kept in that group need it: the group is skipped and named.
  const some = await readAll(p, false, { fields: { op: 'in', column: 'FileName', values: ['rclone.exe'], fold: true }, columns });
  assert.equal(some.stats.skipped, 1);
  assert.match(some.stats.warnings[0]!.message, /^row group 2 \(rows 101-200/);
  assert.equal(some.out.length, 134 - 33); // every third row, less those of row group 2
  assert.deepEqual(Object.keys(some.out[0]!.rec), ['Timestamp', 'FileName', 'ActionType']);
});
