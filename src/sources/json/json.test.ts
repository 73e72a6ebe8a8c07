import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { type DataFile, type SourceRecord, newStats } from '../reader.js';
import { parseJsonExact } from './exact.js';
import { jsonReader } from './json.js';
import { newSharedScan } from '../shared-scan.js';
import type { FieldTest } from '../field-filter.js';
import { scanDocument } from './scan.js';

const ROOT = mkdtempSync(path.join(tmpdir(), 'exfilwatch-json-test-'));
after(() => rmSync(ROOT, { recursive: true, force: true }));

async function read(name: string, body: string | Buffer, strict = false) {
  const d = mkdtempSync(path.join(ROOT, 'd-'));
  const p = path.join(d, name);
  writeFileSync(p, body);
  const stats = newStats(strict);
  const file: DataFile = { path: p, reader: 'json', gzip: name.endsWith('.gz'), table: 'T', routed: false };
  const out: SourceRecord[] = [];
  for await (const r of jsonReader.read(file, stats)) out.push(r);
  return { out, stats, recs: out.map((r) => r.rec), warnings: stats.warnings.map((w) => `${w.line}: ${w.message}`) };
}

test('documents stream: arrays, API results, streaming-API messages, one object, several values', async () => {
  const arr = await read('a.json', '[\n {"a":1},\n {"a":2, "b":"x,]}\\""},\n 5,\n {"a": 3}\n]\n');
  assert.deepEqual(arr.recs, [{ a: 1 }, { a: 2, b: 'x,]}"' }, { a: 3 }]);
  assert.deepEqual(arr.out.map((r) => r.line), [2, 3, 5]);
  assert.deepEqual(arr.warnings, ['4: expected a JSON object']);

  const api = await read('b.json', '{\n "Schema": [{"Name":"a","Type":"Int64"}],\n "Results": [\n  {"a":1},\n  {"a":2}\n ],\n "Stats": {}\n}');
  assert.deepEqual(api.recs, [{ a: 1 }, { a: 2 }]);
  assert.deepEqual(api.warnings, []);

  const msgs = await read('c.json', '{\n "records": [\n  {"category":"AdvancedHunting-DeviceProcessEvents","properties":{"a":1}}\n ]\n}\n{"records":[\n {"category":"AdvancedHunting-DeviceNetworkEvents","properties":{"a":2}}]}');
  assert.deepEqual(msgs.out.map((r) => [r.table, r.rec]), [['DeviceProcessEvents', { a: 1 }], ['DeviceNetworkEvents', { a: 2 }]]);

  const one = await read('d.json', '{\n "a": 1,\n "Results": 3,\n "c": {"d": [1, 2]}\n}\n');
  assert.deepEqual(one.recs, [{ a: 1, Results: 3, c: { d: [1, 2] } }]);

  assert.deepEqual((await read('e.json', '\uFEFF[\n{"a":1}\n]')).recs, [{ a: 1 }]);
  assert.deepEqual((await read('f.json', '')).recs, []);
  assert.deepEqual((await read('g.json.gz', gzipSync('{"Results":[\n{"a":1},\n{"a":2}]}'))).recs, [{ a: 1 }, { a: 2 }]);
});

test('a one-line document too long to look at whole still streams', async () => {
  const rows = Array.from({ length: 30_000 }, (_, i) => ({ i, s: 'x'.repeat(40) }));
  const { recs, stats } = await read('long.json', JSON.stringify({ Schema: [], Results: rows }));
  assert.equal(recs.length, 30_000);
  assert.deepEqual(recs[29_999], rows[29_999]);
  assert.equal(stats.skipped, 0);
});

test('JSON lines under a .json name, and one-line documents, read as lines', async () => {
  const lines = await read('h.json', '{"a":1}\n{"a":\n{"records":[{"a":3},{"a":4}]}\n[{"a":5}]\n{"Results":[{"a":6}]}\n');
  assert.deepEqual(lines.recs, [{ a: 1 }, { a: 3 }, { a: 4 }, { a: 5 }, { a: 6 }]);
  assert.deepEqual(lines.out.map((r) => r.line), [1, 3, 3, 4, 5]);
  assert.match(lines.warnings.join(), /^2: not valid JSON/);
});

