/**
 * One block of a plain CSV file, cut on any thread (parallel.ts). Block k owns the records that
 * start in its bytes [k·B, (k+1)·B); it cuts them, tests them and decodes the scan's fields of
 * those it takes, and says where the first record after it starts (its end) and how many line
 * breaks lie between its start and its end.
 *
 * Where a block's first record starts is known only once the block before it has been cut: a
 * quoted field may hold line breaks. So a block whose start is not known yet is cut
 * speculatively, from the first byte after a line break (outside quotes, it assumes); the
 * reader compares that start with the true end of the block before, and cuts the block again
 * from the true position when they differ. Outside quotes every line break ends a record, so a
 * record starts exactly at a byte that follows line-break bytes and is not one itself: the true
 * start is one of those positions, and when it equals the assumed one the block's cut is the
 * one-thread reader's cut, byte for byte. A block with no such position owns no record at all.
 */
import { readSync } from 'node:fs';
import type { FieldTest } from '../field-filter.js';
import { Cut, Cutter, MAX_RECORD, type RecordTest, compileRecordTest, everyTest, passMask } from './cutter.js';
import { csvTestProgram } from '../native-tests.js';

const LF = 10, CR = 13;

/** What a block scanner needs besides the file: the header (read first) and the scans' tests. */
export interface BlockSpec {
  sep: number;
  /** Header names as the one-thread reader makes them. */
  header: string[];
  /** Field numbers of the columns the scan reads, in header order. */
  wanted: number[];
  /** Field tests by member; the block takes the records passing `tests[self]`. */
  tests: (FieldTest | undefined)[];
  self: number;
  /** Whether raw text is kept for the other members (shared-scan.ts). */
  keeping: boolean;
  /** Where the first record after the header starts (block 0 starts there). */
  firstStart: number;
}

export interface CsvBlock {
  index: number;
  /** Where the block's first record starts; -1: no record can start in the block (its end is its start). */
  start: number;
  /** Where the first record after the block starts (the file's size past the last). */
  end: number;
  /** Line breaks from start to end. */
  breaks: number;
  /** Cut from an assumed start; undefined when not. */
  speculative?: boolean;
  /** A speculative cut that gave up (a record too long to follow on a guess): cut it again. */
  failed?: boolean;
  /** The fields `wanted` of the records taken, `wanted.length` a record, and their lines (0: the line at `start`). */
  values: string[];
  lines: number[];
  /** Raw text (Latin-1) of what the other members may take, of malformed records, with their lines and member bits. */
  kept: string[];
  keptLines: number[];
  keptMasks: number[];
  /** Malformed records: their lines and what is wrong. */
  warnLines: number[];
  warnings: string[];
}

/** Bytes read past a block, so most blocks' last record is cut without a second read. */
const TAIL_BYTES = 256 << 10;

/** Block buffers a thread has finished with (a fresh buffer pays its page faults on first use). */
const spare: Buffer[] = [];

/** Cuts blocks of one file (a descriptor, or its bytes) for one scan or one shared read; owns its buffer and compiled tests. */
export class BlockScanner {
  private buf: Buffer;
  private readonly cut: Cutter;
  private readonly tests: (RecordTest | undefined)[];
  private readonly all: number;

  constructor(private readonly file: number | Buffer, private readonly size: number, private readonly blockBytes: number, private readonly spec: BlockSpec) {
    const want = blockBytes + Math.min(TAIL_BYTES, Math.max(blockBytes, 64 << 10));
    const i = spare.findIndex((b) => b.length === want);
    this.buf = i >= 0 ? spare.splice(i, 1)[0]! : Buffer.allocUnsafeSlow(want);
    this.cut = new Cutter(this.buf, spec.sep);
    const index = new Map(spec.header.map((h, k) => [h, k]));
    this.tests = spec.tests.map((t) => t && compileRecordTest(t, index, this.cut));
    // The addon's weaker copy of the tests settles most records before these run.
    this.cut.testNatively(csvTestProgram(spec.tests, spec.header));
    this.all = everyTest(spec.tests.length);
  }

  get blocks(): number {
    return Math.ceil(this.size / this.blockBytes);
  }

  /** Touches every page of the block buffer, so the first real read does not fault them in. */
  prefault(): void {
    this.buf.fill(0);
  }

  /** Gives the buffer back for the thread's next scan. */
  dispose(): void {
    if (spare.length < 4) spare.push(this.buf);
  }

  /** Block k, cut from `from` (a true record start) or, when not given, from where a record may start. */
  scan(k: number, from?: number): CsvBlock {
    if (from !== undefined || k === 0) return this.cutBlock(k, from ?? this.spec.firstStart);
    try {
      return this.cutBlock(k, undefined);
    } catch {
      // A guessed start may cut nonsense; the reader cuts the block again from the true one.
      this.cut.buf = this.buf;
      return { ...emptyBlock(k), failed: true };
    }
  }

