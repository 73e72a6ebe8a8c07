/**
 * `query --batch`: JSON lines of {"id","query"} in; one JSON line out per query, either
 * {"id","columns":[{"name","type"}],"rows":[[...]]} or {"id","error":{"message","line","column","code"}}.
 * The parser loads once for the whole batch.
 */
import type { Writable } from 'node:stream';
import { ExfilwatchError, lineColumn } from '../diagnostics/facts.js';
import type { Batch } from '../engine/batch.js';
import { compileFor, type QueryData, runPlan } from '../engine/query.js';
import { formatDatetimeCompact, formatTimespan } from '../engine/values/datetime.js';
import type { I64 } from '../engine/values/int64.js';
import { jsonText } from '../engine/values/index.js';

export async function runBatch(input: string, data: QueryData, now: I64, strict: boolean, out: Writable): Promise<number> {
  let failed = 0;
  const lines = input.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const text = lines[n]!.trim();
    if (!text) continue;
    let req: { id?: unknown; query?: unknown };
    try {
      req = JSON.parse(text);
    } catch {
      out.write(JSON.stringify({ id: null, error: { message: `batch line ${n + 1} is not valid JSON`, line: n + 1, column: 1, code: 'EW301' } }) + '\n');
      failed++;
      continue;
    }
    const id = req.id ?? null;
    const query = typeof req.query === 'string' ? req.query : '';
    try {
      const plan = compileFor(query, data, strict);
      const result = await runPlan(plan, data, now);
      out.write(resultLine(id, result) + '\n');
    } catch (e) {
      failed++;
      if (e instanceof ExfilwatchError) {
        const d = e.diagnostic;
        const pos = d.span ? lineColumn(query, d.span.start) : { line: null, column: null };
        out.write(JSON.stringify({ id, error: { message: d.message, line: pos.line, column: pos.column, code: d.code } }) + '\n');
      } else {
        out.write(JSON.stringify({ id, error: { message: `internal: ${(e as Error)?.message ?? String(e)}`, line: null, column: null, code: 'EW999' } }) + '\n');
      }
    }
  }
  void failed;
  return 0;
}

/** A value in the corpus form: datetimes without trailing zeros, NaN and infinities as strings. */
function batchValue(type: string, v: unknown): string {
  if (v === null || v === undefined) return type === 'string' ? '""' : 'null';
  switch (type) {
    case 'datetime': return JSON.stringify(formatDatetimeCompact(v as I64));
    case 'timespan': return JSON.stringify(formatTimespan(v as I64));
    case 'long': case 'int': return String(v);
    case 'real': case 'decimal':
      if (type === 'decimal') return JSON.stringify(String(v));
      return jsonText(v);
    default: return jsonText(v);
  }
}

function resultLine(id: unknown, b: Batch): string {
  const rows: string[] = [];
  for (let i = 0; i < b.length; i++) rows.push('[' + b.fields.map((f, c) => batchValue(f.type, b.columns[c]![i])).join(',') + ']');
  return `{"id":${JSON.stringify(id)},"columns":${JSON.stringify(b.fields.map((f) => ({ name: f.name, type: f.type })))},"rows":[${rows.join(',')}]}`;
}
