/**
 * A CSV file cut in blocks on several threads (parallel.ts, blocks.ts) gives the one-thread
 * reader's records, line numbers, warnings and shared-scan keep-lists, on data made so that
 * blocks often start inside quoted fields that hold line breaks.
 */
import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type DataFile, type ReadHints, type SourceRecord, newStats } from '../reader.js';
import type { FieldTest } from '../field-filter.js';
import { newSharedScan } from '../shared-scan.js';
import { csvRecords } from './csv.js';
import { fastCsvRecords, sharedCsvRecords } from './fast.js';
import { csvScanCounts, csvScanOptions } from './parallel.js';
import { lcg } from '../seeded-random.js';

const ROOT = mkdtempSync(path.join(tmpdir(), 'exfilwatch-csv-parallel-'));
after(() => rmSync(ROOT, { recursive: true, force: true }));
const saved = { ...csvScanOptions };
afterEach(() => Object.assign(csvScanOptions, saved));


/** Field texts that trip a guessed block start: line breaks inside quotes, quoted separators, escaped quotes. */
const FIELDS = ['rclone.exe', 'cmd.exe', '443', '22', '', 'é', '"a,b"', '"q""q"', '"""', '""', '"l1\nl2"', '"l1\r\nl2\r\n"', '"\n\n\n"',
  '"x\n,y\n""z""\n"', '"line\rbreak"', '"' + 'long\n'.repeat(12) + '"', 'x"y', '"a"b', '2026-11-02T00:00:00.0000001Z', '2026-11-01T23:00:00.0000000Z'];

function body(seed: number): string {
  const r = lcg(seed);
  const pick = () => FIELDS[Math.floor(r() * FIELDS.length)]!;
  const nl = r() < 0.5 ? '\n' : '\r\n';
  const rows = [(r() < 0.5 ? '\uFEFF' : '') + 'Timestamp,FileName,RemotePort,Cmd'];
  for (let i = 0; i < 50; i++) {
    const row = [pick(), pick(), pick(), pick()];
    if (r() < 0.06) row.pop(); // a malformed record
    if (r() < 0.03) row.push(pick());
    rows.push(row.join(','));
    if (r() < 0.06) rows.push(r() < 0.5 ? '' : '\r'); // empty lines
  }
  let text = rows.join(nl) + (r() < 0.5 ? nl : '');
  if (r() < 0.25) text += nl + '2026-11-03T10:00:00.0000000Z,"open at the end\n,1\n' + 'more\n'.repeat(5); // an unterminated quote
  return text;
}

const TESTS: FieldTest[] = [
  { op: 'or', items: [{ op: 'in', column: 'FileName', values: ['rclone.exe'], fold: true }, { op: 'int_in', column: 'RemotePort', values: ['22'] }] },
  { op: 'after', column: 'Timestamp', bound: '2026-11-02T00:00:00.0000000Z', strict: true },
  { op: 'contains', column: 'Cmd', values: ['l2', 'z'] },
];

function fileOf(name: string, text: string): DataFile {
  const p = path.join(ROOT, name);
  writeFileSync(p, text);
  return { path: p, reader: 'csv', gzip: false, table: 'T', routed: false };
}

async function read(file: DataFile, test?: FieldTest, columns?: Set<string>) {
  const stats = newStats();
  const out: SourceRecord[] = [];
  for await (const batch of fastCsvRecords(file, stats, 44, columns, test)) out.push(...batch);
  return { out, warnings: stats.warnings };
}

/** With these block sizes and threads; `minBlocksForWorkers` past any file here reads on one thread, as before. */
function configure(blockBytes: number, workers: number, minBlocksForWorkers = 2): void {
  Object.assign(csvScanOptions, { blockBytes, workers, minBlocksForWorkers });
}

const ONE_THREAD = 1 << 30;
const SIZES = [3, 7, 64, 1000];

test('blocks on one and on several threads give the one-thread reader\'s records, lines and warnings', async () => {
  const before = { ...csvScanCounts };
  for (let seed = 1; seed <= 40; seed++) {
    const text = body(seed);
    const file = fileOf(`p${seed}.csv`, text);
    configure(4 << 20, 0, ONE_THREAD);
    const want = await read(file);
    // The one-thread reader is csv.ts's line reader, record for record.
    const lines = createInterface({ input: Readable.from([Buffer.from(text)]), crlfDelay: Infinity });
    const stats = newStats();
    const byLines: SourceRecord[] = [];
    for await (const r of csvRecords(lines, file, stats, ',')) byLines.push(r);
    assert.deepEqual(want, { out: byLines, warnings: stats.warnings });
    for (const blockBytes of SIZES) {
      for (const workers of [0, 1, 2]) {
        configure(blockBytes, workers);
        assert.deepEqual(await read(file), want, `seed ${seed}, blocks of ${blockBytes}, ${workers} workers: ${JSON.stringify(text)}`);
      }
    }
  }
  // The data did reach the check: guessed starts were wrong, and workers cut blocks.
  assert.ok(csvScanCounts.recut - before.recut > 100, `recuts: ${csvScanCounts.recut - before.recut}`);
  assert.ok(csvScanCounts.byWorkers - before.byWorkers > 100, `by workers: ${csvScanCounts.byWorkers - before.byWorkers}`);
});

