/**
 * scan: walks the serialized input record by record, matching each against the steps from the
 * last to the first. Each step keeps the state of the sequence it holds: for every step up to
 * it, the last record (input columns and declared columns) that matched that step.
 *
 * Record r against step k:
 *  1. if step k-1 holds a sequence and r meets k's condition (read against that sequence), the
 *     sequence moves to k (replacing what k held), r extended by k's assignments joins it and
 *     is output;
 *  2. otherwise, if k holds a sequence or is the first step, and r meets k's condition (read
 *     against k's sequence), r replaces k's record in it; at the first step with no sequence a
 *     new one starts with the next match id.
 * `output=none` steps output nothing; `output=last` ones only the last of consecutive matches.
 */
import type { Expr, Field, ScanStep, Tab } from '../../kql/plan.js';
import { scanStateColumn } from '../../kql/plan.js';
import { type Batch, type BatchStream, collect, fieldIndex, takeRows } from '../batch.js';
import type { ExecContext } from '../context.js';
import { castValue } from '../cast.js';
import { type Compiled, compileExpr } from '../expr.js';
import { ExprCache, prepareAll, run } from '../run.js';
import { keyOf } from '../values/index.js';
import { sortIndices } from './sort.js';

type Scan = Tab & { op: 'scan' };

/** A sequence held by a step: its match id and, per step so far, the record that matched it. */
interface Sequence { id: number; records: unknown[][] }

export async function* scanOp(tab: Scan, ctx: ExecContext): BatchStream {
  const exprs = [
    ...tab.declare.flatMap((d) => (d.default ? [d.default] : [])),
    ...tab.steps.flatMap((s) => [s.condition, ...s.assignments.map((a) => a.expr)]),
    ...tab.orderBy.map((k) => k.expr), ...tab.partitionBy,
  ];
  await prepareAll(exprs, ctx);
  const input = await collect(run(tab.input, ctx), tab.input.schema);
  const scanner = new Scanner(tab, input.fields, ctx);
  for (const part of partitions(tab, input, ctx)) yield scanner.run(part);
}

/** `partition by` splits the input (in order of first appearance), `order by` sorts each part. */
function partitions(tab: Scan, b: Batch, ctx: ExecContext): Batch[] {
  let parts = [b];
  if (tab.partitionBy.length > 0) {
    const cols = tab.partitionBy.map((e) => new ExprCache(e, ctx).column(b));
    const groups = new Map<string, number[]>();
    for (let i = 0; i < b.length; i++) {
      let key = '';
      for (const c of cols) key += keyOf(c[i]) + '\u0001';
      let g = groups.get(key);
      if (!g) groups.set(key, (g = []));
      g.push(i);
    }
    parts = [...groups.values()].map((rows) => takeRows(b, rows));
  }
  if (tab.orderBy.length > 0) {
    const caches = tab.orderBy.map((k) => new ExprCache(k.expr, ctx));
    parts = parts.map((p) => takeRows(p, sortIndices(p, tab.orderBy, caches)));
  }
  return parts;
}

class Scanner {
  /** The record: input columns, then declared columns not already among them. */
  private readonly record: Field[];
  private readonly out: Field[];
  private readonly defaults: unknown[];
  private readonly conditions: Compiled[];
  private readonly assignments: { index: number; type: Field['type']; c: Compiled }[][];
  /** One row holding the current record, then each step's record in the sequence being tested. */
  private readonly scratch: Batch;

  constructor(private readonly tab: Scan, input: Field[], ctx: ExecContext) {
    const record = [...input];
    for (const d of tab.declare) {
      const at = fieldIndex(record, d.name);
      if (at < 0) record.push({ name: d.name, type: d.type });
      else record[at] = { name: d.name, type: d.type };
    }
    this.record = record;
    this.out = tab.matchId ? [...record, { name: tab.matchId, type: 'long' }] : record;
    this.defaults = record.map((f) => (f.type === 'string' ? '' : null));
    for (const d of tab.declare) {
      if (!d.default) continue;
      const c = compileExpr(d.default, [], ctx);
      const v = c.constant ? c.value : c.eval({ fields: [], columns: [], length: 1 })[0];
      this.defaults[fieldIndex(record, d.name)] = castValue(c.type, d.type, v);
    }
    const fields = [...record];
    for (const s of tab.steps) for (const f of record) fields.push({ name: scanStateColumn(s.name, f.name), type: f.type });
    this.scratch = { fields, columns: fields.map(() => [null]), length: 1 };
    // Only the state columns some expression reads are loaded for each test.
    const read = new Set<string>();
    for (const st of tab.steps) for (const e of [st.condition, ...st.assignments.map((a) => a.expr)]) columnNames(e, read);
    this.stateReads = [];
    tab.steps.forEach((st, k) => record.forEach((f, c) => {
      if (read.has(scanStateColumn(st.name, f.name))) this.stateReads.push({ step: k, column: c, at: record.length * (k + 1) + c });
    }));
    this.conditions = tab.steps.map((s) => compileExpr(s.condition, fields, ctx));
    this.assignments = tab.steps.map((s: ScanStep) => s.assignments.map((a) => {
      const index = fieldIndex(record, a.name);
      return { index, type: record[index]?.type ?? 'dynamic', c: compileExpr(a.expr, fields, ctx) };
    }));
  }

