/**
 * Compiles a plan expression into a function over a batch that returns one column. Constant
 * sub-expressions are folded once; each function binds once per call site (regexes compiled,
 * term sets built); the per-row loop then only calls the bound implementation.
 */
import { facts } from '../diagnostics/facts.js';
import type { Expr, Field } from '../kql/plan.js';
import type { ScalarType } from '../schema/types.js';
import { type Batch, collect, fieldIndex } from './batch.js';
import type { ExecContext } from './context.js';
import { scalarFunction } from './functions/registry.js';
import { SetValues } from './functions/operators.js';
import type { ArgInfo, RowFn } from './functions/types.js';
import { parseTimespan } from './values/datetime.js';
import { parseDatetimeText } from './functions/datetime.js';
import { type I64, add, norm } from './values/int64.js';
import { keyOf, toDynamic } from './values/index.js';
import { isAggregate } from './aggregates/registry.js';

/** Subquery results, readable synchronously once prepareExpr has awaited them. */
const settledValues = new WeakMap<Promise<Batch>, Batch>();

export type Compiled =
  | { constant: true; value: unknown; type: ScalarType }
  | { constant: false; eval: (b: Batch) => unknown[]; type: ScalarType };

/** Runs every subquery an expression needs (toscalar, `in (T | ...)`) before compiling it. */
export async function prepareExpr(expr: Expr, ctx: ExecContext): Promise<void> {
  if (expr.kind === 'subquery') {
    await subqueryResult(expr, ctx);
    return;
  }
  if (expr.kind === 'call') for (const a of expr.args) await prepareExpr(a, ctx);
}

export async function subqueryResult(expr: Expr & { kind: 'subquery' }, ctx: ExecContext): Promise<Batch> {
  let p = ctx.memo.get(expr);
  if (!p) {
    p = collect(ctx.run(expr.query), expr.query.schema);
    ctx.memo.set(expr, p);
  }
  const b = await p;
  settledValues.set(p, b);
  return b;
}

