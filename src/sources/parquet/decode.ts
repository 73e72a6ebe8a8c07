/**
 * Decoding one Parquet row group into plain values: flat columns by flat.ts, the others with
 * `hyparquet`. Shared by the reader (metadata, on the main thread) and the decode worker (row
 * groups, off it; see worker.ts). A scan's field tests run on the decoded columns as a batch,
 * once per dictionary value where flat.ts kept the codes.
 *
 * Values come out in the raw forms the table coercion understands: INT64 as bigint when past
 * 2^53 (a number otherwise), timestamps (and INT96, DATE) as ISO 8601 text with 100 ns
 * precision, strings as strings, JSON as its text (a dynamic column parses it, exactly), binary
 * as hex, nested lists, maps and structs as plain arrays and objects.
 */
import type { promises as fs } from 'node:fs';
import type { AsyncBuffer, ColumnMetaData, FileMetaData, ParquetParsers, SchemaElement } from 'hyparquet';
import type { BatchTest, TestColumn } from '../field-filter.js';
import { type FlatColumn, chunkRange, decodeFlatColumn } from './flat.js';

/** Random-access reads of an open file, clamped to its size. */
export function fileBuffer(fh: fs.FileHandle, size: number, onRead?: (n: number) => void): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end: number = size): Promise<ArrayBuffer> {
      const from = Math.max(0, Math.min(start, size));
      const to = Math.max(from, Math.min(end, size));
      const out = new ArrayBuffer(to - from);
      const view = new Uint8Array(out);
      let at = 0;
      while (at < view.length) {
        const { bytesRead } = await fh.read(view, at, view.length - at, from + at);
        if (bytesRead === 0) break;
        at += bytesRead;
      }
      onRead?.(at);
      return out;
    },
  };
}

/** What `readGroup` gives back: columns of rows, and which rows they are when not all of them. */
export interface GroupRows {
  columns: [string, unknown[]][];
  /** The rows' numbers in the group (undefined: every row, in order). */
  rows?: number[];
  /** With several tests: for each row, a bit for each test that may pass on it. */
  masks?: number[];
}

/** Decoding knobs (tests turn the flat decoder off to hold it to hyparquet's values). */
export const decodeOptions = { flat: true };

/** A column of the group: decoded by flat.ts, or by hyparquet (its values, not yet plain). */
type GroupColumn = { flat: FlatColumn } | { data: ArrayLike<unknown> };

/**
 * One row group's top-level columns, each an array of its rows in plain values: all of them, or
 * `columns` of them (those the file has). With `tests`, only the rows some test may pass: the
 * tests' columns are decoded first, and the others only when a row is kept (with `need`, a row
 * whose bits meet it); with `select`, only those rows (numbers in the group, ascending).
 */
