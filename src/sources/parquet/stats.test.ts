import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { FLOW_SCHEMA } from './flow-schema.test-fixture.js';
import { type FieldTest, compileFieldTest, recordSource } from '../field-filter.js';
import { type DataFile, type SourceRecord, newStats } from '../reader.js';
import { PARSERS } from './decode.js';
import { parquetReader } from './parquet.js';
import { type ColumnStats, type GroupStats, STAT_PARSERS, groupStats, rowGroupMayPass, statColumns } from './stats.js';
import { mulberry32 } from '../seeded-random.js';

const ROOT = mkdtempSync(path.join(tmpdir(), 'exfilwatch-parquet-stats-'));
after(() => rmSync(ROOT, { recursive: true, force: true }));

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
const one = (column: string, s: Partial<ColumnStats> & Pick<ColumnStats, 'kind'>): GroupStats =>
  new Map([[column, { rows: 10, nulls: 0, exact: true, ...s }]]);
const AFTER: FieldTest = { op: 'after', column: 'Timestamp', bound: '2026-11-02T00:00:00.0000000Z', strict: true };

test('a time window skips a group whose latest time is before it, and only then', () => {
  const at = (max: string) => one('Timestamp', { kind: 'timestamp', min: '2026-11-01T00:00:00.0000000Z', max });
  assert.equal(rowGroupMayPass(AFTER, at('2026-11-01T23:59:59.9999999Z')), false);
  assert.equal(rowGroupMayPass(AFTER, at('2026-11-02T00:00:00.0000000Z')), false, 'strict: the bound itself fails');
  assert.equal(rowGroupMayPass({ ...AFTER, strict: false }, at('2026-11-02T00:00:00.0000000Z')), true);
  assert.equal(rowGroupMayPass(AFTER, at('2026-11-02T00:00:00.0000001Z')), true);
  // Not a timestamp column, or a maximum we cannot read: no skipping.
  assert.equal(rowGroupMayPass(AFTER, one('Timestamp', { kind: 'string', min: bytes('2020'), max: bytes('2020') })), true);
  assert.equal(rowGroupMayPass(AFTER, at('2026-11-01')), true);
  assert.equal(rowGroupMayPass(AFTER, one('Timestamp', { kind: 'timestamp' })), true);
  assert.equal(rowGroupMayPass(AFTER, new Map()), true);
  // Every row null: none is after anything.
  assert.equal(rowGroupMayPass(AFTER, one('Timestamp', { kind: 'timestamp', nulls: 10 })), false);
});

test('an integer list skips a group whose range holds none of its values', () => {
  const ports: FieldTest = { op: 'int_in', column: 'RemotePort', values: ['22', '443'] };
  const range = (min: bigint, max: bigint) => one('RemotePort', { kind: 'int', min, max, nulls: 3 });
  assert.equal(rowGroupMayPass(ports, range(1000n, 65535n)), false);
  assert.equal(rowGroupMayPass(ports, range(23n, 442n)), false);
  assert.equal(rowGroupMayPass(ports, range(443n, 443n)), true);
  assert.equal(rowGroupMayPass(ports, range(0n, 22n)), true);
  assert.equal(rowGroupMayPass(ports, one('RemotePort', { kind: 'string', min: bytes('1'), max: bytes('1') })), true);
  assert.equal(rowGroupMayPass({ op: 'int_in', column: 'ReportId', values: ['9007199254740993'] }, one('ReportId', { kind: 'int', min: 9007199254740992n, max: 9007199254740994n })), true);
});

test('an exact set skips by byte range; folding, a possible null "" or odd bounds do not', () => {
  const set: FieldTest = { op: 'in', column: 'ActionType', values: ['ConnectionFlow'], fold: false };
  const range = (min: string, max: string, nulls: number | undefined = 0, exact = true) => one('ActionType', { kind: 'string', min: bytes(min), max: bytes(max), nulls, exact });
  assert.equal(rowGroupMayPass(set, range('ConnectionSuccess', 'SslConnectionInt')), false);
  assert.equal(rowGroupMayPass(set, range('Connection', 'ConnectionG', undefined, false)), true);
  assert.equal(rowGroupMayPass({ ...set, fold: true }, range('ConnectionSuccess', 'SslConnectionInt')), true);
  assert.equal(rowGroupMayPass({ ...set, values: ['', 'x'] }, range('a', 'b', 2)), true, 'a null row is ""');
  assert.equal(rowGroupMayPass({ ...set, values: ['', 'x'] }, range('a', 'b', 0)), false);
  assert.equal(rowGroupMayPass(set, range('z', 'a')), true, 'min above max');
  // A value after a byte order mark decodes without it.
  const bom = one('ActionType', { kind: 'string', min: bytes('Zeta'), max: bytes('\uFEFFConnectionFlow') });
  assert.equal(rowGroupMayPass(set, bom), true);
  // Text compares by its UTF-8 bytes (UTF-16 order differs past U+FFFF).
  const astral: FieldTest = { op: 'in', column: 'ActionType', values: ['\u{1F600}'], fold: false };
  assert.equal(rowGroupMayPass(astral, one('ActionType', { kind: 'string', min: bytes('\uFF01'), max: bytes('\u{1F601}') })), true);
  assert.equal(rowGroupMayPass({ ...astral, values: ['\uFFFD'] }, range('a', 'b')), true, 'a replacement character may come from any bytes');
});

