/**
 * Local files into tables. The readers, most specific first; discovery (file name → table,
 * `--table NAME=PATH`, directories walked); and the table view over them: a table's rows are
 * the records of every file that feeds it, coerced to the table's column types, in batches.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { facts } from '../diagnostics/facts.js';
import type { ScalarType, TableDef } from '../schema/types.js';
import { DEFENDER_TABLE_NAMES } from '../schema/defender-tables.js';
import { enrich } from './bytes/credit.js';
import { csvReader } from './csv/csv.js';
import { jsonReader } from './json/json.js';
import { sysmonReader } from './sysmon/sysmon.js';
import { zeekReader } from './zeek/zeek.js';
import { parquetReader } from './parquet/parquet.js';
import { type DataFile, type Reader, type ReadHints, type ReadStats, type SourceRecord, flatten, gather } from './reader.js';

export type { DataFile, ReadHints, ReadStats, ReadWarning, SourceRecord, Reader } from './reader.js';
export { newStats } from './reader.js';

/** Most specific first: a reader that knows a format by its content goes before the generic ones. */
export const READERS: Reader[] = [parquetReader, zeekReader, sysmonReader, jsonReader, csvReader];

/** The table a file name names: the leading identifier (`DeviceNetworkEvents-2026.csv` → DeviceNetworkEvents). */
export function tableOfFile(file: string): string {
  const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(path.basename(file));
  return m ? m[0] : path.basename(file);
}

async function head(file: string, gzip: boolean): Promise<Buffer> {
  const fh = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const bytes = buf.subarray(0, bytesRead);
    if (!gzip) return bytes;
    try {
      return gunzipSync(bytes, { finishFlush: 2 /* Z_SYNC_FLUSH: a prefix is enough */ });
    } catch {
      return Buffer.alloc(0);
    }
  } finally {
    await fh.close();
  }
}

/** Resolves paths (files and directories) and `NAME=PATH` overrides into data files. */
export async function discoverFiles(paths: string[], overrides: string[] = [], knownTables: readonly string[] = DEFENDER_TABLE_NAMES): Promise<DataFile[]> {
  const known = new Set(knownTables.map((t) => t.toLowerCase()));
  const out: DataFile[] = [];
  const add = async (p: string, table: string | undefined, explicit: boolean): Promise<void> => {
    let st;
    try {
      st = await fs.stat(p);
    } catch {
      throw facts.input(`no such file or directory: ${p}`, p);
    }
    if (st.isDirectory()) {
      for (const e of (await fs.readdir(p)).sort()) {
        if (e.startsWith('.')) continue;
        await add(path.join(p, e), table, false);
      }
      return;
    }
    const gzip = p.toLowerCase().endsWith('.gz');
    const name = (gzip ? p.slice(0, -3) : p).toLowerCase();
    const bytes = await head(p, gzip);
    const reader = READERS.find((r) => r.claims(name, bytes));
    if (!reader) {
      if (explicit) throw facts.input(`cannot tell the format of ${p}: expected Defender JSON lines, JSON, CSV/TSV or Parquet, Sysmon XML or EVTX, or a Zeek conn.log (optionally .gz)`, p);
      return; // a file in a walked directory that is not data: README, checksums...
    }
    const fromName = tableOfFile(p);
    reader.prepare?.(st.size, gzip);
    out.push({
      path: p,
      reader: reader.name,
      gzip,
      table: table ?? fromName,
      routed: table === undefined && !known.has(fromName.toLowerCase()),
    });
  };
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw facts.usage(`--table expects NAME=PATH, got '${o}'`);
    await add(o.slice(eq + 1), o.slice(0, eq), true);
  }
  for (const p of paths) await add(p, undefined, true);
  return out;
}

export function readerOf(file: DataFile): Reader {
  const r = READERS.find((x) => x.name === file.reader);
  if (!r) throw facts.input(`no reader '${file.reader}' for ${file.path}`, file.path);
  return r;
}

/**
 * How many times its size on disk a compressed file's records take as text: a gzipped export
 * inflates about 8 to 15 times, a dictionary-encoded Parquet export (Defender's columns repeat)
 * about 50 times.
 */
const GZIP_EXPANSION = 10;
const EXPANSION: Record<string, number> = { parquet: 50 };

