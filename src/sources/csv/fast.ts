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
 *
 * A file of several blocks is cut on every core instead (parallel.ts, blocks.ts), to the same
 * records, lines, warnings and kept text; the rest is read here on the main thread.
 */
import { closeSync, openSync, promises as fs } from 'node:fs';
import type { FieldTest } from '../field-filter.js';
import type { BlockSpec } from './blocks.js';
import { Cut, Cutter, MAX_RECORD, type RecordTest, compileRecordTest, everyTest, headerNames, passMask } from './cutter.js';
import { type CsvHeader, csvScanOptions, readHeader, scanBlocks } from './parallel.js';
import { trackBytes } from '../progress.js';
import { type DataFile, type ReadHints, type ReadStats, type SourceRecord, skip } from '../reader.js';
import { KEPT_BATCH, type SharedFile, dropShared, keepChars, newSharedFile, worthSharing } from '../shared-scan.js';

/** Bytes the one-thread reader reads at a time (tests make it small, to cut records anywhere). */
export const csvOptions = { blockBytes: 4 << 20 };

/** Where a read sends what it cuts: records for its own scan, raw text for the others. */
interface Sink {
  /** Field tests by member (undefined: takes every record); the read yields records passing `tests[self]`. */
  tests: (FieldTest | undefined)[];
  self: number;
  /** Given: raw text of records some member may take (`mask`), of the header and of malformed records (every member). */
  keep?: (raw: string, line: number, mask: number) => void;
  /** Bytes of the file read so far, kept up to date by the read. */
  progress?: { bytesRead: number };
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
    this.all = everyTest(sink.tests.length);
  }

  /** The scan's record for the cutter's last record, if it takes it. */
  take(): SourceRecord | undefined {
    const cut = this.cut, sink = this.sink;
    if (!this.header) {
      const header = headerNames(cut);
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
    const mask = passMask(this.tests, sink.self, sink.keep !== undefined);
    if (sink.keep && mask !== 0) sink.keep(this.raw(), cut.startLine, mask);
    if ((mask & (1 << sink.self)) === 0) return undefined;
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
  // A large file is cut in blocks on every core (parallel.ts), once its header is known.
  const { size } = await fs.stat(file.path);
  if (size >= csvScanOptions.minBlocksForWorkers * csvScanOptions.blockBytes) {
    const fd = openSync(file.path, 'r');
    try {
      const head = readHeader(fd, size, sep);
      if (head) {
        yield* readInBlocks(file, stats, fd, sep, columns, sink, head);
        return;
      }
    } finally {
      closeSync(fd);
    }
  }
  const fh = await fs.open(file.path, 'r');
  const progress = sink.progress ?? { bytesRead: 0 };
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

/** What readBlocks gives, from blocks cut on every core: the header first, then each block in file order. */
async function* readInBlocks(file: DataFile, stats: ReadStats, fd: number, sep: number, columns: ReadonlySet<string> | undefined,
  sink: Sink, head: CsvHeader): AsyncGenerator<SourceRecord[]> {
  const progress = sink.progress ?? { bytesRead: 0 };
  trackBytes(file.path, progress);
  const header = head.names;
  const all = everyTest(sink.tests.length);
  sink.keep?.(head.raw, head.line, all);
  const wanted = header.map((_, k) => k).filter((k) => !columns || columns.has(header[k]!));
  const names = wanted.map((k) => header[k]!);
  const spec: BlockSpec = { sep, header, wanted, tests: sink.tests, self: sink.self, keeping: sink.keep !== undefined, firstStart: head.firstStart };
  for await (const { block, line, bytes } of scanBlocks(file.path, fd, spec, head.firstLine)) {
    progress.bytesRead += bytes;
    for (let i = 0; i < block.warnLines.length; i++) skip(stats, file.path, line + block.warnLines[i]!, block.warnings[i]!);
    if (sink.keep) for (let i = 0; i < block.kept.length; i++) sink.keep(block.kept[i]!, line + block.keptLines[i]!, block.keptMasks[i]!);
    if (block.lines.length === 0) continue;
    const out: SourceRecord[] = [];
    const values = block.values, w = names.length;
    for (let i = 0, v = 0; i < block.lines.length; i++) {
      const rec: Record<string, unknown> = {};
      for (let j = 0; j < w; j++) rec[names[j]!] = values[v++];
      out.push({ rec, line: line + block.lines[i]! });
    }
    yield out;
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
    // In batches, not the whole file's records at once (they would all outlive the young generation).
    let out: SourceRecord[] = [];
    for (const r of keptRecords(entry, file, stats, sep, columns, 1 << member!)) {
      out.push(r);
      if (out.length === KEPT_BATCH) {
        yield out;
        out = [];
      }
    }
    if (out.length) yield out;
    return;
  }
  // The first scan to read it: test for every scan, keep what they may take (this one too: a
  // scan of a `let` used twice reads twice).
  const mine: SharedFile | undefined = shared && member !== undefined && !entry && worthSharing(shared) ? newSharedFile(shared) : undefined;
  if (!mine) {
    yield* readBlocks(file, stats, sep, columns, { tests: [hints?.fields], self: 0 });
    return;
  }
  shared!.files.set(file.path, mine);
  const progress = { bytesRead: 0 };
  const keep = (raw: string, line: number, mask: number): void => {
    if (mine.state !== 'reading') return;
    mine.lines.push(raw);
    mine.numbers.push(line);
    mine.masks.push(mask);
    keepChars(shared!, mine, raw.length, progress.bytesRead);
  };
  let done = false;
  try {
    yield* readBlocks(file, stats, sep, columns, { tests: shared!.tests, self: member!, keep, progress });
    done = true;
  } finally {
    if (mine.state === 'reading') {
      if (done) mine.state = 'complete';
      else dropShared(shared!, mine);
    }
  }
}
