/**
 * Runs a typed plan. Each tabular node becomes a stream of columnar batches; row-wise operators
 * (where, extend, project) work batch by batch, blocking ones (summarize, sort, join) collect.
 */
import { facts } from '../diagnostics/facts.js';
import type { Expr, Field, Named, Tab } from '../kql/plan.js';
import { WATCHLIST_PREFIX } from '../kql/translate.js';
import type { ScalarType } from '../schema/types.js';
import { type Batch, type BatchStream, BATCH_ROWS, collect, columnPicker, emptyBatch, fieldIndex, takeRows } from './batch.js';
import type { ExecContext, Replay, TableSource } from './context.js';
import { type Compiled, compileExpr, literalValue, prepareExpr, usesWindow } from './expr.js';
import { castValue } from './cast.js';
import { children } from '../kql/plan.js';
import { scanFilters } from './pushdown.js';
import { hintsFor, neededColumns, prepareHints } from './scan-hints.js';
import { scalarFunction } from './functions/registry.js';
import { summarize } from './operators/summarize.js';
import { sortOp, topOp } from './operators/sort.js';
import { unionOp } from './operators/union.js';
import { joinOp, lookupOp } from './operators/join.js';
import { mvExpandOp } from './operators/mv-expand.js';
import { parseOp } from './operators/parse.js';
import { makeSeriesOp } from './operators/make-series.js';
import { topNestedOp } from './operators/top-nested.js';
import { evaluateOp } from './operators/evaluate.js';
import { mvApplyOp } from './operators/mv-apply.js';
import { scanOp } from './operators/scan.js';
import { partitionOp } from './operators/partition.js';
import { reduceOp } from './operators/reduce.js';
import { searchOp } from './operators/search.js';
import { graphAsTable, graphToTableOp } from './operators/graph.js';
import type { I64 } from './values/int64.js';
import { keyOf } from './values/index.js';

export interface RunOptions {
  now: I64;
  table(name: string): TableSource | undefined;
  /** The plan about to run: its scans get column and record hints. */
  root?: Tab;
  /** The plan about to run, for its nodes read more than once (run once, replayed). */
  plan?: Tab;
}

export function createContext(opts: RunOptions): ExecContext {
  const ctx: ExecContext = {
    now: opts.now,
    table: opts.table,
    memo: new Map(),
    named: new Map(),
    run: (tab) => run(tab, ctx),
    replay: opts.plan ? sharedNodes(opts.plan) : undefined,
    scans: opts.root ? { columns: neededColumns(opts.root), filters: scanFilters(opts.root) } : undefined,
  };
  return ctx;
}

/**
 * Bytes of batches a query keeps for replay (estimated: batchBytes): over all its shared nodes,
 * and for one node. A node past its share is run again by each reader, so the budget goes to
 * small answers read often (a let of summarized rows) before a large one read twice.
 */
export const REPLAY_BUDGET = { total: 256 << 20, node: 64 << 20 };

/**
 * Plan nodes read by more than one other (a `let` used twice shares its plan object), whose
 * answer cannot change from one run to the next (no volatile function such as rand() or
 * new_guid(), no `sample`): run once and replayed, within REPLAY_BUDGET.
 */
function sharedNodes(root: Tab): Map<Tab, Replay> {
  const readers = new Map<Tab, number>();
  const visit = (t: Tab): void => {
    const n = (readers.get(t) ?? 0) + 1;
    readers.set(t, n);
    if (n === 1) for (const c of children(t)) visit(c);
  };
  visit(root);
  const out = new Map<Tab, Replay>();
  for (const [t, n] of readers) {
    if (n > 1 && t.op !== 'materialize' && t.op !== 'ref' && stable(t)) out.set(t, { state: 'unread', batches: [], bytes: 0, readers: n });
  }
  return out;
}

