/**
 * The Parquet decode worker. Decoding runs here, not on the main thread, because `hyparquet`
 * trusts the file: a damaged page header or level run can make it loop for minutes or allocate
 * without bound. The reader gives each row group a time and memory budget and, past it, ends this
 * worker and skips that row group with a warning (parquet.ts).
 *
 * One worker serves every Parquet read of the process, a session per read. Messages in:
 * `{ open, path, columns?, tests?, need? }`, `{ session, group, columns?, select? }` (a request may name
 * its own columns and the rows it wants, skipping the session's tests), `{ close }`. Out:
 * `{ session, group, columns, rows?, masks? }` or `{ session, group, error }`.
 */
import { promises as fs } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { type AsyncBuffer, type FileMetaData, parquetMetadataAsync } from 'hyparquet';
import { PARSERS, fileBuffer, readGroup } from './decode.js';
import { type BatchTest, type FieldTest, compileBatchTest } from '../field-filter.js';

interface Session {
  fh: Promise<fs.FileHandle>;
  /** The columns the scan reads (all when undefined), and the field tests on a row's values (a row passes when one may). */
  columns?: string[];
  tests?: BatchTest[];
  /** The tests' bits for which columns beyond the tests' own are decoded. */
  need?: number;
  buffer?: AsyncBuffer;
  metadata?: FileMetaData;
}

const sessions = new Map<number, Session>();

type Message =
  | { open: number; path: string; columns?: string[]; tests?: FieldTest[]; need?: number }
  | { close: number }
  | { session: number; group: number; columns?: string[]; select?: number[] };

parentPort!.on('message', async (m: Message) => {
  if ('open' in m) {
    const fh = fs.open(m.path, 'r');
    fh.catch(() => {}); // reported by the first group that needs it
    sessions.set(m.open, { fh, columns: m.columns, tests: m.tests?.map(compileBatchTest), need: m.need });
    return;
  }
  if ('close' in m) {
    const s = sessions.get(m.close);
    sessions.delete(m.close);
    if (s) await s.fh.then((fh) => fh.close(), () => {});
    return;
  }
  const { session, group } = m;
  try {
    const s = sessions.get(session);
    if (!s) throw new Error('no such session');
    if (!s.buffer) {
      const fh = await s.fh;
      s.buffer = fileBuffer(fh, (await fh.stat()).size);
    }
    s.metadata ??= await parquetMetadataAsync(s.buffer, { parsers: PARSERS });
    const out = m.select
      ? await readGroup(s.buffer, s.metadata, group, m.columns ?? s.columns, undefined, m.select)
      : await readGroup(s.buffer, s.metadata, group, m.columns ?? s.columns, s.tests, undefined, s.need);
    parentPort!.postMessage({ session, group, ...out });
  } catch (e) {
    parentPort!.postMessage({ session, group, error: (e as Error)?.message ?? String(e) });
  }
});
parentPort!.postMessage({ ready: true });