test('a constant or all-null column is judged by the row test itself; and/or/needs combine', () => {
  const cmd: FieldTest = { op: 'contains', column: 'ProcessCommandLine', values: ['rclone'] };
  const constant = (v: string, exact = true) => one('ProcessCommandLine', { kind: 'string', min: bytes(v), max: bytes(v), exact });
  assert.equal(rowGroupMayPass(cmd, constant('cmd.exe /c dir')), false);
  assert.equal(rowGroupMayPass(cmd, constant('RCLONE copy')), true);
  assert.equal(rowGroupMayPass(cmd, constant('cmd.exe /c dir', false)), true, 'a truncated bound is not a value');
  assert.equal(rowGroupMayPass({ op: 'in', column: 'FileName', values: ['rclone.exe'], fold: true }, one('FileName', { kind: 'string', min: bytes('RClone.EXE'), max: bytes('RClone.EXE') })), true);
  assert.equal(rowGroupMayPass({ op: 'blank', column: 'X' }, one('X', { kind: 'string', nulls: 10 })), true);
  assert.equal(rowGroupMayPass({ op: 'blank', column: 'X' }, one('X', { kind: 'string', min: bytes('a'), max: bytes('b') })), false);
  assert.equal(rowGroupMayPass({ op: 'blank', column: 'X' }, one('X', { kind: 'string', min: bytes(''), max: bytes('b') })), true);
  const stats: GroupStats = new Map([
    ['Timestamp', { kind: 'timestamp', rows: 10, nulls: 0, exact: true, min: '2026-11-01T00:00:00.0000000Z', max: '2026-11-01T10:00:00.0000000Z' }],
    ['RemotePort', { kind: 'int', rows: 10, nulls: 0, exact: true, min: 443n, max: 443n }],
  ]);
  const ports: FieldTest = { op: 'int_in', column: 'RemotePort', values: ['443'] };
  assert.equal(rowGroupMayPass({ op: 'and', items: [ports, AFTER] }, stats), false);
  assert.equal(rowGroupMayPass({ op: 'or', items: [ports, AFTER] }, stats), true);
  assert.equal(rowGroupMayPass({ op: 'needs', needles: ['x'], test: AFTER }, stats), false);
  assert.equal(rowGroupMayPass({ op: 'or', items: [AFTER, { op: 'int_in', column: 'Other', values: ['1'] }] }, stats), true, 'a column without statistics may pass');
});

