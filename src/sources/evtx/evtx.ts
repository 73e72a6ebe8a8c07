/**
 * Windows XML Event Log (.evtx) files, streamed: the file header (4 KiB, "ElfFile\0"), then
 * 64 KiB chunks ("ElfChnk\0"), each holding records ("**\0\0", size, record id, written time,
 * BinXml, size again). Only one chunk is in memory at a time.
 *
 * Damage is survivable: a chunk slot that is all zeros is unused; a chunk with a bad magic, a
 * record with a bad header or BinXml that does not parse is reported through `onProblem` with
 * its byte offset in the file and skipped, and reading goes on with the next record (found by
 * scanning for the next valid record header) or chunk. Dirty headers are expected: chunks past
 * the header's chunk count are read too, and garbage slots after the last valid chunk (unused,
 * preallocated space) are not problems.
 */
import { ChunkBinXml } from './binxml.js';
import type { XmlElement } from './event.js';
import { filetime } from './values.js';

export const FILE_MAGIC = Buffer.from('ElfFile\0', 'latin1');
const CHUNK_MAGIC = Buffer.from('ElfChnk\0', 'latin1');
const CHUNK_SIZE = 0x10000;
const RECORD_MAGIC = 0x00002a2a;
const RECORD_MAGIC_BYTES = Buffer.from([0x2a, 0x2a, 0, 0]);
const RECORDS_START = 512;
const MIN_RECORD = 28;

export interface EvtxFileHeader {
  firstChunk: number;
  lastChunk: number;
  nextRecordId: number;
  majorVersion: number;
  minorVersion: number;
  headerBlockSize: number;
  chunkCount: number;
  flags: number;
  dirty: boolean;
  full: boolean;
  checksumOk: boolean;
}

export interface EvtxChunkInfo {
  index: number;
  /** Byte offset of the chunk in the file. */
  offset: number;
  firstRecordId: number;
  lastRecordId: number;
  headerChecksumOk: boolean;
  dataChecksumOk: boolean;
}

export interface EvtxRecord {
  recordId: number;
  /** When the record was written (the record header's FILETIME), ISO 8601 UTC. */
  written: string;
  /** Byte offset of the record in the file, and its size in bytes. */
  offset: number;
  size: number;
  chunk: number;
  xml: XmlElement;
}

export interface EvtxProblem {
  /** Byte offset in the file of the damaged chunk or record. */
  offset: number;
  chunk?: number;
  recordId?: number;
  /** How many records the problem lost, when known (1 unless it says otherwise). */
  records?: number;
  message: string;
}

export interface EvtxOptions {
  onHeader?: (h: EvtxFileHeader) => void;
  onChunk?: (c: EvtxChunkInfo) => void;
  /** A chunk or record that was skipped. */
  onProblem?: (p: EvtxProblem) => void;
}

/** Not an EVTX file at all (no header): the caller reports it as an input error. */
export class EvtxFormatError extends Error {}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function crc32(b: Uint8Array, crc = 0): number {
  let c = ~crc;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function u64(b: Buffer, p: number): number {
  return Number(b.readBigUInt64LE(p));
}

type Chunk = Buffer | Uint8Array | string;
/** A file's bytes: a stream (fs, gunzip) or buffers in hand. */
export type ByteSource = AsyncIterable<Chunk> | Iterable<Chunk>;

/** Hands out exact-size pieces of a byte stream. */
class Pieces {
  private queue: Buffer[] = [];
  private queued = 0;
  private done = false;
  private it: AsyncIterator<Chunk> | Iterator<Chunk>;

  constructor(source: ByteSource) {
    this.it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  }

  /** The next `n` bytes, or fewer at the end of the stream. */
  async take(n: number): Promise<Buffer> {
    while (this.queued < n && !this.done) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        break;
      }
      const b = typeof r.value === 'string' ? Buffer.from(r.value, 'latin1') : Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
      if (b.length) {
        this.queue.push(b);
        this.queued += b.length;
      }
    }
    const all = this.queue.length === 1 ? this.queue[0]! : Buffer.concat(this.queue);
    const out = all.subarray(0, Math.min(n, all.length));
    const rest = all.subarray(out.length);
    this.queue = rest.length ? [rest] : [];
    this.queued = rest.length;
    return out;
  }
}

