/**
 * What every reader implements. A reader claims files (by name, and by their first bytes) and
 * turns one into records: plain objects keyed by Defender column names, each with the table it
 * belongs to. Readers never import one another; `sources/index.ts` lists them.
 */
import type { Readable } from 'node:stream';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { facts } from '../diagnostics/facts.js';
import type { FieldTest } from './field-filter.js';
import type { SharedScan } from './shared-scan.js';
import { trackBytes } from './progress.js';

export interface DataFile {
  path: string;
  /** The reader that claimed the file. */
  reader: string;
  gzip: boolean;
  /** The table the file name (or --table) names; records may still name their own. */
  table: string;
  /** True when the file name named no table and --table was not given: records route themselves. */
  routed: boolean;
}

export interface SourceRecord {
  /** The table this record belongs to; undefined means the file's table. */
  table?: string;
  rec: Record<string, unknown>;
  /** Line number, record number or byte offset, for messages. */
  line?: number;
  /** The record's place in its table's stream (file, line, index in line), set by the table view. */
  place?: string;
}

export interface ReadWarning {
  file: string;
  line?: number;
  message: string;
}

export interface ReadStats {
  rows: number;
  skipped: number;
  warnings: ReadWarning[];
  /** Values that did not fit their column's type and became null, by table.column. */
  coercedToNull: Map<string, number>;
  /** With --strict, the first malformed record is fatal. */
  strict?: boolean;
  /** Places already warned about: a file read again (for another table, another query) warns once. */
  warned?: Set<string>;
}

export function newStats(strict = false): ReadStats {
  return { rows: 0, skipped: 0, warnings: [], coercedToNull: new Map(), strict };
}

/** Records a skipped record: a warning naming the place, or an error under --strict. */
export function skip(stats: ReadStats, file: string, line: number | undefined, message: string): void {
  if (stats.strict) throw facts.input(`${file}${line ? ':' + line : ''}: ${message}`, file, line);
  const key = `${file}\u0000${line ?? ''}\u0000${message}`;
  stats.warned ??= new Set();
  if (stats.warned.has(key)) return;
  stats.warned.add(key);
  stats.skipped++;
  stats.warnings.push({ file, line, message });
}

/** What the plan lets a reader skip (see engine/scan-hints.ts). */
export interface ReadHints {
  /** False only when no row of the record (its raw text) can pass the query's filters. */
  rawFilter?: (text: string) => boolean;
  /** False only when no row of the record can pass, judged on the fields it names (field-filter.ts). */
  fields?: FieldTest;
  /** The fields (raw keys) the scan reads; a reader may leave the others out of its records. */
  columns?: ReadonlySet<string>;
  /** The query's other scans of the same table, to read each file once for all (shared-scan.ts); `fields` is `shared.tests[member]`. */
  shared?: SharedScan;
  member?: number;
}

export interface Reader {
  name: string;
  /** Claims a file by its name (lower case, without .gz) and its first bytes (decompressed). */
  claims(name: string, head: Buffer): boolean;
  /** The tables this reader's files feed when the file name names none (e.g. Sysmon). */
  tables?: string[];
  /** `hints.rawFilter` and `hints.fields`, when given, may be applied to a record before parsing it. */
  read(file: DataFile, stats: ReadStats, hints?: ReadHints): AsyncIterable<SourceRecord>;
  /**
   * The same records in arrays, for a reader that has them so (a block of lines at a time): a
   * record then crosses the stages above it with its array, not one await each.
   */
  readBatches?(file: DataFile, stats: ReadStats, hints?: ReadHints): AsyncIterable<SourceRecord[]>;
  /**
   * Discovery found a file for this reader (`bytes` long, gzip or not): threads it will read with
   * can start now, so their start-up overlaps what comes before the read.
   */
  prepare?(bytes: number, gzip: boolean): void;
}

/** The file's bytes, decompressed when gzip; read errors name the file. */
export function openBytes(file: DataFile): Readable {
  const raw = createReadStream(file.path);
  trackBytes(file.path, raw);
  if (!file.gzip) return raw;
  // Large output chunks: each is a round trip to the thread that inflates (16 KiB by default).
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  raw.on('error', (e) => gunzip.destroy(e));
  return raw.pipe(gunzip);
}

export function readFailed(file: DataFile, e: unknown): never {
  if ((e as { diagnostic?: unknown }).diagnostic) throw e;
  const msg = (e as Error).message;
  throw facts.input(`${file.path}: ${file.gzip ? 'not a valid gzip file, or truncated' : 'read failed'} (${msg})`, file.path);
}

/** Records in arrays of `size` (fewer at the end). */
export async function* gather(records: AsyncIterable<SourceRecord>, size = 1024): AsyncGenerator<SourceRecord[]> {
  let out: SourceRecord[] = [];
  for await (const r of records) {
    out.push(r);
    if (out.length === size) {
      yield out;
      out = [];
    }
  }
  if (out.length) yield out;
}

/** Arrays of records, one record at a time. */
export async function* flatten(batches: AsyncIterable<SourceRecord[]>): AsyncGenerator<SourceRecord> {
  for await (const b of batches) yield* b;
}
