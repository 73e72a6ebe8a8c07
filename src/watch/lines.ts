/** JSON lines into events: a line holds one record, a `{"records":[...]}` message, or an array. */
import { parseJsonExact } from '../sources/json/exact.js';
import { rowsOf, unwrap } from '../sources/json/line-records.js';
import type { WatchEvent } from './source.js';

export interface LineProblem {
  offset: number;
  message: string;
}

/** Longest line accepted (a longer one is skipped as malformed). */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * The events of the complete lines in `buf` (which starts at byte `base` of its stream). Returns
 * how many bytes were consumed: up to the last newline (a partial last line waits for more).
 */
export function parseLines(buf: Buffer, base: number, stream: string, table: string | undefined, out: WatchEvent[], problems: LineProblem[], final = false): number {
  let start = 0;
  for (;;) {
    let nl = buf.indexOf(10, start);
    if (nl < 0) {
      if (!final || start >= buf.length) break;
      nl = buf.length;
    }
    const offset = base + start;
    const end = base + Math.min(nl + 1, buf.length);
    const text = buf.toString('utf8', start, nl).replace(/^\uFEFF/, '').trim();
    start = nl + 1;
    if (text !== '') parseLine(text, { stream, offset, end }, table, out, problems);
    if (start >= buf.length) break;
  }
  return Math.min(start, buf.length);
}

export function parseLine(text: string, position: WatchEvent['position'], table: string | undefined, out: WatchEvent[], problems: LineProblem[]): void {
  let v: unknown;
  try {
    v = parseJsonExact(text);
  } catch (e) {
    problems.push({ offset: position.offset, message: `not valid JSON (${(e as Error).message})` });
    return;
  }
  const rows = rowsOf(v);
  if (!rows) {
    problems.push({ offset: position.offset, message: 'expected a JSON object' });
    return;
  }
  for (const r of rows) {
    if (!r || typeof r !== 'object' || Array.isArray(r)) {
      problems.push({ offset: position.offset, message: 'expected a JSON object' });
      continue;
    }
    const u = unwrap(r);
    out.push({ table: u.table ?? table, record: u.rec, position });
  }
}