export function parseFileHeader(b: Buffer): EvtxFileHeader {
  if (b.length === 0) throw new EvtxFormatError('the file is empty (expected an EVTX file header)');
  if (b.length < 8 || !b.subarray(0, 8).equals(FILE_MAGIC)) {
    throw new EvtxFormatError("not an EVTX file (expected the magic 'ElfFile\\0' at byte 0)");
  }
  if (b.length < 128) throw new EvtxFormatError(`the file ends inside its header (${b.length} of 4096 bytes)`);
  const flags = b.readUInt32LE(120);
  return {
    firstChunk: u64(b, 8),
    lastChunk: u64(b, 16),
    nextRecordId: u64(b, 24),
    minorVersion: b.readUInt16LE(36),
    majorVersion: b.readUInt16LE(38),
    headerBlockSize: b.readUInt16LE(40),
    chunkCount: b.readUInt16LE(42),
    flags,
    dirty: (flags & 1) !== 0,
    full: (flags & 2) !== 0,
    checksumOk: crc32(b.subarray(0, 120)) === b.readUInt32LE(124),
  };
}

/** The records of an EVTX byte stream, in file order. */
export async function* readEvtx(source: ByteSource, opts: EvtxOptions = {}): AsyncGenerator<EvtxRecord> {
  const pieces = new Pieces(source);
  const first = await pieces.take(4096);
  const header = parseFileHeader(first);
  opts.onHeader?.(header);
  // The header block is 4096 bytes in every version seen (the header's own size field says so too).
  const blockSize = 4096;
  if (first.length < blockSize) throw new EvtxFormatError(`the file ends inside its header (${first.length} of ${blockSize} bytes)`);

  const problem = (p: EvtxProblem) => opts.onProblem?.(p);
  // Garbage slots past the header's chunk count are reported only if a valid chunk follows them.
  let pendingGarbage: EvtxProblem[] = [];
  for (let index = 0; ; index++) {
    const chunk = await pieces.take(CHUNK_SIZE);
    if (chunk.length === 0) break;
    const offset = blockSize + index * CHUNK_SIZE;
    const magic = chunk.subarray(0, 8);
    if (!magic.equals(CHUNK_MAGIC)) {
      if (chunk.every((x) => x === 0)) continue; // an unused slot
      const why = magic.every((x) => x === 0) ? 'its header is zeroed but it holds data' : "it has no 'ElfChnk' magic";
      const p: EvtxProblem = { offset, chunk: index, message: `chunk ${index} is damaged (${why}); skipped` };
      // Past the header's count, a slot may be preallocated space with old bytes in it: reported
      // only if it holds EVTX structures (a shifted chunk, records) or a valid chunk follows it.
      if (index < header.chunkCount || chunk.indexOf(CHUNK_MAGIC) > 0 || chunk.indexOf(RECORD_MAGIC_BYTES) >= 0) problem(p);
      else pendingGarbage.push(p);
      continue;
    }
    for (const p of pendingGarbage) problem(p);
    pendingGarbage = [];
    if (chunk.length < CHUNK_SIZE) {
      problem({ offset, chunk: index, message: `the file ends inside chunk ${index} (${chunk.length} of ${CHUNK_SIZE} bytes); records past the end are lost` });
    }
    yield* readChunk(chunk, index, offset, opts, problem);
  }
}

