/** A worker thread of parallel.ts: claims blocks of a CSV file and cuts them (blocks.ts). */
import { parentPort } from 'node:worker_threads';
import { type SessionMessage, serveSession } from '../block-scan.js';
import { BlockScanner } from './blocks.js';
import type { CsvScanRequest } from './parallel.js';
import { warmUp } from './warm-up.js';

// Before the first request is read: the thread is started ahead of it (parallel.ts: prewarmCsvWorkers).
warmUp();

parentPort!.on('message', (message: SessionMessage<CsvScanRequest>) => {
  serveSession(message, (fd, size, req) => new BlockScanner(fd, size, req.blockBytes, req.spec));
});
