import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type FileMetaData, type SchemaElement, parquetMetadata, snappyUncompress } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { lcg } from '../seeded-random.js';
import { compileBatchTest } from '../field-filter.js';
import { PARSERS, decodeOptions, readGroup } from './decode.js';
import { Unsupported, chunkRange, decodeFlatColumn, formOf } from './flat.js';

const ROOT = mkdtempSync(path.join(tmpdir(), 'exfilwatch-flat-test-'));
after(() => rmSync(ROOT, { recursive: true, force: true }));

const asyncBuffer = (buf: Uint8Array) => ({
  byteLength: buf.length,
  slice: async (s: number, e?: number) => buf.slice(s, e).buffer,
});

/** Every row group read with the flat decoder and with hyparquet alone. */
async function bothWays(buf: Uint8Array, columns?: string[], tests?: Parameters<typeof readGroup>[4]) {
  const md = parquetMetadata(buf.slice().buffer, { parsers: PARSERS });
  const file = asyncBuffer(buf);
  const out: { flat: unknown; hyparquet: unknown }[] = [];
  try {
    for (let g = 0; g < md.row_groups.length; g++) {
      decodeOptions.flat = true;
      const flat = await readGroup(file, md, g, columns, tests);
      decodeOptions.flat = false;
      const hyparquet = await readGroup(file, md, g, columns, tests);
      out.push({ flat: sorted(flat), hyparquet: sorted(hyparquet) });
    }
  } finally {
    decodeOptions.flat = true;
  }
  return { md, out };
}

const sorted = (g: { columns: [string, unknown[]][] }) => ({ ...g, columns: [...g.columns].sort((a, b) => a[0].localeCompare(b[0])) });

/** Decodes every top-level column chunk of every group with flat.ts alone (it must take them). */
function decodeAllFlat(buf: Uint8Array, md: FileMetaData): number {
  let n = 0;
  for (const rg of md.row_groups) {
    for (const c of rg.columns) {
      const meta = c.meta_data!;
      const element = md.schema.find((e) => e.name === meta.path_in_schema[0])!;
      const [from, to] = chunkRange(meta);
      const col = decodeFlatColumn(buf.subarray(from, to), element, meta, Number(rg.num_rows), PARSERS, { snappy: snappyUncompress });
      assert.equal(col.codes.length, Number(rg.num_rows));
      n++;
    }
  }
  return n;
}

