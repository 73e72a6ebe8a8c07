/** A worker thread of parallel.ts: claims blocks of a CSV file and cuts them (blocks.ts). */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { claim } from '../json/parallel.js';
import { BlockScanner } from './blocks.js';
import type { CsvWorkerReply, CsvWorkerRequest } from './parallel.js';
import { warmUp } from './warm-up.js';

// json/parallel.ts's counter layout.
const NEXT = 0, LIMIT = 1, CANCEL = 2, POSTED = 3;

/** How long a session may wait for its reader to move on before leaving the rest to it. */
const PATIENCE_MS = 10_000;

// Before the first request is read: the thread is started ahead of it (parallel.ts: prewarmCsvWorkers).
warmUp();

parentPort!.on('message', (req: CsvWorkerRequest) => {
  const counters = new Int32Array(req.shared);
  const reply = (m: CsvWorkerReply): void => {
    req.port.postMessage(m);
    Atomics.add(counters, POSTED, 1);
    Atomics.notify(counters, POSTED);
  };
  let error: string | undefined;
  let fd: number | undefined;
  let scanner: BlockScanner | undefined;
  try {
    fd = openSync(req.path, 'r');
    scanner = new BlockScanner(fd, fstatSync(fd).size, req.blockBytes, req.spec);
    for (;;) {
      const k = claim(counters, req.blocks, true);
      if (k >= 0) {
        reply({ type: 'block', block: scanner.scan(k) });
        continue;
      }
      if (Atomics.load(counters, CANCEL) || Atomics.load(counters, NEXT) >= req.blocks) break;
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
  req.port.close();
});
