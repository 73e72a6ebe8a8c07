/**
 * What the native addon is given, as it reads it: field tests (field-filter.ts; native/line-scan.c),
 * one encoding for its JSON-lines pre-test (json/native-scan.ts) and its CSV record tests
 * (csv/cutter.ts), and column names (native/line-record.c, json/native-record.ts).
 */
import { type FieldTest, fieldTestColumns } from './field-filter.js';
import { addon, nativeEnabled } from './native-addon.js';

const enum Op { And = 1, Or, Pass, In, Contains, IntIn, After, Filled, Blank, Needs }

/**
 * A scan's tests over CSV records (`header`: the field names in order; a name given twice is its
 * last field, as cutter.ts reads it), for the addon's CSV cutter; undefined without the addon or
 * with nothing to test.
 */
export function csvTestProgram(tests: readonly (FieldTest | undefined)[], header: readonly string[]): object | undefined {
  if (!nativeEnabled()) return undefined;
  const names = new Set<string>();
  for (const t of tests) if (t) fieldTestColumns(t, names);
  if (names.size === 0) return undefined;
  const columns = [...names];
  const index = new Map(header.map((h, k) => [h, k]));
  const { code, pool } = encodeTests(tests, columns);
  const program = addon!.compile(code, pool);
  addon!.csvFields(program, Int32Array.from(columns.map((c) => index.get(c) ?? -1)));
  return program;
}

/**
 * The tests as the addon reads them: code [columns, (key offset, key length) per column, needles,
 * (offset, length) per needle, tests, root per test (-1: none), nodes], each node [op, size in
 * words, ...], strings in `pool`.
 */
export function encodeTests(tests: readonly (FieldTest | undefined)[], columns: readonly string[]): { code: Int32Array; pool: Uint8Array } {
  const index = new Map(columns.map((c, i) => [c, i]));
  const code: number[] = [];
  const parts: Buffer[] = [];
  let poolBytes = 0;
  const str = (text: string | Buffer): [number, number] => {
    const b = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    parts.push(b);
    poolBytes += b.length;
    return [poolBytes - b.length, b.length];
  };
  code.push(columns.length);
  for (const c of columns) code.push(...str(JSON.stringify(c) + ':'));
  // The raw texts `needs` tests search for, each once ('\\u', a unicode escape, as length -1).
  const needles = [...new Set(tests.flatMap((t) => (t ? needlesOf(t) : [])))];
  code.push(needles.length);
  for (const n of needles) code.push(...(n === '\\u' ? [0, -1] : str(n)));
  code.push(tests.length);
  const rootsAt = code.length;
  for (let i = 0; i < tests.length; i++) code.push(-1);
  const node = (t: FieldTest): void => {
    const at = code.length;
    switch (t.op) {
      case 'and': case 'or':
        code.push(t.op === 'and' ? Op.And : Op.Or, 0, t.items.length);
        for (const i of t.items) node(i);
        break;
      case 'in':
        code.push(Op.In, 0, index.get(t.column)!, t.fold ? 1 : 0, t.values.includes('') ? 1 : 0, safe(t.values), t.values.length);
        for (const v of t.values) code.push(...str(v));
        break;
      case 'contains':
        code.push(Op.Contains, 0, index.get(t.column)!, t.all ? 1 : 0, safe(t.values), t.values.length);
        for (const v of t.values) code.push(...str(v));
        break;
      case 'int_in':
        code.push(Op.IntIn, 0, index.get(t.column)!, t.values.length);
        for (const v of t.values) code.push(...str(v));
        break;
      case 'after':
        if (Buffer.byteLength(t.bound) !== 28) code.push(Op.Pass, 0);
        else code.push(Op.After, 0, index.get(t.column)!, t.strict ? 1 : 0, str(t.bound)[0]);
        break;
      case 'filled': case 'blank':
        code.push(t.op === 'filled' ? Op.Filled : Op.Blank, 0, index.get(t.column)!);
        break;
      case 'needs':
        code.push(Op.Needs, 0, t.needles.length, ...t.needles.map((n) => needles.indexOf(n)));
        node(t.test);
        break;
    }
    code[at + 1] = code.length - at;
  };
  tests.forEach((t, i) => {
    if (!t) return;
    code[rootsAt + i] = code.length;
    node(t);
  });
  return { code: Int32Array.from(code), pool: new Uint8Array(Buffer.concat(parts, poolBytes)) };
}

function needlesOf(t: FieldTest): string[] {
  if ('items' in t) return t.items.flatMap(needlesOf);
  return t.op === 'needs' ? [...t.needles, ...needlesOf(t.test)] : [];
}

/**
 * 1 when no value holds a character that an escape other than `\\u` makes (quote, backslash,
 * slash, controls): such a value stands in escaped text as it is in the raw text.
 */
function safe(values: readonly string[]): number {
  return values.every((v) => !/["\\/\x00-\x1f]/.test(v)) ? 1 : 0;
}

/** Names as the addon reads them: [count, (offset, length) per name] and their UTF-8 bytes. */
export function encodeNames(names: readonly string[]): { code: Int32Array; pool: Uint8Array } {
  const code = [names.length];
  const parts: Buffer[] = [];
  let at = 0;
  for (const n of names) {
    const b = Buffer.from(n, 'utf8');
    code.push(at, b.length);
    parts.push(b);
    at += b.length;
  }
  return { code: Int32Array.from(code), pool: new Uint8Array(Buffer.concat(parts, at)) };
}
