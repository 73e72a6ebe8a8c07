/**
 * The byte-level JSON-lines scanner (lines.ts, parallel.ts): blocks cut lines anywhere and still
 * give every line once with its number; field tests on the bytes never reject a record the same
 * test on the parsed record keeps; the exact parse's fast path agrees with a plain reference.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type FieldTest, compileFieldTest, recordSource } from '../field-filter.js';
import { BlockScanner, LineFields, compileLineTest } from './lines.js';
import { scanFile, scanOptions } from './parallel.js';
import { parseJsonExact } from './exact.js';
import { norm } from '../../schema/values/int64.js';
import { lcg } from '../seeded-random.js';
import { LINE_TESTS as TESTS, exact, records } from './line-cases.js';

const ROOT = mkdtempSync(path.join(tmpdir(), 'exfilwatch-lines-test-'));
after(() => rmSync(ROOT, { recursive: true, force: true }));


function write(name: string, text: string | Buffer): string {
  const p = path.join(ROOT, name);
  writeFileSync(p, text);
  return p;
}

/** Every line of the text with its 1-based number, as the stream reader numbers them. */
function reference(text: string): [string, number][] {
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts.map((l, i) => [l, i + 1] as [string, number]).filter(([l]) => l !== '');
}

test('blocks of any size give every line once, numbered, whichever thread scans them', async () => {
  const r = lcg(7);
  const lines: string[] = [];
  for (let i = 0; i < 400; i++) {
    const n = Math.floor(r() * 300);
    lines.push(r() < 0.05 ? '' : `{"i":${i},"pad":"${'é'.repeat(n % 7)}${'x'.repeat(n)}"}` + (r() < 0.1 ? '\r' : ''));
  }
  const text = '\uFEFF' + lines.join('\n');
  const file = write('many.jsonl', text);
  const saved = { ...scanOptions };
  try {
    for (const [blockBytes, workers] of [[1, 0], [7, 0], [64, 1], [1000, 1], [4 << 20, 0]] as const) {
      Object.assign(scanOptions, { blockBytes, workers, minBlocksForWorkers: 2 });
      const got: [string, number][] = [];
      for await (const b of scanFile(file, [undefined])) for (let i = 0; i < b.lines.length; i++) got.push([b.lines[i]!, b.numbers[i]!]);
      assert.deepEqual(got, reference(text), `blocks of ${blockBytes} bytes, ${workers} worker(s)`);
    }
  } finally {
    Object.assign(scanOptions, saved);
  }
});

test('a block read on past its end finishes its last line; a file without a final newline keeps its last line', () => {
  const text = '{"a":1}\n{"a":22222}\n{"a":3}';
  const fd = openSync(write('tail.jsonl', text), 'r');
  try {
    const s = new BlockScanner(fd, text.length, [undefined], 10);
    const blocks = Array.from({ length: s.blocks }, (_, k) => s.scan(k));
    // Lines start at bytes 0, 8 and 20: block [0, 10) holds two (reading on to byte 19), [10, 20) none.
    assert.deepEqual(blocks.map((b) => [b.count, b.lines]), [[2, ['{"a":1}', '{"a":22222}']], [0, []], [1, ['{"a":3}']]]);
  } finally {
    closeSync(fd);
  }
});

test('field tests on the bytes keep every record the exact test keeps, and agree with the tests on parsed records', () => {
  const data = records(3000, 11);
  for (const t of TESTS) {
    const f = new LineFields(['Timestamp', 'Name', 'Port', 'Line', 'Bytes']);
    const onBytes = compileLineTest(t, f);
    const onRecord = compileFieldTest(t);
    let rejected = 0;
    for (const { rec, line } of data) {
      const b = Buffer.from(line);
      f.reset(b);
      f.line(0, b.length);
      const kept = onBytes();
      if (exact(t, rec, line)) {
        assert.ok(kept, `${JSON.stringify(t)} rejected ${line}`);
        // On a parsed record a test sees no raw text (`needs` is its inner test alone).
        assert.ok(onRecord.test(recordSource(onRecord, rec)), `${JSON.stringify(t)} on the record rejected ${line}`);
      }
      if (!kept) rejected++;
    }
    assert.ok(rejected > 0, `${JSON.stringify(t)} rejects something`);
  }
});

/** The exact parse the plain way: a character walk that quotes long integers, and a reviver. */
function referenceExact(text: string): unknown {
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) { inString = true; continue; }
    if ((c >= 48 && c <= 57) || c === 45) {
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
      const next = text.charCodeAt(j);
      const digits = j - i - (c === 45 ? 1 : 0);
      if (next !== 46 && next !== 101 && next !== 69 && digits >= 16) {
        const lit = text.slice(i, j);
        const v = text.charCodeAt(c === 45 ? i + 1 : i) === 48 ? 0n : BigInt(lit);
        if ((v > 9007199254740991n || v < -9007199254740991n) && v <= 9223372036854775807n && v >= -9223372036854775808n) {
          out += text.slice(last, i) + '"\\u0001i64:' + lit + '"';
          last = j;
        }
      }
      i = j - 1;
    }
  }
  const quoted = last === 0 ? text : out + text.slice(last);
  return JSON.parse(quoted, (_k, v) => (typeof v === 'string' && v.startsWith('\u0001i64:') ? norm(BigInt(v.slice(5))) : v));
}

test('the exact parse agrees with the plain character walk', () => {
  const r = lcg(3);
  const pieces = ['"a\\"b"', '"\\\\"', '"12345678901234567890"', '9007199254740993', '-9223372036854775808', '123456789012345678901234',
    '1.2345678901234567e300', '12345678901234567.5', '[1,"x",{"k":18446744073709551615}]', '"c:\\\\users\\\\x"', 'null', 'true', '0',
    '1234567890123456', '1e20', '-9007199254740993', '{"k0":9007199254740995}', '"\\"k1\\":9007199254740997"'];
  for (let i = 0; i < 2000; i++) {
    const n = 1 + Math.floor(r() * 6);
    const members = Array.from({ length: n }, (_, k) => `"k${k}":${pieces[Math.floor(r() * pieces.length)]}`);
    const text = '{' + members.join(',') + '}';
    assert.deepEqual(parseJsonExact(text), referenceExact(text), text);
  }
  // Spellings the flat-record path must leave to the general one, or read right.
  for (const text of ['{"a" : 9007199254740993}', '{"a":1,"b":{"a":9007199254740995},"a":9007199254740993}', '{"\\u0061":9007199254740993,"x":"\\"a\\":1"}',
    '{"x":"{\\"a\\":9007199254740995}","a":9007199254740993}', '[9007199254740993]', '9007199254740993',
    '{"x\\"a":9007199254740995,"a":9007199254740993}', '{"x\\"a":9007199254740995,"\\u0061":9007199254740993}']) {
    assert.deepEqual(parseJsonExact(text), referenceExact(text), text);
  }
  // A member named __proto__ stays a member.
  const o = parseJsonExact('{"__proto__":{"x":9007199254740993}}') as Record<string, unknown>;
  assert.deepEqual(Object.getOwnPropertyDescriptor(o, '__proto__')?.value, { x: 9007199254740993n });
  const flat = parseJsonExact('{"a":1,"__proto__":9007199254740993}') as Record<string, unknown>;
  assert.equal(Object.getOwnPropertyDescriptor(flat, '__proto__')?.value, 9007199254740993n);
  assert.equal(Object.getPrototypeOf(flat), Object.prototype);
});
