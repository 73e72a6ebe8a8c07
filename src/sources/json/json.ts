/**
 * JSON lines and JSON documents: plain rows, Defender advanced-hunting API results
 * ({"Schema","Results"}), streaming-API messages ({"records":[...]}) and storage-account lines,
 * whose `category: AdvancedHunting-<Table>` routes each record to its table.
 */
import { createInterface } from 'node:readline';
import { facts } from '../../diagnostics/facts.js';
import { type DataFile, type Reader, type ReadStats, type SourceRecord, openBytes, readFailed, skip } from '../reader.js';

export const jsonReader: Reader = {
  name: 'json',
  claims: (name) => name.endsWith('.jsonl') || name.endsWith('.ndjson') || name.endsWith('.json'),
  read: readJson,
};

async function* readJson(file: DataFile, stats: ReadStats): AsyncGenerator<SourceRecord> {
  const input = openBytes(file);
  try {
    if (/\.json(\.gz)?$/i.test(file.path)) {
      let text = '';
      for await (const chunk of input) text += chunk;
      if (text.trim() === '') return;
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch {
        // Not one JSON document: JSON lines under a .json name.
        yield* jsonLines(text.split('\n'), file, stats);
        return;
      }
      yield* jsonDocument(doc, file);
      return;
    }
    yield* jsonLines(createInterface({ input, crlfDelay: Infinity }), file, stats);
  } catch (e) {
    readFailed(file, e);
  }
}

async function* jsonLines(lines: AsyncIterable<string> | Iterable<string>, file: DataFile, stats: ReadStats): AsyncGenerator<SourceRecord> {
  let n = 0;
  for await (const line of lines) {
    n++;
    const t = line.trim();
    if (t === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch (e) {
      skip(stats, file.path, n, `not valid JSON (${(e as Error).message})`);
      continue;
    }
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (Array.isArray(o.records)) {
        for (const r of o.records) yield { ...unwrap(r), line: n };
      } else {
        yield { ...unwrap(o), line: n };
      }
    } else {
      skip(stats, file.path, n, 'expected a JSON object');
    }
  }
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

async function* jsonDocument(doc: unknown, file: DataFile): AsyncGenerator<SourceRecord> {
  let rows: unknown[];
  if (Array.isArray(doc)) rows = doc;
  else if (doc && typeof doc === 'object' && Array.isArray((doc as { Results?: unknown }).Results)) rows = (doc as { Results: unknown[] }).Results;
  else if (doc && typeof doc === 'object' && Array.isArray((doc as { records?: unknown }).records)) rows = (doc as { records: unknown[] }).records;
  else if (doc && typeof doc === 'object') rows = [doc];
  else throw facts.input(`${file.path}: expected a JSON array of objects`, file.path);
  let i = 0;
  for (const r of rows) yield { ...unwrap(r), line: ++i };
}
