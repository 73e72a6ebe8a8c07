/**
 * Row-group skipping by column statistics. A Parquet footer gives each column chunk of a row
 * group its min and max value and null count; when those show that no row of the group can pass
 * a scan's field test, the group is not decoded at all.
 *
 * As conservative as the field test itself: a group is skipped only when the statistics prove
 * that the row test (decode.ts, on the values as decoded) would reject every row. Statistics we
 * cannot read with certainty (absent, a type or unit we do not map, text that did not decode
 * cleanly) let the group through.
 */
import type { ColumnChunk, FileMetaData, SchemaElement } from 'hyparquet';
import { type FieldTest, Raw, compileFieldTest } from '../field-filter.js';

/** What the statistics tell about one column of a row group. */
export interface ColumnStats {
  /**
   * How the column decodes: `timestamp` (ISO text; min/max as that text), `int` (numbers or
   * bigints; min/max as bigint), `string` (UTF-8 text; min/max as the raw bytes, which is how
   * Parquet orders them).
   */
  kind: 'timestamp' | 'int' | 'string';
  rows: number;
  /** Null values among the rows; undefined when not known. */
  nulls?: number;
  /** Bounds of the non-null values (inclusive); undefined when not known. */
  min?: string | bigint | Uint8Array;
  max?: string | bigint | Uint8Array;
  /** The bounds are values of the column, not truncated ones (only used when min equals max). */
  exact: boolean;
}

/** The statistics of a row group's columns, by column name. */
export type GroupStats = ReadonlyMap<string, ColumnStats>;

const ISO_28 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/;

/**
 * False only when no row of a row group with these statistics can pass `test`. A column the
 * statistics do not describe may hold anything: the test passes on it.
 */
export function rowGroupMayPass(test: FieldTest, stats: GroupStats): boolean {
  switch (test.op) {
    case 'and':
      return test.items.every((t) => rowGroupMayPass(t, stats));
    case 'or':
      return test.items.some((t) => rowGroupMayPass(t, stats));
    case 'needs':
      return rowGroupMayPass(test.test, stats);
  }
  const s = stats.get(test.column);
  if (!s || s.rows <= 0) return true;
  // Every row null, or every row one known value: the row test itself says.
  if (s.nulls === s.rows) return rowTestOn(test, Raw.Null, '');
  if (s.nulls === 0 && s.exact && s.kind === 'string' && s.min instanceof Uint8Array && s.max instanceof Uint8Array && Buffer.compare(s.min, s.max) === 0) {
    return rowTestOn(test, Raw.String, TEXT.decode(s.min));
  }
  switch (test.op) {
    case 'after': {
      // Null rows fail; every other value is at most `max`.
      if (s.kind !== 'timestamp' || typeof s.max !== 'string' || !ISO_28.test(s.max)) return true;
      return test.strict ? s.max > test.bound : s.max >= test.bound;
    }
    case 'int_in': {
      // Null rows fail; a value outside [min, max] is in no row.
      if (s.kind !== 'int' || typeof s.min !== 'bigint' || typeof s.max !== 'bigint') return true;
      const { min, max } = s;
      return test.values.some((v) => {
        const n = BigInt(v);
        return n >= min && n <= max;
      });
    }
    case 'in': {
      if (test.fold || s.kind !== 'string' || !(s.min instanceof Uint8Array) || !(s.max instanceof Uint8Array)) return true;
      const { min, max } = s;
      if (Buffer.compare(min, max) > 0) return true;
      // A null row is "", which may be a value.
      if (test.values.includes('') && s.nulls !== 0) return true;
      // A value is decoded from its own bytes, or from them after a byte order mark (which the
      // decoder drops); bytes that are not UTF-8 decode to text with U+FFFD in it.
      return test.values.some((v) => {
        if (v.includes('\uFFFD')) return true;
        const b = Buffer.from(v, 'utf8');
        return within(b, min, max) || within(Buffer.concat([BOM, b]), min, max);
      });
    }
    case 'blank': {
      // Passes on null and ""; a non-empty minimum and no nulls leave neither.
      if (s.nulls !== 0) return true;
      // "" is the least text; a BOM alone decodes to it too.
      if (s.kind === 'string') {
        if (!(s.min instanceof Uint8Array) || !(s.max instanceof Uint8Array)) return true;
        return s.min.length === 0 || within(BOM, s.min, s.max);
      }
      if (s.kind === 'int') return typeof s.min !== 'bigint';
      return typeof s.min !== 'string' || !ISO_28.test(s.min) || typeof s.max !== 'string' || !ISO_28.test(s.max);
    }
    default:
      return true;
  }
}

/** The row test on one value, as decode.ts would run it on a row holding it. */
function rowTestOn(test: FieldTest, kind: Raw, text: string): boolean {
  return compileFieldTest(test).test({ kind: () => kind, text: () => text });
}

