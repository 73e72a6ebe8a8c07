/**
 * Flat Parquet columns decoded here, not by `hyparquet`: a top-level column that is neither
 * nested nor repeated (every Defender column), with PLAIN or dictionary pages. hyparquet decodes
 * any column through its general Dremel assembly, one JS value per row and per page; a flat
 * column needs none of that, and a dictionary-encoded one can stay as codes into its dictionary,
 * so a field test runs once per distinct value rather than once per row (decode.ts).
 *
 * Values come out in the forms decode.ts's `plain` gives hyparquet's (strings, numbers, bigint
 * past 2^53, booleans, timestamps and dates through the same parsers). Anything else (another
 * encoding, type or annotation, a codec without a decompressor) throws `Unsupported` and the
 * column goes to hyparquet, as does a column whose pages do not add up: every read is bounded by
 * the page it belongs to, and a damaged page throws rather than reads past it.
 */
import type { ColumnMetaData, Compressors, ParquetParsers, SchemaElement } from 'hyparquet';
import type { IntegerTimes } from '../field-filter.js';

/** How pages are decompressed: hyparquet's snappy, and the other codecs' decoders when loaded. */
export interface Codecs {
  snappy(input: Uint8Array, output: Uint8Array): void;
  compressors?: Compressors;
}

/** A column this decoder does not handle: hyparquet decodes it instead. */
export class Unsupported extends Error {}

/** A decoded column: for each row, an index into `values`, or -1 for null. */
export interface FlatColumn {
  codes: Int32Array;
  /** The dictionary's values, then those of plain pages, in plain forms (times: see `time`). */
  values: unknown[];
  /**
   * A timestamp column keeps its values as integers: rows a test rejects are never formatted,
   * and a time test compares the integers (field-filter.ts).
   */
  time?: IntegerTimes;
}

type Form = 'string' | 'int32' | 'uint32' | 'int64' | 'float32' | 'float64' | 'boolean' | 'date' | 'ts-ms' | 'ts-us' | 'ts-ns';

/**
 * How a column's values are converted, in the order hyparquet's `convert` decides it (so an
 * element with several annotations converts the same), or undefined when this decoder leaves it.
 */
export function formOf(element: SchemaElement): Form | undefined {
  const { type, converted_type: ctype, logical_type: ltype } = element;
  if (element.num_children || element.repetition_type === 'REPEATED') return undefined;
  if (ctype === 'DECIMAL' || type === 'INT96' || type === 'FIXED_LEN_BYTE_ARRAY') return undefined;
  if (ctype === 'DATE') return type === 'INT32' ? 'date' : undefined;
  if (ctype === 'TIMESTAMP_MILLIS') return type === 'INT64' ? 'ts-ms' : undefined;
  if (ctype === 'TIMESTAMP_MICROS') return type === 'INT64' ? 'ts-us' : undefined;
  if (ctype === 'BSON' || ctype === 'INTERVAL') return undefined;
  const lt = ltype?.type;
  if (lt === 'GEOMETRY' || lt === 'GEOGRAPHY' || lt === 'UUID' || lt === 'VARIANT' || lt === 'FLOAT16') return undefined;
  if (ctype === 'JSON' || ctype === 'UTF8' || lt === 'STRING' || type === 'BYTE_ARRAY') return type === 'BYTE_ARRAY' ? 'string' : undefined;
  const integer = ltype?.type === 'INTEGER' ? ltype : undefined;
  if (ctype === 'UINT_64' || (integer && integer.bitWidth === 64 && !integer.isSigned)) return undefined;
  if (ctype === 'UINT_32' || (integer && integer.bitWidth === 32 && !integer.isSigned)) return type === 'INT32' ? 'uint32' : undefined;
  if (ltype?.type === 'TIMESTAMP') {
    if (type !== 'INT64') return undefined;
    return ltype.unit === 'MICROS' ? 'ts-us' : ltype.unit === 'NANOS' ? 'ts-ns' : 'ts-ms';
  }
  switch (type) {
    case 'INT32': return 'int32';
    case 'INT64': return 'int64';
    case 'FLOAT': return 'float32';
    case 'DOUBLE': return 'float64';
    case 'BOOLEAN': return 'boolean';
    default: return undefined;
  }
}