test('a bad element costs that element; a truncated document keeps what came before', async () => {
  const quote = await read('q.json', '[\n {"a":1},\n {"a":"unterminated\n },\n {"a":3}\n]\n');
  assert.deepEqual(quote.recs, [{ a: 1 }, { a: 3 }]);
  assert.equal(quote.stats.skipped, 1);
  assert.match(quote.warnings[0]!, /^3: not valid JSON/);

  const cut = await read('t.json', '[\n {"a":1},\n {"a":2},\n {"a":');
  assert.deepEqual(cut.recs, [{ a: 1 }, { a: 2 }]);
  assert.deepEqual(cut.warnings, ['4: unexpected end of file inside a JSON value (truncated?)']);

  const open = await read('o.json', '{"Results": [\n {"a":1}\n');
  assert.deepEqual(open.recs, [{ a: 1 }]);
  assert.deepEqual(open.warnings, ['1: unexpected end of file: the JSON object opened here is not closed (truncated?)']);

  await assert.rejects(read('s.json', '[\n {"a":1},\n {"a":,\n {"a":3}\n]\n', true), /s\.json:3: not valid JSON/);
});

test('the scanner cuts the same rows whatever the chunk boundaries', async () => {
  const doc = '{ "Schema": [{"Name":"x"}], "Results" : [ {"a":"q\\"[{,"}, {"b":[1,{"c":2}]} ,{"d":"\\\\"} ], "n": null }\n[{"e":1}]';
  const expected = [{ a: 'q"[{,' }, { b: [1, { c: 2 }] }, { d: '\\' }, { e: 1 }];
  for (const size of [1, 2, 3, 7, 1000]) {
    const chunks = async function* () { for (let i = 0; i < doc.length; i += size) yield doc.slice(i, i + size); };
    const stats = newStats();
    const rows: unknown[] = [];
    for await (const batch of scanDocument(chunks(), 'x.json', stats)) rows.push(...batch.map((r) => r.value));
    assert.deepEqual(rows, expected, `chunks of ${size}`);
    assert.equal(stats.skipped, 0);
  }
});

test('integers past 2^53 stay exact; strings and decimals are left alone', async () => {
  assert.deepEqual(parseJsonExact('{"ReportId": 9007199254740993, "s": "12345678901234567890", "r": 12345678901234567.5, "n": -9223372036854775808, "w": 123456789012345678901}'),
    { ReportId: 9007199254740993n, s: '12345678901234567890', r: 12345678901234567.5, n: -9223372036854775808n, w: 123456789012345678901 });
  assert.deepEqual(parseJsonExact('{"a": 1234567890123456}'), { a: 1234567890123456 });
  const { recs } = await read('big.jsonl', '{"ReportId":123456789012345678}\n');
  assert.equal(recs[0]!.ReportId, 123456789012345678n);
});

test('a scan of known columns parses on the scan threads: the same records, numbers and warnings as parsing on the reader', async () => {
  const { scanOptions } = await import('./parallel.js');
  const saved = { ...scanOptions };
  const lines: string[] = [];
  for (let i = 0; i < 300; i++) {
    const rec = { Timestamp: `2026-11-01T00:00:${String(i % 60).padStart(2, '0')}.0000000Z`, ReportId: `${9007199254740993n + BigInt(i)}`, Name: `n${i % 7}`, Extra: { deep: [i, 'x'] }, Unused: 'u'.repeat(i % 50) };
    let line = JSON.stringify(rec).replace(/"ReportId":"(\d+)"/, '"ReportId":$1');
    if (i % 23 === 5) line = line.slice(0, -3); // truncated
    else if (i % 29 === 7) line = `[${line}, 5, "x"]`; // an array with non-objects
    else if (i % 31 === 9) line = JSON.stringify({ records: [{ category: 'AdvancedHunting-Other', properties: rec }, { category: 'AdvancedHunting-T', properties: rec }] });
    else if (i % 37 === 11) line = '';
    else if (i % 41 === 13) line = ` ${line}\r`;
    lines.push(line);
  }
  const body = '\uFEFF' + lines.join('\n') + '\n';
  const d = mkdtempSync(path.join(ROOT, 'proj-'));
  const p = path.join(d, 'T.jsonl');
  writeFileSync(p, body);
  const file: DataFile = { path: p, reader: 'json', gzip: false, table: 'T', routed: false };
  const columns = new Set(['Timestamp', 'ReportId', 'Name', 'Extra']);
  const run = async (hints: { columns?: Set<string> }) => {
    const stats = newStats();
    const out: SourceRecord[] = [];
    for await (const r of jsonReader.read(file, stats, { ...hints, fields: { op: 'contains', column: 'Name', values: ['n'] } })) out.push(r);
    const recs = out.map((r) => ({ table: r.table, line: r.line, rec: Object.fromEntries([...columns].map((c) => [c, r.rec[c]])) }));
    return { recs, warnings: stats.warnings.map((w) => `${w.line}: ${w.message}`), skipped: stats.skipped };
  };
  try {
    // Small blocks and a worker, so records come from both threads and lines straddle blocks.
    Object.assign(scanOptions, { blockBytes: 997, minBlocksForWorkers: 2, workers: 1 });
    const parsedHere = await run({});
    const parsedThere = await run({ columns });
    assert.ok(parsedHere.recs.length > 250 && parsedHere.skipped > 10);
    assert.deepEqual(parsedThere, parsedHere);
    assert.equal(typeof parsedThere.recs[0]!.rec.ReportId, 'bigint', 'integers past 2^53 cross threads exact');
  } finally {
    Object.assign(scanOptions, saved);
  }
});

