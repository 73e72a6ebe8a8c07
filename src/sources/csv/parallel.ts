/**
 * A plain CSV file scanned on every core, as JSON lines are (json/parallel.ts): blocks
 * (blocks.ts) are claimed one at a time by the main thread and by worker threads
 * (block-worker.ts) from a shared counter, come back in file order, and at most a window of
 * blocks runs ahead of the one the reader waits for.
 *
 * What CSV adds is the check of each block's start. The header is read first, here; block 0
 * starts after it. A block cut before the one ahead of it was taken starts where a record may
 * start; when the reader takes it, the block before has said where its records really end, and
 * a block that assumed another start is cut again from there, on this thread. Line numbers are
 * counted the same way: each block counts its line breaks, and the reader adds them up.
 */
import { fstatSync, readSync } from 'node:fs';
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { claim, scanOptions } from '../json/parallel.js';
import { BlockScanner, type BlockSpec, type CsvBlock } from './blocks.js';
import { Cut, Cutter, headerNames } from './cutter.js';

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

const WINDOW = 16;
/** Characters of taken fields and kept text the blocks ahead may hold. */
const HELD_AHEAD = 12 << 20;
/** Bytes of the file's start searched for the header; a longer header is left to the one-thread reader. */
const HEADER_BYTES = 1 << 20;

const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, index: number, value: number, timeoutMs?: number): { async: boolean; value: Promise<string> | string };
}).waitAsync;
// The counters' layout is json/parallel.ts's, whose `claim` this uses.
const LIMIT = 1, CANCEL = 2, POSTED = 3;

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

interface PoolWorker {
  worker: Worker;
  sessions: number;
}

export type CsvWorkerReply = { type: 'block'; block: CsvBlock } | { type: 'done'; error?: string };

export interface CsvWorkerRequest {
  path: string;
  spec: BlockSpec;
  blockBytes: number;
  blocks: number;
  shared: SharedArrayBuffer;
  port: MessagePort;
}

const pool: PoolWorker[] = [];

function spawnWorker(): PoolWorker {
  const worker = new Worker(new URL('./block-worker.js', import.meta.url));
  const entry: PoolWorker = { worker, sessions: 0 };
  worker.on('error', () => {
    // A worker that dies is dropped; its sessions see no more replies and finish alone.
    const i = pool.indexOf(entry);
    if (i >= 0) pool.splice(i, 1);
  });
  worker.unref();
  pool.push(entry);
  return entry;
}

/** Starts the worker threads ahead of a large scan, so their start-up overlaps the work before it. */
export function prewarmCsvWorkers(): void {
  while (pool.length < csvScanOptions.workers) spawnWorker();
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
  const counters = new Int32Array(new SharedArrayBuffer(20));
  const helpers: PoolWorker[] = [];
  const ports: MessagePort[] = [];
  const size = fstatSync(fd).size;
  const blockBytes = csvScanOptions.blockBytes;
  const scanner = new BlockScanner(fd, size, blockBytes, spec);
  try {
    const blocks = scanner.blocks;
    Atomics.store(counters, LIMIT, 2); // until the first block says how much the blocks hold
    const results = new Map<number, CsvBlock>();
    let running = 0;
    let returned = 0;
    let want = 0;
    let held = 0;
    if (csvScanOptions.workers > 0) {
      prewarmCsvWorkers();
      for (const w of pool) {
        const { port1, port2 } = new MessageChannel();
        port1.unref();
        ports.push(port1);
        helpers.push(w);
        w.sessions++;
        w.worker.ref(); // the reader may wait on it: keep the process up meanwhile
        running++;
        const request: CsvWorkerRequest = { path, spec, blockBytes, blocks, shared: counters.buffer as SharedArrayBuffer, port: port2 };
        w.worker.postMessage(request, [port2]);
      }
    }
    const take = (m: CsvWorkerReply): void => {
      if (m.type === 'block') {
        returned++;
        csvScanCounts.byWorkers++;
        if (m.block.index >= want) results.set(m.block.index, m.block);
      } else running--;
    };
    const drain = (): void => {
      for (const port of ports) {
        for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) take(m.message as CsvWorkerReply);
      }
    };
    // Where block `want`'s records truly start, and the line there.
    let at = spec.firstStart;
    let line = firstLine;
    while (want < blocks) {
      drain();
      let r = results.get(want);
      if (r) {
        results.delete(want);
        // A block with no possible record start holds none, whatever came before it; any other
        // must have started where the block before it ended.
        if (r.failed || (r.start >= 0 && r.start !== at) || (r.start < 0 && at < Math.min((want + 1) * blockBytes, size))) {
          csvScanCounts.recut++;
          r = scanner.scan(want, at);
        }
        const placed: PlacedBlock = { block: r, line, bytes: Math.min(blockBytes, size - want * blockBytes) };
        if (r.start >= 0) {
          at = r.end;
          line += r.breaks;
        }
        want++;
        let chars = r.values.length * 16;
        for (const v of r.values) chars += v.length;
        for (const v of r.kept) chars += v.length;
        held = want === 1 ? chars : held * 0.75 + chars * 0.25;
        Atomics.store(counters, LIMIT, want + Math.max(2, Math.min(WINDOW, Math.floor(HELD_AHEAD / Math.max(1, held)))));
        Atomics.notify(counters, LIMIT);
        yield placed;
        continue;
      }
      const k = claim(counters, blocks);
      if (k >= 0) {
        // The block the reader waits for starts where it knows; one further ahead is a guess.
        results.set(k, k === want ? scanner.scan(k, at) : scanner.scan(k));
        continue;
      }
      // Nothing left to claim and a worker is on the block the reader needs. One that has not
      // returned a block yet is still starting: cut the block here too and drop its copy.
      if (running === 0 || returned === 0) {
        results.set(want, scanner.scan(want, at));
        continue;
      }
      const posted = Atomics.load(counters, POSTED);
      drain();
      if (!results.has(want) && running > 0) {
        const w = waitAsync(counters, POSTED, posted, 2000);
        // A worker that died posts nothing more: its blocks are cut here.
        if (w.async && (await w.value) === 'timed-out' && !helpers.some((h) => pool.includes(h))) running = 0;
      }
    }
  } finally {
    scanner.dispose();
    Atomics.store(counters, CANCEL, 1);
    Atomics.notify(counters, LIMIT);
    for (const port of ports) port.close();
    for (const w of helpers) if (--w.sessions === 0) w.worker.unref();
  }
}