function randomTable(seed: number, rows: number) {
  const r = lcg(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const maybe = <T>(v: T, nulls: number): T | null => (r() < nulls ? null : v);
  const nulls = r() < 0.5 ? 0 : 0.2;
  const names = ['rclone.exe', 'chrome.exe', 'svchost.exe', 'Ünïcode ✓.exe', ''];
  return [
    { name: 'FileName', type: 'STRING' as const, data: Array.from({ length: rows }, () => maybe(pick(names), nulls)) },
    { name: 'CommandLine', type: 'STRING' as const, data: Array.from({ length: rows }, (_, i) => maybe(`cmd ${i} ${pick(['sftp', 'copy', 'x'])}`, nulls)) },
    { name: 'RemotePort', type: 'INT32' as const, data: Array.from({ length: rows }, () => maybe(pick([443, 22, -1, 2147483647, 0]), nulls)) },
    { name: 'ReportId', type: 'INT64' as const, data: Array.from({ length: rows }, (_, i) => maybe(pick([9007199254740993n, -9007199254740992n, 9007199254740991n, BigInt(i), -5n]), nulls)) },
    { name: 'Score', type: 'DOUBLE' as const, data: Array.from({ length: rows }, () => maybe(pick([1.5, -0, 1e300, Number.NaN]), nulls)) },
    { name: 'Ratio', type: 'FLOAT' as const, data: Array.from({ length: rows }, () => maybe(pick([0.1, 2, -3.25]), nulls)) },
    { name: 'Remote', type: 'BOOLEAN' as const, data: Array.from({ length: rows }, () => maybe(r() < 0.5, nulls)) },
    { name: 'Extra', type: 'JSON' as const, data: Array.from({ length: rows }, (_, i) => maybe({ n: i % 3 }, nulls)) },
  ].map((c) => ({ ...c, nullable: nulls > 0 || c.data.some((v) => v === null) }));
}

test('flat columns decode to the values hyparquet gives: types, nulls, dictionaries, plain pages, many pages', async () => {
  for (let seed = 1; seed <= 12; seed++) {
    const rows = 50 + seed * 97;
    const r = lcg(seed * 31);
    const columns = randomTable(seed, rows).map((c) => ({
      ...c,
      // Dictionary pages, plain pages, and dictionaries that overflow into plain pages.
      ...(r() < 0.3 ? { encoding: 'PLAIN' as const } : {}),
    }));
    const buf = new Uint8Array(parquetWriteBuffer({
      columnData: columns as never,
      rowGroupSize: [rows, 200, 64][seed % 3],
      pageSize: [1 << 20, 512, 64][seed % 3],
      dictionarySize: seed % 4 === 0 ? 64 : undefined,
      codec: seed % 2 ? 'SNAPPY' : 'UNCOMPRESSED',
    }));
    const { md, out } = await bothWays(buf);
    assert.ok(decodeAllFlat(buf, md) > 0);
    for (const [g, o] of out.entries()) assert.deepEqual(o.flat, o.hyparquet, `seed ${seed}, group ${g}`);
  }
});

/** The same times (µs, null for none) as TIMESTAMP columns in each unit: schema elements and data; nanoseconds get `ns` more. */
function timeColumns(micros: (bigint | null)[], ns: bigint) {
  return {
    elements: [
      { name: 'Ms', type: 'INT64', repetition_type: 'OPTIONAL', converted_type: 'TIMESTAMP_MILLIS' },
      { name: 'Us', type: 'INT64', repetition_type: 'OPTIONAL', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' } },
      { name: 'Ns', type: 'INT64', repetition_type: 'OPTIONAL', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'NANOS' } },
    ] as SchemaElement[],
    data: [
      { name: 'Ms', data: micros.map((v) => (v === null ? null : v / 1000n)) },
      { name: 'Us', data: micros },
      { name: 'Ns', data: micros.map((v) => (v === null ? null : v * 1000n + ns)) },
    ],
  };
}

test('timestamps, dates and unsigned integers in every unit convert as hyparquet with our parsers', async () => {
  const rows = 300;
  const micros = Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? null : 1_793_527_200_123_456n + BigInt(i) * 1_000_003n));
  const times = timeColumns(micros, 7n);
  const schema: SchemaElement[] = [
    { name: 'root', num_children: 6 },
    ...times.elements,
    { name: 'Day', type: 'INT32', repetition_type: 'REQUIRED', converted_type: 'DATE' },
    { name: 'U32', type: 'INT32', repetition_type: 'REQUIRED', converted_type: 'UINT_32' },
    { name: 'Small', type: 'INT32', repetition_type: 'REQUIRED', converted_type: 'INT_16' },
  ];
  const buf = new Uint8Array(parquetWriteBuffer({
    schema: schema as never,
    columnData: [
      ...times.data,
      { name: 'Day', data: Array.from({ length: rows }, (_, i) => 20_000 + (i % 40)) },
      { name: 'U32', data: Array.from({ length: rows }, (_, i) => (i % 2 ? 4_000_000_000 : i)) },
      { name: 'Small', data: Array.from({ length: rows }, (_, i) => (i % 5) - 2) },
    ] as never,
    rowGroupSize: 128,
    pageSize: 256,
  }));
  const { md, out } = await bothWays(buf);
  assert.equal(decodeAllFlat(buf, md), 6 * md.row_groups.length);
  for (const o of out) assert.deepEqual(o.flat, o.hyparquet);
  const first = new Map((out[0]!.flat as { columns: [string, unknown[]][] }).columns);
  assert.equal(first.get('Us')![1], '2026-11-01T10:00:01.1234590Z');
});

test('field tests on flat columns keep the rows and bits the row-by-row tests keep', async () => {
  for (let seed = 1; seed <= 6; seed++) {
    const rows = 700;
    const buf = new Uint8Array(parquetWriteBuffer({ columnData: randomTable(seed, rows) as never, rowGroupSize: 256, pageSize: 1024 }));
    const tests = [
      { op: 'or', items: [{ op: 'in', column: 'FileName', values: ['rclone.exe', 'ünïcode ✓.exe'], fold: true }, { op: 'contains', column: 'CommandLine', values: ['sftp'] }] },
      { op: 'and', items: [{ op: 'int_in', column: 'RemotePort', values: ['443', '22'] }, { op: 'blank', column: 'Missing' }] },
      { op: 'needs', needles: ['x'], test: { op: 'in', column: 'FileName', values: [''], fold: false } },
    ] as const;
    const { out } = await bothWays(buf, ['FileName', 'RemotePort', 'ReportId'], tests.map((t) => compileBatchTest(t as never)));
    let kept = 0;
    for (const o of out) {
      assert.deepEqual(o.flat, o.hyparquet, `seed ${seed}`);
      kept += (o.flat as { rows?: number[] }).rows?.length ?? 0;
    }
    assert.ok(kept > 0 && kept < rows, `seed ${seed}: ${kept} rows kept`);
  }
});

