/**
 * The retained window: the events of each table kept in memory, in chunks of arrival order,
 * trimmed by Timestamp to what a future rule run can still look at. A rule run sees a
 * TableSource view of (lo, hi] by Timestamp; columns are coerced to the table's types lazily,
 * once per chunk, and only those the query reads.
 */
import type { Batch } from '../engine/batch.js';
import { BATCH_ROWS } from '../engine/batch.js';
import type { ScanHints, TableSource } from '../engine/context.js';
import { coerce } from '../engine/values/index.js';
import type { Field } from '../kql/plan.js';
import type { ColumnDef, TableDef } from '../schema/index.js';
import { findTable } from '../schema/index.js';
import type { KeepFrom, WatchEvent } from './source.js';

const CHUNK_ROWS = 4096;

interface Chunk {
  records: Record<string, unknown>[];
  ts: number[];
  /** Lowest replay offset per stream of the rows in this chunk. */
  minOffset: Map<string, number>;
  maxTs: number;
  /** Coerced columns, each as long as `records` was when it was made. */
  cols: Map<string, unknown[]>;
}

class TableWindow {
  chunks: Chunk[] = [];
  rows = 0;
  readonly fields: Field[];
  constructor(readonly def: TableDef) {
    this.fields = def.columns.map((c) => ({ name: c.name, type: c.type }));
  }

  add(rec: Record<string, unknown>, ts: number, stream: string, offset: number): void {
    let c = this.chunks[this.chunks.length - 1];
    if (!c || c.records.length >= CHUNK_ROWS) {
      c = { records: [], ts: [], minOffset: new Map(), maxTs: -Infinity, cols: new Map() };
      this.chunks.push(c);
    }
    c.records.push(rec);
    c.ts.push(ts);
    if (ts > c.maxTs) c.maxTs = ts;
    const m = c.minOffset.get(stream);
    if (m === undefined || offset < m) c.minOffset.set(stream, offset);
    this.rows++;
  }

  column(c: Chunk, col: ColumnDef): unknown[] {
    let out = c.cols.get(col.name);
    if (!out) { out = []; c.cols.set(col.name, out); }
    for (let i = out.length; i < c.records.length; i++) {
      const rec = c.records[i]!;
      let raw = rec[col.name];
      if ((raw === undefined || raw === null || raw === '') && col.fallback) raw = rec[col.fallback];
      out.push(coerce(col.type, raw));
    }
    return out;
  }

  /** Drops chunks whose every row is at or before `cutoff`. */
  trim(cutoff: number): void {
    const keep = this.chunks.filter((c) => c.maxTs > cutoff);
    if (keep.length !== this.chunks.length) {
      this.chunks = keep;
      this.rows = keep.reduce((n, c) => n + c.records.length, 0);
    }
  }

  view(lo: number, hi: number): TableSource {
    const self = this;
    return {
      fields: this.fields,
      async *open(hints?: ScanHints): AsyncGenerator<Batch> {
        const cols = hints?.columns ? self.def.columns.filter((c) => hints.columns!.has(c.name)) : self.def.columns;
        const fields: Field[] = cols.map((c) => ({ name: c.name, type: c.type }));
        let out = fields.map(() => [] as unknown[]);
        let length = 0;
        for (const c of [...self.chunks]) {
          if (c.maxTs <= lo) continue;
          const n = c.records.length;
          const sel: number[] = [];
          for (let i = 0; i < n; i++) { const t = c.ts[i]!; if (t > lo && t <= hi) sel.push(i); }
          if (!sel.length) continue;
          const data = cols.map((col) => self.column(c, col));
          for (const i of sel) {
            for (let k = 0; k < data.length; k++) out[k]!.push(data[k]![i]);
            if (++length === BATCH_ROWS) {
              yield { fields, columns: out, length };
              out = fields.map(() => [] as unknown[]);
              length = 0;
            }
          }
        }
        if (length > 0 || fields.length === 0) yield { fields, columns: out, length };
      },
    };
  }
}

export interface IngestResult {
  kept: number;
  /** Records whose table no table definition names. */
  unknownTable: number;
  /** Records without a Timestamp that parses. */
  untimed: number;
  /** Records older than anything a future rule run looks at. */
  tooLate: number;
  /** Largest Timestamp among the events (ticks), or -Infinity. */
  maxTs: number;
}

export class Window {
  private tables = new Map<string, TableWindow>();
  private byLower = new Map<string, TableWindow | null>();
  /** Rows at or before this Timestamp (ticks) are no longer kept. */
  cutoff = -Infinity;
  /** Timestamp (ticks) of the first timed event ever taken in: the event clock's first ticks. */
  firstTs: number | undefined;
  /** Per stream, where reading continues after the last event taken in. */
  readonly reached = new Map<string, number>();

  constructor(private readonly defs: TableDef[]) {}

  private table(name: string): TableWindow | undefined {
    const lower = name.toLowerCase();
    let t = this.byLower.get(lower);
    if (t === undefined) {
      const def = findTable(this.defs, name);
      t = def ? this.tables.get(def.name) ?? new TableWindow(def) : null;
      if (t) this.tables.set(t.def.name, t);
      this.byLower.set(lower, t);
    }
    return t ?? undefined;
  }

  ingest(events: WatchEvent[], defaultTable?: (e: WatchEvent) => string | undefined): IngestResult {
    const r: IngestResult = { kept: 0, unknownTable: 0, untimed: 0, tooLate: 0, maxTs: -Infinity };
    for (const e of events) {
      const { stream, offset, end } = e.position;
      if ((this.reached.get(stream) ?? -1) < end) this.reached.set(stream, end);
      const name = e.table ?? defaultTable?.(e);
      const t = name ? this.table(name) : undefined;
      if (!t) { r.unknownTable++; continue; }
      const tv = coerce('datetime', e.record.Timestamp ?? e.record.TimeGenerated);
      if (tv === null || tv === undefined) { r.untimed++; continue; }
      const ts = Number(tv);
      this.firstTs ??= ts;
      if (ts > r.maxTs) r.maxTs = ts;
      if (ts <= this.cutoff) { r.tooLate++; continue; }
      t.add(e.record, ts, stream, offset);
      r.kept++;
    }
    return r;
  }

  trim(cutoff: number): void {
    if (cutoff <= this.cutoff) return;
    this.cutoff = cutoff;
    for (const t of this.tables.values()) t.trim(cutoff);
  }

  /** Per stream, the offset a replay must start from to rebuild this window. */
  keepFrom(): KeepFrom {
    const out: KeepFrom = new Map(this.reached);
    for (const t of this.tables.values()) {
      for (const c of t.chunks) {
        for (const [s, o] of c.minOffset) if (o < (out.get(s) ?? Infinity)) out.set(s, o);
      }
    }
    return out;
  }

  rowsByTable(): Map<string, number> {
    return new Map([...this.tables].map(([n, t]) => [n, t.rows]));
  }

  /** The tables as sources over rows with lo < Timestamp <= hi (ticks); tables with no rows are empty. */
  sources(lo: number, hi: number): Map<string, TableSource> {
    const out = new Map<string, TableSource>();
    for (const def of this.defs) {
      const t = this.tables.get(def.name) ?? new TableWindow(def);
      out.set(def.name, t.view(lo, hi));
    }
    return out;
  }
}