/** Whether a plan gives the same rows each time it runs: no `sample`, no volatile call anywhere in it. */
function stable(t: Tab): boolean {
  const seen = new Set<object>();
  const volatileIn = (v: unknown): boolean => {
    if (!v || typeof v !== 'object' || seen.has(v)) return false;
    seen.add(v);
    if (Array.isArray(v)) return v.some(volatileIn);
    const x = v as { kind?: string; fn?: string; op?: string };
    if (x.op === 'sample' || (x.kind === 'call' && scalarFunction(x.fn ?? '')?.volatile)) return true;
    return Object.values(v).some(volatileIn);
  };
  return !volatileIn(t);
}

/** A rough size of a batch: a pointer a cell, and the characters of its strings. */
function batchBytes(b: Batch): number {
  let bytes = 8 * b.length * b.columns.length;
  for (const col of b.columns) {
    for (let i = 0; i < b.length; i++) {
      const v = col[i];
      if (typeof v === 'string') bytes += v.length;
    }
  }
  return bytes;
}

export function run(tab: Tab, ctx: ExecContext): BatchStream {
  const replay = ctx.replay?.get(tab);
  return replay ? runShared(tab, replay, ctx) : runNode(tab, ctx);
}

/**
 * A shared node: its first reader runs it and keeps the batches (within the budget), later
 * readers take them. A reader that comes while the first is still reading (two sides of one
 * join), or after the kept batches were dropped (over the budget, or a reader that stopped
 * early), runs the node again, as Kusto would.
 */
async function* runShared(tab: Tab, replay: Replay, ctx: ExecContext): BatchStream {
  if (replay.state === 'kept') {
    const batches = replay.batches;
    // The plan's last reader: the batches are not kept past it.
    if (--replay.readers <= 0) drop(replay);
    yield* batches;
    return;
  }
  if (replay.state !== 'unread') {
    yield* runNode(tab, ctx);
    return;
  }
  replay.state = 'reading';
  replay.readers--;
  // Only the columns some reader reads are kept (a let's intermediate columns are not).
  const need = ctx.scans?.columns.get(tab);
  const keep = need && need !== 'all' ? columnPicker(need) : undefined;
  try {
    for await (let b of runNode(tab, ctx)) {
      if (keep) b = keep(b);
      if (replay.state === 'reading') {
        const bytes = batchBytes(b);
        // Every node's batches so far (nodes inside this one fill theirs as it runs).
        let kept = 0;
        for (const r of ctx.replay!.values()) kept += r.bytes;
        if (kept + bytes > REPLAY_BUDGET.total || replay.bytes + bytes > REPLAY_BUDGET.node) drop(replay);
        else {
          replay.bytes += bytes;
          replay.batches.push(b);
        }
      }
      yield b;
    }
    if (replay.state === 'reading') replay.state = 'kept';
  } finally {
    // A reader that stopped early saw only some of the rows.
    if (replay.state === 'reading') drop(replay);
  }
}

function drop(replay: Replay): void {
  replay.state = 'dropped';
  replay.batches = [];
  replay.bytes = 0;
}