/** About how large the files' records are as text (by their sizes on disk and formats). */
export async function textBytes(files: DataFile[]): Promise<number> {
  let n = 0;
  for (const f of files) n += (await fs.stat(f.path)).size * (f.gzip ? GZIP_EXPANSION : EXPANSION[f.reader] ?? 1);
  return n;
}

/** The tables a set of files brings that are not already known (user tables named by file). */
export function tablesNamedByFiles(files: DataFile[]): string[] {
  const names = new Set<string>();
  for (const f of files) if (!readerOf(f).tables) names.add(f.table);
  return [...names];
}

/** Does this file (possibly) feed `table`? */
function feeds(file: DataFile, table: string): boolean {
  if (file.table.toLowerCase() === table.toLowerCase()) return true;
  const tables = readerOf(file).tables;
  if (tables) return tables.some((t) => t.toLowerCase() === table.toLowerCase());
  return file.routed;
}

/** The records of `table` from every file that feeds it. */
export function recordsFor(table: string, files: DataFile[], stats: ReadStats, hints?: ReadHints): AsyncIterable<SourceRecord> {
  return flatten(recordBatchesFor(table, files, stats, hints));
}

/** The same, in arrays (what a table scan reads). */
export function recordBatchesFor(table: string, files: DataFile[], stats: ReadStats, hints?: ReadHints): AsyncIterable<SourceRecord[]> {
  // A stage between the files and the table: DeviceNetworkEvents rows get bytes credited from
  // flows of the same connection (sources/bytes/credit.ts, docs/zeek.md); other tables pass through.
  const feeding = files.filter((f) => feeds(f, table));
  return enrich(table, (st, h) => recordsOf(table, feeding, st, h), stats, feeding, hints);
}

/** A reader's records in arrays: its own, or its records gathered. */
function batchesOf(reader: Reader, f: DataFile, stats: ReadStats, hints?: ReadHints): AsyncIterable<SourceRecord[]> {
  return reader.readBatches ? reader.readBatches(f, stats, hints) : gather(reader.read(f, stats, hints));
}

async function* recordsOf(table: string, files: DataFile[], stats: ReadStats, hints?: ReadHints): AsyncGenerator<SourceRecord[]> {
  const lower = table.toLowerCase();
  for (let fi = 0; fi < files.length; fi++) {
    const f = files[fi]!;
    if (!feeds(f, table)) continue;
    let lastLine: number | undefined;
    let sub = 0;
    for await (const batch of batchesOf(readerOf(f), f, stats, hints)) {
      const out: SourceRecord[] = [];
      for (const r of batch) {
        sub = r.line === lastLine ? sub + 1 : 0;
        lastLine = r.line;
        if ((r.table ?? f.table).toLowerCase() === lower) {
          r.place = `${fi}:${r.line ?? ''}:${sub}`;
          out.push(r);
        }
      }
      if (out.length) yield out;
    }
  }
}

/** Infers column types for a table we have no definition of, from its first records. */
export async function inferTable(name: string, files: DataFile[], stats: ReadStats): Promise<TableDef> {
  const types = new Map<string, ScalarType | undefined>();
  let seen = 0;
  for await (const { rec } of recordsFor(name, files, stats)) {
    for (const [k, v] of Object.entries(rec)) types.set(k, unify(types.get(k), inferValue(v)));
    if (++seen >= 1000) break;
  }
  return { name, columns: [...types.entries()].map(([n, t]) => ({ name: n, type: t ?? 'string' })) };
}

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

function inferValue(v: unknown): ScalarType | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'long' : 'real';
  if (typeof v === 'object') return 'dynamic';
  const s = String(v);
  if (ISO_DATETIME.test(s)) return 'datetime';
  if (/^-?\d{1,18}$/.test(s)) return 'long';
  if (/^-?\d+\.\d+(e[+-]?\d+)?$/i.test(s)) return 'real';
  if (/^(true|false)$/i.test(s)) return 'bool';
  return 'string';
}

function unify(a: ScalarType | undefined, b: ScalarType | undefined): ScalarType | undefined {
  if (!a) return b;
  if (!b || a === b) return a;
  if ((a === 'long' && b === 'real') || (a === 'real' && b === 'long')) return 'real';
  return a === 'dynamic' || b === 'dynamic' ? 'dynamic' : 'string';
}

