/** The byte-level CSV reader (fast.ts) gives the line reader's records (csv.ts), warnings included. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type DataFile, type SourceRecord, newStats } from '../reader.js';
import { compileFieldTest } from '../field-filter.js';
import { csvRecords } from './csv.js';
import { csvOptions, fastCsvRecords } from './fast.js';

const ROOT = mkdtempSync(path.join(tmpdir(), 'exfilwatch-csv-fast-'));
after(() => rmSync(ROOT, { recursive: true, force: true }));

function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

const BITS = ['a', 'b c', 'é', '""', '"', ',', '\t', '\n', '\r\n', '\r', '12', '-7', '', ' ', '"x,y"', '"q""q"', '"l1\nl2"', 'x"y', '"a"b', '""z', '"""'];

function text(seed: number): string {
  const r = rng(seed);
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

async function fast(file: DataFile, columns?: Set<string>, keep?: Parameters<typeof compileFieldTest>[0]) {
  const stats = newStats();
  const out: SourceRecord[] = [];
  for await (const batch of fastCsvRecords(file, stats, 44, columns, keep && compileFieldTest(keep))) out.push(...batch);
  return { out, warnings: stats.warnings };
}

test('records, line numbers and warnings as the line reader gives them, wherever reads cut the file', async () => {
  const saved = csvOptions.blockBytes;
  try {
    for (let seed = 1; seed <= 150; seed++) {
      const body = text(seed);
      const p = path.join(ROOT, `t${seed}.csv`);
      writeFileSync(p, body);
      const file: DataFile = { path: p, reader: 'csv', gzip: false, table: 'T', routed: false };
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
  const p = path.join(ROOT, 'cols.csv');
  writeFileSync(p, body);
  const file: DataFile = { path: p, reader: 'csv', gzip: false, table: 'T', routed: false };
  const got = await fast(file, new Set(['Name', 'Port']), { op: 'or', items: [{ op: 'in', column: 'Name', values: ['rclone.exe'], fold: true }, { op: 'int_in', column: 'Port', values: ['443'] }] });
  assert.deepEqual(got.out.map((r) => [r.rec, r.line]), [
    [{ Name: 'rclone.exe', Port: '443' }, 2],
    [{ Name: 'RCLONE.EXE', Port: '' }, 4],
    [{ Name: 'wget.exe', Port: '0443' }, 5], // "0443" is an integer, but not in canonical form: kept
  ]);
});
