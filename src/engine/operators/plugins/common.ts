/** Helpers shared by the plugins: arguments, input, output layout, and time axes. */
import { facts } from '../../../diagnostics/facts.js';
import type { Expr, Field } from '../../../kql/plan.js';
import type { ScalarType } from '../../../schema/types.js';
import { type Batch, collect, fieldIndex } from '../../batch.js';
import { castValue } from '../../cast.js';
import type { ExecContext } from '../../context.js';
import { compileExpr, subqueryResult } from '../../expr.js';
import { ExprCache, run } from '../../run.js';
import { DATETIME_MIN, fromParts, TICKS_PER_DAY, toParts } from '../../values/datetime.js';
import { keyOf } from '../../values/index.js';
import type { Evaluate, PluginCall } from './types.js';

export function splitArgs(args: Expr[]): { positional: Expr[]; named: Map<string, Expr> } {
  const positional: Expr[] = [];
  const named = new Map<string, Expr>();
  for (const a of args) {
    if (a.kind === 'call' && a.fn === '=' && a.args[0]?.kind === 'literal') named.set(String(a.args[0].value).toLowerCase(), a.args[1]!);
    else positional.push(a);
  }
  return { positional, named };
}

/** A constant argument's value (undefined when the argument is absent). */
export function constant(e: Expr | undefined, ctx: ExecContext, what = 'this plugin argument'): unknown {
  if (!e) return undefined;
  const c = compileExpr(e, [], ctx);
  if (!c.constant) throw facts.runtime(`${what} must be a constant`, e.span);
  return c.value;
}

/** The type of a constant or column argument. */
export function typeOf(e: Expr): ScalarType {
  return 'type' in e && typeof e.type === 'string' ? e.type : 'dynamic';
}

/** Whether an argument is a constant: it reads no column (and is not a table). */
export function isConstantArg(e: Expr, ctx: ExecContext): boolean {
  if (e.kind === 'subquery' || e.kind === 'star' || e.kind === 'column') return false;
  if (e.kind === 'call' && !e.args.every((a) => isConstantArg(a, ctx))) return false;
  try {
    return compileExpr(e, [], ctx).constant;
  } catch {
    return false;
  }
}

/** A positional argument given as `~` (use the default) or absent. */
export function isDefault(e: Expr | undefined, ctx: ExecContext): boolean {
  if (!e) return true;
  if (!isConstantArg(e, ctx)) return false;
  const v = constant(e, ctx);
  return v === null || v === '~';
}

/** The plugin's input table as one batch. */
export async function input(call: PluginCall): Promise<Batch> {
  const { tab, ctx } = call;
  if (!tab.input) throw facts.unsupportedSyntax(`evaluate ${tab.plugin} without an input table`, tab.span);
  return collect(run(tab.input, ctx), tab.input.schema);
}

/** A tabular argument (a table name or subquery) as one batch. */
export async function tableArg(e: Expr | undefined, call: PluginCall, what: string): Promise<Batch> {
  if (!e || e.kind !== 'subquery') throw facts.runtime(`${call.tab.plugin}: ${what} must be a table`, e?.span ?? call.tab.span);
  return subqueryResult(e, call.ctx);
}

/** An argument evaluated over every row of `b`, with its type. */
export function columnArg(e: Expr, b: Batch, ctx: ExecContext): { values: unknown[]; type: ScalarType } {
  const cache = new ExprCache(e, ctx);
  return { values: cache.column(b), type: cache.compiled(b.fields).type };
}

/** The output name of a column argument (the binder names the output after it). */
export function argName(e: Expr, fallback: string): string {
  return e.kind === 'column' ? e.name : fallback;
}

/** Whether the binder's schema was given by the query (it names columns the input does not have). */
export function explicitSchema(tab: Evaluate, inputFields: Field[]): boolean {
  return tab.schema.some((f) => fieldIndex(inputFields, f.name) < 0);
}

/** The columns of a query-given output schema, by name (absent ones null). */
export function project(schema: Field[], fields: Field[], columns: unknown[][], length: number): Batch {
  const out = schema.map((f) => {
    const i = fieldIndex(fields, f.name);
    if (i < 0) return new Array(length).fill(f.type === 'string' ? '' : null);
    return columns[i]!.map((v) => castValue(fields[i]!.type, f.type, v));
  });
  return { fields: schema, columns: out, length };
}

/**
 * Puts a plugin's result in the binder's column order, names and types when the binder's schema
 * has as many columns; otherwise the result is kept as computed.
 */
export function conform(tab: Evaluate, b: Batch): Batch {
  const s = tab.schema;
  if (s.length !== b.fields.length) return b;
  if (s.every((f) => fieldIndex(b.fields, f.name) >= 0)) return project(s, b.fields, b.columns, b.length);
  // Same columns under other names (e.g. a percentile spelled differently): by position.
  const columns = s.map((f, i) => b.columns[i]!.map((v) => castValue(b.fields[i]!.type, f.type, v)));
  return { fields: s, columns, length: b.length };
}