function runNode(tab: Tab, ctx: ExecContext): BatchStream {
  switch (tab.op) {
    case 'table': return tableScan(tab, ctx);
    case 'ref': {
      const b = ctx.named.get(tab.name);
      if (!b) throw facts.unknownTable(tab.name, tab.span);
      return once(b);
    }
    case 'materialize': return materialize(tab, ctx);
    case 'datatable': return datatable(tab, ctx);
    case 'print': return print(tab, ctx);
    case 'range': return range(tab, ctx);
    case 'where': return where(tab, ctx);
    case 'extend': return extend(tab.input, tab.items, tab.schema, ctx);
    case 'serialize': return extend(tab.input, tab.items, tab.schema, ctx);
    case 'project': return project(tab, ctx);
    case 'select': return select(tab, ctx);
    case 'summarize': return summarize(tab, ctx);
    case 'sort': return sortOp(tab, ctx);
    case 'top': return topOp(tab, ctx);
    case 'take': case 'sample': return take(tab, ctx);
    case 'distinct': return distinct(tab, ctx);
    case 'count': return count(tab, ctx);
    case 'union': return unionOp(tab, ctx);
    case 'join': return joinOp(tab, ctx);
    case 'lookup': return lookupOp(tab, ctx);
    case 'mv-expand': return mvExpandOp(tab, ctx);
    case 'parse': return parseOp(tab, ctx);
    case 'make-series': return makeSeriesOp(tab, ctx);
    case 'top-nested': return topNestedOp(tab, ctx);
    case 'evaluate': return evaluateOp(tab, ctx);
    case 'as': return asOp(tab, ctx);
    case 'getschema': return getschema(tab, ctx);
    case 'mv-apply': return mvApplyOp(tab, ctx);
    case 'scan': return scanOp(tab, ctx);
    case 'partition': return partitionOp(tab, ctx);
    case 'reduce': return reduceOp(tab, ctx);
    case 'search': return searchOp(tab, ctx);
    case 'graph-to-table': return graphToTableOp(tab, ctx);
    case 'make-graph': case 'graph-mark-components': return graphAsTable(tab);
    case 'unsupported': throw facts.unsupportedOperator(tab.what, tab.span);
  }
}

async function* once(b: Batch): BatchStream {
  yield b;
}

async function* tableScan(tab: Tab & { op: 'table' }, ctx: ExecContext): BatchStream {
  const source = ctx.table(tab.name);
  if (!source && tab.name.startsWith(WATCHLIST_PREFIX)) throw facts.missingWatchlist(tab.name.slice(WATCHLIST_PREFIX.length), tab.span);
  if (!source) {
    // A known table with no data: empty, with the schema the binder used.
    yield emptyBatch(tab.schema);
    return;
  }
  if (ctx.scans) await prepareHints(tab, ctx);
  yield* source.open(hintsFor(tab, ctx));
}

async function* materialize(tab: Tab & { op: 'materialize' }, ctx: ExecContext): BatchStream {
  let p = ctx.memo.get(tab);
  if (!p) {
    p = collect(run(tab.input, ctx), tab.input.schema);
    ctx.memo.set(tab, p);
  }
  yield await p;
}

/** Compiles an expression for one batch layout; cached per layout (fields array identity). */
export class ExprCache {
  private readonly cache = new WeakMap<Field[], Compiled>();
  constructor(private readonly expr: Expr, private readonly ctx: ExecContext) {}
  compiled(fields: Field[]): Compiled {
    let c = this.cache.get(fields);
    if (!c) {
      c = compileExpr(this.expr, fields, this.ctx);
      this.cache.set(fields, c);
    }
    return c;
  }
  column(b: Batch): unknown[] {
    return evalColumn(this.compiled(b.fields), b);
  }
}

/** Evaluates a compiled expression over a batch, expanding constants. */
export function evalColumn(c: Compiled, b: Batch): unknown[] {
  return c.constant ? new Array(b.length).fill(c.value) : c.eval(b);
}

export async function prepareAll(exprs: Expr[], ctx: ExecContext): Promise<void> {
  for (const e of exprs) await prepareExpr(e, ctx);
}

/** The input as a single batch when an expression needs the serialized row order (prev, row_number). */
async function* maybeWhole(input: BatchStream, exprs: Expr[], fields: Field[]): BatchStream {
  if (exprs.some(usesWindow)) {
    yield await collect(input, fields);
    return;
  }
  yield* input;
}

async function* datatable(tab: Tab & { op: 'datatable' }, ctx: ExecContext): BatchStream {
  const fields = tab.schema;
  const columns = fields.map(() => [] as unknown[]);
  const empty = emptyBatch([]);
  for (const row of tab.rows) {
    row.forEach((e, i) => {
      const f = fields[i];
      if (!f) return;
      const c = compileExpr(e, [], ctx);
      const v = c.constant ? c.value : c.eval({ ...empty, length: 1 })[0];
      columns[i]!.push(castValue(c.type, f.type, v));
    });
  }
  yield { fields, columns, length: tab.rows.length };
}