export async function readGroup(
  file: AsyncBuffer, metadata: FileMetaData, group: number, columns?: string[], tests?: BatchTest[], select?: number[], need?: number,
): Promise<GroupRows> {
  let groupStart = 0;
  for (let g = 0; g < group; g++) groupStart += Number(metadata.row_groups[g]!.num_rows);
  const rows = Number(metadata.row_groups[group]!.num_rows);
  const codecs = metadata.row_groups[group]!.columns.map((c) => c.meta_data?.codec);
  // Loaded here, not at start-up: most runs read no Parquet. Snappy is read by hyparquet's own
  // decoder (as fast); the other codecs' decoders load only for a file that uses them.
  const compressors = codecs.every((c) => c === 'SNAPPY' || c === 'UNCOMPRESSED') ? undefined : (await import('hyparquet-compressors')).compressors;
  const present = new Set(metadata.schema.slice(1).map((e) => e.name));
  const decoded = new Map<string, GroupColumn>();
  const decode = async (names: string[] | undefined): Promise<void> => {
    const rest: string[] = [];
    const hyparquet = await import('hyparquet');
    for (const name of names ?? topLevelNames(metadata)) {
      const chunk = decodeOptions.flat ? flatChunk(metadata, group, name) : undefined;
      if (chunk) {
        try {
          const [from, to] = chunkRange(chunk.meta);
          const bytes = new Uint8Array(await file.slice(from, to));
          decoded.set(name, { flat: decodeFlatColumn(bytes, chunk.element, chunk.meta, rows, PARSERS, { snappy: hyparquet.snappyUncompress, compressors }) });
          continue;
        } catch {
          // Unsupported here, or damaged: hyparquet decodes it (or says what is wrong).
        }
      }
      rest.push(name);
    }
    if (rest.length === 0) return;
    const parts = new Map<string, { rowStart: number; data: ArrayLike<unknown> }[]>();
    await hyparquet.parquetRead({
      file,
      metadata,
      columns: rest,
      rowStart: groupStart,
      rowEnd: groupStart + rows,
      compressors,
      parsers: PARSERS,
      onChunk({ columnName, columnData, rowStart }) {
        const list = parts.get(columnName);
        if (list) list.push({ rowStart, data: columnData });
        else parts.set(columnName, [{ rowStart, data: columnData }]);
      },
    });
    // Every column must hold exactly the rows the row group claims (a damaged footer can claim any count).
    for (const [name, list] of parts) {
      list.sort((a, b) => a.rowStart - b.rowStart);
      let next = groupStart;
      for (const p of list) {
        if (p.rowStart !== next) break;
        next += p.data.length;
      }
      if (next - groupStart !== rows) throw new Error(`the row group says ${rows} rows, its column ${name} holds ${next - groupStart}`);
      decoded.set(name, { data: list.length === 1 ? list[0]!.data : list.flatMap((p) => Array.from(p.data)) });
    }
  };
  // hyparquet's columns are made plain for every row only when a test reads them; the others only for the rows kept.
  const plainAll = new Map<string, unknown[]>();
  const full = (name: string, d: { data: ArrayLike<unknown> }): unknown[] => {
    let all = plainAll.get(name);
    if (!all) {
      all = new Array<unknown>(rows);
      for (let k = 0; k < rows; k++) all[k] = plain(d.data[k]);
      plainAll.set(name, all);
    }
    return all;
  };
  const testColumn = (name: string): TestColumn | undefined => {
    const d = decoded.get(name);
    if (!d) return undefined;
    return 'flat' in d ? d.flat : { values: full(name, d) };
  };
  const wanted = columns?.filter((c) => present.has(c));
  let kept = select;
  let masks: number[] | undefined;
  if (!kept && tests && tests.length > 0) {
    const testColumns = [...new Set(tests.flatMap((t) => t.columns))].filter((c) => present.has(c));
    await decode(testColumns);
    ({ kept, masks } = keptRows(rows, tests, testColumn));
    // The other columns only for rows someone takes.
    const taken = need === undefined ? kept.length > 0 : masks.some((m) => (m & need) !== 0);
    if (taken) {
      const rest = (wanted ?? topLevelNames(metadata)).filter((c) => !decoded.has(c));
      if (rest.length > 0) await decode(rest);
    }
  } else await decode(wanted);
  // Every row kept: no list (but several tests still tell each row's bits).
  if (kept && !select && kept.length === rows && tests!.length === 1) kept = undefined;
  const out: [string, unknown[]][] = [];
  for (const [name, d] of decoded) {
    const all = plainAll.get(name);
    if (!kept && all) {
      out.push([name, all]);
      continue;
    }
    const count = kept ? kept.length : rows;
    const at = (i: number): number => (kept ? kept[i]! : i);
    const picked = new Array<unknown>(count);
    if ('flat' in d) {
      const { codes, values, time } = d.flat;
      for (let i = 0; i < count; i++) {
        const k = codes[at(i)]!;
        picked[i] = k < 0 ? null : time ? time.plain(values[k]) : values[k];
      }
    } else {
      if (all) for (let i = 0; i < count; i++) picked[i] = all[at(i)];
      else for (let i = 0; i < count; i++) picked[i] = plain(d.data[at(i)]);
    }
    out.push([name, picked]);
  }
  if (!kept) return { columns: out };
  return { columns: out, rows: kept, masks: tests && tests.length > 1 ? masks : undefined };
}