test('field tests and the scan\'s columns on blocks give the one-thread reader\'s records', async () => {
  for (let seed = 41; seed <= 60; seed++) {
    const text = body(seed);
    const file = fileOf(`f${seed}.csv`, text);
    for (const [i, t] of TESTS.entries()) {
      const columns = i === 0 ? new Set(['FileName', 'Cmd']) : undefined;
      configure(4 << 20, 0, ONE_THREAD);
      const want = await read(file, t, columns);
      for (const blockBytes of [3, 64]) {
        for (const workers of [0, 1]) {
          configure(blockBytes, workers);
          assert.deepEqual(await read(file, t, columns), want, `seed ${seed}, test ${i}, blocks of ${blockBytes}, ${workers} workers`);
        }
      }
    }
  }
});

/** The first scan's records and warnings, and what the shared read kept for the others. */
async function sharedRead(file: DataFile) {
  const shared = newSharedScan([...TESTS]);
  const hints: ReadHints = { fields: TESTS[1], shared, member: 1, columns: new Set(['Timestamp']) };
  const stats = newStats();
  const recs: SourceRecord[] = [];
  for await (const batch of sharedCsvRecords(file, stats, 44, hints)) recs.push(...batch);
  const entry = shared.files.get(file.path)!;
  return { recs, warnings: stats.warnings, state: entry.state, lines: entry.lines, numbers: entry.numbers, masks: entry.masks };
}

test('a shared read on blocks keeps what the one-thread shared read keeps', async () => {
  for (let seed = 61; seed <= 80; seed++) {
    const file = fileOf(`s${seed}.csv`, body(seed));
    configure(4 << 20, 0, ONE_THREAD);
    const want = await sharedRead(file);
    assert.equal(want.state, 'complete');
    for (const blockBytes of [3, 7, 64]) {
      for (const workers of [0, 1, 2]) {
        configure(blockBytes, workers);
        assert.deepEqual(await sharedRead(file), want, `seed ${seed}, blocks of ${blockBytes}, ${workers} workers`);
      }
    }
  }
});

test('a quoted field spanning many blocks, and one open to the end of the file', async () => {
  const long = '"' + 'x,\n"",\r\n'.repeat(400) + '"';
  const text = 'A,B\n1,' + long + '\n2,3\n\n4,"5\n6"\n7,"open\n' + '8,9\n'.repeat(50);
  const file = fileOf('long.csv', text);
  configure(4 << 20, 0, ONE_THREAD);
  const want = await read(file);
  assert.deepEqual(want.out.map((r) => r.line), [2, 803, 805]);
  assert.deepEqual(want.warnings.map((w) => [w.line, w.message]), [[807, 'unterminated quoted field at end of file']]);
  for (const blockBytes of SIZES) {
    for (const workers of [0, 1, 2]) {
      configure(blockBytes, workers);
      assert.deepEqual(await read(file), want, `blocks of ${blockBytes}, ${workers} workers`);
    }
  }
});

test('TSV on blocks: a tab separates fields as a comma does in CSV', async () => {
  for (let seed = 81; seed <= 90; seed++) {
    const file = fileOf(`t${seed}.tsv`, body(seed).replace(/,/g, '\t'));
    const readTsv = async () => {
      const stats = newStats();
      const out: SourceRecord[] = [];
      for await (const batch of fastCsvRecords(file, stats, 9, undefined, undefined)) out.push(...batch);
      return { out, warnings: stats.warnings };
    };
    configure(4 << 20, 0, ONE_THREAD);
    const want = await readTsv();
    assert.ok(want.out.length > 0 && Object.keys(want.out[0]!.rec).length === 4);
    for (const workers of [0, 1]) {
      configure(7, workers);
      assert.deepEqual(await readTsv(), want, `seed ${seed}, ${workers} workers`);
    }
  }
});

test('EXFILWATCH_THREADS=1 means no worker thread', () => {
  const url = new URL('./parallel.js', import.meta.url).href;
  const script = `import(${JSON.stringify(url)}).then((m) => console.log(m.csvScanOptions.workers))`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, EXFILWATCH_THREADS: '1' }, encoding: 'utf8' });
  assert.equal(out.trim(), '0');
});
