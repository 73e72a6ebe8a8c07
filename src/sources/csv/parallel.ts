/**
 * A plain CSV file scanned on every core, as JSON lines are (../block-scan.ts): blocks cut by
 * blocks.ts on the main thread and worker threads (block-worker.ts), taken in file order.
 *
 * What CSV adds is the check of each block's start. The header is read first, here; block 0
 * starts after it. A block cut before the one ahead of it was taken starts where a record may
 * start; when the reader takes it, the block before has said where its records really end, and
 * a block that assumed another start is cut again from there, on this thread. Line numbers are
 * counted the same way: each block counts its line breaks, and the reader adds them up.
 */
import { fstatSync, readSync } from 'node:fs';
import { WorkerPool, blocksInOrder } from '../block-scan.js';
import { scanOptions } from '../json/parallel.js';
import { BlockScanner, type BlockSpec, type CsvBlock } from './blocks.js';
import { Cut, Cutter, headerNames } from './cutter.js';
import { workerUrl } from '../../paths.js';

/** Scanning knobs (tests set them to cut small files into many blocks, on several threads). */
export const csvScanOptions = {
  blockBytes: 4 << 20,
  /** Files of fewer blocks are read by the one-thread reader (fast.ts). */
  minBlocksForWorkers: 6,
  /** Worker threads: one per core but the main thread's; EXFILWATCH_THREADS=1 means none. */
  workers: scanOptions.workers,
};

/** How often blocks had to be cut again, and how many a worker cut (tests check their data reaches both). */
export const csvScanCounts = { recut: 0, byWorkers: 0 };

/** Bytes of the file's start searched for the header; a longer header is left to the one-thread reader. */
const HEADER_BYTES = 1 << 20;

export interface CsvHeader {
  names: string[];
  /** The header's text (Latin-1) and line. */
  raw: string;
  line: number;
  /** Where the first record after it starts, and its line. */
  firstStart: number;
  firstLine: number;
}

/** The header record, when it is whole within the file's first bytes. */
export function readHeader(fd: number, size: number, sep: number): CsvHeader | undefined {
  const buf = Buffer.allocUnsafe(Math.min(size, HEADER_BYTES));
  const len = readSync(fd, buf, 0, buf.length, 0);
  const cut = new Cutter(buf.subarray(0, len), sep);
  cut.len = len;
  cut.eof = len >= size;
  if (cut.next() !== Cut.Record) return undefined;
  const names = headerNames(cut);
  const raw = buf.toString('latin1', cut.start, cut.end);
  const line = cut.startLine;
  // Past the empty lines after it (a record starting anywhere stops the cutter there).
  cut.stop = 0;
  const c = cut.next();
  if (c !== Cut.Stop && !(c === Cut.More && cut.eof)) return undefined;
  return { names, raw, line, firstStart: cut.p, firstLine: cut.line };
}

/** What a worker is asked to open: the file, how its blocks are cut, in blocks of `blockBytes`. */
export interface CsvScanRequest {
  path: string;
  spec: BlockSpec;
  blockBytes: number;
}

const pool = new WorkerPool(workerUrl('sources/csv/block-worker.js'), () => csvScanOptions.workers);

/** Starts the worker threads ahead of a large scan, so their start-up overlaps the work before it. */
export function prewarmCsvWorkers(): void {
  pool.prewarm();
}

/** A block as the reader takes it: `line` is the line its `start` is on. */
export interface PlacedBlock {
  block: CsvBlock;
  line: number;
  /** Bytes of the file the block covers. */
  bytes: number;
}

/**
 * The blocks of a file after its header, in file order, each as the one-thread reader would
 * cut that stretch of the file.
 */
export async function* scanBlocks(path: string, fd: number, spec: BlockSpec, firstLine: number): AsyncGenerator<PlacedBlock> {
  const size = fstatSync(fd).size;
  const blockBytes = csvScanOptions.blockBytes;
  const scanner = new BlockScanner(fd, size, blockBytes, spec);
  // Where the next block's records truly start, and the line there.
  let at = spec.firstStart;
  let line = firstLine;
  try {
    for await (const r of blocksInOrder<CsvBlock, CsvScanRequest>({
      blocks: scanner.blocks,
      // The block the reader waits for starts where it knows; one further ahead is a guess.
      scan: (k, wanted) => (wanted ? scanner.scan(k, at) : scanner.scan(k)),
      // A block with no possible record start holds none, whatever came before it; any other
      // must have started where the block before it ended.
      accept: (r, k) => {
        if (r.failed || (r.start >= 0 && r.start !== at) || (r.start < 0 && at < Math.min((k + 1) * blockBytes, size))) {
          csvScanCounts.recut++;
          return scanner.scan(k, at);
        }
        return r;
      },
      held: (r) => {
        let chars = r.values.length * 16;
        for (const v of r.values) chars += v.length;
        for (const v of r.kept) chars += v.length;
        return chars;
      },
      pool: csvScanOptions.workers > 0 ? pool : undefined,
      request: csvScanOptions.workers > 0 ? { path, spec, blockBytes } : undefined,
      fromWorker: () => csvScanCounts.byWorkers++,
    })) {
      const placed: PlacedBlock = { block: r, line, bytes: Math.min(blockBytes, size - r.index * blockBytes) };
      if (r.start >= 0) {
        at = r.end;
        line += r.breaks;
      }
      yield placed;
    }
  } finally {
    scanner.dispose();
  }
}
