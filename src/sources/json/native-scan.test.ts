/**
 * The native line pre-test (native/line-scan.c through native-scan.ts), on lines made to trip a
 * byte reader: scans keep every line a test may pass, and the same lines, numbers, masks and
 * records as without it; it never drops a line the JavaScript tests keep, and on plain lines it
 * drops every line they drop.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { FieldTest } from '../field-filter.js';
import { BlockScanner, type BlockLines, LineFields, compileLineTest } from './lines.js';
import { LINE_TESTS, exact, records } from './line-cases.js';
import { NativeLineTest } from './native-scan.js';
import { nativeEnabled, setNativeEnabled } from '../native-addon.js';

const built = nativeEnabled();
const skip = built ? false : 'the native addon is not built here (npm run build:native) or EXFILWATCH_NATIVE=0';

const ROOT = mkdtempSync(path.join(tmpdir(), 'exfilwatch-native-test-'));
after(() => {
  setNativeEnabled(true);
  rmSync(ROOT, { recursive: true, force: true });
});

const COLUMNS = ['Timestamp', 'Name', 'Port', 'Line', 'Bytes'];

/** The generated lines, with blank lines, CRLF, a line that is not an object, a broken one, and a byte order mark. */
function lines(seed: number): string[] {
  return cases(seed).map((c) => c.line);
}

function cases(seed: number): { line: string; rec?: Record<string, unknown> }[] {
  const out: { line: string; rec?: Record<string, unknown> }[] = records(1500, seed).map((x, i) => (i % 97 === 5 ? { ...x, line: x.line + '\r' } : x));
  out.splice(10, 0, { line: '' }, { line: '[1,2]' }, { line: '  {"Name":"rclone.exe"}' }, { line: '{"Name":"rclone.exe"' });
  out[0] = { ...out[0]!, line: '\uFEFF' + out[0]!.line };
  return out;
}

function scanAll(file: string, size: number, tests: (FieldTest | undefined)[], native: boolean, blockBytes: number, project?: string[]): BlockLines[] {
  setNativeEnabled(native);
  const fd = openSync(file, 'r');
  try {
    const s = new BlockScanner(fd, size, tests, blockBytes, project);
    try {
      return Array.from({ length: s.blocks }, (_, k) => s.scan(k));
    } finally {
      s.dispose();
    }
  } finally {
    closeSync(fd);
    setNativeEnabled(true);
  }
}

/** Each kept line's number (from 0, through the file) and mask. */
function keptLines(blocks: BlockLines[]): Map<number, number> {
  const out = new Map<number, number>();
  let base = 0;
  for (const b of blocks) {
    b.rel.forEach((r, i) => out.set(base + r, b.masks[i]!));
    base += b.count;
  }
  return out;
}

/** Whether each column's key is written once in the line (the byte readers' assumption: src/sources/json/lines.ts). */
function namesOnce(line: string): boolean {
  return COLUMNS.every((c) => line.split(`"${c}"`).length <= 2) && !line.includes('\\"');
}

test('scans keep the lines each test may pass, and the same lines as without the native pre-test', { skip }, () => {
  const data = cases(5);
  const text = data.map((c) => c.line).join('\n');
  const file = path.join(ROOT, 'lines.jsonl');
  writeFileSync(file, text);
  const size = Buffer.byteLength(text);
  // Each test alone, pairs of tests (a line kept for either), and a test beside none.
  const sets: (FieldTest | undefined)[][] = [
    ...LINE_TESTS.map((t) => [t]),
    ...LINE_TESTS.map((t, i) => [t, LINE_TESTS[(i + 3) % LINE_TESTS.length]!]),
    [LINE_TESTS[0], undefined],
  ];
  let compared = 0;
  for (const tests of sets) {
    // Blocks of 4 MiB (one read), and of 3 KB (lines cut across reads and blocks).
    for (const blockBytes of [4 << 20, 3000]) {
      const what = `${JSON.stringify(tests)} in blocks of ${blockBytes}`;
      const jsBlocks = scanAll(file, size, tests, false, blockBytes);
      const nativeBlocks = scanAll(file, size, tests, true, blockBytes);
      assert.deepEqual(nativeBlocks.map((b) => [b.count, b.overlong]), jsBlocks.map((b) => [b.count, b.overlong]), what);
      const js = keptLines(jsBlocks), native = keptLines(nativeBlocks);
      data.forEach(({ line, rec }, i) => {
        if (rec) {
          tests.forEach((t, bit) => {
            if (!t || exact(t, rec, line)) assert.ok(((native.get(i) ?? 0) >> bit) & 1, `${what}: dropped ${line}`);
          });
        }
        if (namesOnce(line)) {
          assert.equal(native.get(i), js.get(i), `${what}: ${line}`);
          compared++;
        }
      });
    }
  }
  assert.ok(compared > 10000);
  // A parsing scan: the same records and problems.
  const t = LINE_TESTS[2]!;
  assert.deepEqual(scanAll(file, size, [t], true, 3000, ['Name', 'Line']), scanAll(file, size, [t], false, 3000, ['Name', 'Line']));
});

test('lines too long are numbered and skipped alike, and a buffer handed over is cut alike', { skip }, () => {
  const b = Buffer.from(lines(9).join('\n') + '\n');
  for (const t of LINE_TESTS) {
    const run = (native: boolean) => {
      setNativeEnabled(native);
      try {
        return new BlockScanner(b, b.length, [t]).scanBytes(b, 0, 150);
      } finally {
        setNativeEnabled(true);
      }
    };
    const js = run(false);
    assert.ok(js.overlong.length > 0);
    assert.deepEqual(run(true), js, JSON.stringify(t));
  }
});

test('the native pre-test keeps every line a test may pass, and on plain lines drops every other', { skip }, () => {
  const all = lines(13);
  const b = Buffer.from(all.join('\n'));
  const starts: number[] = [];
  for (let i = 0, at = 0; i < all.length; at += Buffer.byteLength(all[i]!) + 1, i++) starts.push(at);
  // Printable ASCII, no escapes, no nested object, no space before a colon: the pre-test decides these alone.
  const plain = (l: string) => /^\{[\x20-\x7e]*\}$/.test(l) && !/[\\{]/.test(l.slice(1)) && !l.includes('" :');
  let plainLines = 0;
  for (const t of LINE_TESTS) {
    const f = new LineFields(COLUMNS);
    const js = compileLineTest(t, f);
    f.reset(b);
    const kept = new Set<number>();
    all.forEach((l, i) => {
      if (l === '') return;
      if (!l.startsWith('{')) return kept.add(i);
      f.line(starts[i]!, starts[i]! + Buffer.byteLength(l));
      if (js()) kept.add(i);
    });
    const native = NativeLineTest.compile([t], COLUMNS)!;
    const hits = new Set<number>();
    native.lines(b, 0, b.length, true, 1 << 20, 0, (_s, _e, line) => hits.add(line));
    all.forEach((l, i) => {
      if (kept.has(i)) assert.ok(hits.has(i), `${JSON.stringify(t)} dropped ${l}`);
      else if (plain(l)) {
        plainLines++;
        assert.ok(!hits.has(i), `${JSON.stringify(t)} kept ${l}`);
      }
    });
  }
  assert.ok(plainLines > 1000);
});

test('turned off, scans compile no native pre-test', { skip }, () => {
  setNativeEnabled(false);
  try {
    assert.equal(NativeLineTest.compile([LINE_TESTS[0]], COLUMNS), undefined);
  } finally {
    setNativeEnabled(true);
  }
  assert.ok(NativeLineTest.compile([LINE_TESTS[0]], COLUMNS));
});
