/**
 * The records one JSON value holds, and one line's text parsed into them: shared by the reader
 * (json.ts) and the scan threads (lines.ts), which parse on the worker thread when a scan keeps
 * most of its lines.
 */
import { parseJsonExact } from './exact.js';

export interface LineRecord {
  /** The table an envelope names (streaming API, Log Analytics), if any. */
  table?: string;
  rec: Record<string, unknown>;
}

/**
 * A line's text as a record is read from it: without the white space around it. That drops a
 * byte order mark too (String.prototype.trim counts U+FEFF as white space). Empty: a blank line.
 */
export function recordText(line: string): string {
  return line.trim();
}

/** The records of one line's text, and what was wrong with the parts that are not records. */
export function parseLine(t: string): { records: LineRecord[]; problems: string[] } {
  let v: unknown;
  try {
    v = parseJsonExact(t);
  } catch (e) {
    return { records: [], problems: [`not valid JSON (${(e as Error).message})`] };
  }
  const rows = rowsOf(v);
  if (!rows) return { records: [], problems: ['expected a JSON object'] };
  const records: LineRecord[] = [];
  const problems: string[] = [];
  for (const r of rows) {
    if (r && typeof r === 'object' && !Array.isArray(r)) records.push(unwrap(r));
    else problems.push('expected a JSON object');
  }
  return { records, problems };
}

/** The rows one JSON value holds: an array's elements, a `records` or `Results` wrapper's, or the object itself. */
export function rowsOf(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if (Array.isArray(o.records)) return o.records;
  if (Array.isArray(o.Results)) return o.Results;
  return [o];
}

/** Streaming-API records carry their columns under `properties` and their table in `category`. */
export function unwrap(r: unknown): LineRecord {
  const o = (r ?? {}) as Record<string, unknown>;
  if (o.properties && typeof o.properties === 'object' && typeof o.category === 'string') {
    const m = /^AdvancedHunting-(\w+)$/i.exec(o.category);
    return { table: m ? m[1] : undefined, rec: o.properties as Record<string, unknown> };
  }
  // Log Analytics exports name their table in `Type`.
  if (typeof o.Type === 'string' && /^[A-Z]\w+$/.test(o.Type) && 'TimeGenerated' in o) return { table: o.Type, rec: o };
  return { rec: o };
}

/** A record with only these columns (the others are never read): what a scan thread sends back. */
export function projected(r: LineRecord, columns: readonly string[]): LineRecord {
  const rec: Record<string, unknown> = {};
  for (const c of columns) {
    const v = r.rec[c];
    if (v !== undefined) rec[c] = v;
  }
  return r.table === undefined ? { rec } : { table: r.table, rec };
}