/** A top-level column's schema element and chunk in a row group, when the column is flat. */
function flatChunk(metadata: FileMetaData, group: number, name: string): { element: SchemaElement; meta: ColumnMetaData } | undefined {
  const element = metadata.schema.find((e, i) => i > 0 && e.name === name);
  if (!element || element.num_children || metadata.schema.slice(1).filter((e) => e.name === name).length !== 1) return undefined;
  const meta = metadata.row_groups[group]!.columns.find((c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === name)?.meta_data;
  return meta ? { element, meta } : undefined;
}

/** The names of the file's top-level columns, in order. */
export function topLevelNames(metadata: FileMetaData): string[] {
  const out: string[] = [];
  const schema = metadata.schema;
  const skipTree = (i: number): number => {
    const n = schema[i]?.num_children ?? 0;
    let next = i + 1;
    for (let c = 0; c < n && next < schema.length; c++) next = skipTree(next);
    return next;
  };
  let at = 1;
  for (let c = 0; c < (schema[0]?.num_children ?? 0) && at < schema.length; c++) {
    out.push(schema[at]!.name);
    at = skipTree(at);
  }
  return out;
}

/** The rows some test may pass, and for each a bit per test that may. */
function keptRows(rows: number, tests: BatchTest[], column: (name: string) => TestColumn | undefined): { kept: number[]; masks: number[] } {
  const bits = new Int32Array(rows);
  for (let t = 0; t < tests.length; t++) {
    const passing = tests[t]!.rows(column, rows);
    for (let i = 0; i < passing.length; i++) bits[passing[i]!]! |= 1 << t;
  }
  const kept: number[] = [];
  const masks: number[] = [];
  for (let r = 0; r < rows; r++) {
    if (bits[r] !== 0) {
      kept.push(r);
      masks.push(bits[r]!);
    }
  }
  return { kept, masks };
}

const TICKS_PER_MS = 10_000n;

/** Nanoseconds since 1970 as ISO 8601 with 7 fractional digits (.NET ticks), or null out of range. */
export function isoFromNanos(nanos: bigint): string | null {
  const ticks = nanos >= 0n ? nanos / 100n : -((-nanos + 99n) / 100n);
  let ms = ticks / TICKS_PER_MS;
  let sub = ticks % TICKS_PER_MS;
  if (sub < 0n) { sub += TICKS_PER_MS; ms -= 1n; }
  const d = new Date(Number(ms));
  const year = d.getUTCFullYear();
  if (Number.isNaN(year) || year < 1 || year > 9999) return null;
  const msOfSecond = Number(((ms % 1000n) + 1000n) % 1000n);
  return d.toISOString().slice(0, 20) + (msOfSecond * 10_000 + Number(sub)).toString().padStart(7, '0') + 'Z';
}

/** Microseconds within ±2^52 (years 1828-2112) convert without bigint arithmetic. */
const MAX_FAST_MICROS = 2 ** 52;
let lastDay = NaN;
let lastDayText: string | null = null;

/** Where isoFromSeconds writes: its day part is rewritten when the day changes. */
const ISO = Buffer.from('0000-00-00T00:00:00.0000000Z', 'latin1');

/**
 * Seconds since 1970 and the 100 ns ticks within the second as isoFromNanos writes them. Written
 * as bytes and read as one string: a string built by concatenation is a rope, which every
 * comparison (a time test on each row) would first copy flat.
 */
function isoFromSeconds(seconds: number, ticks: number): string | null {
  const day = Math.floor(seconds / 86_400);
  if (day !== lastDay) {
    const d = new Date(day * 86_400_000);
    const year = d.getUTCFullYear();
    lastDay = day;
    lastDayText = Number.isNaN(year) || year < 1 || year > 9999 ? null : d.toISOString().slice(0, 11);
    if (lastDayText !== null) ISO.write(lastDayText, 0, 'latin1');
  }
  if (lastDayText === null) return null;
  const s = seconds - day * 86_400;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s - h * 3600) / 60);
  const sec = s - h * 3600 - m * 60;
  ISO[11] = 48 + Math.floor(h / 10); ISO[12] = 48 + (h % 10);
  ISO[14] = 48 + Math.floor(m / 10); ISO[15] = 48 + (m % 10);
  ISO[17] = 48 + Math.floor(sec / 10); ISO[18] = 48 + (sec % 10);
  let t = ticks;
  for (let k = 26; k >= 20; k--) {
    ISO[k] = 48 + (t % 10);
    t = Math.floor(t / 10);
  }
  return ISO.toString('latin1', 0, 28);
}

/** Microseconds since 1970 as isoFromNanos writes them. */
export function isoFromMicros(micros: bigint | number): string | null {
  const n = Number(micros);
  if (!(n > -MAX_FAST_MICROS && n < MAX_FAST_MICROS)) return isoFromNanos(BigInt(micros) * 1_000n);
  const seconds = Math.floor(n / 1e6);
  return isoFromSeconds(seconds, (n - seconds * 1e6) * 10);
}

const NANOS_PER_SECOND = 1_000_000_000n;

/** Nanoseconds since 1970 as isoFromNanos writes them, with less bigint arithmetic. */
export function isoFromNanosFast(nanos: bigint): string | null {
  let seconds = nanos / NANOS_PER_SECOND;
  let rest = nanos - seconds * NANOS_PER_SECOND;
  if (rest < 0n) { rest += NANOS_PER_SECOND; seconds -= 1n; }
  const s = Number(seconds);
  if (!(Math.abs(s) < MAX_FAST_MICROS / 1e6)) return isoFromNanos(nanos);
  return isoFromSeconds(s, Math.floor(Number(rest) / 100));
}

const decoder = new TextDecoder();

export const PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (v: bigint) => {
    const ms = Number(v);
    return Math.abs(ms) < MAX_FAST_MICROS / 1000 ? isoFromMicros(ms * 1000) : isoFromNanos(BigInt(v) * 1_000_000n);
  },
  timestampFromMicroseconds: (v: bigint) => isoFromMicros(v),
  timestampFromNanoseconds: (v: bigint) => isoFromNanosFast(BigInt(v)),
  dateFromDays: (days: number) => isoFromNanos(BigInt(days) * 86_400_000_000_000n),
  // JSON stays text: a dynamic column parses it (exactly), a string column keeps it as written.
  jsonFromBytes: (bytes: Uint8Array) => bytes && decoder.decode(bytes),
};

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A decoded Parquet value in the raw forms the coercion takes. */
export function plain(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  switch (typeof v) {
    case 'bigint':
      return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v;
    case 'object':
      if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
      if (Array.isArray(v)) return v.map(plain);
      if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>, plain);
      {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = plain(x);
        return out;
      }
    default:
      return v;
  }
}