test('a shared read parses each kept line once, for every scan it serves, and hands each scan its own records', async () => {
  const d = mkdtempSync(path.join(ROOT, 'd-'));
  const p = path.join(d, 'T.jsonl');
  const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify({ a: i % 3 === 0 ? 'x' : 'y', b: i, c: 'c'.repeat(i % 7), d: i % 5 === 0 ? 'z' : 'w' }));
  writeFileSync(p, lines.join('\n'));
  const file: DataFile = { path: p, reader: 'json', gzip: false, table: 'T', routed: false };
  const tests: FieldTest[] = [{ op: 'in', column: 'a', values: ['x'], fold: false }, { op: 'in', column: 'd', values: ['z'], fold: false }];
  const shared = newSharedScan(tests);
  shared.columns = [new Set(['a', 'b']), new Set(['d'])];
  const stats = newStats();
  const take = async (member: number) => {
    const out: SourceRecord[] = [];
    for await (const r of jsonReader.read(file, stats, { fields: tests[member], columns: shared.columns[member], shared, member })) out.push(r);
    return out;
  };
  const first = await take(0);
  // The read kept records (parsed where the lines were scanned), with the columns of both scans.
  const entry = shared.files.get(p)!;
  assert.equal(entry.state, 'complete');
  assert.ok(entry.records && entry.lines.length === 0);
  assert.deepEqual(first.map((r) => r.rec), lines.map((l) => JSON.parse(l)).filter((r) => r.a === 'x').map(({ a, b, d }) => ({ a, b, d })));
  for (const r of first) r.rec.d = 'changed by the first scan';
  const second = await take(1);
  assert.deepEqual(second.map((r) => [r.line, r.rec]), lines.map((l, i) => [i + 1, JSON.parse(l)]).filter(([, r]) => r.d === 'z').map(([n, { a, b, d }]) => [n, { a, b, d }]));
});

test('a scan that takes a shared read\'s records gets every one, in order, a few thousand at a time', async () => {
  const d = mkdtempSync(path.join(ROOT, 'd-'));
  const p = path.join(d, 'T.jsonl');
  const n = 9000;
  writeFileSync(p, Array.from({ length: n }, (_, i) => JSON.stringify({ a: i % 3 === 0 ? 'x' : 'y', b: i })).join('\n'));
  const file: DataFile = { path: p, reader: 'json', gzip: false, table: 'T', routed: false };
  const tests: FieldTest[] = [{ op: 'in', column: 'a', values: ['x'], fold: false }, { op: 'filled', column: 'b' }];
  const shared = newSharedScan(tests);
  shared.columns = [new Set(['a']), new Set(['b'])];
  const stats = newStats();
  for await (const _ of jsonReader.read(file, stats, { fields: tests[0], columns: shared.columns[0], shared, member: 0 })) { /* the first scan reads the file */ }
  const arrays: number[] = [];
  const lines: number[] = [];
  for await (const batch of jsonReader.readBatches!(file, stats, { fields: tests[1], columns: shared.columns[1], shared, member: 1 })) {
    arrays.push(batch.length);
    for (const r of batch) lines.push(r.line!);
  }
  assert.deepEqual(lines, Array.from({ length: n }, (_, i) => i + 1));
  assert.ok(arrays.length > 1 && Math.max(...arrays) <= 4096, String(arrays));
});