async function* print(tab: Tab & { op: 'print' }, ctx: ExecContext): BatchStream {
  await prepareAll(tab.items.map((i) => i.expr), ctx);
  const one: Batch = { fields: [], columns: [], length: 1 };
  const out = projectBatch(one, tab.items, tab.schema, tab.items.map((i) => new ExprCache(i.expr, ctx)));
  yield out;
}

async function* range(tab: Tab & { op: 'range' }, ctx: ExecContext): BatchStream {
  await prepareAll([tab.from, tab.to, tab.step], ctx);
  const val = (e: Expr) => {
    const c = compileExpr(e, [], ctx);
    return c.constant ? c.value : c.eval({ fields: [], columns: [], length: 1 })[0];
  };
  const from = val(tab.from), to = val(tab.to), step = val(tab.step);
  const field = tab.schema[0] ?? { name: tab.column, type: 'long' as ScalarType };
  if (from === null || to === null || step === null) { yield emptyBatch([field]); return; }
  const big = (v: unknown) => BigInt(v as number | bigint);
  let cur = big(from);
  const end = big(to);
  const st = big(step);
  if (st === 0n) throw facts.runtime('range step must not be zero', tab.span);
  let chunk: unknown[] = [];
  const limit = 100_000_000;
  let n = 0;
  const norm = (v: bigint) => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
  const isReal = field.type === 'real';
  if (isReal) {
    let x = Number(from);
    const e = Number(to), s = Number(step);
    for (; s > 0 ? x <= e : x >= e; x += s) {
      chunk.push(x);
      if (chunk.length === BATCH_ROWS) { yield { fields: [field], columns: [chunk], length: chunk.length }; chunk = []; }
      if (++n > limit) throw facts.runtime('range produces too many rows', tab.span);
    }
  } else {
    for (; st > 0n ? cur <= end : cur >= end; cur += st) {
      chunk.push(norm(cur));
      if (chunk.length === BATCH_ROWS) { yield { fields: [field], columns: [chunk], length: chunk.length }; chunk = []; }
      if (++n > limit) throw facts.runtime('range produces too many rows', tab.span);
    }
  }
  yield { fields: [field], columns: [chunk], length: chunk.length };
}

async function* where(tab: Tab & { op: 'where' }, ctx: ExecContext): BatchStream {
  await prepareAll([tab.predicate], ctx);
  const pred = new ExprCache(tab.predicate, ctx);
  for await (const b of maybeWhole(run(tab.input, ctx), [tab.predicate], tab.input.schema)) {
    // Compiled even for an empty batch, so an unsupported function is reported, not skipped.
    const c = pred.compiled(b.fields);
    if (b.length === 0) { yield b; continue; }
    if (c.constant) {
      if (c.value === true) yield b;
      else yield { fields: b.fields, columns: b.fields.map(() => []), length: 0 };
      continue;
    }
    const mask = c.eval(b);
    const rows: number[] = [];
    for (let i = 0; i < b.length; i++) if (mask[i] === true) rows.push(i);
    yield rows.length === b.length ? b : takeRows(b, rows);
  }
}