test('a damaged chunk throws (never reads past its pages), and readGroup falls back to hyparquet', async () => {
  const buf = new Uint8Array(parquetWriteBuffer({ columnData: randomTable(3, 400) as never, rowGroupSize: 400, pageSize: 300 }));
  const md = parquetMetadata(buf.slice().buffer, { parsers: PARSERS });
  const r = lcg(99);
  let threw = 0;
  for (const c of md.row_groups[0]!.columns) {
    const meta = c.meta_data!;
    const element = md.schema.find((e) => e.name === meta.path_in_schema[0])!;
    const [from, to] = chunkRange(meta);
    for (let k = 0; k < 60; k++) {
      const bad = buf.slice(from, to);
      if (k % 3 === 0) bad[Math.floor(r() * bad.length)] ^= 1 << Math.floor(r() * 8);
      const cut = k % 3 === 1 ? bad.subarray(0, Math.floor(r() * bad.length)) : bad;
      try {
        const col = decodeFlatColumn(cut, element, meta, 400, PARSERS, { snappy: snappyUncompress });
        assert.equal(col.codes.length, 400);
        for (const code of col.codes) assert.ok(code >= -1 && code < col.values.length);
      } catch (e) {
        assert.ok(e instanceof Error);
        threw++;
      }
    }
  }
  assert.ok(threw > 0);
  // A column it leaves (a nested list) is hyparquet's.
  assert.equal(formOf({ name: 'x', num_children: 1 }), undefined);
  assert.throws(() => decodeFlatColumn(new Uint8Array(0), { name: 'x', type: 'INT96' }, md.row_groups[0]!.columns[0]!.meta_data!, 1, PARSERS, { snappy: snappyUncompress }), Unsupported);
});

test('a file of nested and flat columns reads the same both ways', async () => {
  const rows = 120;
  const buf = new Uint8Array(parquetWriteBuffer({
    columnData: [
      { name: 'Ports', data: Array.from({ length: rows }, (_, i) => [i, i + 1]) },
      { name: 'FileName', data: Array.from({ length: rows }, (_, i) => `f${i % 9}.exe`), type: 'STRING' },
    ] as never,
    rowGroupSize: 50,
  }));
  const p = path.join(ROOT, 'nested.parquet');
  await fs.writeFile(p, buf);
  const { out } = await bothWays(buf);
  for (const o of out) assert.deepEqual(o.flat, o.hyparquet);
});

test('a file DuckDB writes (version 1 data pages) reads the same both ways', async () => {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const p = path.join(ROOT, 'duckdb.parquet');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(`COPY (
    SELECT i::INTEGER AS RemotePort,
           CASE WHEN i % 5 = 0 THEN NULL ELSE 'host-' || (i % 17) END AS DeviceName,
           (i * 9007199254740)::BIGINT AS Big,
           TIMESTAMP '2026-11-01 10:00:00' + to_microseconds(i * 1000003) AS Timestamp,
           i % 3 = 0 AS Flag,
           i / 7.0 AS Score,
           repeat('x', i % 300) || i::VARCHAR AS CommandLine
    FROM range(0, 5000) t(i)
  ) TO '${p}' (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
  conn.closeSync();
  const buf = new Uint8Array(await fs.readFile(p));
  const { md, out } = await bothWays(buf);
  assert.ok(md.row_groups.length >= 2);
  assert.equal(decodeAllFlat(buf, md), md.row_groups.length * 7);
  for (const o of out) assert.deepEqual(o.flat, o.hyparquet);
});

test('time tests on timestamp columns compare the integers as the texts compare', async () => {
  const rows = 400;
  const r = lcg(5);
  const base = 1_793_527_200_000_000n;
  const micros = Array.from({ length: rows }, (_, i) => (i % 11 === 0 ? null : base + BigInt(Math.floor(r() * 4e9)) - 2_000_000_000n));
  micros[1] = base; // exactly on the bound below
  const times = timeColumns(micros, 50n);
  const buf = new Uint8Array(parquetWriteBuffer({
    schema: [{ name: 'root', num_children: 3 }, ...times.elements] as never,
    columnData: times.data as never,
    rowGroupSize: 150,
  }));
  const bounds = ['2026-11-01T10:00:00.0000000Z', '2026-11-01T10:00:00.0000005Z', '2026-11-01T09:59:59.9999999Z', '1600-01-01T00:00:00.0000000Z', '9999-12-31T23:59:59.9999999Z'];
  for (const bound of bounds) {
    for (const strict of [true, false]) {
      const tests = ['Ms', 'Us', 'Ns'].map((column) => compileBatchTest({ op: 'after', column, bound, strict }));
      const { out } = await bothWays(buf, ['Us'], tests);
      let kept = 0;
      for (const o of out) {
        assert.deepEqual(o.flat, o.hyparquet, `${bound} strict ${strict}`);
        kept += (o.flat as { rows?: number[] }).rows?.length ?? 150;
      }
      if (bound.startsWith('9999')) assert.equal(kept, 0);
      else assert.ok(kept > 0, `${bound} strict ${strict}`);
    }
  }
});

test('a time test on integer times formats none of them', () => {
  let formatted = 0;
  const micros = [1_793_527_199_999_999, 1_793_527_200_000_000, 1_793_527_200_000_001, null];
  const column = {
    codes: Int32Array.from([0, 1, 2, -1]),
    values: micros,
    time: { ticks: 10, plain: (v: unknown) => { formatted++; return v === null ? null : String(v); } },
  };
  const test = (strict: boolean) => [...compileBatchTest({ op: 'after', column: 'T', bound: '2026-11-01T10:00:00.0000000Z', strict }).rows(() => column, 4)];
  assert.deepEqual(test(true), [2]);
  assert.deepEqual(test(false), [1, 2]);
  assert.equal(formatted, 0);
});
