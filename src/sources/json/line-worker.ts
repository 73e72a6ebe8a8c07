/** A worker thread of parallel.ts: claims blocks of a file and scans them (lines.ts). */
import { parentPort } from 'node:worker_threads';
import { type SessionMessage, serveSession } from '../block-scan.js';
import { BlockScanner } from './lines.js';
import type { LineScanRequest } from './parallel.js';
import { warmUp } from './warm-up.js';

// Before the first request is read: the thread is started ahead of it (parallel.ts: prewarmScanWorkers).
warmUp();

parentPort!.on('message', (message: SessionMessage<LineScanRequest>) => {
  serveSession(message, (fd, size, req) => new BlockScanner(fd, size, req.tests, req.blockBytes, req.project));
});
