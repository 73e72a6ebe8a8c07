/**
 * The byte-level CSV reader (fast.ts) gives the line reader's records (csv.ts), warnings included;
 * its field tests judge as compileFieldTest does, and a shared read serves each scan as its own read would.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type DataFile, type ReadHints, type SourceRecord, newStats } from '../reader.js';
import { type FieldTest, Raw, compileFieldTest } from '../field-filter.js';
import { memberOf, newSharedScan } from '../shared-scan.js';
import { csvRecords } from './csv.js';
import { csvOptions, fastCsvRecords, sharedCsvRecords } from './fast.js';
import { lcg } from '../seeded-random.js';

const ROOT = mkdtempSync(path.join(tmpdir(), 'exfilwatch-csv-fast-'));
after(() => rmSync(ROOT, { recursive: true, force: true }));


const BITS = ['a', 'b c', 'é', '""', '"', ',', '\t', '\n', '\r\n', '\r', '12', '-7', '', ' ', '"x,y"', '"q""q"', '"l1\nl2"', 'x"y', '"a"b', '""z', '"""'];

function text(seed: number): string {
  const r = lcg(seed);
  const rows: string[] = [];
  const cols = 3 + Math.floor(r() * 3);
  rows.push((r() < 0.3 ? '\uFEFF' : '') + Array.from({ length: cols }, (_, i) => ` c${i} `).join(','));
  for (let i = 0; i < 60; i++) {
    const n = r() < 0.9 ? cols : cols + (r() < 0.5 ? 1 : -1);
    rows.push(Array.from({ length: n }, () => Array.from({ length: Math.floor(r() * 3) }, () => BITS[Math.floor(r() * BITS.length)]).join('')).join(','));
    if (r() < 0.05) rows.push('');
  }
  return rows.join(r() < 0.5 ? '\n' : '\r\n') + (r() < 0.5 ? '\n' : '');
}

async function slow(body: string, file: DataFile) {
  const stats = newStats();
  const lines = createInterface({ input: Readable.from([Buffer.from(body)]), crlfDelay: Infinity });
  const out: SourceRecord[] = [];
  for await (const r of csvRecords(lines, file, stats, ',')) out.push(r);
  return { out, warnings: stats.warnings };
}

/** A CSV file of `body` in the test folder, as discovery describes it. */
function csvFile(name: string, body: string): DataFile {
  const p = path.join(ROOT, name);
  writeFileSync(p, body);
  return { path: p, reader: 'csv', gzip: false, table: 'T', routed: false };
}

async function fast(file: DataFile, columns?: Set<string>, keep?: FieldTest) {
  const stats = newStats();
  const out: SourceRecord[] = [];
  for await (const batch of fastCsvRecords(file, stats, 44, columns, keep)) out.push(...batch);
  return { out, warnings: stats.warnings };
}

test('records, line numbers and warnings as the line reader gives them, wherever reads cut the file', async () => {
  const saved = csvOptions.blockBytes;
  try {
    for (let seed = 1; seed <= 150; seed++) {
      const body = text(seed);
      const file = csvFile(`t${seed}.csv`, body);
      const want = await slow(body, file);
      for (const block of [1, 2, 5, 64, 4 << 20]) {
        csvOptions.blockBytes = block;
        const got = await fast(file);
        assert.deepEqual(got, want, `seed ${seed}, reads of ${block} bytes: ${JSON.stringify(body)}`);
      }
    }
  } finally {
    csvOptions.blockBytes = saved;
  }
});

test('only the scan\'s columns, and only records its field test may pass', async () => {
  const body = 'Name,Port,Note\nrclone.exe,443,"a,b"\nchrome.exe,80,x\n"RCLONE.EXE",,y\nwget.exe,0443,"z"\n';
  const file = csvFile('cols.csv', body);
  const got = await fast(file, new Set(['Name', 'Port']), { op: 'or', items: [{ op: 'in', column: 'Name', values: ['rclone.exe'], fold: true }, { op: 'int_in', column: 'Port', values: ['443'] }] });
  assert.deepEqual(got.out.map((r) => [r.rec, r.line]), [
    [{ Name: 'rclone.exe', Port: '443' }, 2],
    [{ Name: 'RCLONE.EXE', Port: '' }, 4],
    [{ Name: 'wget.exe', Port: '0443' }, 5], // "0443" is an integer, but not in canonical form: kept
  ]);
});

