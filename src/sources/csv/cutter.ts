/**
 * Cutting CSV records out of a buffer of bytes (the rules of csv.ts's line reader, described in
 * fast.ts), and field tests judged on a cut record's bytes. Shared by the one-thread reader
 * (fast.ts) and the block scanners of every thread (blocks.ts).
 */
import { type FieldSource, type FieldTest, Raw, compileFieldTest, isoShape } from '../field-filter.js';
import { addon, nativeEnabled } from '../native-addon.js';

/** The largest record held; a longer one fails the read (csv.ts would hold it whole). */
export const MAX_RECORD = 256 << 20;
const DIGITS = /^-?\d+$/;
const QUOTE = 34, LF = 10, CR = 13, MINUS = 45;

/** What `Cutter.next` found. */
export const enum Cut {
  /** A record, in the cutter's field spans. */
  Record,
  /** No whole record left in the buffer: read on (or, at the end of the file, done). */
  More,
  /** A quoted field open at the end of the file: the rest of the file is dropped. */
  Unterminated,
  /** The next record starts at or past `stop`: it is another block's. */
  Stop,
}

/** Cuts records out of a buffer of CSV bytes, one at a time, keeping the field spans of the last. */
export class Cutter {
  buf: Buffer;
  /** Bytes of buf that hold data, and whether the file ends there. */
  len = 0;
  eof = false;
  /** Where the next record starts. */
  p = 0;
  /** A record starting here or later is not cut (blocks.ts: where the block ends). */
  stop = Infinity;
  /** The line the next record starts on. */
  line = 1;
  /** The last record: its line, its bytes [start, end) without the line break, its fields. */
  startLine = 0;
  start = 0;
  end = 0;
  n = 0;
  starts = new Int32Array(128);
  ends = new Int32Array(128);
  /** Fields that start with a quote (decoded by csv.ts's rules). */
  quoted = new Uint8Array(128);
  /** Fields of the last record decoded so far, by field number. */
  decoded: (string | undefined)[] = [];

  /**
   * Records cut ahead by the native addon (native/csv-cut.c: these same rules, many records a
   * call), valid while the caller leaves buf, len, eof, stop, p and line as the last record left
   * them; `status` is what the call stopped on, given once its records are taken.
   */
  private readonly ahead = nativeEnabled() ? new NativeCut() : undefined;
  /** The tests (bit m: test m) the last record may pass, as the addon judged (testNatively); -1: not judged. */
  mayPass = -1;

  /** Has the addon judge each record it cuts on a scan's tests (native-tests.ts `csvTestProgram`). */
  testNatively(program: object | undefined): void {
    if (this.ahead) this.ahead.program = program;
  }

  constructor(buf: Buffer, readonly sep: number) {
    this.buf = buf;
  }

  next(): Cut {
    const a = this.ahead;
    if (!a) return this.cutOne();
    if (!a.follows(this)) a.cutFrom(this);
    if (a.taken < a.count) {
      a.take(this);
      return Cut.Record;
    }
    if (a.status === NativeCut.FULL) {
      if (a.count === 0) return this.cutOne(); // a record with more fields than a call holds
      a.cutFrom(this);
      return this.next();
    }
    return a.finish(this);
  }

