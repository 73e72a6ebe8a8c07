/**
 * CSV and TSV of a plain file, read in large blocks and cut on the bytes: the same records as
 * the line-by-line reader (`csvRecords` in csv.ts) gives, field for field, but fields are decoded
 * only for the columns the scan reads, and not at all for a record the scan's field test rejects
 * (sources/field-filter.ts: an empty field is null, one of digits an integer, the rest text).
 *
 * The rules are csv.ts's: a line ends at \n, \r\n or a lone \r; a quote opens quoting only where
 * the field so far is empty; inside quotes "" is one quote and a line break is \n; an empty line
 * outside quotes is skipped; the first record is the header (its first name loses a BOM, every
 * name is trimmed); a record with another number of fields than the header is skipped, and so is
 * a quoted field still open at the end of the file, each with a warning.
 */
import { promises as fs } from 'node:fs';
import { type CompiledFieldTest, type FieldSource, Raw } from '../field-filter.js';
import { trackBytes } from '../progress.js';
import { type DataFile, type ReadStats, type SourceRecord, skip } from '../reader.js';

/** Bytes read at a time (tests make it small, to cut records anywhere). */
export const csvOptions = { blockBytes: 4 << 20 };
/** The largest record held; a longer one fails the read (csv.ts would hold it whole). */
const MAX_RECORD = 256 << 20;
const DIGITS = /^-?\d+$/;
const QUOTE = 34, LF = 10, CR = 13;

