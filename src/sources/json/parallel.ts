/**
 * A plain JSON-lines file scanned on every core: blocks (lines.ts) are claimed one at a time by
 * the main thread and by worker threads (line-worker.ts) from a shared counter, so whichever is
 * free takes the next block, and come back in file order. Blocks are a few MiB, taken in turn,
 * so a time-ordered export spreads its recent rows over both cores rather than giving them all
 * to the one with the file's second half. At most WINDOW blocks run ahead of the one the reader
 * waits for, fewer when the blocks keep many lines (at most about KEPT_AHEAD characters of kept
 * lines in flight), so memory stays bounded whatever the consumer's pace.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { FieldTest } from '../field-filter.js';
import { BLOCK_BYTES, BlockScanner, type BlockLines } from './lines.js';

/** Lines that may pass, with their numbers (1-based) and the tests they may pass (bit i: test i). */
export interface LineBlock {
  lines: string[];
  numbers: number[];
  masks: number[];
  /** Numbers of lines skipped for their length. */
  overlong: number[];
  /** Bytes of the file the block covers. */
  bytes: number;
}

/** Scanning knobs (tests set them to exercise the threads on small files). */
export const scanOptions = {
  blockBytes: BLOCK_BYTES,
  /** Files of fewer blocks are scanned on the main thread alone. */
  minBlocksForWorkers: 6,
  /** Worker threads: one per core but the main thread's; EXFILWATCH_THREADS=1 means none. */
  workers: Math.max(0, (Number(process.env.EXFILWATCH_THREADS) || availableParallelism()) - 1),
};

const WINDOW = 16;
/** Characters of kept lines the blocks ahead may hold (a scan that keeps every line runs 2 ahead). */
const KEPT_AHEAD = 12 << 20;

/** Atomics.waitAsync (Node 16+; ES2024, past this project's lib setting). */
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, index: number, value: number, timeoutMs?: number): { async: boolean; value: Promise<string> | string };
}).waitAsync;
// Shared counters of a session: the next block to claim, the first block not to claim yet,
// cancel, how many replies the workers have posted (the reader waits on it), and whether the
// workers are to stop claiming (a scan that keeps most lines is bound by parsing them, here).
const NEXT = 0, LIMIT = 1, CANCEL = 2, POSTED = 3, ALONE = 4;

interface PoolWorker {
  worker: Worker;
  /** Sessions under way on it (requests queue in the worker and run one after another). */
  sessions: number;
}

export type WorkerReply = { type: 'block'; block: BlockLines } | { type: 'done'; error?: string };

export interface WorkerRequest {
  path: string;
  tests: (FieldTest | undefined)[];
  blockBytes: number;
  blocks: number;
  shared: SharedArrayBuffer;
  /** Where the worker sends its replies; the reader takes them synchronously between blocks. */
  port: MessagePort;
}

const pool: PoolWorker[] = [];

function spawnWorker(): PoolWorker {
  const worker = new Worker(new URL('./line-worker.js', import.meta.url));
  const entry: PoolWorker = { worker, sessions: 0 };
  worker.on('error', () => {
    // A worker that dies is dropped; its sessions see their port close and finish alone.
    const i = pool.indexOf(entry);
    if (i >= 0) pool.splice(i, 1);
  });
  worker.unref();
  pool.push(entry);
  return entry;
}

/**
 * Starts the worker threads ahead of a large scan, so their start-up (tens of milliseconds)
 * overlaps the work before it. Cheap to call again.
 */
export function prewarmScanWorkers(): void {
  while (pool.length < scanOptions.workers) spawnWorker();
}

/** Claims the next block below the limit, or -1. */
export function claim(counters: Int32Array, blocks: number, worker = false): number {
  for (;;) {
    const next = Atomics.load(counters, NEXT);
    if (next >= blocks || next >= Atomics.load(counters, LIMIT) || Atomics.load(counters, CANCEL)) return -1;
    if (worker && Atomics.load(counters, ALONE)) return -1;
    if (Atomics.compareExchange(counters, NEXT, next, next + 1) === next) return next;
  }
}