const TEXT = new TextDecoder(); // as the decoder reads strings (a leading BOM dropped)
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function within(b: Uint8Array, min: Uint8Array, max: Uint8Array): boolean {
  return Buffer.compare(b, min) >= 0 && Buffer.compare(b, max) <= 0;
}

/** The top-level columns whose chunk statistics we can read: name → index among the leaf columns, kind. */
export function statColumns(metadata: FileMetaData): Map<string, { index: number; kind: ColumnStats['kind'] }> {
  const out = new Map<string, { index: number; kind: ColumnStats['kind'] }>();
  const seen = new Set<string>();
  // The schema is a tree flattened depth first; leaves are the column chunks, in order.
  let leaf = 0;
  const walk = (at: number, depth: number): number => {
    const e = metadata.schema[at]!;
    const children = e.num_children ?? 0;
    if (depth === 1) {
      if (seen.has(e.name)) out.delete(e.name);
      else if (children === 0) {
        const kind = kindOf(e);
        if (kind) out.set(e.name, { index: leaf, kind });
      }
      seen.add(e.name);
    }
    if (children === 0) {
      leaf++;
      return at + 1;
    }
    let next = at + 1;
    for (let c = 0; c < children && next < metadata.schema.length; c++) next = walk(next, depth + 1);
    return next;
  };
  if (metadata.schema.length > 0) walk(0, 0);
  return out;
}

/** How a top-level leaf decodes, when its statistics order the same way as its decoded values. */
function kindOf(e: SchemaElement): ColumnStats['kind'] | undefined {
  if (e.repetition_type === 'REPEATED') return undefined;
  const c = e.converted_type;
  const l = e.logical_type;
  if (e.type === 'INT64') {
    // The decoder and the statistics pick the unit the same way only when the annotations agree.
    const unit = l?.type === 'TIMESTAMP' ? l.unit : undefined;
    if (c === 'TIMESTAMP_MILLIS' || c === 'TIMESTAMP_MICROS') {
      if (l && !(l.type === 'TIMESTAMP' && unit === (c === 'TIMESTAMP_MILLIS' ? 'MILLIS' : 'MICROS'))) return undefined;
      return 'timestamp';
    }
    if (!c && l?.type === 'TIMESTAMP') return unit === 'MILLIS' || unit === 'MICROS' || unit === 'NANOS' ? 'timestamp' : undefined;
  }
  if (e.type === 'INT32' || e.type === 'INT64') {
    const signedInt = !c || c === 'INT_8' || c === 'INT_16' || c === 'INT_32' || c === 'INT_64';
    return signedInt && (!l || (l.type === 'INTEGER' && l.isSigned)) ? 'int' : undefined;
  }
  if (e.type === 'BYTE_ARRAY') return (!c || c === 'UTF8') && (!l || l.type === 'STRING') ? 'string' : undefined;
  return undefined;
}

/** A row group's statistics for `columns` (from `statColumns`), as `rowGroupMayPass` takes them. */
export function groupStats(metadata: FileMetaData, group: number, columns: ReturnType<typeof statColumns>, names: Iterable<string>): GroupStats {
  const rowGroup = metadata.row_groups[group]!;
  const rows = Number(rowGroup.num_rows);
  const out = new Map<string, ColumnStats>();
  for (const name of names) {
    const col = columns.get(name);
    const chunk: ColumnChunk | undefined = col && rowGroup.columns[col.index];
    const md = chunk?.meta_data;
    const st = md?.statistics;
    if (!col || !md || !st || md.path_in_schema.length !== 1 || md.path_in_schema[0] !== name) continue;
    const nulls = st.null_count === undefined ? undefined : Number(st.null_count);
    out.set(name, {
      kind: col.kind,
      rows,
      nulls: nulls !== undefined && Number.isSafeInteger(nulls) && nulls >= 0 && nulls <= rows ? nulls : undefined,
      min: bound(col.kind, st.min_value),
      max: bound(col.kind, st.max_value),
      exact: st.is_min_value_exact !== false && st.is_max_value_exact !== false,
    });
  }
  return out;
}

function bound(kind: ColumnStats['kind'], v: unknown): ColumnStats['min'] {
  switch (kind) {
    case 'int':
      if (typeof v === 'bigint') return v;
      return typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : undefined;
    case 'timestamp':
      return typeof v === 'string' ? v : undefined;
    case 'string':
      return v instanceof Uint8Array ? v : undefined;
  }
}

/**
 * Parsers for reading a footer whose string statistics `groupStats` compares: it needs their raw
 * bytes (decoded text can reorder: a dropped byte order mark, replaced bytes).
 */
export const STAT_PARSERS = { stringFromBytes: (bytes: Uint8Array) => bytes as unknown as string };
