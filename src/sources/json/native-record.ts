/**
 * Records cut natively (native/line-record.c): for a plain JSON-lines record, the addon checks the
 * line is well-formed and finds the values of the columns a scan reads; only those become
 * JavaScript values. The record is what JSON.parse and `projected` make of the line (exact longs
 * included: exact.ts), without building the other members. Any other line (not plain, or not
 * valid JSON) is left to the caller's JSON.parse, which gives its records or its error.
 */
import { norm } from '../../schema/values/int64.js';
import { parseJsonExact } from './exact.js';
import type { LineRecord } from './line-records.js';
import { addon, nativeEnabled } from '../native-addon.js';
import { encodeNames } from '../native-tests.js';

const enum V { Absent = 0, Ascii, Utf8, Escaped, Integer, Number, True, False, Null, Nested }

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);

export class NativeRecordCutter {
  private readonly spans: Int32Array;

  private constructor(private readonly columns: readonly string[], private readonly handle: object) {
    this.spans = new Int32Array(3 * columns.length);
  }

  /** A cutter for these columns; undefined without the addon. */
  static for(columns: readonly string[]): NativeRecordCutter | undefined {
    if (!nativeEnabled()) return undefined;
    const { code, pool } = encodeNames(columns);
    return new NativeRecordCutter(columns, addon!.columns(code, pool));
  }

  /** The record of the line b[start, end) with only the columns, or undefined: parse the line as text. */
  cut(b: Buffer, start: number, end: number): LineRecord | undefined {
    const s = this.spans;
    if (!addon!.extract(this.handle, b, start, end, s)) return undefined;
    const rec: Record<string, unknown> = {};
    const columns = this.columns;
    for (let c = 0; c < columns.length; c++) {
      const kind = s[3 * c]!;
      if (kind === V.Absent) continue;
      const from = s[3 * c + 1]!, to = s[3 * c + 2]!;
      rec[columns[c]!] = value(kind, b, from, to);
    }
    return { rec };
  }
}

/** Buffer's own decoders, without toString's argument checks (the spans are the addon's, in bounds). */
interface Slices {
  latin1Slice(from: number, to: number): string;
  utf8Slice(from: number, to: number): string;
}

function value(kind: number, buf: Buffer, from: number, to: number): unknown {
  const b = buf as unknown as Slices;
  switch (kind) {
    case V.Ascii: return b.latin1Slice(from, to);
    case V.Utf8: return b.utf8Slice(from, to);
    case V.Escaped: return JSON.parse(b.utf8Slice(from, to));
    case V.Integer: {
      const text = b.latin1Slice(from, to);
      // Up to 15 digits: exact as a number. Past 2^53 and within a long: exact as one (exact.ts).
      if (to - from <= 15) return Number(text);
      const big = BigInt(text);
      return (big > MAX_SAFE || big < -MAX_SAFE) && big <= I64_MAX && big >= I64_MIN ? norm(big) : Number(text);
    }
    case V.Number: return Number(b.latin1Slice(from, to));
    case V.True: return true;
    case V.False: return false;
    case V.Null: return null;
    default: return parseJsonExact(b.utf8Slice(from, to));
  }
}
