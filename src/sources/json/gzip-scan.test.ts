/**
 * The gzipped JSON-lines scanner (gzip-scan.ts) gives what the plain block scanner gives on the
 * same text: every line once with its number, long lines passed over and named, the same lines
 * kept by the same field tests, however the decompressed stream is cut.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FieldTest } from '../field-filter.js';
import { gzipScanOptions, scanGzipFile } from './gzip-scan.js';
import { scanFile } from './parallel.js';
import type { LineBlock } from './parallel.js';
import { lcg } from '../seeded-random.js';

const ROOT = mkdtempSync(path.join(tmpdir(), 'exfilwatch-gzip-scan-test-'));
after(() => rmSync(ROOT, { recursive: true, force: true }));


/** Lines of records, some long, blank, CRLF-ended or with non-ASCII text; a BOM first. */
function text(seed: number, n: number, final: boolean): string {
  const r = lcg(seed);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = r();
    if (x < 0.05) { out.push(''); continue; }
    const name = ['rclone.exe', 'cmd.exe', 'chrome.exe', 'Ünï.exe'][Math.floor(r() * 4)];
    const pad = 'p'.repeat(x < 0.1 ? 400 + Math.floor(r() * 400) : Math.floor(r() * 60));
    const time = r() < 0.5 ? '2026-11-02T10:00:00.0000000Z' : '2026-11-01T10:00:00.0000000Z';
    out.push(`{"Timestamp":"${time}","FileName":"${name}","Pad":"${pad}","i":${i}}` + (r() < 0.1 ? '\r' : ''));
  }
  return '\uFEFF' + out.join('\n') + (final ? '\n' : '');
}

async function collect(blocks: AsyncIterable<LineBlock>): Promise<{ lines: [number, string][]; overlong: number[] }> {
  const lines: [number, string][] = [];
  const overlong: number[] = [];
  for await (const b of blocks) {
    b.lines.forEach((l, i) => lines.push([b.numbers[i]!, l]));
    overlong.push(...b.overlong);
  }
  return { lines, overlong };
}

const TESTS: (FieldTest | undefined)[][] = [
  [undefined],
  [{ op: 'and', items: [
    { op: 'after', column: 'Timestamp', bound: '2026-11-02T00:00:00.0000000Z', strict: true },
    { op: 'in', column: 'FileName', values: ['rclone.exe', 'ünï.exe'], fold: true },
  ] }],
];

test('a gzipped file gives the lines, numbers and long lines the plain scan gives', async () => {
  const saved = { ...gzipScanOptions };
  try {
    for (const [seed, final] of [[1, true], [2, false], [3, false]] as const) {
      // The third ends in a long line with no newline after it.
      const t = text(seed, 600, final) + (seed === 3 ? `\n{"Pad":"${'q'.repeat(500)}"}` : '');
      const plain = path.join(ROOT, `d${seed}.jsonl`);
      writeFileSync(plain, t);
      const gz = path.join(ROOT, `d${seed}.jsonl.gz`);
      writeFileSync(gz, gzipSync(t, { chunkSize: 1024 }));
      // The reference: every line, numbered from 1, the long ones (over 300 bytes here) named.
      const parts = t.split('\n');
      if (parts[parts.length - 1] === '') parts.pop();
      const long = parts.flatMap((l, i) => (Buffer.byteLength(l) > 300 ? [i + 1] : []));
      assert.ok(long.length > 10, 'the data has long lines');
      for (const blockBytes of [64, 1000, 1 << 20]) {
        Object.assign(gzipScanOptions, { blockBytes, maxLineBytes: 300 });
        const got = await collect(scanGzipFile(gz, [undefined]));
        const want = parts.flatMap((l, i) => (long.includes(i + 1) || l === '' ? [] : [[i + 1, l] as [number, string]]));
        assert.deepEqual(got.lines.filter(([, l]) => l !== ''), want, `blocks of ${blockBytes}`);
        assert.deepEqual(got.overlong, long, `blocks of ${blockBytes}: long lines`);
      }
      // With field tests, the same lines as the plain file's scan (no line is long there).
      Object.assign(gzipScanOptions, { blockBytes: 777, maxLineBytes: saved.maxLineBytes });
      for (const tests of TESTS) {
        const fromGz = await collect(scanGzipFile(gz, tests));
        const fromPlain = await collect(scanFile(plain, tests));
        assert.deepEqual(fromGz, fromPlain, JSON.stringify(tests));
      }
    }
  } finally {
    Object.assign(gzipScanOptions, saved);
  }
});

test('a damaged gzip file fails the read', async () => {
  const gz = path.join(ROOT, 'bad.jsonl.gz');
  const good = gzipSync('{"a":1}\n'.repeat(1000));
  writeFileSync(gz, Buffer.concat([good.subarray(0, good.length >> 1), Buffer.from('garbage')]));
  await assert.rejects(collect(scanGzipFile(gz, [undefined])));
});