  /** The next record by the rules above, cut here in JavaScript. */
  private cutOne(): Cut {
    this.mayPass = -1;
    const b = this.buf, len = this.len, eof = this.eof, sep = this.sep;
    let i = this.p;
    // Empty lines outside quotes.
    for (;;) {
      if (i >= len) { this.p = i; return Cut.More; }
      const x = b[i];
      if (x !== LF && x !== CR) break;
      if (x === CR && i + 1 >= len && !eof) { this.p = i; return Cut.More; } // \r\n cut in two: read on
      i += x === CR && i + 1 < len && b[i + 1] === LF ? 2 : 1;
      this.line++;
    }
    this.p = i;
    if (i >= this.stop) return Cut.Stop;
    const from = i;
    let starts = this.starts, ends = this.ends, quoted = this.quoted;
    let n = 0;
    let breaks = 0;
    let end: number;
    for (;;) {
      if (n === starts.length) {
        this.starts = starts = grow(starts);
        this.ends = ends = grow(ends);
        this.quoted = quoted = grow(quoted);
      }
      const fieldStart = i;
      let x = b[i];
      if (x === QUOTE) {
        // csv.ts's rules: "" inside quotes is a quote; after the quotes close, the field runs on
        // to the separator, and a quote opens quoting again only if it is still empty.
        let inQuotes = true;
        let empty = true;
        i++;
        for (;;) {
          if (i >= len) {
            if (!eof) return Cut.More; // the record goes on in the next read
            break;
          }
          x = b[i]!;
          if (inQuotes) {
            if (x === QUOTE) {
              if (i + 1 >= len && !eof) return Cut.More;
              if (i + 1 < len && b[i + 1] === QUOTE) { empty = false; i += 2; continue; }
              inQuotes = false;
              i++;
              continue;
            }
            if (x === LF || x === CR) {
              if (x === CR && i + 1 >= len && !eof) return Cut.More;
              i += x === CR && i + 1 < len && b[i + 1] === LF ? 2 : 1;
              breaks++;
              empty = false;
              continue;
            }
            empty = false;
            i++;
            continue;
          }
          if (x === sep || x === LF || x === CR) break;
          if (x === QUOTE && empty) inQuotes = true;
          else empty = false;
          i++;
        }
        if (inQuotes) {
          // Open at the end of the file: csv.ts drops the record with a warning.
          this.startLine = this.line;
          this.start = from;
          this.end = len;
          this.line += breaks;
          this.p = len;
          return Cut.Unterminated;
        }
        quoted[n] = 1;
      } else {
        // Most bytes are in unquoted fields: one test for the usual byte, then the rare ones.
        while (i < len) {
          x = b[i]!;
          if (x > CR ? x === sep : x === LF || x === CR || x === sep) break; // a tab is below CR
          i++;
        }
        if (i >= len && !eof) return Cut.More;
        quoted[n] = 0;
      }
      starts[n] = fieldStart;
      ends[n] = i;
      n++;
      if (i >= len) { end = i; break; } // the end of the file ends the record
      if (b[i] === sep) {
        i++;
        if (i >= len && !eof) return Cut.More;
        if (i >= len) {
          // "a," at the very end: an empty last field.
          if (n === starts.length) {
            this.starts = starts = grow(starts);
            this.ends = ends = grow(ends);
            this.quoted = quoted = grow(quoted);
          }
          starts[n] = ends[n] = i;
          quoted[n] = 0;
          n++;
          end = i;
          break;
        }
        continue;
      }
      if (b[i] === CR && i + 1 >= len && !eof) return Cut.More;
      end = i;
      i += b[i] === CR && i + 1 < len && b[i + 1] === LF ? 2 : 1;
      breaks++;
      break;
    }
    this.n = n;
    this.start = from;
    this.end = end;
    this.startLine = this.line;
    this.line += breaks;
    this.p = i;
    this.decoded.length = 0;
    return Cut.Record;
  }

  /** Field k of the last record, decoded. */
  field(k: number): string {
    let s = this.decoded[k];
    if (s === undefined) {
      s = this.buf.toString('utf8', this.starts[k]!, this.ends[k]!);
      if (this.quoted[k]) s = unquote(s);
      this.decoded[k] = s;
    }
    return s;
  }

  /** How a field test sees field k: an empty field is null, one of digits an integer. */
  kind(k: number): Raw {
    if (this.quoted[k]) {
      const s = this.field(k);
      return s === '' ? Raw.Null : DIGITS.test(s) ? Raw.Number : Raw.String;
    }
    const b = this.buf, e = this.ends[k]!;
    let i = this.starts[k]!;
    if (i === e) return Raw.Null;
    if (b[i] === MINUS) i++;
    if (i === e) return Raw.String;
    for (; i < e; i++) {
      const x = b[i]!;
      if (x < 48 || x > 57) return Raw.String;
    }
    return Raw.Number;
  }

