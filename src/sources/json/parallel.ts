/**
 * A plain JSON-lines file scanned on every core (../block-scan.ts): blocks of lines (lines.ts)
 * claimed by the main thread and worker threads (line-worker.ts), taken in file order and
 * numbered here.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { WorkerPool, blocksInOrder } from '../block-scan.js';
import type { FieldTest } from '../field-filter.js';
import { BLOCK_BYTES, BlockScanner, type BlockLines, type ParsedRecord } from './lines.js';
import { workerUrl } from '../../paths.js';

/** Lines that may pass, with their numbers (1-based) and the tests they may pass (bit i: test i). */
export interface LineBlock {
  lines: string[];
  numbers: number[];
  masks: number[];
  /** Numbers of lines skipped for their length. */
  overlong: number[];
  /** Bytes of the file the block covers. */
  bytes: number;
  /** A parsing scan (`project`): the records of the lines that may pass, numbered (1-based), instead of the lines; their lines' masks and bytes. */
  records?: ParsedRecord[];
  recordMasks?: number[];
  chars?: number;
  problems?: { line: number; message: string }[];
}

/** Scanning knobs (tests set them to exercise the threads on small files). */
export const scanOptions = {
  blockBytes: BLOCK_BYTES,
  /** Files of fewer blocks are scanned on the main thread alone. */
  minBlocksForWorkers: 6,
  /** Worker threads: one per core but the main thread's; EXFILWATCH_THREADS=1 means none. */
  workers: Math.max(0, (Number(process.env.EXFILWATCH_THREADS) || availableParallelism()) - 1),
};

/** What a worker is asked to open: the file and the tests, in blocks of `blockBytes`. */
export interface LineScanRequest {
  path: string;
  tests: (FieldTest | undefined)[];
  blockBytes: number;
  project?: readonly string[];
}

/** What a parsed record is taken to hold, to bound the blocks in flight (its columns are a few hundred characters). */
const RECORD_CHARS = 256;

const pool = new WorkerPool(workerUrl('sources/json/line-worker.js'), () => scanOptions.workers);

/**
 * Starts the worker threads ahead of a large scan, so their start-up (tens of milliseconds)
 * overlaps the work before it. Cheap to call again.
 */
export function prewarmScanWorkers(): void {
  pool.prewarm();
}

/**
 * The lines of a plain file that may pass any of the tests, block by block in file order; or,
 * with `project`, their records with only those columns, parsed by whichever thread
 * scanned the block: a scan that keeps most lines is bound by parsing them, which then runs on
 * every core rather than on the reader's.
 */
export async function* scanFile(path: string, tests: (FieldTest | undefined)[], project?: readonly string[]): AsyncGenerator<LineBlock> {
  const fd = openSync(path, 'r');
  let scanner: BlockScanner | undefined;
  try {
    const size = fstatSync(fd).size;
    const blockBytes = scanOptions.blockBytes;
    const s = (scanner = new BlockScanner(fd, size, tests, blockBytes, project));
    const parallel = s.blocks >= scanOptions.minBlocksForWorkers && scanOptions.workers > 0;
    let line = 1;
    for await (const r of blocksInOrder<BlockLines, LineScanRequest>({
      blocks: s.blocks,
      scan: (k) => s.scan(k),
      held: (r) => {
        let chars = (r.records?.length ?? 0) * RECORD_CHARS;
        for (const l of r.lines) chars += l.length;
        return chars;
      },
      // Most of every block kept and parsed by the reader: the reader's parsing is the bound,
      // and a worker only adds copies of the lines in flight. Leave the rest to the reader.
      alone: project ? undefined : (held) => held > blockBytes / 2,
      pool: parallel ? pool : undefined,
      request: parallel ? { path, tests, blockBytes, project } : undefined,
    })) {
      const numbers = r.rel.map((x) => line + x);
      const overlong = r.overlong.map((x) => line + x);
      const bytes = Math.min(blockBytes, size - r.index * blockBytes);
      if (r.records) {
        for (const x of r.records) x.line += line;
        for (const x of r.problems!) x.line += line;
      }
      line += r.count;
      yield { lines: r.lines, numbers, masks: r.masks, overlong, bytes, records: r.records, recordMasks: r.recordMasks, chars: r.chars, problems: r.problems };
    }
  } finally {
    scanner?.dispose();
    closeSync(fd);
  }
}
