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
 *
 * What a scan lets us skip: a row group whose column statistics show that no row can pass the
 * scan's field test is not decoded (stats.ts); in the others the test's columns are decoded
 * first, and the scan's other columns only when some row may pass, for those rows. The scans
 * of one table in a query share one read of each file (as JSON lines do, shared-scan.ts): the
 * first tests every row for all of them and keeps the rows any may take, with the columns it
 * decoded; a later scan takes its rows from there and decodes only the columns it lacks.
 */
import { promises as fs, createWriteStream } from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { FileMetaData, RowGroup } from 'hyparquet';
import { facts } from '../../diagnostics/facts.js';
import { type DataFile, type Reader, type ReadHints, type ReadStats, type SourceRecord, openBytes, readFailed, skip } from '../reader.js';
import { type FieldTest, fieldTestColumns } from '../field-filter.js';
import type { SharedScan } from '../shared-scan.js';
import { trackBytes } from '../progress.js';
import { PARSERS, fileBuffer, topLevelNames } from './decode.js';
import { STAT_PARSERS, groupStats, rowGroupMayPass, statColumns } from './stats.js';
import { workerUrl } from '../../paths.js';

export { isoFromNanos } from './decode.js';

export const parquetReader: Reader = {
  name: 'parquet',
  claims: (name, head) => name.endsWith('.parquet') || (head.length >= 4 && head.readUInt32LE(0) === MAGIC),
  // Discovery is the first sign of a Parquet read: the decoder starts while the query is prepared.
  prepare: () => pool.start(),
  read: readParquet,
};

const MAGIC = 0x31524150; // "PAR1"

/** Budgets for decoding one row group: generous, they only stop a decoder that runs away. */
export const PARQUET_LIMITS = {
  timeoutMs: (compressedBytes: number): number => 30_000 + (compressedBytes / 2 ** 20) * 2_000,
  // In whole GiB, 2 at least: the files of a query then share one worker instead of each starting a larger one.
  heapMb: (uncompressedBytes: number): number => Math.min(16_384, Math.max(2_048, 1_024 * Math.ceil((1_024 + Math.ceil((8 * uncompressedBytes) / 2 ** 20)) / 1_024))),
  // A row group's columns live until the group is done: with V8's default young generation
  // (16 MiB) they outlive a few collections each and are copied each time. 64 MiB: ~15% less time
  // over the bench's 1 GB set.
  youngMb: 64,
};

