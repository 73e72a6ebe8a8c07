/**
 * JSON lines and JSON documents: plain rows, Defender advanced-hunting API results
 * ({"Schema","Results"}), streaming-API messages ({"records":[...]}) and storage-account lines,
 * whose `category: AdvancedHunting-<Table>` routes each record to its table.
 *
 * Everything streams. JSON lines of a plain file are cut on the bytes in blocks, on every core,
 * and a line is parsed only when the scan's field test may pass on it (lines.ts, parallel.ts);
 * the scans of one table in a query share one read of each file (shared-scan.ts). Gzipped JSON
 * lines are read a line at a time. A JSON document (an array, or an object wrapping a `Results` /
 * `records` array) goes through a small scanner that cuts out one array element at a time and
 * parses only that (scan.ts), so memory stays bounded by the largest record whatever the file size.
 */
import { type DataFile, type Reader, type ReadHints, type ReadStats, type SourceRecord, flatten, gather, openBytes, readFailed, skip } from '../reader.js';
import { promises as fs } from 'node:fs';
import { type FieldTest, fieldTestColumns } from '../field-filter.js';
import { trackBytes } from '../progress.js';
import { KEPT_BATCH, type SharedFile, dropShared, keepChars, newSharedFile, sharedColumns, worthSharing } from '../shared-scan.js';
import { parseLine, recordText, unwrap } from './line-records.js';
import { LineFields, MAX_LINE_BYTES, compileLineTest } from './lines.js';
import { scanGzipFile } from './gzip-scan.js';
import { prewarmScanWorkers, scanFile, scanOptions } from './parallel.js';
import { MAX_VALUE_CHARS, scanDocument } from './scan.js';

export const jsonReader: Reader = {
  name: 'json',
  claims: (name) => name.endsWith('.jsonl') || name.endsWith('.ndjson') || name.endsWith('.json'),
  read: (file, stats, hints) => flatten(readJsonBatches(file, stats, hints)),
  readBatches: readJsonBatches,
  // A large plain file is scanned on every core: its threads start now.
  prepare: (bytes, gzip) => {
    if (!gzip && bytes >= scanOptions.minBlocksForWorkers * scanOptions.blockBytes) prewarmScanWorkers();
  },
};

/** How much of a `.json` file's first line is looked at to tell JSON lines from one document. */
const PEEK_CHARS = 1 << 20;

/** JSON lines by their name go straight to the line scanner, in its arrays; anything else as read. */
function readJsonBatches(file: DataFile, stats: ReadStats, hints?: ReadHints): AsyncIterable<SourceRecord[]> {
  return /\.(jsonl|ndjson)$/i.test(file.path) ? fastJsonLines(file, stats, hints) : gather(readJson(file, stats, hints));
}

async function* readJson(file: DataFile, stats: ReadStats, hints?: ReadHints): AsyncGenerator<SourceRecord> {
  if (!file.gzip || !/\.json\.gz$/i.test(file.path)) {
    // JSON lines are cut and filtered on the bytes (lines.ts; a gzipped file as it is
    // decompressed); a document streams.
    let lines = !/\.json$/i.test(file.path);
    try {
      if (!lines) lines = await startsWithJsonLine(file.path);
    } catch (e) {
      readFailed(file, e);
    }
    if (lines) {
      yield* flatten(fastJsonLines(file, stats, hints));
      return;
    }
  }
  const input = openBytes(file);
  input.setEncoding('utf8');
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<string>;
  try {
    if (/\.json(\.gz)?$/i.test(file.path)) {
      // One document, or JSON lines under a .json name: the first line tells. A first line that
      // is a whole JSON value (short enough to look at) means lines; anything else, a document.
      const seen: string[] = [];
      let text = '';
      for (;;) {
        const nl = text.search(/\S/) < 0 ? -1 : text.indexOf('\n', text.search(/\S/));
        if (nl >= 0 || text.length > PEEK_CHARS) break;
        const r = await chunks.next();
        if (r.done) break;
        seen.push(r.value);
        text += r.value;
      }
      const replay = replayThen(seen, chunks);
      if (firstLineIsJson(text) === undefined) return;
      if (firstLineIsJson(text)) {
        yield* jsonLines(replay, file, stats, hints);
      } else {
        for await (const batch of scanDocument(replay, file.path, stats)) {
          for (const r of batch) yield { ...unwrap(r.value), line: r.line };
        }
      }
      return;
    }
    yield* jsonLines({ [Symbol.asyncIterator]: () => chunks }, file, stats, hints);
  } catch (e) {
    readFailed(file, e);
  } finally {
    input.destroy();
  }
}

