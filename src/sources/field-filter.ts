/**
 * Field tests: what a reader may check on a record's raw field values before it builds the
 * record, to skip records no row of which can pass a query's filters (derived from the plan in
 * engine/scan-hints.ts) or a stage's needs (sources/bytes/credit.ts).
 *
 * A test is conservative: it says false only when the record certainly fails. It sees each
 * field as the reader found it (`RawField`): a string (escapes decoded), a number's text, null,
 * something else (a boolean, an object), or unknown (absent, named twice, nested, or anything the
 * reader could not place), and judges the field as the table's coercion would. Unknown and
 * other values always pass.
 */
import { fromUnixMs, parseDatetime } from '../schema/values/datetime.js';
import { big } from '../schema/values/int64.js';
import { memoOnText } from './text-memo.js';

/** How a reader found one field of a record. */
export const enum Raw {
  /** Absent, ambiguous or not looked at: the test passes. */
  Unknown = 0,
  String = 1,
  /** A JSON number (its text), or a CSV field that is an integer. */
  Number = 2,
  Null = 3,
  /** A boolean, object or array. */
  Other = 4,
}

export type FieldTest =
  | { op: 'and' | 'or'; items: FieldTest[] }
  /** A string column equal to one of the values; `fold`: ignoring case (the values are lower case). */
  | { op: 'in'; column: string; values: string[]; fold: boolean }
  /** A string column whose lower-cased text contains one of (`all`: each of) the lower-case values. */
  | { op: 'contains'; column: string; values: string[]; all?: boolean }
  /** An integer column whose value is one of these (canonical integer texts). */
  | { op: 'int_in'; column: string; values: string[] }
  /** A datetime column after (`strict`) or at/after `bound`, an ISO text of 28 characters (`formatDatetime`). */
  | { op: 'after'; column: string; bound: string; strict: boolean }
  /** A field that is absent, null or "" (as the byte-crediting stage reads blanks). */
  | { op: 'blank'; column: string }
  /** A field that is neither null nor "" (`isnotempty`; `isnotnull` of a column that is not a string). */
  | { op: 'filled'; column: string }
  /**
   * `test`, on a record whose raw text contains one of `needles` as written; the needle `\u`
   * stands for a unicode escape, and counts only before four hex digits. For a reader that sees
   * raw text (JSON lines): a block of lines none of which holds a needle is skipped for this test
   * at the cost of a search. Readers without raw text apply `test` alone.
   */
  | { op: 'needs'; needles: string[]; test: FieldTest };

/** A record's fields as a reader exposes them to a compiled test. */
export interface FieldSource {
  /** How the field numbered `col` (an index into `CompiledFieldTest.columns`) was found. */
  kind(col: number): Raw;
  /** The decoded string (Raw.String) or the number's text (Raw.Number). */
  text(col: number): string;
}

export interface CompiledFieldTest {
  /** The columns the test reads, in the order `FieldSource` numbers them. */
  columns: string[];
  test(src: FieldSource): boolean;
}

/** The columns a test reads. */
export function fieldTestColumns(t: FieldTest, out: Set<string> = new Set()): Set<string> {
  if ('items' in t) for (const i of t.items) fieldTestColumns(i, out);
  else if (t.op === 'needs') fieldTestColumns(t.test, out);
  else out.add(t.column);
  return out;
}

/**
 * The test with every part on these columns taken as passing (undefined: nothing left to test),
 * for columns whose values a later stage changes. The same object when nothing changes.
 */
export function withoutColumns(t: FieldTest | undefined, columns: ReadonlySet<string>): FieldTest | undefined {
  if (!t || columns.size === 0) return t;
  if ('items' in t) {
    const items = t.items.map((i) => withoutColumns(i, columns));
    if (items.every((x, i) => x === t.items[i])) return t;
    if (t.op === 'or') return items.some((x) => !x) ? undefined : { op: 'or', items: items as FieldTest[] };
    const kept = items.filter((x): x is FieldTest => !!x);
    return kept.length === 0 ? undefined : kept.length === 1 ? kept[0] : { op: 'and', items: kept };
  }
  if (t.op === 'needs') {
    const inner = withoutColumns(t.test, columns);
    return inner === t.test ? t : inner && { ...t, test: inner };
  }
  return columns.has(t.column) ? undefined : t;
}

const CANONICAL_INT = /^(0|-?[1-9]\d*)$/;
const ISO_28 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/;

