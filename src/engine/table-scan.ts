/**
 * A table's rows as batches: the records of the files that feed it (sources/), coerced to the
 * table's column types. With scan hints, only the columns the plan reads are materialised, and
 * readers may skip records the plan's filters cannot pass.
 */
import type { Field } from '../kql/plan.js';
import type { TableDef } from '../schema/types.js';
import { type DataFile, type ReadStats, recordBatchesFor } from '../sources/index.js';
import { withoutColumns } from '../sources/field-filter.js';
import { type Batch, BATCH_ROWS } from './batch.js';
import type { ScanHints } from './context.js';
import { coerce } from './values/index.js';

export async function* readTable(def: TableDef, files: DataFile[], stats: ReadStats, hints?: ScanHints): AsyncGenerator<Batch> {
  const need = hints?.columns;
  const cols = need ? def.columns.filter((c) => need.has(c.name)) : def.columns;
  // A column that falls back to another when empty is not what its raw field says: no field test
  // on it, and the reader is asked for the other field too.
  const fallbacks = new Set(def.columns.filter((c) => c.fallback).map((c) => c.name));
  if (hints && fallbacks.size) {
    if (hints.shared) hints.shared.tests = hints.shared.tests.map((t) => withoutColumns(t, fallbacks));
    hints = { ...hints, fields: hints.shared && hints.member !== undefined ? hints.shared.tests[hints.member] : withoutColumns(hints.fields, fallbacks) };
  }
  // The raw fields a reader is asked for: the columns', and the fields they fall back to (of every
  // scan a shared read serves, too: it keeps their records).
  // (A member's own names stay: byte crediting's are raw fields already.)
  if (hints?.shared) hints.shared.columns = hints.shared.columns.map((c) => c && new Set([...c, ...rawFields(def, c)]));
  const readHints = hints && { ...hints, columns: hints.columns && rawFields(def, hints.columns) };
  const fields: Field[] = cols.map((c) => ({ name: c.name, type: c.type }));
  let columns = fields.map(() => [] as unknown[]);
  let length = 0;
  for await (const records of recordBatchesFor(def.name, files, stats, readHints)) {
    for (const { rec } of records) {
      for (let c = 0; c < cols.length; c++) {
        const col = cols[c]!;
        let raw = rec[col.name];
        if ((raw === undefined || raw === null || raw === '') && col.fallback) raw = rec[col.fallback];
        const v = coerce(col.type, raw);
        if (v === null && raw !== null && raw !== undefined && raw !== '' && col.type !== 'string') {
          const k = `${def.name}.${col.name}`;
          stats.coercedToNull.set(k, (stats.coercedToNull.get(k) ?? 0) + 1);
        }
        columns[c]!.push(v);
      }
      length++;
      stats.rows++;
      if (length === BATCH_ROWS) {
        yield { fields, columns, length };
        columns = fields.map(() => [] as unknown[]);
        length = 0;
      }
    }
  }
  if (length > 0 || fields.length === 0) yield { fields, columns, length };
}

/** The raw fields a reader gives for these columns of the table: theirs, and those they fall back to. */
function rawFields(def: TableDef, need: ReadonlySet<string>): Set<string> {
  const cols = def.columns.filter((c) => need.has(c.name));
  return new Set([...cols.map((c) => c.name), ...cols.flatMap((c) => (c.fallback ? [c.fallback] : []))]);
}