async function* extend(input: Tab, items: Named[], schema: Field[], ctx: ExecContext): BatchStream {
  await prepareAll(items.map((i) => i.expr), ctx);
  const caches = items.map((i) => new ExprCache(i.expr, ctx));
  const layouts = new WeakMap<Field[], Field[][]>();
  for await (const b of maybeWhole(run(input, ctx), items.map((i) => i.expr), input.schema)) {
    // Later items may read columns made by earlier ones: compile each against the fields so far.
    let steps = layouts.get(b.fields);
    if (!steps) {
      steps = [];
      let f = b.fields;
      for (const item of items) {
        steps.push(f);
        const names = item.name.split('\u0000');
        if (names.length > 1) {
          // A tuple-valued function (series_fit_line...): one column per named element.
          for (const name of names) {
            const t = schema.find((s) => s.name === name)?.type ?? 'dynamic';
            f = fieldIndex(f, name) < 0 ? [...f, { name, type: t }] : f.map((x) => (x.name === name ? { name, type: t } : x));
          }
          continue;
        }
        const type = schema.find((s) => s.name === names[0])?.type ?? caches[steps.length - 1]!.compiled(f).type;
        if (fieldIndex(f, item.name) < 0) f = [...f, { name: item.name, type }];
        else f = f.map((x) => (x.name === item.name ? { name: x.name, type } : x));
      }
      steps.push(f);
      layouts.set(b.fields, steps);
    }
    const columns = [...b.columns];
    items.forEach((item, k) => {
      // pack_all() packs the operator's input row, not the columns this extend adds.
      const fieldsBefore = packsRow(item.expr) ? b.fields : steps![k]!;
      const c = caches[k]!.compiled(fieldsBefore);
      const names = item.name.split('\u0000');
      if (names.length > 1) {
        const tuples = evalColumn(c, { ...b, fields: fieldsBefore, columns });
        let f = steps![k]!;
        names.forEach((name, j) => {
          const col = tuples.map((t) => (Array.isArray(t) ? t[j] ?? null : null));
          const idx = fieldIndex(f, name);
          if (idx >= 0) columns[idx] = col;
          else { columns.push(col); f = [...f, { name, type: 'dynamic' }]; }
        });
        return;
      }
      const outType = steps![k + 1]!.find((f) => f.name === item.name)!.type;
      const col = castColumn(c.type, outType, evalColumn(c, { ...b, fields: fieldsBefore, columns }));
      const idx = fieldIndex(fieldsBefore, item.name);
      if (idx >= 0) columns[idx] = col;
      else columns.push(col);
    });
    yield { fields: steps[steps.length - 1]!, columns, length: b.length };
  }
}

function packsRow(e: Expr): boolean {
  return e.kind === 'call' && (e.fn === 'pack_all' || e.args.some(packsRow));
}

function castColumn(from: ScalarType, to: ScalarType, col: unknown[]): unknown[] {
  if (from === to) return col;
  return col.map((v) => castValue(from, to, v));
}

function projectBatch(b: Batch, items: Named[], schema: Field[], caches: ExprCache[]): Batch {
  const fields: Field[] = [];
  const columns: unknown[][] = [];
  items.forEach((item, k) => {
    const c = caches[k]!.compiled(b.fields);
    const names = item.name.split('\u0000');
    if (names.length > 1) {
      // A tuple-valued function (array_sort_asc of several arrays): one column per element.
      const tuples = evalColumn(c, b);
      names.forEach((name, j) => {
        fields.push({ name, type: schema.find((s) => s.name === name)?.type ?? 'dynamic' });
        columns.push(tuples.map((t) => (Array.isArray(t) ? t[j] ?? null : null)));
      });
      return;
    }
    const type = schema.find((s) => s.name === item.name)?.type ?? c.type;
    fields.push({ name: item.name, type });
    columns.push(castColumn(c.type, type, evalColumn(c, b)));
  });
  return { fields, columns, length: b.length };
}

async function* project(tab: Tab & { op: 'project' }, ctx: ExecContext): BatchStream {
  await prepareAll(tab.items.map((i) => i.expr), ctx);
  const caches = tab.items.map((i) => new ExprCache(i.expr, ctx));
  const layouts = new WeakMap<Field[], Field[]>();
  for await (const b of maybeWhole(run(tab.input, ctx), tab.items.map((i) => i.expr), tab.input.schema)) {
    const out = projectBatch(b, tab.items, tab.schema, caches);
    // Keep one fields array per input layout so downstream caches hit.
    let f = layouts.get(b.fields);
    if (!f) { f = out.fields; layouts.set(b.fields, f); }
    yield { ...out, fields: f };
  }
}