/** Compiles a test once; `test` then only reads the fields it needs, in the order it needs them. */
export function compileFieldTest(t: FieldTest): CompiledFieldTest {
  const columns = [...fieldTestColumns(t)];
  const index = new Map(columns.map((c, i) => [c, i]));
  type Fn = (s: FieldSource) => boolean;
  const build = (t: FieldTest): Fn => {
    switch (t.op) {
      case 'and': {
        const fs = t.items.map(build);
        return (s) => { for (const f of fs) if (!f(s)) return false; return true; };
      }
      case 'or': {
        const fs = t.items.map(build);
        return (s) => { for (const f of fs) if (f(s)) return true; return false; };
      }
      case 'in': {
        const c = index.get(t.column)!;
        const set = new Set(t.values);
        const lengths = new Set(t.values.map((v) => v.length));
        const hasEmpty = set.has('');
        // Lower-casing keeps the length of ASCII text: a length no value has cannot match.
        const folded = memoOnText((v) => (!lengths.has(v.length) && isAscii(v) ? false : set.has(v.toLowerCase())));
        return (s) => {
          const k = s.kind(c);
          if (k === Raw.String) {
            const v = s.text(c);
            return t.fold ? folded(v) : set.has(v);
          }
          if (k === Raw.Null) return hasEmpty; // a null string is ""
          return true;
        };
      }
      case 'contains': {
        const c = index.get(t.column)!;
        const values = t.values;
        const answer = memoOnText((text) => {
          const v = text.toLowerCase();
          if (t.all) {
            for (const x of values) if (!v.includes(x)) return false;
            return true;
          }
          for (const x of values) if (v.includes(x)) return true;
          return false;
        });
        return (s) => {
          const k = s.kind(c);
          if (k !== Raw.String && k !== Raw.Null) return true;
          return answer(k === Raw.Null ? '' : s.text(c));
        };
      }
      case 'int_in': {
        const c = index.get(t.column)!;
        const set = new Set(t.values);
        return (s) => {
          const k = s.kind(c);
          if (k === Raw.Null) return false; // null is in no list
          if (k !== Raw.Number) return true;
          const v = s.text(c);
          return !CANONICAL_INT.test(v) || set.has(v);
        };
      }
      case 'after': {
        const c = index.get(t.column)!;
        const { bound, strict } = t;
        return (s) => {
          const k = s.kind(c);
          if (k === Raw.Null) return false; // null compares to nothing
          if (k !== Raw.String) return true;
          const v = s.text(c);
          if (strict ? v > bound : v >= bound) return true;
          // Before the bound: fails, if it is a datetime in that form (any other text passes).
          return v.length !== 28 || !ISO_28.test(v);
        };
      }
      case 'needs':
        return build(t.test);
      case 'filled': {
        const c = index.get(t.column)!;
        return (s) => {
          const k = s.kind(c);
          if (k === Raw.Null) return false;
          return k !== Raw.String || s.text(c) !== '';
        };
      }
      case 'blank': {
        const c = index.get(t.column)!;
        return (s) => {
          const k = s.kind(c);
          if (k === Raw.Unknown || k === Raw.Null) return true;
          if (k === Raw.String) return s.text(c) === '';
          return false;
        };
      }
    }
  };
  return { columns, test: build(t) };
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

/** How a field test sees a parsed value (not undefined: what that means is the reader's to say). */
export function rawKindOf(v: unknown): Raw {
  if (v === null) return Raw.Null;
  if (typeof v === 'string') return Raw.String;
  if ((typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint') return Raw.Number;
  return Raw.Other;
}

/** A test on a record already parsed (keys are column names): for readers that parse first. */
export function recordSource(compiled: CompiledFieldTest, rec: Record<string, unknown>): FieldSource {
  const cols = compiled.columns;
  return {
    kind(col) {
      const v = rec[cols[col]!];
      return v === undefined ? Raw.Unknown : rawKindOf(v);
    },
    text(col) {
      return String(rec[cols[col]!]);
    },
  };
}

/**
 * A column of a batch as a batch test reads it: row r's value is `values[codes[r]]` (code -1:
 * null), or `values[r]` without codes. Codes let a test run once per distinct value (a Parquet
 * dictionary's).
 */
export interface TestColumn {
  codes?: Int32Array;
  values: ArrayLike<unknown>;
  /** Values that are integer times: a time test compares the integers, other tests see the text. */
  time?: IntegerTimes;
}

/** Times held as integers (a number, or a bigint past 2^53) of `ticks` 100 ns ticks each. */
export interface IntegerTimes {
  ticks: number;
  /** A value's plain form: its text, or null out of a datetime's range. */
  plain(v: unknown): unknown;
}

/** A test over a batch of rows held by column. */
export interface BatchTest {
  columns: string[];
  /** The rows (ascending) the test may pass; a column the batch lacks passes, as an unknown field. */
  rows(column: (name: string) => TestColumn | undefined, count: number): Int32Array;
}

const NO_ROWS = new Int32Array(0);

/**
 * Compiles a test for batches: each and/or part runs on the rows the parts before it left, and
 * each field test once per distinct code; the answers are `compileFieldTest`'s, row by row.
 */
export function compileBatchTest(t: FieldTest): BatchTest {
  type Fn = (column: (name: string) => TestColumn | undefined, sel: Int32Array) => Int32Array;
  const build = (t: FieldTest): Fn => {
    switch (t.op) {
      case 'and': {
        const fs = t.items.map(build);
        return (column, sel) => {
          for (const f of fs) if (sel.length > 0) sel = f(column, sel);
          return sel;
        };
      }
      case 'or': {
        const fs = t.items.map(build);
        return (column, sel) => {
          let rest = sel;
          let passed: Int32Array = NO_ROWS;
          for (const f of fs) {
            if (rest.length === 0) break;
            const p = f(column, rest);
            if (p.length === 0) continue;
            passed = passed.length === 0 ? p : union(passed, p);
            rest = p.length === rest.length ? NO_ROWS : minus(rest, p);
          }
          return passed;
        };
      }
      case 'needs':
        return build(t.test);
      default: {
        const one = compileFieldTest(t);
        const name = t.column;
        let value: unknown;
        const src: FieldSource = {
          kind: () => (value === null || value === undefined ? Raw.Null : rawKindOf(value)),
          text: () => String(value),
        };
        const plainPasses = (v: unknown): boolean => {
          value = v;
          return one.test(src);
        };
        return (column, sel) => {
          const c = column(name);
          if (!c) return sel;
          const { codes, values, time } = c;
          const passes = !time ? plainPasses : (t.op === 'after' && timeTest(t, time, plainPasses)) || ((v: unknown) => plainPasses(time.plain(v)));
          const out = new Int32Array(sel.length);
          let n = 0;
          if (codes) {
            const verdict = new Int8Array(values.length); // 0: not yet asked, 1: passes, 2: fails
            let nullVerdict = 0;
            for (let i = 0; i < sel.length; i++) {
              const r = sel[i]!;
              const k = codes[r]!;
              let v: number;
              if (k < 0) v = nullVerdict ||= plainPasses(null) ? 1 : 2;
              else v = verdict[k] ||= passes(values[k]) ? 1 : 2;
              if (v === 1) out[n++] = r;
            }
          } else {
            for (let i = 0; i < sel.length; i++) if (passes(values[sel[i]!])) out[n++] = sel[i]!;
          }
          return n === sel.length ? sel : out.subarray(0, n);
        };
      }
    }
  };
  const f = build(t);
  return {
    columns: [...fieldTestColumns(t)],
    rows(column, count) {
      const all = new Int32Array(count);
      for (let i = 0; i < count; i++) all[i] = i;
      return f(column, all);
    },
  };
}

/** 1970 in the engine's datetime ticks. */
const UNIX_EPOCH = big(fromUnixMs(0));

/** Integer times within ±2^53 µs of 1970 (years 1685-2255) are all within a datetime's range. */
const SAFE_MICROS = 2 ** 53;

/**
 * An `after` test on integer times of `ticks` ticks each, comparing numbers: the same answers as
 * `onText` on their texts for the values it can place, `onText` for the others (undefined when
 * the bound itself cannot be placed).
 */
function timeTest(
  t: Extract<FieldTest, { op: 'after' }>, time: IntegerTimes, onText: (text: unknown) => boolean,
): ((v: unknown) => boolean) | undefined {
  const parsed = ISO_28.test(t.bound) ? parseDatetime(t.bound) : null;
  if (parsed === null || time.ticks < 10) return undefined;
  const bound = big(parsed) - UNIX_EPOCH; // ticks since 1970, as the column's integers count
  const per = BigInt(time.ticks);
  // v * ticks > bound  <=>  v > floor(bound / ticks);  v * ticks >= bound  <=>  v >= ceil(bound / ticks).
  const floor = bound / per - (bound % per < 0n ? 1n : 0n);
  const limit = Number(t.strict ? floor : floor + (bound % per === 0n ? 0n : 1n));
  const safe = (SAFE_MICROS * 10) / time.ticks;
  if (!(Math.abs(limit) < safe)) return undefined;
  return (v) => {
    if (typeof v === 'number' && v > -safe && v < safe) return t.strict ? v > limit : v >= limit;
    return onText(time.plain(v));
  };
}

/** The rows in either of two ascending lists. */
function union(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  let i = 0, j = 0, n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!, y = b[j]!;
    if (x < y) { out[n++] = x; i++; } else if (y < x) { out[n++] = y; j++; } else { out[n++] = x; i++; j++; }
  }
  while (i < a.length) out[n++] = a[i++]!;
  while (j < b.length) out[n++] = b[j++]!;
  return out.subarray(0, n);
}

/** The rows of an ascending list not in another (a sublist of it). */
function minus(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length);
  let j = 0, n = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    while (j < b.length && b[j]! < x) j++;
    if (j < b.length && b[j] === x) continue;
    out[n++] = x;
  }
  return out.subarray(0, n);
}

/** Whether 28 bytes at `s` are a datetime as `formatDatetime` writes it (yyyy-mm-ddThh:mm:ss.fffffffZ). */
export function isoShape(b: Uint8Array, s: number): boolean {
  for (let i = 0; i < 28; i++) {
    const x = b[s + i]!;
    switch (i) {
      case 4: case 7: if (x !== 45) return false; break;
      case 10: if (x !== 84) return false; break;
      case 13: case 16: if (x !== 58) return false; break;
      case 19: if (x !== 46) return false; break;
      case 27: if (x !== 90) return false; break;
      default: if (x < 48 || x > 57) return false;
    }
  }
  return true;
}
