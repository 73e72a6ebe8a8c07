/**
 * Parquet files (Defender / Sentinel exports through Data Explorer, Fabric, Spark, pandas).
 *
 * Read with `hyparquet` (pinned, with `hyparquet-compressors` for gzip/zstd/brotli/lz4 pages):
 * pure JavaScript with no native build step, maintained, and it reads a file through
 * random-access slices, one row group at a time, so memory is bounded by a row group, not the
 * file. Values arrive in the forms the table coercion takes (decode.ts).
 *
 * Row groups are decoded in a worker (worker.ts) with a time and memory budget: the decoder
 * trusts the file, and a damaged page can make it spin or allocate without end. A row group that
 * fails, or overruns its budget, is skipped with a warning naming its number, rows and byte
 * offset, and counted; the others are read. A file whose footer is unreadable is an error.
 */
import { promises as fs, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Worker } from 'node:worker_threads';
import type { FileMetaData, RowGroup } from 'hyparquet';
import { facts } from '../../diagnostics/facts.js';
import { type DataFile, type Reader, type ReadHints, type ReadStats, type SourceRecord, openBytes, readFailed, skip } from '../reader.js';
import type { FieldTest } from '../field-filter.js';
import { trackBytes } from '../progress.js';
import { PARSERS, fileBuffer } from './decode.js';

export { isoFromNanos } from './decode.js';

export const parquetReader: Reader = {
  name: 'parquet',
  claims: (name, head) => name.endsWith('.parquet') || (head.length >= 4 && head.readUInt32LE(0) === MAGIC),
  read: readParquet,
};

const MAGIC = 0x31524150; // "PAR1"

/** Budgets for decoding one row group: generous, they only stop a decoder that runs away. */
export const PARQUET_LIMITS = {
  timeoutMs: (compressedBytes: number): number => 30_000 + (compressedBytes / 2 ** 20) * 2_000,
  heapMb: (uncompressedBytes: number): number => Math.min(16_384, 1_024 + Math.ceil((8 * uncompressedBytes) / 2 ** 20)),
};

async function* readParquet(file: DataFile, stats: ReadStats, hints?: ReadHints): AsyncGenerator<SourceRecord> {
  let tmp: string | undefined;
  let session: number | undefined;
  try {
    let local = file.path;
    if (file.gzip) {
      // Parquet needs random access: a gzipped file is unpacked to a temporary file first.
      tmp = await fs.mkdtemp(path.join(tmpdir(), 'exfilwatch-parquet-'));
      local = path.join(tmp, 'data.parquet');
      await pipeline(openBytes(file), createWriteStream(local));
    }
    const progress = { bytesRead: 0 };
    trackBytes(file.path, progress);
    const metadata = await readMetadata(file, local, (n) => (progress.bytesRead += n));
    const groups = metadata.row_groups;
    const heapMb = PARQUET_LIMITS.heapMb(Math.max(0, ...groups.map((g) => Number(g.total_byte_size))));
    // Only the columns the scan reads are decoded, and rows its field test rejects stay in the worker.
    session = pool.open(local, hints?.columns && [...hints.columns], hints?.fields);
    let groupStart = 0;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g]!;
      const rows = Number(group.num_rows);
      const bytes = compressedSize(group);
      let columns: [string, unknown[]][] | undefined;
      let kept: number[] | undefined;
      if (rows > 0) {
        try {
          ({ columns, rows: kept } = await pool.decode(session, g, heapMb, PARQUET_LIMITS.timeoutMs(bytes)));
        } catch (e) {
          const offset = groupOffset(group);
          skip(stats, file.path, undefined, `row group ${g + 1} (rows ${groupStart + 1}-${groupStart + rows}${offset !== undefined ? `, byte offset ${offset}` : ''}) could not be read: ${(e as Error).message}`);
        }
      }
      progress.bytesRead += bytes;
      if (columns) {
        const names = columns.map(([n]) => n);
        const data = columns.map(([, d]) => d);
        const n = kept ? kept.length : rows;
        for (let r = 0; r < n; r++) {
          const rec: Record<string, unknown> = {};
          for (let c = 0; c < names.length; c++) rec[names[c]!] = data[c]![r];
          yield { rec, line: groupStart + (kept ? kept[r]! : r) + 1 };
        }
      }
      groupStart += rows;
    }
  } catch (e) {
    readFailed(file, e);
  } finally {
    if (session !== undefined) pool.close(session);
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  }
}

async function readMetadata(file: DataFile, local: string, onRead: (n: number) => void): Promise<FileMetaData> {
  const fh = await fs.open(local, 'r');
  try {
    const { parquetMetadataAsync } = await import('hyparquet'); // loaded when a Parquet file is read
    return await parquetMetadataAsync(fileBuffer(fh, (await fh.stat()).size, onRead), { parsers: PARSERS });
  } catch (e) {
    throw facts.input(`${file.path}: not a valid Parquet file (${(e as Error).message})`, file.path);
  } finally {
    await fh.close();
  }
}

