/**
 * Native record cutting (native/line-record.c through native-record.ts): on every line it cuts,
 * the record is the one JSON.parse and `projected` make (exact longs, escapes, duplicates, nested
 * values); a line JSON.parse refuses is never cut; plain Defender lines are.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lcg } from '../seeded-random.js';
import { parseLine, projected, recordText } from './line-records.js';
import { records } from './line-cases.js';
import { NativeRecordCutter } from './native-record.js';
import { nativeEnabled } from '../native-addon.js';

const skip = nativeEnabled() ? false : 'the native addon is not built here (npm run build:native) or EXFILWATCH_NATIVE=0';

/** What the JavaScript path makes of a line: its one record, projected; or why it is not one plain record. */
function reference(line: string, columns: string[]): { rec: Record<string, unknown> } | 'invalid' | 'other' {
  // As the reader sees it: the line's UTF-8 bytes decoded (a lone surrogate is U+FFFD there).
  const t = recordText(Buffer.from(line).toString('utf8'));
  try {
    JSON.parse(t);
  } catch {
    return 'invalid';
  }
  const { records, problems } = parseLine(t);
  if (records.length !== 1 || problems.length || records[0]!.table !== undefined) return 'other';
  return projected(records[0]!, columns) as { rec: Record<string, unknown> };
}

/** Random JSON text: every kind of value, escapes, unicode, numbers of every shape, nesting. */
function randomValue(r: () => number, depth: number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const k = Math.floor(r() * (depth > 2 ? 6 : 8));
  switch (k) {
    case 0: return pick(['"plain"', '""', '"caf\u00e9"', '"\\u00e9\\n\\t\\"q\\"\\\\"', '"\\ud83d\\ude00"', '"\\ud800"', '"a/b\\/c"', '"\u{1F600}"', '"C:\\\\Users\\\\x"']);
    case 1: return pick(['0', '-0', '1', '-17', '9007199254740991', '9007199254740993', '-9007199254740993', '18446744073709551616', '123456789012345678', '1.5', '-0.0', '1e3', '1E-7', '2.5e+10', '1e400', '0.1']);
    case 2: return pick(['true', 'false', 'null']);
    case 3: return JSON.stringify('x'.repeat(Math.floor(r() * 40)));
    case 4: return `"${'ab'.repeat(Math.floor(r() * 5))}"`;
    case 5: return String(Math.floor(r() * 1e6));
    case 6: return `[${Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1)).join(', ')}]`;
    default: return randomObject(r, depth + 1);
  }
}

const NAMES = ['a', 'b', 'Name', 'ReportId', 'c', 'caf\u00e9', 'a b', 'x"y', 'records', 'properties', 'category', '__proto__', 'Type', 'TimeGenerated'];

function randomObject(r: () => number, depth: number): string {
  const n = Math.floor(r() * 6);
  const ws = () => (r() < 0.1 ? ' \t'.slice(0, 1 + Math.floor(r() * 2)) : '');
  const members = Array.from({ length: n }, () => {
    const name = NAMES[Math.floor(r() * (depth > 1 ? NAMES.length : 7))]!;
    const key = r() < 0.05 ? JSON.stringify(name).replace(/a/, '\\u0061') : JSON.stringify(name);
    return `${ws()}${key}${ws()}:${ws()}${randomValue(r, depth)}${ws()}`;
  });
  return `{${members.join(',')}}`;
}

/** A line spoilt in one of the ways a file goes bad. */
function spoil(line: string, r: () => number): string {
  const at = Math.floor(r() * (line.length + 1));
  switch (Math.floor(r() * 6)) {
    case 0: return line.slice(0, at); // truncated
    case 1: return line.slice(0, at) + line.slice(at + 1); // a character lost
    case 2: return line.slice(0, at) + ['"', ',', '}', ']', ':', '\\', '\u0001', 'x', '0'][Math.floor(r() * 9)] + line.slice(at);
    case 3: return line.replace(/,(?=[^,]*$)/, ',,');
    case 4: return line.replace(/}$/, ',}');
    default: return line.replace(/\d+/, '012');
  }
}