  /** Whether field k is unquoted and all ASCII (its byte count is then its length). */
  plainAscii(k: number): boolean {
    if (this.quoted[k]) return false;
    const b = this.buf, e = this.ends[k]!;
    for (let i = this.starts[k]!; i < e; i++) if (b[i]! > 127) return false;
    return true;
  }
}

/** Records cut ahead natively for a Cutter (see `Cutter.next`). */
class NativeCut {
  static readonly FULL = 4;
  private readonly state = new Float64Array(9);
  private readonly recs = new Int32Array(8 * 1024);
  program: object | undefined;
  private readonly fields = new Int32Array(3 * 65536);
  count = 0;
  taken = 0;
  status = NativeCut.FULL;
  // What the records were cut from, and where the cutter must stand for the next one to follow.
  private buf: Buffer | undefined;
  private len = -1;
  private eof = false;
  private stop = 0;
  private p = -1;
  private line = 0;

  follows(c: Cutter): boolean {
    return c.buf === this.buf && c.len === this.len && c.eof === this.eof && c.stop === this.stop && c.p === this.p && c.line === this.line;
  }

  cutFrom(c: Cutter): void {
    const s = this.state;
    s[0] = c.p; s[1] = c.len; s[2] = c.eof ? 1 : 0; s[3] = c.stop; s[4] = c.sep; s[5] = c.line;
    addon!.csvCut(c.buf, s, this.recs, this.fields, this.program);
    this.status = s[3]!;
    this.count = s[4]!;
    this.taken = 0;
    this.buf = c.buf; this.len = c.len; this.eof = c.eof; this.stop = c.stop; this.p = c.p; this.line = c.line;
  }

  /** Hands the cutter the next record. */
  take(c: Cutter): void {
    const r = this.recs, at = 8 * this.taken++;
    const n = r[at + 3]!, first = r[at + 4]!;
    while (c.starts.length < n) {
      c.starts = grow(c.starts);
      c.ends = grow(c.ends);
      c.quoted = grow(c.quoted);
    }
    const f = this.fields, starts = c.starts, ends = c.ends, quoted = c.quoted;
    for (let k = 0, j = 3 * first; k < n; k++, j += 3) {
      starts[k] = f[j]!;
      ends[k] = f[j + 1]!;
      quoted[k] = f[j + 2]!;
    }
    c.n = n;
    c.start = r[at]!;
    c.end = r[at + 1]!;
    c.startLine = r[at + 2]!;
    c.p = this.p = r[at + 5]!;
    c.line = this.line = r[at + 6]!;
    c.mayPass = r[at + 7]!;
    c.decoded.length = 0;
  }

  /** After the records: where the call stopped (More, Stop, Unterminated), as the cutter would say it. */
  finish(c: Cutter): Cut {
    const s = this.state;
    if (this.status === Cut.Unterminated) {
      c.startLine = s[8]!;
      c.start = s[7]!;
      c.end = c.len;
    }
    c.p = s[5]!;
    c.line = s[6]!;
    this.p = -1; // taken: the next call cuts afresh
    return this.status as Cut;
  }
}

export function grow<T extends Int32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

export type RecordTest = () => boolean;

/** The mask of every one of `count` tests (bit m: test m). */
export function everyTest(count: number): number {
  return count >= 31 ? -1 : (1 << count) - 1;
}

/**
 * The tests the cut record may pass, as a mask (bit m: test m; a missing test passes every
 * record): all of them when the read keeps records for the query's other scans (`keeping`),
 * else only the scan's own (`self`).
 */
export function passMask(tests: readonly (RecordTest | undefined)[], self: number, keeping: boolean): number {
  if (!keeping) {
    const t = tests[self];
    return !t || t() ? 1 << self : 0;
  }
  let mask = 0;
  for (let m = 0; m < tests.length; m++) {
    const t = tests[m];
    if (!t || t()) mask |= 1 << m;
  }
  return mask;
}

/**
 * A field test on the cutter's last record (column name → field number in `index`). It judges
 * as `compileFieldTest` does; a time window and the length of an `in~` value are read from the
 * bytes, so most records are settled without decoding a field.
 */
