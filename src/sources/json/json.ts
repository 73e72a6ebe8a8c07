/**
 * JSON lines and JSON documents: plain rows, Defender advanced-hunting API results
 * ({"Schema","Results"}), streaming-API messages ({"records":[...]}) and storage-account lines,
 * whose `category: AdvancedHunting-<Table>` routes each record to its table.
 *
 * Everything streams. JSON lines are read a line at a time. A JSON document (an array, or an
 * object wrapping a `Results` / `records` array) goes through a small scanner that cuts out one
 * array element at a time and parses only that (scan.ts), so memory stays bounded by the largest
 * record whatever the file size.
 */
import { type DataFile, type Reader, type ReadHints, type ReadStats, type SourceRecord, openBytes, readFailed, skip } from '../reader.js';
import { parseJsonExact } from './exact.js';
import { MAX_VALUE_CHARS, scanDocument } from './scan.js';

export const jsonReader: Reader = {
  name: 'json',
  claims: (name) => name.endsWith('.jsonl') || name.endsWith('.ndjson') || name.endsWith('.json'),
  read: readJson,
};

/** How much of a `.json` file's first line is looked at to tell JSON lines from one document. */
const PEEK_CHARS = 1 << 20;

async function* readJson(file: DataFile, stats: ReadStats, hints?: ReadHints): AsyncGenerator<SourceRecord> {
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
      const first = text.replace(/^\uFEFF/, '').trimStart();
      const nl = first.indexOf('\n');
      const firstLine = (nl < 0 ? first : first.slice(0, nl)).trim();
      if (firstLine === '') return;
      if (firstLine.length <= PEEK_CHARS && isJson(firstLine)) {
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
  for await (const [line, n] of lines(chunks, file.path, stats)) {
    const t = (n === 1 ? line.replace(/^\uFEFF/, '') : line).trim();
    if (t === '') continue;
    // The query's pre-filter: a line no row of which can pass is not parsed at all.
    if (keep && !keep(t)) continue;
    let v: unknown;
    try {
      v = parseJsonExact(t);
    } catch (e) {
      skip(stats, file.path, n, `not valid JSON (${(e as Error).message})`);
      continue;
    }
    const rows = rowsOf(v);
    if (!rows) {
      skip(stats, file.path, n, 'expected a JSON object');
      continue;
    }
    for (const r of rows) {
      if (r && typeof r === 'object' && !Array.isArray(r)) yield { ...unwrap(r), line: n };
      else skip(stats, file.path, n, 'expected a JSON object');
    }
  }
}

/** The rows one JSON value holds: an array's elements, a `records` or `Results` wrapper's, or the object itself. */
function rowsOf(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if (Array.isArray(o.records)) return o.records;
  if (Array.isArray(o.Results)) return o.Results;
  return [o];
}

/** Streaming-API records carry their columns under `properties` and their table in `category`. */
export function unwrap(r: unknown): { table?: string; rec: Record<string, unknown> } {
  const o = (r ?? {}) as Record<string, unknown>;
  if (o.properties && typeof o.properties === 'object' && typeof o.category === 'string') {
    const m = /^AdvancedHunting-(\w+)$/i.exec(o.category);
    return { table: m ? m[1] : undefined, rec: o.properties as Record<string, unknown> };
  }
  // Log Analytics exports name their table in `Type`.
  if (typeof o.Type === 'string' && /^[A-Z]\w+$/.test(o.Type) && 'TimeGenerated' in o) return { table: o.Type, rec: o };
  return { rec: o };
}
