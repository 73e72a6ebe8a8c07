/**
 * make-series: per group of the `by` keys, each aggregate computed per bin of the axis
 * (bin_at(axis, step, from), bins in [from, to)), as a dynamic array with `default` in empty
 * bins; the axis column is the array of bin values. Without `from`/`to`, the range runs from
 * the bin of the smallest axis value to the bin of the largest, over all the input.
 */
import { facts } from '../../diagnostics/facts.js';
import type { Expr, Field, Tab } from '../../kql/plan.js';
import type { ScalarType } from '../../schema/types.js';
import { type Batch, type BatchStream, collect } from '../batch.js';
import type { ExecContext } from '../context.js';
import { aggregateFunction, isAggregate } from '../aggregates/registry.js';
import type { Accumulator } from '../aggregates/types.js';
import { castValue } from '../cast.js';
import { type Compiled, compileExpr } from '../expr.js';
import { ExprCache, evalColumn, prepareAll, run } from '../run.js';
import { type I64, norm } from '../values/int64.js';
import { keyOf, toDynamic } from '../values/index.js';

// ---------------------------------------------------------------- shared aggregation

interface Slot {
  name: string;
  call: Expr & { kind: 'call' };
  acc: Accumulator;
  args: ExprCache[];
}

/**
 * Aggregate expressions (`count()`, `sum(x) * 2`) over groups of rows: every aggregate call gets
 * a slot with one accumulator state per group; the expressions are then evaluated over the
 * slot results. Used by make-series and top-nested.
 */
export class GroupAggregates {
  private readonly slots: Slot[] = [];
  private readonly outputs: Expr[];
  private slotFields: Field[] = [];

  constructor(exprs: Expr[], private readonly ctx: ExecContext) {
    this.outputs = exprs.map((e) => this.extract(e));
    this.slotFields = this.slots.map((s) => ({ name: s.name, type: s.call.type }));
  }

  private extract(e: Expr): Expr {
    if (e.kind !== 'call') return e;
    if (isAggregate(e.fn)) {
      const def = aggregateFunction(e.fn)!;
      const args = e.args.filter((a) => a.kind !== 'star');
      if (args.length !== e.args.length && e.fn !== 'count') throw facts.unsupportedSyntax(`${e.fn}(*) here`, e.span);
      const info = args.map((a) => ({
        type: (a as { type?: ScalarType }).type ?? 'dynamic' as ScalarType,
        constant: a.kind === 'literal',
        value: a.kind === 'literal' ? a.value : undefined,
      }));
      let acc: Accumulator;
      try {
        acc = def.bind({ args: info, resultType: e.type, span: e.span });
      } catch (err) {
        if ((err as { diagnostic?: unknown }).diagnostic) throw err;
        throw facts.runtime(`${e.fn}: ${(err as Error).message}`, e.span);
      }
      const slot: Slot = { name: `\u0000agg${this.slots.length}`, call: e, acc, args: args.map((a) => new ExprCache(a, this.ctx)) };
      this.slots.push(slot);
      return { kind: 'column', name: slot.name, type: e.type, span: e.span };
    }
    return { ...e, args: e.args.map((a) => this.extract(a)) };
  }

  /** The expressions to prepare (subqueries) before feeding rows. */
  argExprs(): Expr[] {
    return this.slots.flatMap((s) => s.call.args.filter((a) => a.kind !== 'star'));
  }

  /** The argument columns of every slot for a batch. */
  argColumns(b: Batch): unknown[][][] {
    return this.slots.map((s) => s.args.map((a) => evalColumn(a.compiled(b.fields), b)));
  }

  init(): unknown[] {
    return this.slots.map((s) => s.acc.init());
  }

  add(states: unknown[], cols: unknown[][][], row: number): void {
    for (let s = 0; s < this.slots.length; s++) {
      const acc = this.slots[s]!.acc;
      const c = cols[s]!;
      switch (c.length) {
        case 0: states[s] = acc.add(states[s]); break;
        case 1: states[s] = acc.add(states[s], c[0]![row]); break;
        case 2: states[s] = acc.add(states[s], c[0]![row], c[1]![row]); break;
        default: states[s] = acc.add(states[s], ...c.map((x) => x[row]));
      }
    }
  }

  /** Each expression's value for each group (by its states), and the expression's type. */
  results(groups: unknown[][]): { values: unknown[]; type: ScalarType }[] {
    const n = groups.length;
    const columns = this.slots.map((s, k) => groups.map((st) => s.acc.result(st[k])));
    const b: Batch = { fields: this.slotFields, columns, length: n };
    return this.outputs.map((o) => {
      const c: Compiled = compileExpr(o, this.slotFields, this.ctx);
      return { values: n === 0 ? [] : evalColumn(c, b), type: c.type };
    });
  }
}