function* readChunk(chunk: Buffer, index: number, offset: number, opts: EvtxOptions, problem: (p: EvtxProblem) => void): Generator<EvtxRecord> {
  if (chunk.length < RECORDS_START) {
    problem({ offset, chunk: index, message: `chunk ${index} is cut short before its first record; skipped` });
    return;
  }
  const freeSpace = chunk.readUInt32LE(48);
  let limit = freeSpace >= RECORDS_START && freeSpace <= CHUNK_SIZE ? freeSpace : CHUNK_SIZE;
  limit = Math.min(limit, chunk.length);
  const headerCrc = crc32(Buffer.concat([chunk.subarray(0, 120), chunk.subarray(128, 512)]));
  opts.onChunk?.({
    index,
    offset,
    firstRecordId: u64(chunk, 24),
    lastRecordId: u64(chunk, 32),
    headerChecksumOk: headerCrc === chunk.readUInt32LE(124),
    dataChecksumOk: crc32(chunk.subarray(RECORDS_START, limit)) === chunk.readUInt32LE(52),
  });

  const binxml = new ChunkBinXml(chunk);
  // Records whose id lies outside the chunk header's range are left over from another chunk (a
  // recovered or shadow-copied file mixes generations): their template offsets point into
  // someone else's templates, so they cannot be rendered faithfully.
  const firstId = u64(chunk, 24), lastId = u64(chunk, 32);
  const rangeKnown = firstId > 0 && firstId <= lastId;
  let foreign: { offset: number; first: number; last: number; count: number } | null = null;
  const flushForeign = () => {
    if (!foreign) return;
    const f = foreign;
    foreign = null;
    problem({
      offset: f.offset,
      chunk: index,
      recordId: f.first,
      records: f.count,
      message: `${f.count === 1 ? `record ${f.first} does` : `${f.count} records (ids ${f.first}..${f.last}) do`} not belong to chunk ${index} `
        + `(its records are ${firstId}..${lastId}): left over from another chunk; skipped`,
    });
  };
  const recordAt = (p: number): string | null => {
    if (p + 24 > limit) return 'record header runs past the used space of the chunk';
    if (chunk.readUInt32LE(p) !== RECORD_MAGIC) return "no record magic '**\\0\\0'";
    const size = chunk.readUInt32LE(p + 4);
    if (size < MIN_RECORD) return `invalid record data size ${size} (a record is at least ${MIN_RECORD} bytes)`;
    if (p + size > limit) return `record data size ${size} runs past the used space of the chunk`;
    const copy = chunk.readUInt32LE(p + size - 4);
    if (copy !== size) return `record size ${size} does not match its trailing copy ${copy}`;
    return null;
  };

  let p = RECORDS_START;
  while (p + MIN_RECORD <= limit) {
    const bad = recordAt(p);
    if (bad) {
      flushForeign();
      // Scan on for the next well-formed record header; what lies between is lost.
      let q = p + 1;
      while (q + MIN_RECORD <= limit && recordAt(q) !== null) q++;
      const found = q + MIN_RECORD <= limit;
      const recordId = p + 16 <= limit && chunk.readUInt32LE(p) === RECORD_MAGIC ? u64(chunk, p + 8) : undefined;
      problem({
        offset: offset + p,
        chunk: index,
        recordId,
        message: `${bad}; skipped ${found ? `${q - p} bytes to the next record` : `the rest of chunk ${index} (${limit - p} bytes)`}`,
      });
      if (!found) break;
      p = q;
      continue;
    }
    const size = chunk.readUInt32LE(p + 4);
    const recordId = u64(chunk, p + 8);
    if (rangeKnown && (recordId < firstId || recordId > lastId)) {
      if (foreign) {
        foreign.count++;
        foreign.last = recordId;
      } else {
        foreign = { offset: offset + p, first: recordId, last: recordId, count: 1 };
      }
      p += size;
      continue;
    }
    flushForeign();
    let written: string;
    let xml: XmlElement;
    try {
      written = filetime(chunk.readBigUInt64LE(p + 16));
      xml = binxml.renderRecord(p + 24, p + size - 4);
    } catch (e) {
      const at = (e as { offset?: number }).offset;
      const where = at !== undefined && at >= p && at < p + size ? ` at byte ${offset + at}` : '';
      problem({ offset: offset + p, chunk: index, recordId, message: `record ${recordId}: ${(e as Error).message}${where}; skipped` });
      p += size;
      continue;
    }
    yield { recordId, written, offset: offset + p, size, chunk: index, xml };
    p += size;
  }
  flushForeign();
}
