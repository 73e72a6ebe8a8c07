/**
 * A file scanned in blocks on every core, for the readers that cut their files on the bytes
 * (json/parallel.ts, csv/parallel.ts). Blocks are claimed one at a time by the main thread and by
 * worker threads from a shared counter, so whichever is free takes the next; they come back in
 * file order. Blocks are a few MiB, taken in turn, so a time-ordered export spreads its recent
 * rows over the cores rather than giving them all to the one with the file's second half. At most
 * WINDOW blocks run ahead of the one the reader waits for, fewer when the blocks hold much (about
 * HELD_AHEAD characters in flight), so memory stays bounded whatever the consumer's pace.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { type MessagePort, MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';

// Shared counters of a session: the next block to claim, the first block not to claim yet,
// cancel, how many replies the workers have posted (the reader waits on it), and whether the
// workers are to stop claiming (a scan that keeps most lines is bound by parsing them, there).
const NEXT = 0, LIMIT = 1, CANCEL = 2, POSTED = 3, ALONE = 4;

const WINDOW = 16;
/** Characters the blocks ahead may hold (a scan whose blocks hold everything runs 2 ahead). */
const HELD_AHEAD = 12 << 20;
/** How long a worker waits for its reader to move on before leaving the rest to it. */
const PATIENCE_MS = 10_000;

/** Atomics.waitAsync (Node 16+; ES2024, past this project's lib setting). */
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, index: number, value: number, timeoutMs?: number): { async: boolean; value: Promise<string> | string };
}).waitAsync;

export type BlockReply<B> = { type: 'block'; block: B } | { type: 'done'; error?: string };

/** What a worker is sent for a session: the reader's request, the counters and its reply port. */
export interface SessionMessage<R> {
  request: R;
  blocks: number;
  shared: SharedArrayBuffer;
  port: MessagePort;
}

interface PoolWorker {
  worker: Worker;
  /** Sessions under way on it (requests queue in the worker and run one after another). */
  sessions: number;
}

/** The worker threads of one kind of block scan, started once and kept. */
export class WorkerPool {
  readonly workers: PoolWorker[] = [];

  constructor(private readonly script: URL, private readonly size: () => number) {}

  /** Starts the threads ahead of a large scan, so their start-up overlaps the work before it. Cheap to call again. */
  prewarm(): void {
    while (this.workers.length < this.size()) {
      const worker = new Worker(this.script);
      const entry: PoolWorker = { worker, sessions: 0 };
      worker.on('error', () => {
        // A worker that dies is dropped; its sessions see no more replies and finish alone.
        const i = this.workers.indexOf(entry);
        if (i >= 0) this.workers.splice(i, 1);
      });
      worker.unref();
      this.workers.push(entry);
    }
  }
}

/** Claims the next block below the limit, or -1. */
function claim(counters: Int32Array, blocks: number, worker: boolean): number {
  for (;;) {
    const next = Atomics.load(counters, NEXT);
    if (next >= blocks || next >= Atomics.load(counters, LIMIT) || Atomics.load(counters, CANCEL)) return -1;
    if (worker && Atomics.load(counters, ALONE)) return -1;
    if (Atomics.compareExchange(counters, NEXT, next, next + 1) === next) return next;
  }
}

/** How a reader scans, takes and weighs its blocks. */
export interface BlockSource<B, R> {
  blocks: number;
  /** Scans block k on this thread; `wanted`: it is the one the reader waits for. */
  scan(k: number, wanted: boolean): B;
  /** The block as the reader takes it, in file order (a reader may check it, and scan it again). */
  accept?(block: B, k: number): B;
  /** Characters the block holds, to bound the blocks in flight. */
  held(block: B): number;
  /** Whether the workers should stop claiming, by the held characters of a block on average. */
  alone?(held: number): boolean;
  /** With workers: the pool, and the request each is sent (what to open, with what). */
  pool?: WorkerPool;
  request?: R;
  /** Told of each block a worker returns. */
  fromWorker?(): void;
}