/** Records of a plain CSV file, a block at a time. */
export async function* fastCsvRecords(
  file: DataFile, stats: ReadStats, sep: number, columns: ReadonlySet<string> | undefined, test: CompiledFieldTest | undefined,
): AsyncGenerator<SourceRecord[]> {
  const fh = await fs.open(file.path, 'r');
  const progress = { bytesRead: 0 };
  trackBytes(file.path, progress);
  let buf = Buffer.allocUnsafeSlow(csvOptions.blockBytes);
  let len = 0;
  let eof = false;
  /** Field spans of the current record in buf; quoted fields are decoded by csv.ts's rules. */
  let starts = new Int32Array(128);
  let ends = new Int32Array(128);
  let quoted = new Uint8Array(128);
  const decoded: (string | undefined)[] = [];
  const field = (k: number): string => {
    let s = decoded[k];
    if (s === undefined) {
      s = buf.toString('utf8', starts[k]!, ends[k]!);
      if (quoted[k]) s = unquote(s);
      decoded[k] = s;
    }
    return s;
  };
  let testAt: number[] = [];
  const source: FieldSource = {
    kind(c) {
      const k = testAt[c]!;
      if (k < 0) return Raw.Unknown;
      const s = field(k);
      return s === '' ? Raw.Null : DIGITS.test(s) ? Raw.Number : Raw.String;
    },
    text: (c) => field(testAt[c]!),
  };
  let header: string[] | undefined;
  let wanted: number[] = [];
  let line = 1; // the line the next record starts on
  let p = 0;
  try {
    for (;;) {
      if (!eof) {
        // Keep what is left (an unfinished record) at the front, then read on.
        if (p > 0) {
          buf.copy(buf, 0, p, len);
          len -= p;
          p = 0;
        }
        if (len === buf.length) {
          if (buf.length >= MAX_RECORD) throw new Error(`a record longer than ${MAX_RECORD} bytes`);
          const bigger = Buffer.allocUnsafeSlow(buf.length * 2);
          buf.copy(bigger, 0, 0, len);
          buf = bigger;
        }
        const { bytesRead } = await fh.read(buf, len, buf.length - len, null);
        progress.bytesRead += bytesRead;
        len += bytesRead;
        eof = bytesRead === 0;
      }
      const out: SourceRecord[] = [];
      // Records wholly in the buffer; at the end of the file, the rest.
      records: while (p < len) {
        const b = buf;
        let i = p;
        // An empty line outside quotes.
        if (b[i] === LF || b[i] === CR) {
          if (b[i] === CR && i + 1 >= len && !eof) break; // \r\n cut in two: read on
          i += b[i] === CR && i + 1 < len && b[i + 1] === LF ? 2 : 1;
          line++;
          p = i;
          continue;
        }
        let n = 0;
        let breaks = 0;
        for (;;) {
          if (n === starts.length) {
            starts = grow32(starts);
            ends = grow32(ends);
            const q = new Uint8Array(quoted.length * 2);
            q.set(quoted);
            quoted = q;
          }
          const from = i;
          let x = b[i];
          if (x === QUOTE) {
            // csv.ts's rules: "" inside quotes is a quote; after the quotes close, the field
            // runs on to the separator, and a quote opens quoting again only if it is still empty.
            let inQuotes = true;
            let empty = true;
            i++;
            for (;;) {
              if (i >= len) {
                if (!eof) break records; // the record goes on in the next read
                break;
              }
              x = b[i]!;
              if (inQuotes) {
                if (x === QUOTE) {
                  if (i + 1 >= len && !eof) break records;
                  if (i + 1 < len && b[i + 1] === QUOTE) { empty = false; i += 2; continue; }
                  inQuotes = false;
                  i++;
                  continue;
                }
                if (x === LF || x === CR) {
                  if (x === CR && i + 1 >= len && !eof) break records;
                  i += x === CR && i + 1 < len && b[i + 1] === LF ? 2 : 1;
                  breaks++;
                  empty = false;
                  continue;
                }
                empty = false;
                i++;
                continue;
              }
              if (x === sep || x === LF || x === CR) break;
              if (x === QUOTE && empty) inQuotes = true;
              else empty = false;
              i++;
            }
            if (inQuotes) {
              // Open at the end of the file: csv.ts drops the record with a warning.
              skip(stats, file.path, line, 'unterminated quoted field at end of file');
              p = len;
              line += breaks;
              break records;
            }
            starts[n] = from;
            ends[n] = i;
            quoted[n] = 1;
          } else {
            while (i < len) {
              x = b[i]!;
              if (x === sep || x === LF || x === CR) break;
              i++;
            }
            if (i >= len && !eof) break records;
            starts[n] = from;
            ends[n] = i;
            quoted[n] = 0;
          }
          n++;
          if (i >= len) break; // the end of the file ends the record
          if (b[i] === sep) {
            i++;
            if (i >= len && !eof) break records;
            if (i >= len) { starts[n] = ends[n] = i; quoted[n] = 0; n++; break; } // "a," at the very end: an empty last field
            continue;
          }
          if (b[i] === CR && i + 1 >= len && !eof) break records;
          i += b[i] === CR && i + 1 < len && b[i + 1] === LF ? 2 : 1;
          breaks++;
          break;
        }
        const startLine = line;
        line += breaks;
        p = i;
        decoded.length = 0;
        if (!header) {
          header = [];
          for (let k = 0; k < n; k++) header.push((k === 0 ? field(k).replace(/^\uFEFF/, '') : field(k)).trim());
          const index = new Map(header.map((h, k) => [h, k]));
          wanted = header.map((_, k) => k).filter((k) => !columns || columns.has(header![k]!));
          testAt = test ? test.columns.map((c) => index.get(c) ?? -1) : [];
          continue;
        }
        if (n !== header.length) {
          skip(stats, file.path, startLine, `expected ${header.length} fields, found ${n}`);
          continue;
        }
        if (test && !test.test(source)) continue;
        const rec: Record<string, unknown> = {};
        for (const k of wanted) rec[header[k]!] = field(k);
        out.push({ rec, line: startLine });
      }
      if (out.length) yield out;
      if (eof) break;
    }
  } finally {
    await fh.close();
  }
}

function grow32(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/** A field that starts with a quote, as csv.ts builds it character by character. */
function unquote(raw: string): string {
  let out = '';
  let inQuotes = false;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (inQuotes) {
      if (ch === '"') {
        if (raw[i + 1] === '"') { out += '"'; i++; } else inQuotes = false;
      } else if (ch === '\r' || ch === '\n') {
        if (ch === '\r' && raw[i + 1] === '\n') i++;
        out += '\n';
      } else out += ch;
    } else if (ch === '"' && out === '') inQuotes = true;
    else out += ch;
  }
  return out;
}