  private cutBlock(k: number, from: number | undefined): CsvBlock {
    const out = emptyBlock(k);
    const blockStart = k * this.blockBytes;
    const blockEnd = Math.min(blockStart + this.blockBytes, this.size);
    if (from !== undefined && from >= blockEnd) {
      out.start = out.end = from;
      return out;
    }
    const cut = this.cut;
    const speculative = from === undefined;
    // A guess reads from the byte before the block, to see whether the block starts a line.
    let base = speculative ? blockStart - 1 : from!;
    let len = this.read(this.buf, 0, Math.min(this.buf.length, this.size - base), base);
    let p: number;
    if (speculative) {
      p = firstRecordStart(this.buf, len, blockEnd - base);
      if (p < 0) return out;
      out.speculative = true;
    } else p = 0;
    out.start = base + p;
    cut.buf = this.buf;
    cut.len = len;
    cut.eof = base + len >= this.size;
    cut.p = p;
    cut.line = 0;
    cut.stop = blockEnd - base;
    for (;;) {
      const c = cut.next();
      if (c === Cut.Record) {
        this.take(out);
        continue;
      }
      if (c === Cut.Stop) {
        out.end = base + cut.p;
        break;
      }
      if (c === Cut.Unterminated) {
        // csv.ts drops the rest of the file with a warning.
        out.warnLines.push(cut.startLine);
        out.warnings.push('unterminated quoted field at end of file');
        if (this.spec.keeping) this.keep(out, this.all);
        out.end = this.size;
        break;
      }
      if (cut.eof) {
        out.end = this.size;
        break;
      }
      // The last record runs past what was read: keep it at the front and read on.
      let buf = cut.buf;
      if (cut.p > 0) {
        buf.copy(buf, 0, cut.p, cut.len);
        base += cut.p;
        cut.stop -= cut.p;
        cut.len -= cut.p;
        cut.p = 0;
      }
      if (cut.len === buf.length) {
        // A guess does not chase a record this long: it may be the inside of a quoted field.
        if (speculative) return { ...out, failed: true };
        if (buf.length >= MAX_RECORD) throw new Error(`a record longer than ${MAX_RECORD} bytes`);
        const bigger = Buffer.allocUnsafeSlow(buf.length * 2);
        buf.copy(bigger, 0, 0, cut.len);
        cut.buf = buf = bigger;
      }
      len = this.read(buf, cut.len, Math.min(buf.length - cut.len, this.size - base - cut.len), base + cut.len);
      cut.len += len;
      cut.eof = base + cut.len >= this.size;
    }
    out.breaks = cut.line;
    // A grown buffer served one long record; the next block starts with the usual one.
    cut.buf = this.buf;
    return out;
  }

  private take(out: CsvBlock): void {
    const cut = this.cut, spec = this.spec;
    if (cut.n !== spec.header.length) {
      out.warnLines.push(cut.startLine);
      out.warnings.push(`expected ${spec.header.length} fields, found ${cut.n}`);
      if (spec.keeping) this.keep(out, this.all);
      return;
    }
    const may = cut.mayPass;
    const mask = (spec.keeping ? may === 0 : (may & (1 << spec.self)) === 0) ? 0 : passMask(this.tests, spec.self, spec.keeping);
    if (spec.keeping && mask !== 0) this.keep(out, mask);
    if ((mask & (1 << spec.self)) === 0) return;
    for (const k of spec.wanted) out.values.push(cut.field(k));
    out.lines.push(cut.startLine);
  }

  private keep(out: CsvBlock, mask: number): void {
    const cut = this.cut;
    out.kept.push(cut.buf.toString('latin1', cut.start, cut.end));
    out.keptLines.push(cut.startLine);
    out.keptMasks.push(mask);
  }

  /** Reads `length` bytes at `position`, all of them (a read may return fewer). */
  private read(buf: Buffer, offset: number, length: number, position: number): number {
    const file = this.file;
    if (typeof file !== 'number') return file.copy(buf, offset, position, position + length);
    let done = 0;
    while (done < length) {
      const n = readSync(file, buf, offset + done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }
}

function emptyBlock(k: number): CsvBlock {
  return { index: k, start: -1, end: -1, breaks: 0, values: [], lines: [], kept: [], keptLines: [], keptMasks: [], warnLines: [], warnings: [] };
}

/**
 * The first position before `stop` that follows line-break bytes and is not one (b[0] is the
 * byte before the block), or -1.
 */
function firstRecordStart(b: Buffer, len: number, stop: number): number {
  const end = Math.min(len, stop);
  let i = 0;
  while (i < end && b[i] !== LF && b[i] !== CR) i++;
  while (i < end && (b[i] === LF || b[i] === CR)) i++;
  return i < end ? i : -1;
}