/** The blocks in file order, scanned by this thread and the pool's. */
export async function* blocksInOrder<B extends { index: number }, R>(source: BlockSource<B, R>): AsyncGenerator<B> {
  const { blocks } = source;
  const counters = new Int32Array(new SharedArrayBuffer(20));
  const helpers: PoolWorker[] = [];
  const ports: MessagePort[] = [];
  try {
    Atomics.store(counters, LIMIT, 2); // until the first block says how much the blocks hold
    const results = new Map<number, B>();
    let running = 0;
    let returned = 0;
    let want = 0;
    let held = 0;
    if (source.pool && source.request !== undefined) {
      source.pool.prewarm();
      for (const w of source.pool.workers) {
        const { port1, port2 } = new MessageChannel();
        port1.unref();
        ports.push(port1);
        helpers.push(w);
        w.sessions++;
        w.worker.ref(); // the reader may wait on it: keep the process up meanwhile
        running++;
        const message: SessionMessage<R> = { request: source.request, blocks, shared: counters.buffer as SharedArrayBuffer, port: port2 };
        w.worker.postMessage(message, [port2]);
      }
    }
    // Worker replies arrive on the session's ports; they are taken between blocks, without
    // waiting for the event loop (which a busy reader would not reach).
    const take = (m: BlockReply<B>): void => {
      if (m.type === 'block') {
        returned++;
        source.fromWorker?.();
        if (m.block.index >= want) results.set(m.block.index, m.block);
      } else running--;
    };
    const drain = (): void => {
      for (const port of ports) {
        for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) take(m.message as BlockReply<B>);
      }
    };
    while (want < blocks) {
      drain();
      let r = results.get(want);
      if (r) {
        results.delete(want);
        if (source.accept) r = source.accept(r, want);
        want++;
        // The blocks ahead: as many as hold about HELD_AHEAD characters, by the blocks so far.
        const chars = source.held(r);
        held = want === 1 ? chars : held * 0.75 + chars * 0.25;
        if (want >= 2 && source.alone?.(held)) Atomics.store(counters, ALONE, 1);
        Atomics.store(counters, LIMIT, want + Math.max(2, Math.min(WINDOW, Math.floor(HELD_AHEAD / Math.max(1, held)))));
        Atomics.notify(counters, LIMIT);
        yield r;
        continue;
      }
      const k = claim(counters, blocks, false);
      if (k >= 0) {
        results.set(k, source.scan(k, k === want));
        continue;
      }
      // Nothing left to claim and a worker is on the block the reader needs. One that has not
      // returned a block yet is still starting (slow at first): do the block here too, and drop
      // the worker's copy. A worker that is done or gone has its unreturned blocks redone so.
      if (running === 0 || returned === 0) {
        results.set(want, source.scan(want, true));
        continue;
      }
      const posted = Atomics.load(counters, POSTED);
      drain();
      if (!results.has(want) && running > 0) {
        const w = waitAsync(counters, POSTED, posted, 2000);
        // A worker that died posts nothing more: its blocks are redone here.
        if (w.async && (await w.value) === 'timed-out' && !helpers.some((h) => source.pool!.workers.includes(h))) running = 0;
      }
    }
  } finally {
    Atomics.store(counters, CANCEL, 1);
    Atomics.notify(counters, LIMIT);
    for (const port of ports) port.close();
    for (const w of helpers) if (--w.sessions === 0) w.worker.unref();
  }
}

/** A block scanner over an open file, as a worker makes one for a session. */
export interface FileBlockScanner<B> {
  scan(k: number): B;
  dispose(): void;
}

/**
 * A worker thread's side of a session: opens the request's file, claims blocks and scans them
 * until none is left to claim, then says it is done.
 */
export function serveSession<B, R extends { path: string }>(message: SessionMessage<R>, make: (fd: number, size: number, request: R) => FileBlockScanner<B>): void {
  const counters = new Int32Array(message.shared);
  const reply = (m: BlockReply<B>): void => {
    message.port.postMessage(m);
    Atomics.add(counters, POSTED, 1);
    Atomics.notify(counters, POSTED);
  };
  let error: string | undefined;
  let fd: number | undefined;
  let scanner: FileBlockScanner<B> | undefined;
  try {
    fd = openSync(message.request.path, 'r');
    scanner = make(fd, fstatSync(fd).size, message.request);
    for (;;) {
      const k = claim(counters, message.blocks, true);
      if (k >= 0) {
        reply({ type: 'block', block: scanner.scan(k) });
        continue;
      }
      if (Atomics.load(counters, CANCEL) || Atomics.load(counters, ALONE) || Atomics.load(counters, NEXT) >= message.blocks) break;
      // At the limit: wait for the reader to move on (a reader that stalls gets the rest itself).
      if (Atomics.wait(counters, LIMIT, Atomics.load(counters, LIMIT), PATIENCE_MS) === 'timed-out') break;
    }
  } catch (e) {
    error = (e as Error).message;
  } finally {
    scanner?.dispose();
    if (fd !== undefined) closeSync(fd);
  }
  reply({ type: 'done', error });
  message.port.close();
}