/** compileFieldTest over the line reader's fields, as the CSV readers see them: "" is null, digits an integer. */
function plainTest(t: FieldTest) {
  const c = compileFieldTest(t);
  return (rec: Record<string, unknown>) => c.test({
    kind: (i) => {
      const v = rec[c.columns[i]!];
      if (typeof v !== 'string') return Raw.Unknown;
      return v === '' ? Raw.Null : /^-?\d+$/.test(v) ? Raw.Number : Raw.String;
    },
    text: (i) => String(rec[c.columns[i]!]),
  });
}

const STAMPS = ['2026-11-02T00:00:00.0000000Z', '2026-11-02T00:00:00.0000001Z', '2026-11-01T23:59:59.9999999Z', '2026-11-03T10:00:00.0000000Z',
  '2025-11-02T00:00:00.0000000Z', '2026-11-02', '"2026-11-02T05:00:00.0000000Z"', '', '1234567890123456789012345678', '2026-11-0xT00:00:00.0000000Z', 'é026-11-02T00:00:00.000000Z'];
const NAMES = ['rclone.exe', 'RCLONE.EXE', 'Rclone.exe', 'cmd.exe', 'cmd.ex', '"rclone.exe"', '', 'rclone.exé', '\u212Aclone.exe', 'x', '"a,b"', '"l1\nl2"'];
const PORTS = ['443', '0443', '-443', '22', '', '"443"', '44x', '-', '-0', '99999999999999999', '8443', '21'];
const LINES = ['copy --sftp', 'scp x', '"rclone, copy"', '', 'SFTP', '"put ""a"""', 'nothing', '"line\r\nbreak"'];

/** A table with the columns field tests read, in every form the cutter and the tests special-case. */
function tableText(seed: number): string {
  const r = lcg(seed);
  const pick = (xs: string[]) => xs[Math.floor(r() * xs.length)]!;
  const nl = r() < 0.5 ? '\n' : '\r\n';
  const rows = [(r() < 0.5 ? '\uFEFF' : '') + 'Timestamp,FileName,RemotePort,Cmd,Note'];
  for (let i = 0; i < 80; i++) {
    const row = [pick(STAMPS), pick(NAMES), pick(PORTS), pick(LINES), pick(BITS)];
    if (r() < 0.04) row.pop(); // a malformed record
    rows.push(row.join(','));
    if (r() < 0.05) rows.push('');
  }
  let body = rows.join(nl) + (r() < 0.5 ? nl : '');
  if (r() < 0.1) body += '2026-11-03T10:00:00.0000000Z,"open at the end\n,1'; // an unterminated quote
  return body;
}

const TESTS: FieldTest[] = [
  { op: 'and', items: [{ op: 'after', column: 'Timestamp', bound: '2026-11-02T00:00:00.0000000Z', strict: true }, { op: 'in', column: 'FileName', values: ['rclone.exe', 'cmd.exe'], fold: true }] },
  { op: 'or', items: [{ op: 'after', column: 'Timestamp', bound: '2026-11-02T00:00:00.0000000Z', strict: false }, { op: 'int_in', column: 'RemotePort', values: ['443', '22', '-7', '0'] }] },
  { op: 'and', items: [{ op: 'in', column: 'FileName', values: ['cmd.exe', ''], fold: false }, { op: 'contains', column: 'Cmd', values: ['sftp', 'rclone'] }] },
  { op: 'needs', needles: ['x'], test: { op: 'or', items: [{ op: 'blank', column: 'Note' }, { op: 'in', column: 'Missing', values: ['a'], fold: true }] } },
];

test('field tests on the bytes pass the records compileFieldTest passes on the decoded fields', async () => {
  const saved = csvOptions.blockBytes;
  try {
    for (let seed = 1; seed <= 60; seed++) {
      const body = tableText(seed);
      const file = csvFile(`f${seed}.csv`, body);
      const all = await slow(body, file);
      for (const t of TESTS) {
        const keep = plainTest(t);
        const want = { out: all.out.filter((r) => keep(r.rec)), warnings: all.warnings };
        for (const block of [3, 4 << 20]) {
          csvOptions.blockBytes = block;
          assert.deepEqual(await fast(file, undefined, t), want, `seed ${seed}, ${JSON.stringify(t)}, reads of ${block} bytes: ${JSON.stringify(body)}`);
        }
      }
    }
  } finally {
    csvOptions.blockBytes = saved;
  }
});

/** Each scan's records and warnings (its own stats, as byte crediting's first read has). */
async function scans(file: DataFile, hints: ReadHints[]) {
  const out = [];
  for (const h of hints) {
    const stats = newStats();
    const recs: SourceRecord[] = [];
    for await (const batch of sharedCsvRecords(file, stats, 44, h)) recs.push(...batch);
    out.push({ recs, warnings: stats.warnings });
  }
  return out;
}