/** Whether text that starts a .json file starts with a line that is a whole JSON value; undefined when it is blank. */
function firstLineIsJson(text: string): boolean | undefined {
  const first = text.replace(/^\uFEFF/, '').trimStart();
  const nl = first.indexOf('\n');
  const firstLine = (nl < 0 ? first : first.slice(0, nl)).trim();
  if (firstLine === '') return undefined;
  return firstLine.length <= PEEK_CHARS && isJson(firstLine);
}

/** The same test on a plain file's first bytes: true for JSON lines (or a blank file). */
async function startsWithJsonLine(path: string): Promise<boolean> {
  const fh = await fs.open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(PEEK_CHARS + (64 << 10));
    let filled = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, filled, buf.length - filled, null);
      filled += bytesRead;
      const text = buf.toString('utf8', 0, filled);
      const start = text.search(/\S/);
      if (bytesRead === 0 || filled === buf.length || (start >= 0 && text.indexOf('\n', start) >= 0)) {
        return firstLineIsJson(text) !== false;
      }
    }
  } finally {
    await fh.close();
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The chunks already read, then the rest of the stream. */
function replayThen(seen: string[], rest: AsyncIterator<string>): AsyncIterable<string> {
  return {
    async *[Symbol.asyncIterator]() {
      yield* seen;
      for (;;) {
        const r = await rest.next();
        if (r.done) return;
        yield r.value;
      }
    },
  };
}

/** Lines of text chunks, with their numbers; a line longer than MAX_VALUE_CHARS is skipped, not held. */
export async function* lines(chunks: AsyncIterable<string>, file: string, stats: ReadStats): AsyncGenerator<[string, number]> {
  let rest = '';
  let n = 0;
  let overlong = false;
  for await (const chunk of chunks) {
    let start = 0;
    let nl = chunk.indexOf('\n');
    while (nl >= 0) {
      n++;
      const line = rest === '' ? chunk.slice(start, nl) : rest + chunk.slice(start, nl);
      rest = '';
      if (overlong) {
        overlong = false;
        skip(stats, file, n, `line longer than ${MAX_VALUE_CHARS} characters`);
      } else yield [line, n];
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    if (!overlong) {
      rest += chunk.slice(start);
      if (rest.length > MAX_VALUE_CHARS) { overlong = true; rest = ''; }
    }
  }
  if (overlong) skip(stats, file, n + 1, `line longer than ${MAX_VALUE_CHARS} characters`);
  else if (rest !== '') yield [rest, n + 1];
}

async function* jsonLines(chunks: AsyncIterable<string>, file: DataFile, stats: ReadStats, hints?: ReadHints): AsyncGenerator<SourceRecord> {
  const keep = hints?.rawFilter;
  const test = hints?.fields ? lineTest(hints.fields) : undefined;
  for await (const [line, n] of lines(chunks, file.path, stats)) {
    const t = recordText(line);
    if (t === '') continue;
    // The query's pre-filters: a line no row of which can pass is not parsed at all.
    if (keep && !keep(t)) continue;
    if (test && t.charCodeAt(0) === 123 /* { */) {
      const b = Buffer.from(t);
      test.fields.reset(b);
      test.fields.line(0, b.length);
      if (!test.run()) continue;
    }
    yield* lineRecords(t, n, file, stats);
  }
}

function lineTest(t: FieldTest): { fields: LineFields; run: () => boolean } {
  const fields = new LineFields([...fieldTestColumns(t)]);
  return { fields, run: compileLineTest(t, fields) };
}

/** JSON lines cut and filtered on the bytes: a plain file on every core (lines.ts, parallel.ts), a gzipped one as it is decompressed (gzip-scan.ts). */
async function* fastJsonLines(file: DataFile, stats: ReadStats, hints?: ReadHints): AsyncGenerator<SourceRecord[]> {
  const keep = hints?.fields ? undefined : hints?.rawFilter;
  const shared = hints?.shared;
  const member = hints?.member;
  const entry = shared && member !== undefined ? shared.files.get(file.path) : undefined;
  /** The records of lines [from, to) whose masks have `bit`. */
  const records = (lines: string[], numbers: number[], masks: number[] | undefined, bit: number, from = 0, to = lines.length): SourceRecord[] => {
    const out: SourceRecord[] = [];
    for (let i = from; i < to; i++) {
      if (masks && !(masks[i]! & bit)) continue;
      const n = numbers[i]!;
      const t = recordText(lines[i]!);
      if (t === '') continue;
      if (keep && !keep(t)) continue;
      for (const r of lineRecords(t, n, file, stats)) out.push(r);
    }
    return out;
  };
  /** Copies of the parsed records [from, to) whose lines' masks have `bit` (each member gets its own objects). */
  const parsed = (all: SourceRecord[], masks: number[], bit: number, from = 0, to = all.length): SourceRecord[] => {
    const out: SourceRecord[] = [];
    for (let i = from; i < to; i++) {
      if (masks[i]! & bit) out.push({ ...all[i]!, rec: { ...all[i]!.rec } });
    }
    return out;
  };
  // Another scan of this query read the file already, testing for this one too: its lines or
  // records a few thousand at a time.
  if (entry?.state === 'complete' && member! < entry.members) {
    for (const n of entry.overlong) skip(stats, file.path, n, `line longer than ${MAX_LINE_BYTES} bytes`);
    const all = entry.records ?? entry.lines;
    for (let from = 0; from < all.length; from += KEPT_BATCH) {
      const to = Math.min(all.length, from + KEPT_BATCH);
      const out = entry.records
        ? parsed(entry.records, entry.masks, 1 << member!, from, to)
        : records(entry.lines, entry.numbers, entry.masks, 1 << member!, from, to);
      if (out.length) yield out;
    }
    return;
  }
  // The first scan to read it: test for every scan, keep what they may take (this one too: a
  // scan of a `let` used twice reads twice).
  const mine: SharedFile | undefined = shared && member !== undefined && !entry && worthSharing(shared) ? newSharedFile(shared) : undefined;
  if (mine) shared!.files.set(file.path, mine);
  const tests = mine ? shared!.tests : [hints?.fields];
  const bit = mine ? 1 << member! : 1;
  // Known columns (of every scan a shared read serves): the scan threads parse the lines too,
  // and a shared read keeps records.
  const project = keep || file.gzip ? undefined : mine ? sharedColumns(shared!) : hints?.columns && [...hints.columns];
  if (mine && project) mine.records = [];
  const progress = { bytesRead: 0 };
  trackBytes(file.path, progress);
  let done = false;
  try {
    for await (const block of file.gzip ? scanGzipFile(file.path, tests) : scanFile(file.path, tests, project)) {
      progress.bytesRead += block.bytes;
      for (const n of block.overlong) skip(stats, file.path, n, `line longer than ${MAX_LINE_BYTES} bytes`);
      if (block.records) {
        for (const p of block.problems!) skip(stats, file.path, p.line, p.message);
        if (!mine) {
          if (block.records.length) yield block.records;
          continue;
        }
        if (mine.state === 'reading') {
          mine.overlong.push(...block.overlong);
          for (let i = 0; i < block.records.length; i++) {
            mine.records!.push(block.records[i]!);
            mine.masks.push(block.recordMasks![i]!);
          }
          keepChars(shared!, mine, block.chars!, progress.bytesRead);
        }
        const out = parsed(block.records, block.recordMasks!, bit);
        if (out.length) yield out;
        continue;
      }
      if (mine && mine.state === 'reading') {
        mine.overlong.push(...block.overlong);
        const { lines, numbers, masks } = block;
        let chars = 0;
        for (let i = 0; i < lines.length; i++) {
          mine.lines.push(lines[i]!);
          mine.numbers.push(numbers[i]!);
          mine.masks.push(masks[i]!);
          chars += lines[i]!.length;
        }
        keepChars(shared!, mine, chars, progress.bytesRead);
      }
      const out = records(block.lines, block.numbers, mine ? block.masks : undefined, bit);
      if (out.length) yield out;
    }
    done = true;
  } catch (e) {
    readFailed(file, e);
  } finally {
    if (mine && mine.state === 'reading') {
      if (done) mine.state = 'complete';
      else dropShared(shared!, mine);
    }
  }
}

/** The records of one line's text. */
function lineRecords(t: string, n: number, file: DataFile, stats: ReadStats): SourceRecord[] {
  const { records, problems } = parseLine(t);
  for (const p of problems) skip(stats, file.path, n, p);
  return records.map((r) => ({ ...r, line: n }));
}