/** A null-safe row key over several columns. */
export function rowKey(cols: unknown[][], i: number): string {
  let key = '';
  for (const c of cols) key += keyOf(c[i]) + '\u0001';
  return key;
}

/** Rows grouped by the values of `cols`, in order of first appearance. */
export function groupRows(cols: unknown[][], length: number, keep?: (i: number) => boolean): { keys: unknown[]; rows: number[] }[] {
  const groups = new Map<string, { keys: unknown[]; rows: number[] }>();
  for (let i = 0; i < length; i++) {
    if (keep && !keep(i)) continue;
    const key = rowKey(cols, i);
    let g = groups.get(key);
    if (!g) { g = { keys: cols.map((c) => c[i]), rows: [] }; groups.set(key, g); }
    g.rows.push(i);
  }
  return [...groups.values()];
}

/** A value that counts as missing for a plugin's id or key (null, or Kusto's empty string). */
export function missing(v: unknown): boolean {
  return v === null || v === undefined || v === '';
}

// ---------------------------------------------------------------- time axes

/**
 * The periods of a timeline: fixed-size steps from an origin, or calendar weeks (starting on
 * Sunday), months and years when the step is the string 'week', 'month' or 'year'.
 */
export interface Axis {
  /** The start of the period that holds `v` (null for null). */
  floor(v: unknown): unknown;
  /** The start of the period `k` periods after the one starting at `p`. */
  shift(p: unknown, k: number): unknown;
}

function isIntegral(t: ScalarType): boolean {
  return t === 'long' || t === 'int' || t === 'datetime' || t === 'timespan';
}

function toBig(v: unknown): bigint {
  return typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
}

function fromBig(v: bigint): unknown {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * An axis for timeline values of `type`. `origin` is where fixed-size periods are counted from:
 * a value (the analysis start) or 'bin' for bin()'s alignment (0, or 0001-01-01 for datetimes).
 */
export function makeAxis(type: ScalarType, step: unknown, origin: unknown, what: string, span: Expr['span']): Axis {
  if (typeof step === 'string') {
    const unit = step.toLowerCase();
    if (type !== 'datetime' || (unit !== 'week' && unit !== 'month' && unit !== 'year')) {
      throw facts.runtime(`${what}: the step '${step}' is not one of week, month, year`, span);
    }
    return calendarAxis(unit);
  }
  if (step === null || step === undefined) throw facts.runtime(`${what}: the step must not be null`, span);
  if (!isIntegral(type)) {
    const size = Number(step);
    const o = origin === 'bin' || origin === null || origin === undefined ? 0 : Number(origin);
    if (!(size > 0)) throw facts.runtime(`${what}: the step must be positive`, span);
    return {
      floor: (v) => (v === null || v === undefined ? null : o + Math.floor((Number(v) - o) / size) * size),
      shift: (p, k) => Number(p) + k * size,
    };
  }
  const size = toBig(step);
  if (size <= 0n) throw facts.runtime(`${what}: the step must be positive`, span);
  const o = origin === 'bin' || origin === null || origin === undefined ? (type === 'datetime' ? toBig(DATETIME_MIN) : 0n) : toBig(origin);
  return {
    floor(v) {
      if (v === null || v === undefined) return null;
      const d = toBig(v) - o;
      let q = d / size;
      if (d % size !== 0n && d < 0n) q -= 1n;
      return fromBig(o + q * size);
    },
    shift: (p, k) => fromBig(toBig(p) + BigInt(k) * size),
  };
}

function calendarAxis(unit: 'week' | 'month' | 'year'): Axis {
  const floor = (v: unknown): unknown => {
    if (v === null || v === undefined) return null;
    const p = toParts(v as number | bigint);
    if (unit === 'year') return fromParts(p.year, 1, 1);
    if (unit === 'month') return fromParts(p.year, p.month, 1);
    // Days since 1970-01-01, a Thursday (weekday 4 counting from Sunday).
    const dow = (((p.days + 4) % 7) + 7) % 7;
    return fromBig(toBig(fromParts(p.year, p.month, p.day)) - BigInt(dow) * BigInt(TICKS_PER_DAY));
  };
  const shift = (v: unknown, k: number): unknown => {
    const p = toParts(v as number | bigint);
    if (unit === 'week') return fromBig(toBig(v) + BigInt(k * 7) * BigInt(TICKS_PER_DAY));
    if (unit === 'month') {
      const m = p.year * 12 + (p.month - 1) + k;
      return fromParts(Math.floor(m / 12), (m % 12) + 1, 1);
    }
    return fromParts(p.year + k, 1, 1);
  };
  return { floor, shift };
}

/** Every period start from the one holding `from` up to `to` (inclusive). */
export function periods(axis: Axis, from: unknown, to: unknown, what: string, span: Expr['span']): unknown[] {
  const out: unknown[] = [];
  if (from === null || from === undefined || to === null || to === undefined) return out;
  let p = axis.floor(from);
  while (compare(p, to) <= 0) {
    out.push(p);
    if (out.length > 1_000_000) throw facts.runtime(`${what}: the analysis range has too many periods`, span);
    p = axis.shift(p, 1);
  }
  return out;
}

/** Orders numbers and bigints together. */
export function compare(a: unknown, b: unknown): number {
  const x = a as number | bigint, y = b as number | bigint;
  return x < y ? -1 : x > y ? 1 : 0;
}

// ---------------------------------------------------------------- the activity plugins' arguments

/** `(IdColumn, TimelineColumn, constants..., dimension columns... [, lookback table])`, read. */
export interface ActivityArgs {
  b: Batch;
  ids: unknown[];
  times: unknown[];
  timeType: ScalarType;
  timeName: string;
  /** The constant arguments after the timeline column, in order, with their expressions. */
  consts: unknown[];
  constExprs: Expr[];
  dims: { name: string; type: ScalarType; values: unknown[] }[];
  /** A trailing tabular argument (new_activity_metrics' lookback). */
  table?: Expr;
}

export async function activityArgs(call: PluginCall): Promise<ActivityArgs> {
  const { tab, ctx, positional } = call;
  const [idExpr, timeExpr] = positional;
  if (!idExpr || !timeExpr) throw facts.runtime(`${tab.plugin} needs an id column and a timeline column`, tab.span);
  let k = 2;
  const constExprs: Expr[] = [];
  while (k < positional.length && isConstantArg(positional[k]!, ctx)) constExprs.push(positional[k++]!);
  const dimExprs: Expr[] = [];
  while (k < positional.length && positional[k]!.kind !== 'subquery') dimExprs.push(positional[k++]!);
  const table = positional[k];
  const b = await input(call);
  const ids = columnArg(idExpr, b, ctx).values;
  const time = columnArg(timeExpr, b, ctx);
  const dims = dimExprs.map((e, i) => {
    const c = columnArg(e, b, ctx);
    return { name: argName(e, `Column${i + 1}`), type: c.type, values: c.values };
  });
  return {
    b, ids, times: time.values, timeType: time.type, timeName: argName(timeExpr, 'Timestamp'),
    consts: constExprs.map((e) => constant(e, ctx)), constExprs, dims, table,
  };
}

/** The rows of each dimension combination whose timeline value lies in [from, to] (either may be null). */
export function activityGroups(a: ActivityArgs, from: unknown, to: unknown): { keys: unknown[]; rows: number[] }[] {
  const inRange = (i: number) => {
    const t = a.times[i];
    if (t === null || t === undefined) return false;
    return (from === null || from === undefined || compare(t, from) >= 0) && (to === null || to === undefined || compare(t, to) <= 0);
  };
  return groupRows(a.dims.map((d) => d.values), a.b.length, inRange);
}

/** Builds a result from rows of named values. */
export class Rows {
  readonly columns: unknown[][];
  length = 0;
  constructor(readonly fields: Field[]) {
    this.columns = fields.map(() => []);
  }
  push(values: unknown[]): void {
    for (let c = 0; c < this.fields.length; c++) this.columns[c]!.push(values[c] ?? (this.fields[c]!.type === 'string' ? '' : null));
    this.length++;
  }
  batch(): Batch {
    return { fields: this.fields, columns: this.columns, length: this.length };
  }
}

/** The smallest and largest non-null values. */
export function extent(values: unknown[]): [unknown, unknown] {
  let lo: unknown = null, hi: unknown = null;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    if (lo === null || compare(v, lo) < 0) lo = v;
    if (hi === null || compare(v, hi) > 0) hi = v;
  }
  return [lo, hi];
}

