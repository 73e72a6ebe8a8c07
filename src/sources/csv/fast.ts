/**
 * CSV and TSV of a plain file, read in large blocks and cut on the bytes: the same records as
 * the line-by-line reader (`csvRecords` in csv.ts) gives, field for field, but fields are decoded
 * only for the columns the scan reads, and not at all for a record the scan's field test rejects
 * (sources/field-filter.ts: an empty field is null, one of digits an integer, the rest text).
 *
 * The rules are csv.ts's: a line ends at \n, \r\n or a lone \r; a quote opens quoting only where
 * the field so far is empty; inside quotes "" is one quote and a line break is \n; an empty line
 * outside quotes is skipped; the first record is the header (its first name loses a BOM, every
 * name is trimmed); a record with another number of fields than the header is skipped, and so is
 * a quoted field still open at the end of the file, each with a warning.
 *
 * The scans of one table in a query share one read of each file (shared-scan.ts): the first
 * tests every record for every scan and keeps, as Latin-1 text (one character a byte), the raw
 * bytes of those some scan may take, plus the header and any malformed record (so every scan
 * warns as a read of its own would); a later scan cuts its records out of those again.
 */
import { promises as fs } from 'node:fs';
import { type FieldSource, type FieldTest, Raw, compileFieldTest, isoShape } from '../field-filter.js';
import { trackBytes } from '../progress.js';
import { type DataFile, type ReadHints, type ReadStats, type SourceRecord, skip } from '../reader.js';
import { type SharedFile, dropShared, worthSharing } from '../shared-scan.js';

/** Bytes read at a time (tests make it small, to cut records anywhere). */
export const csvOptions = { blockBytes: 4 << 20 };
/** The largest record held; a longer one fails the read (csv.ts would hold it whole). */
const MAX_RECORD = 256 << 20;
const DIGITS = /^-?\d+$/;
const QUOTE = 34, LF = 10, CR = 13, MINUS = 45;

/** What `Cutter.next` found. */
const enum Cut {
  /** A record, in the cutter's field spans. */
  Record,
  /** No whole record left in the buffer: read on (or, at the end of the file, done). */
  More,
  /** A quoted field open at the end of the file: the rest of the file is dropped. */
  Unterminated,
}

/** Cuts records out of a buffer of CSV bytes, one at a time, keeping the field spans of the last. */
class Cutter {
  buf: Buffer;
  /** Bytes of buf that hold data, and whether the file ends there. */
  len = 0;
  eof = false;
  /** Where the next record starts. */
  p = 0;
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

  constructor(buf: Buffer, readonly sep: number) {
    this.buf = buf;
  }