/** A constant expression's value (from, to, step, default, counts). */
export function constantValue(e: Expr, ctx: ExecContext, what: string): unknown {
  const c = compileExpr(e, [], ctx);
  if (!c.constant) throw facts.runtime(`${what} must be a constant`, e.span);
  return c.value;
}

// ---------------------------------------------------------------- axis arithmetic

const MAX_BINS = 1 << 20;

function isIntegral(t: ScalarType): boolean {
  return t === 'long' || t === 'int' || t === 'datetime' || t === 'timespan';
}

/** Bin index of v from start (floor((v - start) / step)). */
function binIndex(v: unknown, start: unknown, step: unknown, integral: boolean): number {
  if (integral && (typeof v === 'bigint' || typeof start === 'bigint' || typeof step === 'bigint')) {
    const d = BigInt(v as I64) - BigInt(start as I64);
    const s = BigInt(step as I64);
    let q = d / s;
    if (d % s !== 0n && (d < 0n) !== (s < 0n)) q -= 1n;
    return Number(q);
  }
  return Math.floor((Number(v) - Number(start)) / Number(step));
}

function binValue(start: unknown, step: unknown, k: number, integral: boolean): unknown {
  if (!integral) return Number(start) + k * Number(step);
  if (typeof start === 'number' && typeof step === 'number') {
    const x = start + k * step;
    if (Number.isSafeInteger(x)) return x;
  }
  return norm(BigInt(start as I64) + BigInt(k) * BigInt(step as I64));
}

// ---------------------------------------------------------------- the operator

type MakeSeries = Tab & { op: 'make-series' };

interface Group {
  keys: unknown[];
  /** Slot states per bin index that has rows. */
  bins: Map<number, unknown[]>;
}

export async function* makeSeriesOp(tab: MakeSeries, ctx: ExecContext): BatchStream {
  const aggs = new GroupAggregates(tab.aggregates.map((a) => a.expr), ctx);
  const consts = [tab.step, ...(tab.from ? [tab.from] : []), ...(tab.to ? [tab.to] : []), ...tab.aggregates.flatMap((a) => (a.default ? [a.default] : []))];
  await prepareAll([...consts, tab.on.expr, ...tab.by.map((b) => b.expr), ...aggs.argExprs()], ctx);
  const step = constantValue(tab.step, ctx, 'the make-series step');
  let start = tab.from ? constantValue(tab.from, ctx, 'the make-series start') : null;
  const end = tab.to ? constantValue(tab.to, ctx, 'the make-series end') : null;
  if (step === null || Number(step) <= 0) throw facts.runtime('the make-series step must be positive', tab.step.span);

  const input = await collect(run(tab.input, ctx), tab.input.schema);
  const axisC = new ExprCache(tab.on.expr, ctx);
  const axis = axisC.column(input);
  const axisType = input.length ? axisC.compiled(input.fields).type : (tab.on.expr as { type: ScalarType }).type;
  const integral = isIntegral(axisType);
  if (start === null) start = firstBin(axis, step, axisType, ctx, tab);
  if (start === null) { yield emptyOutput(tab); return; }

  const byCaches = tab.by.map((b) => new ExprCache(b.expr, ctx));
  const keyCols = byCaches.map((c) => c.column(input));
  const byTypes = byCaches.map((c, k) => (input.length ? c.compiled(input.fields).type : (tab.by[k]!.expr as { type: ScalarType }).type));
  const argCols = aggs.argColumns(input);
  const limit = end === null ? Infinity : binIndex(end, start, step, integral) + (binRemainder(end, start, step, integral) ? 1 : 0);
  const groups = new Map<string, Group>();
  let maxBin = -1;
  for (let i = 0; i < input.length; i++) {
    const v = axis[i];
    if (v === null || v === undefined) continue;
    const k = binIndex(v, start, step, integral);
    if (k < 0 || k >= limit) continue;
    let key = '';
    for (const col of keyCols) key += keyOf(col[i]) + '\u0001';
    let g = groups.get(key);
    if (!g) {
      g = { keys: keyCols.map((c) => c[i]), bins: new Map() };
      groups.set(key, g);
    }
    let st = g.bins.get(k);
    if (!st) { st = aggs.init(); g.bins.set(k, st); }
    aggs.add(st, argCols, i);
    if (k > maxBin) maxBin = k;
  }
  const nbins = end === null ? maxBin + 1 : Math.max(0, limit);
  if (groups.size === 0 && tab.by.length === 0 && tab.nonEmpty) {
    groups.set('', { keys: [], bins: new Map() });
  }
  if (nbins > MAX_BINS) throw facts.runtime(`make-series would produce more than ${MAX_BINS} bins`, tab.span);
  yield seriesBatch(tab, ctx, aggs, [...groups.values()], byTypes, start, step, nbins, axisType);
}