async function* select(tab: Tab & { op: 'select' }, ctx: ExecContext): BatchStream {
  const layouts = new WeakMap<Field[], { fields: Field[]; idx: number[] }>();
  for await (const b of run(tab.input, ctx)) {
    let l = layouts.get(b.fields);
    if (!l) {
      const idx: number[] = [];
      const fields: Field[] = [];
      for (const c of tab.columns) {
        const i = fieldIndex(b.fields, c.from);
        if (i < 0) continue;
        idx.push(i);
        fields.push({ name: c.to, type: b.fields[i]!.type });
      }
      l = { fields, idx };
      layouts.set(b.fields, l);
    }
    yield { fields: l.fields, columns: l.idx.map((i) => b.columns[i]!), length: b.length };
  }
}

async function* take(tab: Tab & { op: 'take' | 'sample' }, ctx: ExecContext): BatchStream {
  await prepareAll([tab.count], ctx);
  const c = compileExpr(tab.count, [], ctx);
  const n = c.constant ? Number(c.value ?? 0) : 0;
  let left = n;
  let fields: Field[] | undefined;
  for await (const b of run(tab.input, ctx)) {
    fields ??= b.fields;
    if (left <= 0) break;
    if (b.length <= left) { left -= b.length; yield b; continue; }
    const rows = Array.from({ length: left }, (_, i) => i);
    left = 0;
    yield takeRows(b, rows);
    break;
  }
  if (!fields) yield emptyBatch(tab.schema);
}

async function* distinct(tab: Tab & { op: 'distinct' }, ctx: ExecContext): BatchStream {
  const items = tab.items.length ? tab.items : tab.schema.map((f) => ({ name: f.name, expr: { kind: 'column', name: f.name, type: f.type, span: tab.span } as Expr }));
  await prepareAll(items.map((i) => i.expr), ctx);
  const caches = items.map((i) => new ExprCache(i.expr, ctx));
  const seen = new Set<string>();
  const fields = tab.schema.length ? tab.schema : items.map((i) => ({ name: i.name, type: 'dynamic' as ScalarType }));
  const columns = fields.map(() => [] as unknown[]);
  for await (const b of run(tab.input, ctx)) {
    const cols = caches.map((c) => evalColumn(c.compiled(b.fields), b));
    for (let i = 0; i < b.length; i++) {
      let key = '';
      for (const col of cols) key += keyOf(col[i]) + '\u0001';
      if (seen.has(key)) continue;
      seen.add(key);
      cols.forEach((col, k) => columns[k]!.push(col[i]));
    }
  }
  yield { fields, columns, length: columns[0]?.length ?? 0 };
}

async function* count(tab: Tab & { op: 'count' }, ctx: ExecContext): BatchStream {
  let n = 0;
  for await (const b of run(tab.input, ctx)) n += b.length;
  yield { fields: [{ name: tab.column, type: 'long' }], columns: [[n]], length: 1 };
}

async function* asOp(tab: Tab & { op: 'as' }, ctx: ExecContext): BatchStream {
  const b = await collect(run(tab.input, ctx), tab.input.schema);
  ctx.named.set(tab.name, b);
  yield b;
}

const CLR_TYPES: Record<ScalarType, string> = {
  bool: 'System.Boolean', int: 'System.Int32', long: 'System.Int64', real: 'System.Double',
  decimal: 'System.Data.SqlTypes.SqlDecimal', string: 'System.String', datetime: 'System.DateTime',
  timespan: 'System.TimeSpan', guid: 'System.Guid', dynamic: 'System.Object',
};

async function* getschema(tab: Tab & { op: 'getschema' }, ctx: ExecContext): BatchStream {
  const b = await collect(run(tab.input, ctx), tab.input.schema);
  const f = b.fields.length ? b.fields : tab.input.schema;
  yield {
    fields: tab.schema,
    columns: [f.map((x) => x.name), f.map((_, i) => i), f.map((x) => CLR_TYPES[x.type]), f.map((x) => x.type)],
    length: f.length,
  };
}

export { literalValue };