  next(): Cut {
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

function grow<T extends Int32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

type RecordTest = () => boolean;

/**
 * A field test on the cutter's last record (column name → field number in `index`). It judges
 * as `compileFieldTest` does; a time window and the length of an `in~` value are read from the
 * bytes, so most records are settled without decoding a field.
 */
function compileRecordTest(t: FieldTest, index: Map<string, number>, cut: Cutter): RecordTest {
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

/** Where a read sends what it cuts: records for its own scan, raw text for the others. */
interface Sink {
  /** Field tests by member (undefined: takes every record); the read yields records passing `tests[self]`. */
  tests: (FieldTest | undefined)[];
  self: number;
  /** Given: raw text of records some member may take (`mask`), of the header and of malformed records (every member). */
  keep?: (raw: string, line: number, mask: number) => void;
}

/**
 * Turns the records a cutter finds into the scan's records: the first is the header, the
 * others are checked for their field count and tested.
 */
class RecordMaker {
  header: string[] | undefined;
  private wanted: number[] = [];
  private tests: (RecordTest | undefined)[] = [];
  private readonly all: number;

  constructor(private readonly cut: Cutter, private readonly file: DataFile, private readonly stats: ReadStats,
    private readonly columns: ReadonlySet<string> | undefined, private readonly sink: Sink) {
    this.all = sink.tests.length >= 31 ? -1 : (1 << sink.tests.length) - 1;
  }

  /** The scan's record for the cutter's last record, if it takes it. */
  take(): SourceRecord | undefined {
    const cut = this.cut, sink = this.sink;
    if (!this.header) {
      const header: string[] = [];
      for (let k = 0; k < cut.n; k++) header.push((k === 0 ? cut.field(k).replace(/^\uFEFF/, '') : cut.field(k)).trim());
      this.header = header;
      const index = new Map(header.map((h, k) => [h, k]));
      const columns = this.columns;
      this.wanted = header.map((_, k) => k).filter((k) => !columns || columns.has(header[k]!));
      this.tests = sink.tests.map((t) => t && compileRecordTest(t, index, cut));
      sink.keep?.(this.raw(), cut.startLine, this.all);
      return undefined;
    }
    if (cut.n !== this.header.length) {
      skip(this.stats, this.file.path, cut.startLine, `expected ${this.header.length} fields, found ${cut.n}`);
      sink.keep?.(this.raw(), cut.startLine, this.all);
      return undefined;
    }
    let mine: boolean;
    if (sink.keep) {
      let mask = 0;
      const tests = this.tests;
      for (let m = 0; m < tests.length; m++) {
        const t = tests[m];
        if (!t || t()) mask |= 1 << m;
      }
      if (mask !== 0) sink.keep(this.raw(), cut.startLine, mask);
      mine = (mask & (1 << sink.self)) !== 0;
    } else {
      const t = this.tests[sink.self];
      mine = !t || t();
    }
    if (!mine) return undefined;
    const rec: Record<string, unknown> = {};
    const header = this.header;
    for (const k of this.wanted) rec[header[k]!] = cut.field(k);
    return { rec, line: cut.startLine };
  }

  /** A quoted field open at the end of the file. */
  unterminated(): void {
    skip(this.stats, this.file.path, this.cut.startLine, 'unterminated quoted field at end of file');
    this.sink.keep?.(this.raw(), this.cut.startLine, this.all);
  }

  private raw(): string {
    return this.cut.buf.toString('latin1', this.cut.start, this.cut.end);
  }
}

/** Records of a plain CSV file, a block at a time. */
export async function* fastCsvRecords(
  file: DataFile, stats: ReadStats, sep: number, columns: ReadonlySet<string> | undefined, test: FieldTest | undefined,
): AsyncGenerator<SourceRecord[]> {
  yield* readBlocks(file, stats, sep, columns, { tests: [test], self: 0 });
}

async function* readBlocks(file: DataFile, stats: ReadStats, sep: number, columns: ReadonlySet<string> | undefined, sink: Sink): AsyncGenerator<SourceRecord[]> {
  const fh = await fs.open(file.path, 'r');
  const progress = { bytesRead: 0 };
  trackBytes(file.path, progress);
  const cut = new Cutter(Buffer.allocUnsafeSlow(csvOptions.blockBytes), sep);
  const maker = new RecordMaker(cut, file, stats, columns, sink);
  try {
    for (;;) {
      if (!cut.eof) {
        // Keep what is left (an unfinished record) at the front, then read on.
        let buf = cut.buf;
        if (cut.p > 0) {
          buf.copy(buf, 0, cut.p, cut.len);
          cut.len -= cut.p;
          cut.p = 0;
        }
        if (cut.len === buf.length) {
          if (buf.length >= MAX_RECORD) throw new Error(`a record longer than ${MAX_RECORD} bytes`);
          const bigger = Buffer.allocUnsafeSlow(buf.length * 2);
          buf.copy(bigger, 0, 0, cut.len);
          cut.buf = buf = bigger;
        }
        const { bytesRead } = await fh.read(buf, cut.len, buf.length - cut.len, null);
        progress.bytesRead += bytesRead;
        cut.len += bytesRead;
        cut.eof = bytesRead === 0;
      }
      const out: SourceRecord[] = [];
      for (;;) {
        const c = cut.next();
        if (c === Cut.More) break;
        if (c === Cut.Unterminated) { maker.unterminated(); break; }
        const r = maker.take();
        if (r) out.push(r);
      }
      if (out.length) yield out;
      if (cut.eof) break;
    }
  } finally {
    await fh.close();
  }
}

/** The records of raw record texts another scan's read kept (those with this scan's bit set). */
function* keptRecords(entry: SharedFile, file: DataFile, stats: ReadStats, sep: number, columns: ReadonlySet<string> | undefined, bit: number): Generator<SourceRecord> {
  const cut = new Cutter(Buffer.alloc(0), sep);
  // The read tested for this scan already: every record kept for it passes.
  const maker = new RecordMaker(cut, file, stats, columns, { tests: [undefined], self: 0 });
  const { lines, numbers, masks } = entry;
  for (let i = 0; i < lines.length; i++) {
    if (!(masks[i]! & bit)) continue;
    const buf = Buffer.from(lines[i]!, 'latin1');
    cut.buf = buf;
    cut.len = buf.length;
    cut.eof = true;
    cut.p = 0;
    cut.line = numbers[i]!;
    const c = cut.next();
    if (c === Cut.Unterminated) maker.unterminated();
    else if (c === Cut.Record) {
      const r = maker.take();
      if (r) yield r;
    }
  }
}

/**
 * The records of a plain CSV file for one scan; with `hints.shared`, one read serves every scan
 * of the table in the query (shared-scan.ts).
 */
export async function* sharedCsvRecords(file: DataFile, stats: ReadStats, sep: number, hints: ReadHints | undefined): AsyncGenerator<SourceRecord[]> {
  const shared = hints?.shared;
  const member = hints?.member;
  const columns = hints?.columns;
  const entry = shared && member !== undefined ? shared.files.get(file.path) : undefined;
  // Another scan of this query read the file already, testing for this one too.
  if (entry?.state === 'complete' && member! < entry.members) {
    const out = [...keptRecords(entry, file, stats, sep, columns, 1 << member!)];
    if (out.length) yield out;
    return;
  }
  // The first scan to read it: test for every scan, keep what they may take (this one too: a
  // scan of a `let` used twice reads twice).
  const mine: SharedFile | undefined = shared && member !== undefined && !entry && worthSharing(shared)
    ? { state: 'reading', members: shared.tests.length, lines: [], numbers: [], masks: [], overlong: [] }
    : undefined;
  if (!mine) {
    yield* readBlocks(file, stats, sep, columns, { tests: [hints?.fields], self: 0 });
    return;
  }
  shared!.files.set(file.path, mine);
  const keep = (raw: string, line: number, mask: number): void => {
    if (mine.state !== 'reading') return;
    mine.lines.push(raw);
    mine.numbers.push(line);
    mine.masks.push(mask);
    shared!.kept += raw.length;
    if (shared!.kept > shared!.budget) dropShared(shared!, mine);
  };
  let done = false;
  try {
    yield* readBlocks(file, stats, sep, columns, { tests: shared!.tests, self: member!, keep });
    done = true;
  } finally {
    if (mine.state === 'reading') {
      if (done) mine.state = 'complete';
      else dropShared(shared!, mine);
    }
  }
}

/** A field that starts with a quote, as csv.ts builds it character by character. */
function unquote(raw: string): string {
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
