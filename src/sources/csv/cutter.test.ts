/**
 * CSV records cut by the native addon (native/csv-cut.c, through `Cutter.next`) are the records
 * the JavaScript cutter cuts: the same spans, fields, lines and stops, on text made of every case
 * the rules have (quotes, doubled quotes, line breaks inside quotes, CR LF, empty lines, a
 * trailing separator, an unterminated quote), whole or read in pieces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lcg } from '../seeded-random.js';
import { nativeLineScan, setNativeLineScan } from '../native-addon.js';
import { Cut, Cutter } from './cutter.js';

const skip = nativeLineScan() ? false : 'the native addon is not built here (npm run build:native) or EXFILWATCH_NATIVE=0';

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
        setNativeLineScan(false);
        const js = steps(b, sep.charCodeAt(0), piece, stop);
        setNativeLineScan(true);
        const native = steps(b, sep.charCodeAt(0), piece, stop);
        assert.deepEqual(native, js, `round ${round}, pieces of ${piece}, stop ${stop}`);
        records += js.filter((s) => s.cut === Cut.Record).length;
      }
    }
  }
  assert.ok(records > 10000);
});