/** a + k * b for timeline values and steps (numbers, or bigints past 2^53). */
export function plus(a: unknown, b: unknown, k = 1): unknown {
  if (typeof a === 'number' && typeof b === 'number') {
    const x = a + k * b;
    if (!Number.isInteger(a) || !Number.isInteger(b) || Number.isSafeInteger(x)) return x;
  }
  return fromBig(toBig(a) + BigInt(k) * toBig(b));
}

/** The index of the first of the ascending `sorted` not below `v`. */
export function lowerBound(sorted: unknown[], v: unknown): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compare(sorted[mid], v) < 0) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/**
 * The result of a lookup-style join: for each (input row, lookup row or -1) pair, the input's
 * columns then the chosen lookup columns (empty for -1). A lookup column named like an earlier
 * column is renamed with a number suffix (longitude → longitude1), as the binder names it.
 */
export function lookupJoin(tab: Evaluate, b: Batch, lookup: Batch, lookupCols: number[], pairs: [number, number][]): Batch {
  const names = new Set(b.fields.map((f) => f.name));
  const fields: Field[] = [...b.fields];
  const columns: unknown[][] = b.fields.map((_, c) => pairs.map(([i]) => b.columns[c]![i]));
  for (const c of lookupCols) {
    const f = lookup.fields[c]!;
    let name = f.name;
    for (let n = 1; names.has(name); n++) name = `${f.name}${n}`;
    names.add(name);
    fields.push({ name, type: f.type });
    const empty = f.type === 'string' ? '' : null;
    const col = lookup.columns[c]!;
    columns.push(pairs.map(([, r]) => (r < 0 ? empty : col[r])));
  }
  return conform(tab, { fields, columns, length: pairs.length });
}
