/** A columnar batch: one array per column, all of `length`. Rows are never objects. */
import type { Field } from '../kql/plan.js';

export interface Batch {
  fields: Field[];
  columns: unknown[][];
  length: number;
}

export type BatchStream = AsyncIterable<Batch>;

export const BATCH_ROWS = 8192;

export function emptyBatch(fields: Field[]): Batch {
  return { fields, columns: fields.map(() => []), length: 0 };
}

/** Concatenates batches of the same fields into one. */
export function concatBatches(fields: Field[], batches: Batch[]): Batch {
  if (batches.length === 1 && batches[0]!.fields === fields) return batches[0]!;
  const columns = fields.map(() => [] as unknown[]);
  let length = 0;
  for (const b of batches) {
    for (let c = 0; c < fields.length; c++) {
      const src = b.columns[c]!;
      const dst = columns[c]!;
      for (let i = 0; i < b.length; i++) dst.push(src[i]);
    }
    length += b.length;
  }
  return { fields, columns, length };
}

export async function collect(stream: BatchStream, fields?: Field[]): Promise<Batch> {
  const batches: Batch[] = [];
  let f = fields;
  for await (const b of stream) {
    f ??= b.fields;
    if (b.length > 0 || batches.length === 0) batches.push(b);
  }
  if (!f) return emptyBatch([]);
  const nonEmpty = batches.filter((b) => b.length > 0);
  if (nonEmpty.length === 0) return emptyBatch(f);
  return concatBatches(nonEmpty[0]!.fields, nonEmpty);
}

/** Selects rows by index into a new batch. */
export function takeRows(b: Batch, rows: ArrayLike<number>): Batch {
  const n = rows.length;
  const columns = b.columns.map((col) => {
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = col[rows[i]!];
    return out;
  });
  return { fields: b.fields, columns, length: n };
}

export function fieldIndex(fields: Field[], name: string): number {
  for (let i = 0; i < fields.length; i++) if (fields[i]!.name === name) return i;
  return -1;
}

/**
 * Batches with only these columns. One layout in gives one layout out (the same fields array),
 * so the operators above compile their expressions once, not per batch.
 */
export function columnPicker(names: ReadonlySet<string>): (b: Batch) => Batch {
  const layouts = new WeakMap<Field[], { fields: Field[]; index: number[] } | null>();
  return (b) => {
    let layout = layouts.get(b.fields);
    if (layout === undefined) {
      const index = b.fields.flatMap((f, i) => (names.has(f.name) ? [i] : []));
      layout = index.length === b.fields.length ? null : { fields: index.map((i) => b.fields[i]!), index };
      layouts.set(b.fields, layout);
    }
    return layout ? { fields: layout.fields, columns: layout.index.map((i) => b.columns[i]!), length: b.length } : b;
  };
}
