/**
 * CSV records cut by the native addon (native/csv-cut.c, through `Cutter.next`) are the records
 * the JavaScript cutter cuts: the same spans, fields, lines and stops, on text made of every case
 * the rules have (quotes, doubled quotes, line breaks inside quotes, CR LF, empty lines, a
 * trailing separator, an unterminated quote), whole or read in pieces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lcg } from '../seeded-random.js';
import { nativeEnabled, setNativeEnabled } from '../native-addon.js';
import { Cut, Cutter, compileRecordTest } from './cutter.js';
import type { FieldTest } from '../field-filter.js';
import { LINE_TESTS, records } from '../json/line-cases.js';
import { csvTestProgram } from '../native-tests.js';

const skip = nativeEnabled() ? false : 'the native addon is not built here (npm run build:native) or EXFILWATCH_NATIVE=0';

function randomCsv(r: () => number, sep: string): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const lines: string[] = [];
  for (let i = 0; i < 400; i++) {
    const n = 1 + Math.floor(r() * 6);
    const fields = Array.from({ length: n }, () => pick(['plain', '', '"quoted"', '"a ""q"" b"', '"multi\nline"', '"cr\r\nlf"', 'x"y', '"open', '""', 'caf\u00e9', '12', '"a"b', ' sp ']));
    lines.push(fields.join(sep) + (r() < 0.1 ? sep : ''));
    if (r() < 0.05) lines.push('');
  }
  const eol = () => pick(['\n', '\r\n', '\r']);
  return lines.map((l) => l + eol()).join('').slice(0, r() < 0.3 ? undefined : -1);
}

interface Step { cut: Cut; start: number; end: number; line: number; p: number; fields: string[] }

/** Every step of cutting `b`, read `piece` bytes at a time (the file's end at the last), up to `stop`. */
function steps(b: Buffer, sep: number, piece: number, stop: number): Step[] {
  const c = new Cutter(Buffer.alloc(b.length), sep);
  c.stop = stop;
  let len = Math.min(piece, b.length);
  b.copy(c.buf, 0, 0, len);
  c.len = len;
  c.eof = len === b.length;
  const out: Step[] = [];
  for (let guard = 0; guard < 100000; guard++) {
    const cut = c.next();
    const fields = cut === Cut.Record ? Array.from({ length: c.n }, (_, k) => c.field(k)) : [];
    out.push({ cut, start: c.start, end: c.end, line: c.startLine, p: c.p, fields });
    if (cut === Cut.More && !c.eof) {
      const more = Math.min(piece, b.length - len);
      b.copy(c.buf, len, len, len + more);
      len += more;
      c.len = len;
      c.eof = len === b.length;
      continue;
    }
    if (cut !== Cut.Record) break;
  }
  return out;
}

test('records cut natively are the records the JavaScript cutter cuts', { skip }, () => {
  const r = lcg(31);
  let records = 0;
  for (let round = 0; round < 40; round++) {
    const sep = round % 3 === 0 ? '\t' : ',';
    const b = Buffer.from(randomCsv(r, sep));
    for (const piece of [b.length, 257, 31]) {
      for (const stop of [Infinity, Math.floor(b.length / 2)]) {
        setNativeEnabled(false);
        const js = steps(b, sep.charCodeAt(0), piece, stop);
        setNativeEnabled(true);
        const native = steps(b, sep.charCodeAt(0), piece, stop);
        assert.deepEqual(native, js, `round ${round}, pieces of ${piece}, stop ${stop}`);
        records += js.filter((s) => s.cut === Cut.Record).length;
      }
    }
  }
  assert.ok(records > 10000);
});

/** A CSV field for a value, quoted in one of the ways writers do (or not at all, where it can be). */
function csvField(v: unknown, r: () => number): string {
  if (v === null || v === undefined) return r() < 0.5 ? '' : '""';
  const s = typeof v === 'string' ? v : String(v);
  const quoted = '"' + s.replace(/"/g, '""') + '"';
  if (/[",\r\n]/.test(s) || r() < 0.3) return r() < 0.1 ? quoted + 'x' : quoted;
  return s;
}

test('the addon\'s tests on CSV records keep every record the JavaScript tests keep, and decide plain ones alike', { skip }, () => {
  const r = lcg(8);
  const header = ['Timestamp', 'Name', 'Port', 'Line', 'Bytes'];
  const rows = records(3000, 17).map(({ rec }) => header.map((h) => csvField(h === 'Port' && rec[h] === -1 ? '-0' : rec[h], r)).join(','));
  rows.push('"2026-11-02T10:00:00.0000000Z",rclone.exe,443,"scp ""a""\r\nb",', '2026-11-02T10:00:00.0000000Z,,"",,', '"x"y,"r""clone.exe",4"43,,');
  const b = Buffer.from(rows.join('\n') + '\n');
  let plain = 0;
  for (const t of LINE_TESTS) {
    const js = new Cutter(b, 44);
    const index = new Map(header.map((h, k) => [h, k]));
    const test = compileRecordTest(t, index, js);
    const native = new Cutter(b, 44);
    native.testNatively(csvTestProgram([t], header));
    js.len = native.len = b.length;
    js.eof = native.eof = true;
    for (let i = 0; i < rows.length; i++) {
      assert.equal(js.next(), Cut.Record);
      assert.equal(native.next(), Cut.Record);
      const keeps = test();
      const may = native.mayPass & 1;
      if (keeps) assert.equal(may, 1, `${JSON.stringify(t)} dropped ${rows[i]}`);
      if (!rows[i]!.includes('"') && !/[^\x00-\x7f]/.test(rows[i]!)) {
        plain++;
        assert.equal(may, keeps ? 1 : 0, `${JSON.stringify(t)} on ${rows[i]}`);
      }
    }
  }
  assert.ok(plain > 2000, String(plain));
});

test('the addon reads quoted CSV fields as the JavaScript cutter decodes them', { skip }, () => {
  const header = ['Name', 'Line'];
  const cases: [string, FieldTest, boolean][] = [
    ['"a""b",x', { op: 'in', column: 'Name', values: ['a"b'], fold: false }, true],
    ['"a"b",x', { op: 'in', column: 'Name', values: ['ab"'], fold: false }, true], // a quote after the closing one stays
    ['x,"multi\r\nline"', { op: 'in', column: 'Line', values: ['multi\nline'], fold: false }, true],
    ['x,"multi\r\nline"', { op: 'contains', column: 'Line', values: ['line'] }, true],
    ['x,"multi\r\nline"', { op: 'contains', column: 'Line', values: ['other'] }, false],
    ['"rclone.exe",x', { op: 'in', column: 'Name', values: ['rclone.exe'], fold: false }, true],
    ['"rclone.exe",x', { op: 'in', column: 'Name', values: ['key.exe'], fold: false }, false],
    ['"",x', { op: 'filled', column: 'Name' }, false],
    ['"-12",x', { op: 'int_in', column: 'Name', values: ['-12'] }, true],
  ];
  for (const [row, t, keeps] of cases) {
    const b = Buffer.from(row + '\n');
    const js = new Cutter(b, 44);
    const test = compileRecordTest(t, new Map(header.map((h, k) => [h, k])), js);
    const native = new Cutter(b, 44);
    native.testNatively(csvTestProgram([t], header));
    js.len = native.len = b.length;
    js.eof = native.eof = true;
    js.next();
    native.next();
    assert.equal(test(), keeps, `JavaScript: ${row} ${JSON.stringify(t)}`);
    if (keeps) assert.equal(native.mayPass & 1, 1, `${row} ${JSON.stringify(t)}`);
  }
});