function check(lines: string[], columns: string[], counts: { cut: number; plain: number }): void {
  const cutter = NativeRecordCutter.for(columns)!;
  for (const line of lines) {
    const b = Buffer.from('  ' + line + '\r\n');
    const got = cutter.cut(b, 2, b.length - 1);
    const want = reference(line, columns);
    if (got) {
      assert.notEqual(want, 'invalid', `cut a line JSON.parse refuses: ${line}`);
      assert.notEqual(want, 'other', `cut a line that is not one plain record: ${line}`);
      assert.deepEqual(got, want, line);
      counts.cut++;
    }
    if (typeof want === 'object' && !/\\"|"[^"]*\\u[^"]*":|"(records|Results|properties|TimeGenerated|__proto__)"\s*:/.test(line)) counts.plain++;
  }
}

test('a cut record is what JSON.parse makes of the line, projected; a line JSON.parse refuses is never cut', { skip }, () => {
  const r = lcg(21);
  const lines: string[] = [];
  for (let i = 0; i < 4000; i++) {
    const line = randomObject(r, 0);
    lines.push(line);
    lines.push(spoil(line, r));
  }
  lines.push('{}', '[]', '{"a":1}garbage', '{"a":1}{"a":2}', '{"a":1,"a":2}', '{"a":{"b":9007199254740993}}', '{"a":[1,{"b":[]}]}', '"text"', 'null',
    '{"a":"\\x"}', '{"a":"tab\there"}', '{"a":01}', '{"a":1.}', '{"a":.5}', '{"a":-}', '{"a":tru}', '{"a":nul}', '{"a" 1}', '{a:1}',
    '{"a":"\\u12"}', '{"a":"\\u12zz","b":1}', '{"a":{"b" 1}}', '{"a":{"b"x1}}', '{"a":{"b",1}}', '{"a":[{"b"}]}', '{"a":[1}}', '{"a":{"b":1]}', '{"a":[1 2]}', '{"a":{"b":1 "c":2}}', '{"a":"\xff"}', '{"records":[{"a":1}]}', '{"a":[1,]}', '{"a":[,1]}', '{"a":{"b":1,}}', `{"a":${'['.repeat(600)}${']'.repeat(600)}}`);
  const counts = { cut: 0, plain: 0 };
  for (const columns of [['a', 'b', 'ReportId'], ['Name', 'caf\u00e9', 'a b', 'x"y'], ['c'], []]) check(lines, columns, counts);
  // Most valid plain lines are cut (the rest have names with escapes, or wrapper names).
  assert.ok(counts.cut >= 0.9 * counts.plain, `${counts.cut} of ${counts.plain} plain lines cut`);
});

test('Defender-like lines are cut, with exact longs, escapes and nulls as JSON.parse gives them', { skip }, () => {
  const lines = records(2000, 3).map((x) => x.line);
  const counts = { cut: 0, plain: 0 };
  check(lines, ['Timestamp', 'Name', 'Port', 'Line', 'Bytes'], counts);
  assert.ok(counts.cut > 1500);
  const cutter = NativeRecordCutter.for(['ReportId', 'SentBytes', 'Name'])!;
  const b = Buffer.from('{"ReportId":9007199254740993,"Name":"c:\\\\users","SentBytes":null,"ReportId2":1}');
  assert.deepEqual(cutter.cut(b, 0, b.length), { rec: { ReportId: 9007199254740993n, Name: 'c:\\users', SentBytes: null } });
});

test('bytes that are not UTF-8 are read as the reader decodes them', { skip }, () => {
  const cutter = NativeRecordCutter.for(['a', 'b'])!;
  for (const bad of [[0xff], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98], [0xc0, 0xaf]]) {
    const b = Buffer.concat([Buffer.from('{"a":"x'), Buffer.from(bad), Buffer.from('y","b":"'), Buffer.from(bad), Buffer.from('"}')]);
    const want = projected(parseLine(recordText(b.toString('utf8'))).records[0]!, ['a', 'b']);
    assert.deepEqual(cutter.cut(b, 0, b.length), want, String(bad));
  }
});
