/**
 * Decoding one Parquet row group with `hyparquet`, into plain values: shared by the reader
 * (metadata, on the main thread) and the decode worker (row groups, off it; see worker.ts).
 *
 * Values come out in the raw forms the table coercion understands: INT64 as bigint when past
 * 2^53 (a number otherwise), timestamps (and INT96, DATE) as ISO 8601 text with 100 ns
 * precision, strings as strings, JSON as its text (a dynamic column parses it, exactly), binary
 * as hex, nested lists, maps and structs as plain arrays and objects.
 */
import type { promises as fs } from 'node:fs';
import type { AsyncBuffer, FileMetaData, ParquetParsers } from 'hyparquet';
import { type CompiledFieldTest, type FieldSource, Raw } from '../field-filter.js';

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

/**
 * One row group's top-level columns, each an array of its rows in plain values: all of them, or
 * `columns` of them (those the file has). With `keep`, only the rows it keeps, whose numbers in
 * the group come back as `rows`.
 */
export async function readGroup(
  file: AsyncBuffer, metadata: FileMetaData, group: number, columns?: string[], keep?: CompiledFieldTest,
): Promise<{ columns: [string, unknown[]][]; rows?: number[] }> {
  let groupStart = 0;
  for (let g = 0; g < group; g++) groupStart += Number(metadata.row_groups[g]!.num_rows);
  const rows = Number(metadata.row_groups[group]!.num_rows);
  const parts = new Map<string, { rowStart: number; data: ArrayLike<unknown> }[]>();
  // Loaded here, not at start-up: most runs read no Parquet.
  const [{ parquetRead }, { compressors }] = await Promise.all([import('hyparquet'), import('hyparquet-compressors')]);
  const present = columns && new Set(metadata.schema.slice(1).map((e) => e.name));
  await parquetRead({
    file,
    metadata,
    columns: columns?.filter((c) => present!.has(c)),
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
  const out: [string, unknown[]][] = [];
  for (const [name, list] of parts) {
    list.sort((a, b) => a.rowStart - b.rowStart);
    let next = groupStart;
    for (const p of list) {
      if (p.rowStart !== next) break;
      next += p.data.length;
    }
    if (next - groupStart !== rows) throw new Error(`the row group says ${rows} rows, its column ${name} holds ${next - groupStart}`);
    const all = new Array<unknown>(rows);
    let i = 0;
    for (const p of list) for (let k = 0; k < p.data.length; k++) all[i++] = plain(p.data[k]);
    out.push([name, all]);
  }
  if (!keep) return { columns: out };
  // The scan's field test on each row's values: only rows that may pass go back.
  const byName = new Map(out);
  const data = keep.columns.map((c) => byName.get(c));
  const kept: number[] = [];
  let r = 0;
  const source: FieldSource = {
    kind: (c) => {
      const v = data[c]?.[r];
      if (!data[c]) return Raw.Unknown;
      if (v === null || v === undefined) return Raw.Null;
      if (typeof v === 'string') return Raw.String;
      if ((typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint') return Raw.Number;
      return Raw.Other;
    },
    text: (c) => String(data[c]![r]),
  };
  for (r = 0; r < rows; r++) if (keep.test(source)) kept.push(r);
  if (kept.length === rows) return { columns: out };
  return { columns: out.map(([name, all]) => [name, kept.map((k) => all[k])]), rows: kept };
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

const decoder = new TextDecoder();

export const PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (v: bigint) => isoFromNanos(BigInt(v) * 1_000_000n),
  timestampFromMicroseconds: (v: bigint) => isoFromNanos(BigInt(v) * 1_000n),
  timestampFromNanoseconds: (v: bigint) => isoFromNanos(BigInt(v)),
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