function compressedSize(group: RowGroup): number {
  let n = 0;
  for (const c of group.columns) n += Number(c.meta_data?.total_compressed_size ?? 0);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function groupOffset(group: RowGroup): bigint | undefined {
  let min: bigint | undefined;
  for (const c of group.columns) {
    const o = c.meta_data?.dictionary_page_offset ?? c.meta_data?.data_page_offset;
    if (o !== undefined && (min === undefined || o < min)) min = o;
  }
  return min;
}

type Reply = { session: number; group: number; columns?: [string, unknown[]][]; rows?: number[]; error?: string };

/** A row group's columns; with `rows`, only those rows (numbers in the group) of them. */
interface Decoded {
  columns: [string, unknown[]][];
  rows?: number[];
}

/**
 * Row groups decoded in one shared worker, one request at a time (so a request's timer measures
 * its own decoding). A worker that overruns a budget is ended; the next request gets a new one.
 * Idle, the worker does not keep the process alive.
 */
class DecodePool {
  private worker: Worker | undefined;
  private heapMb = 0;
  private opened = new Set<number>();
  private readonly paths = new Map<number, { path: string; columns?: string[]; fields?: FieldTest }>();
  private lastId = 0;
  private ready: Promise<void> = Promise.resolve();
  private queue: Promise<unknown> = Promise.resolve();

  open(path: string, columns?: string[], fields?: FieldTest): number {
    this.paths.set(++this.lastId, { path, columns, fields });
    return this.lastId;
  }

  close(id: number): void {
    this.paths.delete(id);
    if (this.worker && this.opened.delete(id)) this.worker.postMessage({ close: id });
  }

  decode(id: number, group: number, heapMb: number, timeoutMs: number): Promise<Decoded> {
    const job = async (): Promise<Decoded> => {
      const w = this.workerFor(id, heapMb);
      w.ref(); // busy: keep the process alive until it answers
      try {
        await this.ready; // starting the worker is not decoding: the budget starts after
        if (this.worker !== w) throw new Error('the Parquet decoder did not start');
        return await this.request(w, id, group, timeoutMs);
      } finally {
        w.unref();
      }
    };
    const next = this.queue.then(job, job);
    this.queue = next.catch(() => {});
    return next;
  }

  private request(w: Worker, id: number, group: number, timeoutMs: number): Promise<Decoded> {
    return new Promise((resolve, reject) => {
      const fail = (message: string): void => {
        done();
        if (this.worker === w) this.worker = undefined;
        void w.terminate();
        reject(new Error(message));
      };
      const timer = setTimeout(() => fail(`decoding took longer than ${Math.round(timeoutMs / 1000)} s (a damaged page?)`), timeoutMs);
      const onMessage = (m: Reply): void => {
        if (m.session !== id || m.group !== group) return;
        done();
        if (m.columns) resolve({ columns: m.columns, rows: m.rows });
        else reject(new Error(m.error ?? 'no data'));
      };
      const onError = (e: Error & { code?: string }): void =>
        fail(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `decoding needed more than ${this.heapMb} MB (a damaged page?)` : e.message);
      const onExit = (code: number): void => fail(`the decoder stopped (exit code ${code})`);
      const done = (): void => {
        clearTimeout(timer);
        w.off('message', onMessage).off('error', onError).off('exit', onExit);
      };
      w.on('message', onMessage).on('error', onError).on('exit', onExit);
      w.postMessage({ session: id, group });
    });
  }

  private workerFor(id: number, heapMb: number): Worker {
    if (!this.worker || this.heapMb < heapMb) {
      if (this.worker) void this.worker.terminate();
      this.heapMb = Math.max(heapMb, this.heapMb);
      this.worker = new Worker(new URL('./worker.js', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: this.heapMb } });
      this.worker.unref();
      const w = this.worker;
      w.on('error', () => {}); // a request in flight hears it through its own listener
      w.once('exit', () => { if (this.worker === w) this.worker = undefined; });
      this.ready = new Promise<void>((resolve) => {
        const onReady = (m: { ready?: boolean }): void => { if (m.ready) { w.off('message', onReady).off('exit', onExit); resolve(); } };
        const onExit = (): void => { w.off('message', onReady); resolve(); }; // the request then sees the worker gone
        w.on('message', onReady).once('exit', onExit);
      });
      this.opened = new Set();
    }
    if (!this.opened.has(id)) {
      this.worker.postMessage({ open: id, ...this.paths.get(id) });
      this.opened.add(id);
    }
    return this.worker;
  }
}

const pool = new DecodePool();