async function* readParquet(file: DataFile, stats: ReadStats, hints?: ReadHints): AsyncGenerator<SourceRecord> {
  let tmp: string | undefined;
  const sessions: number[] = [];
  const open = (columns?: string[], tests?: FieldTest[], need?: number): number => {
    const id = pool.open(local, columns, tests, need);
    sessions.push(id);
    return id;
  };
  let local = file.path;
  const shared = hints?.shared;
  const member = hints?.member;
  const files = shared && member !== undefined && !file.gzip ? sharedFiles(shared) : undefined;
  const entry = files?.get(file.path);
  // Another scan of this query read the file already, testing for this one too.
  const replay = entry?.state === 'complete' && member! < entry.members ? entry : undefined;
  // The first scan to read it tests for every scan and keeps the rows they may take.
  const mine: SharedParquet | undefined = files && !entry && worthSharing(shared!)
    ? { state: 'reading', members: shared!.tests.length, groups: [], kept: 0 }
    : undefined;
  if (mine) files!.set(file.path, mine);
  let done = false;
  try {
    pool.start(); // the worker starts while the footer is read
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
    const order = topLevelNames(metadata);
    // Only the columns the scan reads are decoded, and rows its field test rejects stay in the worker.
    const own = hints?.columns ? [...hints.columns] : undefined;
    const ownTests = hints?.fields ? [hints.fields] : undefined;
    const tests = mine ? (shared!.tests.slice(0, mine.members) as FieldTest[]) : ownTests;
    const bit = mine || replay ? 1 << member! : 1;
    const decodeColumns = mine && own ? [...new Set([...own, ...tests!.flatMap((t) => [...fieldTestColumns(t)])])] : own;
    // Columns a record carries: the scan's own (those the file has), in the file's order.
    const wanted = own ? order.filter((c) => own.includes(c)) : order;
    const byStats = tests && statColumns(metadata);
    const testColumns = tests && [...new Set(tests.flatMap((t) => [...fieldTestColumns(t)]))];
    let session: number | undefined;
    let ownSession: number | undefined;
    type Rows = { names: string[]; data: unknown[][]; numbers?: number[] };
    // Each group's first row in the file.
    const starts: number[] = [];
    for (let g = 0, at = 0; g < groups.length; at += Number(groups[g]!.num_rows), g++) starts.push(at);
    /** A row group that could not be decoded: a warning, with its place in the file. */
    const failed = (g: number, message: string): void => {
      const group = groups[g]!;
      const offset = groupOffset(group);
      skip(stats, file.path, undefined, `row group ${g + 1} (rows ${starts[g]! + 1}-${starts[g]! + Number(group.num_rows)}${offset !== undefined ? `, byte offset ${offset}` : ''}) could not be read: ${message}`);
    };
    const decode = (id: number, g: number, request?: { columns: string[]; select: number[] }): Promise<Decoded | Error> =>
      pool.decode(id, g, heapMb, PARQUET_LIMITS.timeoutMs(compressedSize(groups[g]!)), request).catch((e: Error) => e);
    /**
     * Starts what group g needs from the worker and returns how to finish it (this scan's rows:
     * column names, their values, the rows' numbers in the group). Each group is prepared before
     * the rows of the one before it are handed out, so the worker decodes while the query takes them.
     */
    const prepare = (g: number): (() => Promise<Rows | undefined>) => {
      const group = groups[g]!;
      const rows = Number(group.num_rows);
      const alone = async (bits: number): Promise<Rows | undefined> => {
        // The shared read could not decode it (maybe for a column only another scan reads): read it alone.
        ownSession ??= open(own, ownTests);
        const got = await decode(ownSession, g);
        if (got instanceof Error) return void failed(g, got.message);
        return ownRows(got, bits, wanted);
      };
      if (rows === 0) return async () => undefined;
      if (replay) {
        const cached = replay.groups[g];
        if (cached === 'failed') return () => alone(bit);
        if (!cached) return async () => undefined;
        const picked: number[] = [];
        for (let i = 0; i < cached.rows.length; i++) if (cached.masks[i]! & bit) picked.push(i);
        const numbers = picked.map((i) => cached.rows[i]!);
        const missing = wanted.filter((c) => !cached.columns.has(c));
        let pending: Promise<Decoded | Error> | undefined;
        if (missing.length > 0 && picked.length > 0) {
          session ??= open();
          pending = decode(session, g, { columns: missing, select: numbers });
        }
        return async () => {
          const extra = pending ? await pending : { columns: [] };
          if (extra instanceof Error) return void failed(g, extra.message);
          const more = new Map(extra.columns);
          const names = wanted.filter((c) => cached.columns.has(c) || more.has(c));
          const data = names.map((c) => {
            const all = cached.columns.get(c);
            return all ? picked.map((i) => all[i]) : more.get(c)!;
          });
          return { names, data, numbers };
        };
      }
      // Statistics may show that no row of the group can pass (no scan's test, when shared).
      const stat = byStats && groupStats(metadata, g, byStats, testColumns!);
      if (stat && !tests!.some((t) => rowGroupMayPass(t, stat))) return async () => undefined;
      session ??= open(decodeColumns, tests, mine ? bit : undefined);
      const pending = decode(session, g);
      return async () => {
        const got = await pending;
        if (!(got instanceof Error)) {
          if (mine) keep(shared!, mine, g, got, rows);
          return ownRows(got, bit, wanted);
        }
        if (!mine) return void failed(g, got.message);
        // The shared read may have failed on a column only another scan reads: this scan's own read tells.
        if (mine.state === 'reading') mine.groups[g] = 'failed';
        return alone(1);
      };
    };
    // The group handed out next and, asked ahead, as many after it as there are decode workers.
    const prepared: (() => Promise<Rows | undefined>)[] = [];
    for (let g = 0; g < groups.length; g++) {
      const rows = Number(groups[g]!.num_rows);
      const bytes = compressedSize(groups[g]!);
      while (g + prepared.length < groups.length && prepared.length <= pool.size) prepared.push(prepare(g + prepared.length));
      const out = await prepared.shift()!();
      progress.bytesRead += bytes;
      if (out) {
        const { names, data, numbers } = out;
        const n = numbers ? numbers.length : rows;
        for (let r = 0; r < n; r++) {
          const rec: Record<string, unknown> = {};
          for (let c = 0; c < names.length; c++) rec[names[c]!] = data[c]![r];
          yield { rec, line: starts[g]! + (numbers ? numbers[r]! : r) + 1 };
        }
      }
    }
    done = true;
  } catch (e) {
    readFailed(file, e);
  } finally {
    for (const id of sessions) pool.close(id);
    if (mine && mine.state === 'reading') {
      if (done) mine.state = 'complete';
      else dropParquet(shared!, mine);
    }
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** The rows of a decoded group that carry `bit` (all, without masks), with its `wanted` columns, in that order. */
function ownRows(d: Decoded | undefined, bit: number, wanted: string[]): { names: string[]; data: unknown[][]; numbers?: number[] } | undefined {
  if (!d) return undefined;
  const byName = new Map(d.columns);
  const names = wanted.filter((n) => byName.has(n));
  const data = names.map((n) => byName.get(n)!);
  if (!d.masks) return { names, data, numbers: d.rows };
  const picked: number[] = [];
  for (let i = 0; i < d.masks.length; i++) if (d.masks[i]! & bit) picked.push(i);
  if (picked.length === d.masks.length) return { names, data, numbers: d.rows };
  return { names, data: data.map((v) => picked.map((i) => v[i])), numbers: picked.map((i) => d.rows![i]!) };
}

/** What one read of a Parquet file kept for the query's other scans of its table. */
interface SharedParquet {
  state: 'reading' | 'complete' | 'dropped';
  /** Members the read tested for (members added after it read for themselves). */
  members: number;
  /** By row group: the rows some member may take, each member's bit, the decoded columns of those rows; undefined when no row was kept. */
  groups: ({ rows: number[]; masks: number[]; columns: Map<string, unknown[]> } | 'failed' | undefined)[];
  /** Characters (roughly) held, counted in the shared budget. */
  kept: number;
}

/** Parquet reads kept per shared scan (the JSON reader keeps its lines in `shared.files`). */
const parquetShares = new WeakMap<SharedScan, Map<string, SharedParquet>>();

function sharedFiles(shared: SharedScan): Map<string, SharedParquet> {
  let m = parquetShares.get(shared);
  if (!m) parquetShares.set(shared, (m = new Map()));
  return m;
}

/** As for JSON lines: several scans to serve (a bit each), each with a field test. */
function worthSharing(shared: SharedScan): boolean {
  return shared.tests.length > 1 && shared.tests.length <= 30 && shared.tests.every((t) => t !== undefined);
}

/** Keeps a decoded group's rows for the other members, within the shared budget. */
function keep(shared: SharedScan, entry: SharedParquet, g: number, d: Decoded, rows: number): void {
  if (entry.state !== 'reading') return;
  const numbers = d.rows ?? Array.from({ length: rows }, (_, i) => i);
  const masks = d.masks ?? numbers.map(() => ~0);
  if (numbers.length === 0) return;
  let size = 0;
  for (const [, values] of d.columns) for (const v of values) size += typeof v === 'string' ? v.length : 8;
  entry.groups[g] = { rows: numbers, masks, columns: new Map(d.columns) };
  entry.kept += size;
  shared.kept += size;
  if (shared.kept > shared.budget) dropParquet(shared, entry);
}

function dropParquet(shared: SharedScan, entry: SharedParquet): void {
  shared.kept -= entry.kept;
  entry.kept = 0;
  entry.state = 'dropped';
  entry.groups = [];
}


async function readMetadata(file: DataFile, local: string, onRead: (n: number) => void): Promise<FileMetaData> {
  const fh = await fs.open(local, 'r');
  try {
    const { parquetMetadataAsync } = await import('hyparquet'); // loaded when a Parquet file is read
    // String statistics stay raw bytes for groupStats; the worker decodes values with PARSERS alone.
    return await parquetMetadataAsync(fileBuffer(fh, (await fh.stat()).size, onRead), { parsers: { ...PARSERS, ...STAT_PARSERS } });
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

type Reply = { session: number; group: number; columns?: [string, unknown[]][]; rows?: number[]; masks?: number[]; error?: string };

/** A row group's columns; with `rows`, only those rows (numbers in the group) of them; with `masks`, each row's bit per test that may pass. */
interface Decoded {
  columns: [string, unknown[]][];
  rows?: number[];
  masks?: number[];
}

/** One decode worker and the sessions it has been told of. */
interface Decoder {
  worker: Worker;
  heapMb: number;
  opened: Set<number>;
  ready: Promise<void>;
}

/**
 * Row groups decoded in shared workers, one per core (`decodeThreads`), each decoding one request
 * at a time (so a request's timer measures its own decoding); requests wait for a free worker in
 * the order they are made. The first worker starts ahead of any request, the others when a
 * request finds the started ones busy. A worker that overruns a budget is ended; its next request
 * gets a new one. Idle, the workers do not keep the process alive.
 */
class DecodePool {
  private readonly decoders: (Decoder | undefined)[] = [];
  private readonly busy: boolean[] = [];
  private readonly waiting: ((slot: number) => void)[] = [];
  private readonly paths = new Map<number, { path: string; columns?: string[]; tests?: FieldTest[]; need?: number }>();
  private lastId = 0;

  /** Decode workers: one per core (EXFILWATCH_THREADS sets the cores). */
  get size(): number {
    return Math.max(1, Number(process.env.EXFILWATCH_THREADS) || availableParallelism());
  }

  /**
   * A session on a file: the columns to decode (all when undefined), the tests a row is kept for
   * (any one), and with `need` the tests' bits for which the other columns are decoded at all.
   */
  open(path: string, columns?: string[], tests?: FieldTest[], need?: number): number {
    this.paths.set(++this.lastId, { path, columns, tests, need });
    return this.lastId;
  }

  /** Starts a worker ahead of the first request (its start-up then overlaps other work). */
  start(): void {
    if (!this.decoders[0]) this.ensure(0, PARQUET_LIMITS.heapMb(0));
  }

  close(id: number): void {
    this.paths.delete(id);
    for (const d of this.decoders) if (d?.opened.delete(id)) d.worker.postMessage({ close: id });
  }

  /** Decodes a group for a session; `request` names other columns and the rows wanted (the session's tests then do not apply). */
  async decode(id: number, group: number, heapMb: number, timeoutMs: number, request?: { columns: string[]; select: number[] }): Promise<Decoded> {
    const slot = await this.acquire();
    try {
      if (!this.paths.has(id)) throw new Error('the read ended'); // asked ahead, no longer wanted
      const d = this.decoderFor(slot, id, heapMb);
      d.worker.ref(); // busy: keep the process alive until it answers
      try {
        await d.ready; // starting the worker is not decoding: the budget starts after
        if (this.decoders[slot] !== d) throw new Error('the Parquet decoder did not start');
        return await this.request(slot, d, id, group, timeoutMs, request);
      } finally {
        d.worker.unref();
      }
    } finally {
      this.release(slot);
    }
  }

  /** A free worker's slot: a started one, else one not started yet, else the first to be freed. */
  private acquire(): Promise<number> {
    const size = this.size;
    for (let i = 0; i < size; i++) if (!this.busy[i] && this.decoders[i]) return Promise.resolve(this.take(i));
    for (let i = 0; i < size; i++) if (!this.busy[i]) return Promise.resolve(this.take(i));
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private take(slot: number): number {
    this.busy[slot] = true;
    return slot;
  }

  private release(slot: number): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else this.busy[slot] = false;
  }

  private request(slot: number, d: Decoder, id: number, group: number, timeoutMs: number, request?: { columns: string[]; select: number[] }): Promise<Decoded> {
    const w = d.worker;
    return new Promise((resolve, reject) => {
      const fail = (message: string): void => {
        done();
        if (this.decoders[slot] === d) this.decoders[slot] = undefined;
        void w.terminate();
        reject(new Error(message));
      };
      const timer = setTimeout(() => fail(`decoding took longer than ${Math.round(timeoutMs / 1000)} s (a damaged page?)`), timeoutMs);
      const onMessage = (m: Reply): void => {
        if (m.session !== id || m.group !== group) return;
        done();
        if (m.columns) resolve({ columns: m.columns, rows: m.rows, masks: m.masks });
        else reject(new Error(m.error ?? 'no data'));
      };
      const onError = (e: Error & { code?: string }): void =>
        fail(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `decoding needed more than ${d.heapMb} MB (a damaged page?)` : e.message);
      const onExit = (code: number): void => fail(`the decoder stopped (exit code ${code})`);
      const done = (): void => {
        clearTimeout(timer);
        w.off('message', onMessage).off('error', onError).off('exit', onExit);
      };
      w.on('message', onMessage).on('error', onError).on('exit', onExit);
      w.postMessage({ session: id, group, ...request });
    });
  }

  private decoderFor(slot: number, id: number, heapMb: number): Decoder {
    const d = this.ensure(slot, heapMb);
    if (!d.opened.has(id)) {
      d.worker.postMessage({ open: id, ...this.paths.get(id) });
      d.opened.add(id);
    }
    return d;
  }

  private ensure(slot: number, heapMb: number): Decoder {
    const old = this.decoders[slot];
    if (old && old.heapMb >= heapMb) return old;
    if (old) void old.worker.terminate();
    const limit = Math.max(heapMb, old?.heapMb ?? 0);
    const worker = new Worker(workerUrl('sources/parquet/worker.js'), { resourceLimits: { maxOldGenerationSizeMb: limit, maxYoungGenerationSizeMb: PARQUET_LIMITS.youngMb } });
    worker.unref();
    worker.on('error', () => {}); // a request in flight hears it through its own listener
    const ready = new Promise<void>((resolve) => {
      const onReady = (m: { ready?: boolean }): void => { if (m.ready) { worker.off('message', onReady).off('exit', onExit); resolve(); } };
      const onExit = (): void => { worker.off('message', onReady); resolve(); }; // the request then sees the worker gone
      worker.on('message', onReady).once('exit', onExit);
    });
    const d: Decoder = { worker, heapMb: limit, opened: new Set(), ready };
    worker.once('exit', () => { if (this.decoders[slot] === d) this.decoders[slot] = undefined; });
    this.decoders[slot] = d;
    return d;
  }
}

const pool = new DecodePool();