/** The byte range of a column chunk in its file (the dictionary page first, when there is one). */
export function chunkRange(meta: ColumnMetaData): [number, number] {
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  return [start, start + Number(meta.total_compressed_size)];
}

// ---------------------------------------------------------------------------------------------
// Reading bytes, bounded

class Bytes {
  readonly view: DataView;
  constructor(readonly b: Uint8Array, public at = 0, readonly end = b.length) {
    if (at < 0 || at > end || end > b.length) throw new Error(`parquet page: bytes ${at}-${end} of ${b.length}`);
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  need(n: number): number {
    const at = this.at;
    if (n < 0 || at + n > this.end) throw new Error(`parquet page: ${n} bytes wanted at ${at}, ${this.end - at} left`);
    this.at = at + n;
    return at;
  }
  byte(): number {
    return this.b[this.need(1)]!;
  }
  varint(): number {
    let v = 0, scale = 1;
    for (let i = 0; i < 10; i++) {
      const x = this.byte();
      v += (x & 0x7f) * scale;
      if (x < 0x80) return v;
      scale *= 128;
    }
    throw new Error('parquet page: varint too long');
  }
  zigzag(): number {
    const v = this.varint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }
}

// ---------------------------------------------------------------------------------------------
// Page headers: the Thrift compact protocol, the fields this decoder reads, the rest skipped

const enum T { Stop = 0, True = 1, False = 2, Byte = 3, I16 = 4, I32 = 5, I64 = 6, Double = 7, Binary = 8, List = 9, Set = 10, Map = 11, Struct = 12 }

interface PageHeader {
  type: number;
  uncompressed: number;
  compressed: number;
  /** Values, nulls included; nulls (V2 only: -1 when not told). */
  values: number;
  nulls: number;
  encoding: number;
  defEncoding: number;
  defBytes: number;
  repBytes: number;
  compressedValues: boolean;
}

const DATA_PAGE = 0, DICTIONARY_PAGE = 2, DATA_PAGE_V2 = 3;
const PLAIN = 0, PLAIN_DICTIONARY = 2, RLE = 3, RLE_DICTIONARY = 8;

function skipValue(r: Bytes, type: number, depth: number): void {
  if (depth > 32) throw new Error('parquet page header: nested too deep');
  switch (type) {
    case T.True: case T.False: return;
    case T.Byte: r.need(1); return;
    case T.I16: case T.I32: case T.I64: r.varint(); return;
    case T.Double: r.need(8); return;
    case T.Binary: r.need(r.varint()); return;
    case T.List: case T.Set: {
      const h = r.byte();
      const n = h >> 4 === 15 ? r.varint() : h >> 4;
      for (let i = 0; i < n; i++) (h & 15) === T.True || (h & 15) === T.False ? r.need(1) : skipValue(r, h & 15, depth + 1);
      return;
    }
    case T.Map: {
      const n = r.varint();
      if (n === 0) return;
      const kv = r.byte();
      for (let i = 0; i < n; i++) { skipValue(r, kv >> 4, depth + 1); skipValue(r, kv & 15, depth + 1); }
      return;
    }
    case T.Struct: readStruct(r, depth + 1, () => false); return;
    default: throw new Error(`parquet page header: unknown field type ${type}`);
  }
}

/** Reads a struct's fields: `field` reads the ones it knows (returning true), the rest are skipped. */
function readStruct(r: Bytes, depth: number, field: (id: number, type: number) => boolean): void {
  let id = 0;
  for (;;) {
    const h = r.byte();
    const type = h & 15;
    if (type === T.Stop) return;
    id = h >> 4 ? id + (h >> 4) : r.zigzag();
    if (!field(id, type)) skipValue(r, type, depth);
  }
}

function readPageHeader(r: Bytes): PageHeader {
  const h: PageHeader = { type: -1, uncompressed: -1, compressed: -1, values: -1, nulls: -1, encoding: -1, defEncoding: RLE, defBytes: 0, repBytes: 0, compressedValues: true };
  const i32 = (type: number): number => {
    if (type !== T.I32) throw new Error('parquet page header: a field of the wrong type');
    return r.zigzag();
  };
  readStruct(r, 0, (id, type) => {
    switch (id) {
      case 1: h.type = i32(type); return true;
      case 2: h.uncompressed = i32(type); return true;
      case 3: h.compressed = i32(type); return true;
      case 5: // DataPageHeader
      case 7: // DictionaryPageHeader: the same first two fields
        if (type !== T.Struct) return false;
        readStruct(r, 1, (f, t) => {
          if (f === 1) h.values = i32(t);
          else if (f === 2) h.encoding = i32(t);
          else if (f === 3 && id === 5) h.defEncoding = i32(t);
          else return false;
          return true;
        });
        return true;
      case 8: // DataPageHeaderV2
        if (type !== T.Struct) return false;
        readStruct(r, 1, (f, t) => {
          switch (f) {
            case 1: h.values = i32(t); return true;
            case 2: h.nulls = i32(t); return true;
            case 4: h.encoding = i32(t); return true;
            case 5: h.defBytes = i32(t); return true;
            case 6: h.repBytes = i32(t); return true;
            case 7: if (t !== T.True && t !== T.False) return false; h.compressedValues = t === T.True; return true;
            default: return false;
          }
        });
        return true;
      default: return false;
    }
  });
  if (h.compressed < 0 || h.uncompressed < 0) throw new Error('parquet page header without its sizes');
  return h;
}

// ---------------------------------------------------------------------------------------------
// The RLE / bit-packed hybrid (definition levels, dictionary codes)

/** Reads `n` values of `width` bits into `out` from `at`, from runs that end at `r.end`. */
function readHybrid(r: Bytes, width: number, n: number, out: Int32Array, at: number): void {
  if (width > 32) throw new Error(`parquet page: bit width ${width}`);
  const b = r.b;
  const bytesPerValue = (width + 7) >> 3;
  const mask = width >= 32 ? -1 : (1 << width) - 1;
  let seen = 0;
  while (seen < n) {
    const header = r.varint();
    const runs = Math.floor(header / 2);
    if (runs === 0) throw new Error('parquet page: an empty run');
    if (header % 2 === 0) {
      // A value repeated.
      const count = Math.min(runs, n - seen);
      let v = 0;
      const s = r.need(bytesPerValue);
      for (let i = 0; i < bytesPerValue; i++) v += b[s + i]! * 2 ** (8 * i);
      out.fill(v | 0, at + seen, at + seen + count);
      seen += count;
      continue;
    }
    // Groups of 8 values bit-packed, least significant bit first.
    const count = Math.min(runs * 8, n - seen);
    let bit = r.need(runs * width) * 8;
    const o = at + seen;
    for (let i = 0; i < count; i++, bit += width) {
      const p = bit >> 3, off = bit & 7;
      if (width + off <= 32 && p + 3 < b.length) {
        out[o + i] = ((b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> off) & mask;
        continue;
      }
      let v = 0;
      for (let got = 0, q = bit; got < width;) {
        const take = Math.min(8 - (q & 7), width - got);
        v += ((b[q >> 3]! >> (q & 7)) & ((1 << take) - 1)) * 2 ** got;
        got += take;
        q += take;
      }
      out[o + i] = v | 0;
    }
    seen += count;
  }
}

// ---------------------------------------------------------------------------------------------
// Values

const decoder = new TextDecoder();
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** The plain form of an INT64 at `s`: a number when safe, else a bigint. */
function int64(view: DataView, s: number): number | bigint {
  const lo = view.getUint32(s, true);
  const hi = view.getInt32(s + 4, true);
  const n = hi * 4294967296 + lo;
  if (hi >= -2097152 && hi < 2097152 && n >= -MAX_SAFE && n <= MAX_SAFE) return n;
  return view.getBigInt64(s, true);
}

/** Reads `n` PLAIN values in the column's form onto `out`. */
function readValues(r: Bytes, form: Form, n: number, out: unknown[], parsers: Partial<ParquetParsers>): void {
  const { b, view } = r;
  switch (form) {
    case 'string': {
      const text = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
      for (let i = 0; i < n; i++) {
        const len = view.getUint32(r.need(4), true);
        const s = r.need(len);
        // Buffer's UTF-8 decoding is TextDecoder's (hyparquet's), but for a leading byte order
        // mark, which TextDecoder drops; and twice as fast.
        out.push(b[s] === 0xef && b[s + 1] === 0xbb && b[s + 2] === 0xbf ? decoder.decode(b.subarray(s, s + len)) : text.toString('utf8', s, s + len));
      }
      return;
    }
    case 'int32': case 'uint32': case 'date': {
      const s = r.need(4 * n);
      for (let i = 0; i < n; i++) {
        const v = view.getInt32(s + 4 * i, true);
        out.push(form === 'int32' ? v : form === 'uint32' ? (v < 0 ? v + 4294967296 : v) : parsers.dateFromDays!(v));
      }
      return;
    }
    case 'int64': case 'ts-ms': case 'ts-us': case 'ts-ns': {
      const s = r.need(8 * n);
      // Times stay integers (FlatColumn.time).
      for (let i = 0; i < n; i++) out.push(int64(view, s + 8 * i));
      return;
    }
    case 'float32': {
      const s = r.need(4 * n);
      for (let i = 0; i < n; i++) out.push(view.getFloat32(s + 4 * i, true));
      return;
    }
    case 'float64': {
      const s = r.need(8 * n);
      for (let i = 0; i < n; i++) out.push(view.getFloat64(s + 8 * i, true));
      return;
    }
    case 'boolean': {
      const s = r.need(Math.ceil(n / 8));
      for (let i = 0; i < n; i++) out.push(((b[s + (i >> 3)]! >> (i & 7)) & 1) === 1);
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Pages

let scratch = new Uint8Array(1 << 20);

function decompress(data: Uint8Array, size: number, codec: string, codecs: Codecs): Uint8Array {
  let page: Uint8Array;
  const custom = codecs.compressors?.[codec as keyof Compressors];
  if (codec === 'UNCOMPRESSED') page = data;
  else if (custom) page = custom(data, size);
  else if (codec === 'SNAPPY') {
    // Pages are decoded before the next is read (values are copied out), so one buffer serves all.
    if (scratch.length < size) scratch = new Uint8Array(Math.max(size, 2 * scratch.length));
    page = scratch.subarray(0, size);
    codecs.snappy(data, page);
  } else throw new Unsupported(`codec ${codec}`);
  if (page.length !== size) throw new Error(`parquet page: ${page.length} bytes decompressed, the header says ${size}`);
  return page;
}

/**
 * Decodes a flat column chunk (`chunk`: its bytes, from `chunkRange`) of `rows` rows. Throws
 * `Unsupported` for what hyparquet should decode instead, and an Error on a damaged chunk.
 */
export function decodeFlatColumn(
  chunk: Uint8Array, element: SchemaElement, meta: ColumnMetaData, rows: number, parsers: Partial<ParquetParsers>, codecs: Codecs,
): FlatColumn {
  const form = formOf(element);
  if (!form) throw new Unsupported(`column ${element.name}`);
  const optional = element.repetition_type !== 'REQUIRED';
  const codes = new Int32Array(rows);
  const values: unknown[] = [];
  let dictionary = -1; // values[0, dictionary) are the dictionary's
  let row = 0;
  const r = new Bytes(chunk);
  const defs = optional ? new Int32Array(rows) : undefined;
  while (row < rows) {
    if (r.at >= r.end) throw new Error(`parquet column ${element.name}: ${row} of ${rows} rows in its pages`);
    const h = readPageHeader(r);
    const body = r.need(h.compressed);
    const raw = chunk.subarray(body, body + h.compressed);
    if (h.type === DICTIONARY_PAGE) {
      if (dictionary >= 0 || values.length > 0) throw new Unsupported('a second dictionary');
      if (h.encoding !== PLAIN && h.encoding !== PLAIN_DICTIONARY) throw new Unsupported(`dictionary encoding ${h.encoding}`);
      if (h.values < 0 || h.values > h.uncompressed) throw new Error(`parquet column ${element.name}: a dictionary of ${h.values} values`);
      const page = decompress(raw, h.uncompressed, meta.codec, codecs);
      readValues(new Bytes(page), form, h.values, values, parsers);
      dictionary = values.length;
      continue;
    }
    if (h.type !== DATA_PAGE && h.type !== DATA_PAGE_V2) continue; // an index page
    const n = h.values;
    if (n < 0 || n > rows - row) throw new Error(`parquet column ${element.name}: a page of ${n} values past the chunk's ${rows} rows`);
    let page: Bytes;
    let present = n;
    if (h.type === DATA_PAGE) {
      page = new Bytes(decompress(raw, h.uncompressed, meta.codec, codecs));
      if (optional) {
        if (h.defEncoding !== RLE) throw new Unsupported(`definition level encoding ${h.defEncoding}`);
        const len = page.view.getUint32(page.need(4), true);
        const levels = new Bytes(page.b, page.need(len), page.at);
        readHybrid(levels, 1, n, defs!, 0);
      }
    } else {
      if (h.repBytes !== 0) throw new Unsupported('repetition levels');
      if (optional) readHybrid(new Bytes(raw, 0, h.defBytes), 1, n, defs!, 0);
      else if (h.defBytes !== 0) throw new Error(`parquet column ${element.name}: definition levels on a required column`);
      const rest = raw.subarray(h.defBytes);
      const size = h.uncompressed - h.defBytes;
      page = new Bytes(h.compressedValues && size > 0 ? decompress(rest, size, meta.codec, codecs) : rest);
    }
    if (optional) {
      present = 0;
      for (let i = 0; i < n; i++) {
        const d = defs![i]!;
        if (d > 1) throw new Error(`parquet column ${element.name}: definition level ${d}`);
        present += d;
      }
    }
    const target = codes.subarray(row, row + n);
    if (h.encoding === PLAIN_DICTIONARY || h.encoding === RLE_DICTIONARY) {
      if (dictionary < 0) throw new Error(`parquet column ${element.name}: dictionary codes without a dictionary`);
      const width = page.byte();
      const got = new Int32Array(present);
      readHybrid(page, width, present, got, 0);
      for (let i = 0; i < present; i++) if (got[i]! < 0 || got[i]! >= dictionary) throw new Error(`parquet column ${element.name}: dictionary code ${got[i]} of ${dictionary}`);
      spread(target, got, optional ? defs : undefined);
    } else if (h.encoding === PLAIN) {
      const base = values.length;
      readValues(page, form, present, values, parsers);
      const got = new Int32Array(present);
      for (let i = 0; i < present; i++) got[i] = base + i;
      spread(target, got, optional ? defs : undefined);
    } else if (h.encoding === RLE && form === 'boolean') {
      // Booleans run-length encoded (a V2 page's): a length, then 1-bit runs.
      const len = page.view.getUint32(page.need(4), true);
      const bits = new Int32Array(present);
      readHybrid(new Bytes(page.b, page.need(len), page.at), 1, present, bits, 0);
      const base = values.length;
      const got = new Int32Array(present);
      for (let i = 0; i < present; i++) {
        values.push(bits[i] === 1);
        got[i] = base + i;
      }
      spread(target, got, optional ? defs : undefined);
    } else throw new Unsupported(`encoding ${h.encoding}`);
    row += n;
  }
  return { codes, values, time: timeOf(form, parsers) };
}

/** How a timestamp column's integers read (undefined: the column is not one). */
function timeOf(form: Form, parsers: Partial<ParquetParsers>): FlatColumn['time'] {
  // The parsers take a number or a bigint alike (decode.ts).
  const parse = form === 'ts-ms' ? parsers.timestampFromMilliseconds : form === 'ts-us' ? parsers.timestampFromMicroseconds : form === 'ts-ns' ? parsers.timestampFromNanoseconds : undefined;
  if (!parse) return undefined;
  return { ticks: form === 'ts-ms' ? 10_000 : form === 'ts-us' ? 10 : 0.01, plain: (v) => parse(v as bigint) };
}

/** Writes the codes of present values to `target`, -1 where the definition level says null. */
function spread(target: Int32Array, got: Int32Array, defs: Int32Array | undefined): void {
  if (!defs) {
    target.set(got);
    return;
  }
  let k = 0;
  for (let i = 0; i < target.length; i++) target[i] = defs[i] ? got[k++]! : -1;
}