test('statistics are read only for top-level columns whose order we know', () => {
  const buf = Buffer.from(parquetWriteBuffer({
    columnData: [
      { name: 'Timestamp', data: [1_793_527_200_000_000n, 1_793_530_800_000_000n, null] },
      { name: 'Ms', data: [1_793_527_200_000n, 1n, 2n] },
      { name: 'Port', data: [443, 22, null] },
      { name: 'Unsigned', data: [1, 2, 3] },
      { name: 'Name', data: ['b', 'a', 'c'] },
      { name: 'Json', data: ['{}', '[]', null] },
    ],
    schema: [
      { name: 'root', num_children: 6 },
      { name: 'Timestamp', type: 'INT64', repetition_type: 'OPTIONAL', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' } },
      { name: 'Ms', type: 'INT64', repetition_type: 'OPTIONAL', converted_type: 'TIMESTAMP_MILLIS' },
      { name: 'Port', type: 'INT32', repetition_type: 'OPTIONAL' },
      { name: 'Unsigned', type: 'INT32', repetition_type: 'OPTIONAL', converted_type: 'UINT_32' },
      { name: 'Name', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL', converted_type: 'UTF8' },
      { name: 'Json', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL', converted_type: 'JSON' },
    ],
  }));
  const md = parquetMetadata(new Uint8Array(buf).buffer, { parsers: { ...PARSERS, ...STAT_PARSERS } });
  const columns = statColumns(md);
  assert.deepEqual([...columns].map(([n, c]) => [n, c.kind]), [['Timestamp', 'timestamp'], ['Ms', 'timestamp'], ['Port', 'int'], ['Name', 'string']]);
  const s = groupStats(md, 0, columns, ['Timestamp', 'Port', 'Name', 'Json', 'Absent']);
  assert.deepEqual(s.get('Timestamp'), { kind: 'timestamp', rows: 3, nulls: 1, min: '2026-11-01T10:00:00.0000000Z', max: '2026-11-01T11:00:00.0000000Z', exact: true });
  assert.deepEqual(s.get('Port'), { kind: 'int', rows: 3, nulls: 1, min: 22n, max: 443n, exact: true });
  assert.deepEqual(Buffer.from(s.get('Name')!.min as Uint8Array).toString(), 'a');
  assert.equal(s.has('Json'), false);
  assert.equal(s.has('Absent'), false);
});

// Property: on generated files of many row groups, a group the statistics rule out holds no row
// the row test passes, and the reader's rows are the same with its field test as filtered after.


const NAMES = ['rclone.exe', 'RClone.exe', 'cmd.exe', 'powershell.exe', '', 'winscp.exe', '\uFEFFcmd.exe', 'zeta', 'é.exe'];
const DAY = 86_400_000_000n;
const START = 1_793_491_200_000_000n; // 2026-11-01T00:00:00Z in microseconds

function generated(rnd: () => number, rows: number): Buffer {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  // Times mostly rising, as exports are, so that groups cover different windows.
  const times = Array.from({ length: rows }, (_, i) => (rnd() < 0.05 ? null : START + (BigInt(i) * 2n * DAY) / BigInt(rows) + BigInt(Math.floor(rnd() * 3_600_000_000))));
  const portsBlock = [22, 443, 8080, 3389, 53];
  return Buffer.from(parquetWriteBuffer({
    columnData: [
      { name: 'Timestamp', data: times },
      { name: 'RemotePort', data: Array.from({ length: rows }, (_, i) => (rnd() < 0.05 ? null : portsBlock[Math.floor(i / 37) % portsBlock.length]! + (rnd() < 0.1 ? 1 : 0))) },
      { name: 'FileName', data: Array.from({ length: rows }, (_, i) => (rnd() < 0.05 ? null : i % 100 < 50 ? NAMES[Math.floor(i / 100) % NAMES.length]! : pick(NAMES))) },
      { name: 'ActionType', data: Array.from({ length: rows }, (_, i) => (Math.floor(i / 50) % 3 === 0 ? 'ConnectionSuccess' : pick(['ConnectionFlow', 'ConnectionSuccess', 'InboundConnectionAccepted']))) },
    ],
    schema: [...FLOW_SCHEMA],
    rowGroupSize: 50,
  }));
}

function randomTest(rnd: () => number, depth = 0): FieldTest {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const r = rnd();
  if (depth < 2 && r < 0.3) return { op: r < 0.15 ? 'and' : 'or', items: [randomTest(rnd, depth + 1), randomTest(rnd, depth + 1)] };
  switch (pick(['after', 'int_in', 'in', 'in_fold', 'contains', 'blank'] as const)) {
    case 'after': {
      const us = START + BigInt(Math.floor(rnd() * 2.2 * 86_400_000_000));
      return { op: 'after', column: 'Timestamp', bound: new Date(Number(us / 1000n)).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z'), strict: rnd() < 0.5 };
    }
    case 'int_in':
      return { op: 'int_in', column: 'RemotePort', values: [pick(['22', '443', '444', '9999']), pick(['53', '3390', '1'])] };
    case 'in':
      return { op: 'in', column: pick(['FileName', 'ActionType']), values: [pick([...NAMES, 'ConnectionFlow', 'ConnectionSuccess'])], fold: false };
    case 'in_fold':
      return { op: 'in', column: 'FileName', values: ['rclone.exe'], fold: true };
    case 'contains':
      return { op: 'contains', column: pick(['FileName', 'ActionType']), values: [pick(['clone', 'flow', 'exe'])] };
    case 'blank':
      return { op: 'blank', column: 'FileName' };
  }
}

async function read(p: string, fields?: FieldTest): Promise<SourceRecord[]> {
  const file: DataFile = { path: p, reader: 'parquet', gzip: false, table: 'T', routed: false };
  const out: SourceRecord[] = [];
  for await (const r of parquetReader.read(file, newStats(), fields && { fields })) out.push(r);
  return out;
}

test('property: statistics never rule out a group holding a passing row, and skipping never changes the rows read', async () => {
  let ruledOut = 0;
  let groups = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const rnd = mulberry32(seed);
    const buf = generated(rnd, 600);
    const p = path.join(ROOT, `g${seed}.parquet`);
    writeFileSync(p, buf);
    const md = parquetMetadata(new Uint8Array(buf).buffer, { parsers: { ...PARSERS, ...STAT_PARSERS } });
    const columns = statColumns(md);
    const all = await read(p);
    for (let k = 0; k < 8; k++) {
      const t = randomTest(rnd);
      const compiled = compileFieldTest(t);
      const passes = all.filter((r) => compiled.test(recordSource(compiled, r.rec)));
      let start = 0;
      for (let g = 0; g < md.row_groups.length; g++) {
        const n = Number(md.row_groups[g]!.num_rows);
        groups++;
        if (!rowGroupMayPass(t, groupStats(md, g, columns, compiled.columns))) {
          ruledOut++;
          const inGroup = passes.filter((r) => r.line! > start && r.line! <= start + n);
          assert.deepEqual(inGroup, [], `seed ${seed}, group ${g}: ${JSON.stringify(t)}`);
        }
        start += n;
      }
      assert.deepEqual(await read(p, t), passes, `seed ${seed}: ${JSON.stringify(t)}`);
    }
  }
  // The generated data does exercise skipping.
  assert.ok(ruledOut > groups / 10, `${ruledOut} of ${groups} groups ruled out`);
});