/** The lines of a plain file that may pass any of the tests, block by block in file order. */
export async function* scanFile(path: string, tests: (FieldTest | undefined)[]): AsyncGenerator<LineBlock> {
  const fd = openSync(path, 'r');
  const counters = new Int32Array(new SharedArrayBuffer(20));
  const helpers: PoolWorker[] = [];
  const ports: MessagePort[] = [];
  let scanner: BlockScanner | undefined;
  try {
    const size = fstatSync(fd).size;
    const blockBytes = scanOptions.blockBytes;
    scanner = new BlockScanner(fd, size, tests, blockBytes);
    const blocks = scanner.blocks;
    Atomics.store(counters, LIMIT, 2); // until the first block says how much the blocks keep
    const results = new Map<number, BlockLines>();
    let running = 0;
    let returned = 0;
    let want = 0;
    let kept = 0;
    if (blocks >= scanOptions.minBlocksForWorkers && scanOptions.workers > 0) {
      prewarmScanWorkers();
      for (const w of pool) {
        const { port1, port2 } = new MessageChannel();
        port1.unref();
        ports.push(port1);
        helpers.push(w);
        w.sessions++;
        w.worker.ref(); // the reader may wait on it: keep the process up meanwhile
        running++;
        const request: WorkerRequest = { path, tests, blockBytes, blocks, shared: counters.buffer as SharedArrayBuffer, port: port2 };
        w.worker.postMessage(request, [port2]);
      }
    }
    // Worker replies arrive on the session's ports; they are taken between blocks, without
    // waiting for the event loop (which a busy reader would not reach).
    const take = (m: WorkerReply): void => {
      if (m.type === 'block') {
        returned++;
        if (m.block.index >= want) results.set(m.block.index, m.block);
      } else running--;
    };
    const drain = (): void => {
      for (const port of ports) {
        for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) take(m.message as WorkerReply);
      }
    };
    let line = 1;
    while (want < blocks) {
      drain();
      const r = results.get(want);
      if (r) {
        results.delete(want);
        const numbers = r.rel.map((x) => line + x);
        const overlong = r.overlong.map((x) => line + x);
        line += r.count;
        const bytes = Math.min(blockBytes, size - want * blockBytes);
        want++;
        // The blocks ahead: as many as keep about KEPT_AHEAD characters, by the blocks so far.
        let chars = 0;
        for (const l of r.lines) chars += l.length;
        kept = want === 1 ? chars : kept * 0.75 + chars * 0.25;
        // Most of every block kept: the reader's parsing is the bound, and a worker only adds
        // copies of the lines in flight. Leave the rest to the reader.
        if (want >= 2 && kept > blockBytes / 2) Atomics.store(counters, ALONE, 1);
        Atomics.store(counters, LIMIT, want + Math.max(2, Math.min(WINDOW, Math.floor(KEPT_AHEAD / Math.max(1, kept)))));
        Atomics.notify(counters, LIMIT);
        yield { lines: r.lines, numbers, masks: r.masks, overlong, bytes };
        continue;
      }
      const k = claim(counters, blocks);
      if (k >= 0) {
        results.set(k, scanner.scan(k));
        continue;
      }
      // Nothing left to claim and a worker is on the block the reader needs. One that has not
      // returned a block yet is still starting (slow at first): do the block here too, and drop
      // the worker's copy. A worker that is done or gone has its unreturned blocks redone so.
      if (running === 0 || returned === 0) {
        results.set(want, scanner.scan(want));
        continue;
      }
      const posted = Atomics.load(counters, POSTED);
      drain();
      if (!results.has(want) && running > 0) {
        const w = waitAsync(counters, POSTED, posted, 2000);
        // A worker that died posts nothing more: its blocks are redone here.
        if (w.async && (await w.value) === 'timed-out' && !helpers.some((h) => pool.includes(h))) running = 0;
      }
    }
  } finally {
    scanner?.dispose();
    Atomics.store(counters, CANCEL, 1);
    Atomics.notify(counters, LIMIT);
    closeSync(fd);
    for (const port of ports) port.close();
    for (const w of helpers) if (--w.sessions === 0) w.worker.unref();
  }
}