test('one read shared by the scans of a table gives each the records and warnings of a read of its own', async () => {
  const saved = csvOptions.blockBytes;
  const columns = [new Set(['Timestamp', 'FileName']), new Set(['RemotePort', 'Cmd', 'Note']), undefined, new Set(['Note'])];
  try {
    for (let seed = 1; seed <= 60; seed++) {
      const body = tableText(seed);
      const file = csvFile(`s${seed}.csv`, body);
      csvOptions.blockBytes = seed % 2 ? 7 : 4 << 20;
      const alone = await scans(file, TESTS.map((fields, i) => ({ fields, columns: columns[i] })));
      const shared = newSharedScan([...TESTS]);
      // The second scan reads first (as byte crediting does), then the others in turn; the
      // first scan reads twice (a `let` used twice).
      const order = [1, 0, 2, 3, 0];
      const got = await scans(file, order.map((m) => ({ fields: TESTS[m], columns: columns[m], shared, member: m })));
      assert.equal(shared.files.get(file.path)?.state, 'complete');
      order.forEach((m, i) => assert.deepEqual(got[i], alone[m], `seed ${seed}, scan ${m} (read ${i}): ${JSON.stringify(body)}`));
    }
  } finally {
    csvOptions.blockBytes = saved;
  }
});

test('a scan added after the shared read, or past the budget, reads the file itself', async () => {
  const body = tableText(7);
  const file = csvFile('late.csv', body);
  const alone = await scans(file, TESTS.map((fields) => ({ fields })));

  const shared = newSharedScan(TESTS.slice(0, 2));
  const first = await scans(file, [{ fields: TESTS[0], shared, member: 0 }]);
  const late = memberOf(shared, TESTS[2]);
  const rest = await scans(file, [{ fields: TESTS[2], shared, member: late }, { fields: TESTS[1], shared, member: 1 }]);
  assert.deepEqual([first[0], ...rest], [alone[0], alone[2], alone[1]]);

  const small = newSharedScan(TESTS.slice(0, 2), 10);
  const got = await scans(file, [0, 1].map((m) => ({ fields: TESTS[m], shared: small, member: m })));
  assert.equal(small.files.get(file.path)?.state, 'dropped');
  assert.equal(small.kept, 0);
  assert.deepEqual(got, alone.slice(0, 2));
  assert.ok(alone[0]!.recs.length > 0 && alone[1]!.recs.length > 0);
});

test('TSV: a tab separates fields as a comma does in CSV', async () => {
  for (let seed = 1; seed <= 40; seed++) {
    const body = text(seed).replace(/,/g, '\t');
    const file = csvFile(`t${seed}.tsv`, body);
    const stats = newStats();
    const want: SourceRecord[] = [];
    for await (const r of csvRecords(createInterface({ input: Readable.from([Buffer.from(body)]), crlfDelay: Infinity }), file, stats, '\t')) want.push(r);
    const gotStats = newStats();
    const got: SourceRecord[] = [];
    for await (const batch of fastCsvRecords(file, gotStats, 9, undefined, undefined)) got.push(...batch);
    assert.deepEqual({ got, warnings: gotStats.warnings }, { got: want, warnings: stats.warnings }, `seed ${seed}: ${JSON.stringify(body)}`);
    assert.ok(want.length > 0 && Object.keys(want[0]!.rec).length >= 3);
  }
});

test('records another read kept come in batches, not the whole file at once', async () => {
  const rows = ['Timestamp,FileName,RemotePort,Cmd,Note'];
  for (let i = 0; i < 30_000; i++) rows.push(`2026-11-01T00:00:00.0000000Z,f${i % 3}.exe,${i % 2 ? 443 : 80},c,n`);
  const file = csvFile('many-kept.csv', rows.join('\n') + '\n');
  const tests: FieldTest[] = [{ op: 'int_in', column: 'RemotePort', values: ['443'] }, { op: 'in', column: 'FileName', values: ['f1.exe'], fold: false }];
  const shared = newSharedScan([...tests]);
  await scans(file, [{ fields: tests[0], shared, member: 0 }]);
  assert.equal(shared.files.get(file.path)?.state, 'complete');
  const sizes: number[] = [];
  for await (const batch of sharedCsvRecords(file, newStats(), 44, { fields: tests[1], shared, member: 1 })) sizes.push(batch.length);
  assert.equal(sizes.reduce((a, b) => a + b, 0), 10_000);
  assert.ok(sizes.length > 1 && Math.max(...sizes) <= 4096, `batches ${sizes.join(',')}`);
});