/** A literal's plan value in the engine's representation. */
export function literalValue(type: ScalarType, value: unknown): unknown {
  if (value === null || value === undefined) return type === 'string' ? '' : null;
  switch (type) {
    case 'datetime': return typeof value === 'string' ? parseDatetimeText(value.replace(/^(['"])(.*)\1$/s, '$2')) : value;
    case 'timespan':
      if (typeof value === 'string') return parseTimespan(value);
      return typeof value === 'bigint' ? norm(value) : value;
    case 'long': case 'int': return typeof value === 'bigint' ? norm(value) : value;
    case 'dynamic': return dynamicLiteral(value);
    default: return value;
  }
}

function dynamicLiteral(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dynamicLiteral);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('$kql' in o && Object.keys(o).length === 2) return toDynamic(o.$kql as ScalarType, literalValue(o.$kql as ScalarType, o.value));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = dynamicLiteral(x);
    return out;
  }
  if (typeof v === 'bigint') return norm(v);
  return v;
}

export function compileExpr(expr: Expr, fields: Field[], ctx: ExecContext): Compiled {
  switch (expr.kind) {
    case 'literal':
      return { constant: true, value: literalValue(expr.type, expr.value), type: expr.type };
    case 'column': {
      const idx = fieldIndex(fields, expr.name);
      if (idx < 0) {
        // A column the data does not have (an optional column, or an open schema): all null.
        const type = expr.type;
        return { constant: true, value: type === 'string' ? '' : null, type };
      }
      const type = fields[idx]!.type;
      return { constant: false, eval: (b) => b.columns[idx]!, type };
    }
    case 'var':
      throw facts.runtime(`unbound name '${expr.name}'`, expr.span);
    case 'subquery': {
      const b = awaited(ctx, expr);
      return { constant: true, value: new SetValues(b.length && b.columns[0] ? b.columns[0].map((v) => toDynamic(b.fields[0]!.type, v)) : []), type: 'dynamic' };
    }
    case 'star':
      throw facts.unsupportedSyntax('* here', expr.span);
    case 'type':
      return { constant: true, value: expr.type, type: 'string' };
    case 'call':
      return compileCall(expr, fields, ctx);
  }
}

function awaited(ctx: ExecContext, expr: Expr & { kind: 'subquery' }): Batch {
  const p = ctx.memo.get(expr);
  const v = p && settledValues.get(p);
  if (!v) throw facts.runtime('internal: subquery not prepared', expr.span);
  return v;
}


function compileCall(expr: Expr & { kind: 'call' }, fields: Field[], ctx: ExecContext): Compiled {
  const { fn: name, args, type, span } = expr;
  if (name === 'toscalar') {
    const sub = args[0];
    if (!sub || sub.kind !== 'subquery') throw facts.notScalar(span);
    const b = awaited(ctx, sub);
    if (b.fields.length === 0) throw facts.notScalar(span);
    const v = b.length > 0 ? b.columns[0]![0] : null;
    return { constant: true, value: convertTo(type, b.fields[0]!.type, v ?? null), type };
  }
  if (WINDOW_FUNCTIONS.has(name)) return compileWindow(expr, fields, ctx);
  if ((name === 'pack_all' && args.length <= 1) || name === 'bag_pack_columns') return compileExpr(expandRowPack(expr, fields), fields, ctx);
  // f(*) in a scalar call (estimate_data_size(*), hash_many(*)...): all columns of the row.
  if (args.some((a) => a.kind === 'star')) {
    const all = args.flatMap((a) => (a.kind === 'star' ? fields.map((f) => ({ kind: 'column', name: f.name, type: f.type, span: a.span }) as Expr) : [a]));
    return compileExpr({ ...expr, args: all }, fields, ctx);
  }
  const def = scalarFunction(name);
  if (!def) {
    if (isAggregate(name)) throw facts.runtime(`the aggregate '${name}' can only be used in summarize, make-series or top-nested`, span);
    throw facts.unsupportedFunction(name, span);
  }
  const compiled = args.map((a) => compileExpr(a, fields, ctx));
  const info: ArgInfo[] = compiled.map((c, i) => ({
    type: c.type,
    constant: c.constant,
    value: c.constant ? c.value : undefined,
  }));
  let impl: RowFn;
  try {
    impl = def.bind({ args: info, resultType: type, now: ctx.now, span });
  } catch (e) {
    if ((e as { diagnostic?: unknown }).diagnostic) throw e;
    throw facts.runtime(`${name}: ${(e as Error).message}`, span);
  }
  const nulls = def.propagatesNulls !== false;
  const fix = resultFixer(type);
  const call = (...vals: unknown[]): unknown => {
    if (nulls) for (const v of vals) if (v === null || v === undefined) return fix(null);
    return fix(impl(...vals));
  };
  if (compiled.every((c) => c.constant) && !def.volatile) {
    return { constant: true, value: safeCall(call, compiled.map((c) => (c as { value: unknown }).value), span), type };
  }
  const n = compiled.length;
  const evals = compiled.map((c) => (c.constant ? null : c.eval));
  const consts = compiled.map((c) => (c.constant ? c.value : undefined));
  const column = (b: Batch, k: number): unknown[] | null => (evals[k] ? evals[k]!(b) : null);
  return {
    constant: false,
    type,
    eval(b) {
      const len = b.length;
      const out = new Array(len);
      const cols = evals.map((_, k) => column(b, k));
      if (n === 1) {
        const a = cols[0];
        for (let i = 0; i < len; i++) out[i] = call(a ? a[i] : consts[0]);
      } else if (n === 2) {
        const a = cols[0], c = cols[1];
        const ca = consts[0], cc = consts[1];
        for (let i = 0; i < len; i++) out[i] = call(a ? a[i] : ca, c ? c[i] : cc);
      } else {
        const vals = new Array(n);
        for (let i = 0; i < len; i++) {
          for (let k = 0; k < n; k++) vals[k] = cols[k] ? cols[k]![i] : consts[k];
          out[i] = call(...vals);
        }
      }
      return out;
    },
  };
}

function safeCall(call: (...v: unknown[]) => unknown, vals: unknown[], span: Expr['span']): unknown {
  try {
    return call(...vals);
  } catch (e) {
    if ((e as { diagnostic?: unknown }).diagnostic) throw e;
    throw facts.runtime((e as Error).message, span);
  }
}

/** Results as their declared type holds them: strings never null, reals never bigint. */
function resultFixer(type: ScalarType): (v: unknown) => unknown {
  switch (type) {
    case 'string': return (v) => (v === null || v === undefined ? '' : v);
    case 'real': return (v) => (typeof v === 'bigint' ? Number(v) : v === undefined ? null : v);
    case 'long': case 'int': case 'datetime': case 'timespan':
      return (v) => (typeof v === 'number' ? (Number.isSafeInteger(v) ? v : Number.isFinite(v) ? norm(BigInt(Math.trunc(v))) : null) : typeof v === 'bigint' ? norm(v) : v === undefined ? null : v);
    default: return (v) => (v === undefined ? null : v);
  }
}

function convertTo(to: ScalarType, from: ScalarType, v: unknown): unknown {
  if (v === null) return to === 'string' ? '' : null;
  if (to === from) return v;
  if (to === 'dynamic') return toDynamic(from, v);
  return v;
}

/**
 * pack_all([ignoreNullEmpty]) and bag_pack_columns(c1, ...) need column names, known only here:
 * they become pack_all(flag, "name", value, ...) and bag_pack("c1", c1, ...).
 */
function expandRowPack(expr: Expr & { kind: 'call' }, fields: Field[]): Expr {
  const lit = (value: unknown, type: ScalarType): Expr => ({ kind: 'literal', type, value, span: expr.span });
  const col = (f: Field): Expr => ({ kind: 'column', name: f.name, type: f.type, span: expr.span });
  if (expr.fn === 'pack_all') {
    const flag = expr.args[0] ?? lit(false, 'bool');
    return { ...expr, args: [flag, ...fields.flatMap((f) => [lit(f.name, 'string'), col(f)])] };
  }
  const args = expr.args.flatMap((a) => (a.kind === 'column' ? [lit(a.name, 'string'), a] : [a]));
  return { ...expr, fn: 'bag_pack', args };
}

/** Functions over the serialized row order; the operator hands them the whole input as one batch. */
const WINDOW_FUNCTIONS = new Set(['row_number', 'prev', 'next', 'row_cumsum', 'row_rank_dense', 'row_rank_min']);

export function usesWindow(expr: Expr): boolean {
  if (expr.kind !== 'call') return false;
  return WINDOW_FUNCTIONS.has(expr.fn) || expr.args.some(usesWindow);
}

function compileWindow(expr: Expr & { kind: 'call' }, fields: Field[], ctx: ExecContext): Compiled {
  const args = expr.args.map((a) => compileExpr(a, fields, ctx));
  const column = (c: Compiled, b: Batch): unknown[] => (c.constant ? new Array(b.length).fill(c.value) : c.eval(b));
  const constArg = (i: number, dflt: unknown) => (args[i] && args[i]!.constant ? (args[i] as { value: unknown }).value : dflt);
  const type = expr.type;
  switch (expr.fn) {
    case 'row_number': {
      const start = Number(constArg(0, 1) ?? 1);
      const restart = args[1];
      return {
        constant: false, type,
        eval(b) {
          const out = new Array(b.length);
          const r = restart ? column(restart, b) : null;
          let n = start;
          for (let i = 0; i < b.length; i++) {
            if (r && r[i] === true) n = start;
            out[i] = n++;
          }
          return out;
        },
      };
    }
    case 'prev':
    case 'next': {
      const offset = Number(constArg(1, 1) ?? 1) * (expr.fn === 'prev' ? -1 : 1);
      const dflt = constArg(2, type === 'string' ? '' : null);
      return {
        constant: false, type,
        eval(b) {
          const src = column(args[0]!, b);
          const out = new Array(b.length);
          for (let i = 0; i < b.length; i++) {
            const j = i + offset;
            out[i] = j >= 0 && j < b.length ? src[j] : dflt;
          }
          return out;
        },
      };
    }
    case 'row_cumsum': {
      return {
        constant: false, type,
        eval(b) {
          const src = column(args[0]!, b);
          const r = args[1] ? column(args[1], b) : null;
          const out = new Array(b.length);
          let acc: unknown = 0;
          for (let i = 0; i < b.length; i++) {
            if (r && r[i] === true) acc = 0;
            const v = src[i];
            if (v !== null && v !== undefined) acc = typeof acc === 'number' && typeof v === 'number' ? acc + v : add(acc as I64, v as I64);
            out[i] = acc;
          }
          return out;
        },
      };
    }
    default: {
      // row_rank_dense / row_rank_min over a sorted column; the optional second argument restarts the ranking.
      const dense = expr.fn === 'row_rank_dense';
      return {
        constant: false, type,
        eval(b) {
          const src = column(args[0]!, b);
          const restart = args[1] ? column(args[1], b) : null;
          const out = new Array(b.length);
          let rank = 0;
          let first = 0;
          for (let i = 0; i < b.length; i++) {
            if (i === 0 || restart?.[i] === true) { first = i; rank = 1; }
            else if (keyOf(src[i]) !== keyOf(src[i - 1])) rank = dense ? rank + 1 : i - first + 1;
            out[i] = rank;
          }
          return out;
        },
      };
    }
  }
}