  run(b: Batch): Batch {
    const { record, tab } = this;
    const n = tab.steps.length;
    const width = record.length;
    const columns: unknown[][] = this.out.map(() => []);
    const emitRow = (rec: unknown[], id: number) => {
      for (let c = 0; c < width; c++) columns[c]!.push(rec[c]);
      if (tab.matchId) columns[width]!.push(id);
    };
    const state: (Sequence | null)[] = new Array(n).fill(null);
    const pending: ({ rec: unknown[]; id: number } | null)[] = new Array(n).fill(null);
    const flush = (k: number) => {
      const p = pending[k];
      if (p) emitRow(p.rec, p.id);
      pending[k] = null;
    };
    const emit = (k: number, rec: unknown[], id: number) => {
      const mode = tab.steps[k]!.output;
      if (mode === 'all') emitRow(rec, id);
      else if (mode === 'last') pending[k] = { rec, id };
    };
    const inputIdx = record.map((f) => fieldIndex(b.fields, f.name));
    for (let i = 0; i < b.length; i++) {
      const base = this.defaults.slice();
      for (let c = 0; c < width; c++) {
        const j = inputIdx[c]!;
        if (j >= 0) base[c] = b.columns[j]![i];
      }
      for (let k = n - 1; k >= 0; k--) {
        const prev = k > 0 ? state[k - 1] : null;
        if (prev && this.test(k, base, prev)) {
          const rec = this.assign(k, base);
          flush(k);
          flush(k - 1);
          state[k] = { id: prev.id, records: [...prev.records.slice(0, k), rec] };
          state[k - 1] = null;
          emit(k, rec, prev.id);
          continue;
        }
        const own = state[k];
        if ((own || k === 0) && this.test(k, base, own)) {
          const rec = this.assign(k, base);
          let seq = own;
          if (!seq) state[k] = seq = { id: this.nextId++, records: [rec] };
          else seq.records[k] = rec;
          emit(k, rec, seq.id);
        }
      }
    }
    for (let k = 0; k < n; k++) flush(k);
    return { fields: this.out, columns, length: columns[0]?.length ?? 0 };
  }

  private nextId = 0;

  /** Step k's condition for the record, reading step values from `seq` (defaults where none). */
  private test(k: number, base: unknown[], seq: Sequence | null): boolean {
    this.load(base, seq);
    const c = this.conditions[k]!;
    return (c.constant ? c.value : c.eval(this.scratch)[0]) === true;
  }

  /** The record extended by step k's assignments, all read before any is applied. */
  private assign(k: number, base: unknown[]): unknown[] {
    const rec = base.slice();
    const list = this.assignments[k]!;
    const values = list.map((a) => (a.c.constant ? a.c.value : a.c.eval(this.scratch)[0]));
    list.forEach((a, i) => {
      if (a.index >= 0) rec[a.index] = castValue(a.c.type, a.type, values[i]);
    });
    return rec;
  }

  private readonly stateReads: { step: number; column: number; at: number }[];

  private load(base: unknown[], seq: Sequence | null): void {
    const cols = this.scratch.columns;
    for (let c = 0; c < base.length; c++) cols[c]![0] = base[c];
    for (const r of this.stateReads) cols[r.at]![0] = (seq?.records[r.step] ?? this.defaults)[r.column];
  }
}

function columnNames(e: Expr, out: Set<string>): void {
  if (e.kind === 'column') out.add(e.name);
  else if (e.kind === 'call') for (const a of e.args) columnNames(a, out);
}