/** Whether end is not on a bin boundary (so the bin holding it still counts as before `to`). */
function binRemainder(end: unknown, start: unknown, step: unknown, integral: boolean): boolean {
  const k = binIndex(end, start, step, integral);
  const at = binValue(start, step, k, integral);
  return typeof at === 'bigint' || typeof end === 'bigint' ? BigInt(at as I64) !== BigInt(end as I64) : at !== end;
}

/** bin(min(axis), step), as the bin() function computes it. */
function firstBin(axis: unknown[], step: unknown, type: ScalarType, ctx: ExecContext, tab: MakeSeries): unknown {
  let min: unknown = null;
  for (const v of axis) {
    if (v === null || v === undefined) continue;
    if (min === null || (v as number) < (min as number)) min = v;
  }
  if (min === null) return null;
  const call: Expr = {
    kind: 'call', fn: 'bin', type, span: tab.span,
    args: [{ kind: 'literal', type, value: min, span: tab.span }, { kind: 'literal', type: (tab.step as { type: ScalarType }).type, value: step, span: tab.span }],
  };
  return constantValue(call, ctx, 'the make-series start');
}

function outputFields(tab: MakeSeries, byTypes: ScalarType[]): Field[] {
  const n = tab.by.length + tab.aggregates.length + 1;
  if (tab.schema.length === n) return tab.schema;
  return [
    ...tab.by.map((b, k) => ({ name: b.name, type: byTypes[k] ?? 'dynamic' as ScalarType })),
    ...tab.aggregates.map((a) => ({ name: a.name, type: 'dynamic' as ScalarType })),
    { name: tab.on.name, type: 'dynamic' },
  ];
}

function emptyOutput(tab: MakeSeries): Batch {
  const fields = outputFields(tab, tab.by.map((b) => (b.expr as { type: ScalarType }).type ?? 'dynamic'));
  return { fields, columns: fields.map(() => []), length: 0 };
}

/** The value of an empty bin: the aggregate's `default=`, else 0 for numbers, null otherwise. */
function defaultValue(a: MakeSeries['aggregates'][number], type: ScalarType, ctx: ExecContext): unknown {
  if (a.default) {
    const c = compileExpr(a.default, [], ctx);
    const v = c.constant ? c.value : null;
    return toDynamic(type, castValue(c.type, type, v));
  }
  switch (type) {
    case 'long': case 'int': case 'real': case 'decimal': return 0;
    case 'timespan': return toDynamic('timespan', 0);
    default: return null;
  }
}

function seriesBatch(
  tab: MakeSeries, ctx: ExecContext, aggs: GroupAggregates, groups: Group[], byTypes: ScalarType[],
  start: unknown, step: unknown, nbins: number, axisType: ScalarType,
): Batch {
  const integral = isIntegral(axisType);
  // One row of slot states per (group, bin) that has data, evaluated in one go.
  const cells: unknown[][] = [];
  const where: { g: number; k: number }[] = [];
  groups.forEach((g, gi) => {
    for (const [k, st] of g.bins) { cells.push(st); where.push({ g: gi, k }); }
  });
  const results = aggs.results(cells);
  const series = tab.aggregates.map((a, j) => {
    const type = results[j]!.type;
    const dflt = defaultValue(a, type, ctx);
    const arrays = groups.map(() => new Array(nbins).fill(dflt));
    results[j]!.values.forEach((v, c) => {
      const { g, k } = where[c]!;
      arrays[g]![k] = toDynamic(type, v);
    });
    return arrays;
  });
  const axisValues: unknown[] = [];
  for (let k = 0; k < nbins; k++) axisValues.push(toDynamic(axisType, binValue(start, step, k, integral)));
  const fields = outputFields(tab, byTypes);
  const columns: unknown[][] = [];
  tab.by.forEach((_, k) => {
    const to = fields[k]!.type;
    columns.push(groups.map((g) => (byTypes[k] === to ? g.keys[k] : castValue(byTypes[k]!, to, g.keys[k]))));
  });
  series.forEach((arrays) => columns.push(arrays));
  columns.push(groups.map(() => axisValues.slice()));
  return { fields, columns, length: groups.length };
}