export function compileRecordTest(t: FieldTest, index: Map<string, number>, cut: Cutter): RecordTest {
  const generic = (leaf: FieldTest, k: number): RecordTest => {
    const compiled = compileFieldTest(leaf);
    const source: FieldSource = k < 0
      ? { kind: () => Raw.Unknown, text: () => '' }
      : { kind: () => cut.kind(k), text: () => cut.field(k) };
    return () => compiled.test(source);
  };
  const build = (t: FieldTest): RecordTest => {
    switch (t.op) {
      case 'and': {
        const parts = t.items.map(build);
        return () => { for (const f of parts) if (!f()) return false; return true; };
      }
      case 'or': {
        const parts = t.items.map(build);
        return () => { for (const f of parts) if (f()) return true; return false; };
      }
      case 'needs':
        return build(t.test);
      case 'after': {
        const k = index.get(t.column) ?? -1;
        const slow = generic(t, k);
        if (k < 0) return slow;
        const bound = Buffer.from(t.bound, 'latin1');
        const strict = t.strict;
        return () => {
          if (cut.quoted[k]) return slow();
          const b = cut.buf, s = cut.starts[k]!, e = cut.ends[k]!;
          if (s === e) return false; // null compares to nothing
          // Text of another length is not the canonical form (nor is an integer): kept.
          if (e - s !== 28) return true;
          let i = 0;
          while (i < 28 && b[s + i] === bound[i]) i++;
          if (i === 28) return !strict;
          // Later text is kept whatever it holds; earlier text fails only in the canonical form.
          return b[s + i]! > bound[i]! || !isoShape(b, s);
        };
      }
      case 'in': {
        const k = index.get(t.column) ?? -1;
        const slow = generic(t, k);
        if (k < 0) return slow;
        const lengths = new Set(t.values.map((v) => v.length));
        return () => {
          // ASCII text of a length no value has cannot match (lower-casing keeps its length).
          const n = cut.ends[k]! - cut.starts[k]!;
          if (!cut.quoted[k] && n > 0 && !lengths.has(n) && cut.kind(k) === Raw.String && cut.plainAscii(k)) return false;
          return slow();
        };
      }
      case 'int_in': {
        const k = index.get(t.column) ?? -1;
        const slow = generic(t, k);
        if (k < 0) return slow;
        const set = new Set(t.values.map(Number));
        return () => {
          if (cut.quoted[k]) return slow();
          const b = cut.buf, s = cut.starts[k]!, e = cut.ends[k]!;
          if (s === e) return false; // null is in no list
          const neg = b[s] === MINUS;
          const d0 = neg ? s + 1 : s;
          // Canonical digits only (no leading zero but "0", no "-0", exact as a number); the rest as compileFieldTest judges it.
          if (e - d0 < 1 || e - d0 > 15 || (b[d0] === 48 && (e - d0 > 1 || neg))) return slow();
          let n = 0;
          for (let i = d0; i < e; i++) {
            const x = b[i]!;
            if (x < 48 || x > 57) return true; // not an integer: the test passes
            n = n * 10 + (x - 48);
          }
          return set.has(neg ? -n : n);
        };
      }
      default:
        return generic(t, index.get(t.column) ?? -1);
    }
  };
  return build(t);
}

/** A field that starts with a quote, as csv.ts builds it character by character. */
export function unquote(raw: string): string {
  let out = '';
  let inQuotes = false;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (inQuotes) {
      if (ch === '"') {
        if (raw[i + 1] === '"') { out += '"'; i++; } else inQuotes = false;
      } else if (ch === '\r' || ch === '\n') {
        if (ch === '\r' && raw[i + 1] === '\n') i++;
        out += '\n';
      } else out += ch;
    } else if (ch === '"' && out === '') inQuotes = true;
    else out += ch;
  }
  return out;
}

/** The header's names from the cutter's last record: the first loses a BOM, each is trimmed. */
export function headerNames(cut: Cutter): string[] {
  const header: string[] = [];
  for (let k = 0; k < cut.n; k++) header.push((k === 0 ? cut.field(k).replace(/^\uFEFF/, '') : cut.field(k)).trim());
  return header;
}
