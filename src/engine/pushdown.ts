/**
 * The filters a table scan's rows must pass, as seen from the scan. A rule rarely filters right
 * above its table: it names things first (`extend Tool = case(FileName in~ (...), "scp", ...)`),
 * joins a watchlist, then keeps `where isnotempty(Tool)`. Those filters still say which records
 * can matter, once they are
 * - carried down through the row-wise operators between them and the scan (extend, project,
 *   column renames, the left side of a lookup, a side of a join that keeps its rows as they
 *   are), the columns they name replaced by the expressions that made them (`scanFilters`);
 * - weakened into forms a field test understands (`implied`): `P(case(c1, v1, ..., e))` implies
 *   some `c_i` whose value can pass P, and `tolower(x) == "a"` implies `x =~ "a"`.
 * Every predicate given to a reader is implied by the filter it came from, so a record that
 * fails it fails the filter; the filters themselves still run above the scan.
 */
import { type Expr, type Field, type Tab, children } from '../kql/plan.js';
import type { ExecContext } from './context.js';
import { compileExpr, usesWindow } from './expr.js';
import { scalarFunction } from './functions/registry.js';
import { WATCHLIST_PREFIX } from '../kql/translate.js';

/** Stands for a value the scan's columns do not determine (a lookup's right side, a tuple). */
const OPAQUE = '\u0000opaque';

/**
 * A right-side column of a lookup, as seen from its left rows: empty unless the row found a match,
 * and a row finds one only when its key is among the right side's keys (`keys`: a subquery of
 * them, made once per lookup and run when the scan opens).
 */
interface RightColumn { leftKey: Expr; keys: Expr & { kind: 'subquery' } }
const rightColumns = new WeakMap<Expr, RightColumn>();

/**
 * Column name → what it is over the scan's columns (null: opaque). A name it lacks is the scan's
 * own column, until a project or a rename leaves only the names it made (`closed`).
 */
interface Env { names: Map<string, Expr | null>; closed: boolean }

/** A reference to a column of the operator's input. */
function columnRef(f: Field, span: Expr['span']): Expr {
  return { kind: 'column', name: f.name, type: f.type, span };
}

function opaque(like: { type?: unknown; span: Expr['span'] }): Expr {
  return { kind: 'var', name: OPAQUE, type: (like.type ?? 'dynamic') as never, span: like.span };
}

/** The expression with every column replaced by what it is over the scan's columns. */
function substitute(e: Expr, env: Env): Expr {
  if (env.names.size === 0 && !env.closed) return e;
  if (e.kind === 'column') {
    if (!env.names.has(e.name)) return env.closed ? opaque(e) : e;
    return env.names.get(e.name) ?? opaque(e);
  }
  if (e.kind !== 'call') return e;
  let changed = false;
  const args = e.args.map((a) => {
    const s = substitute(a, env);
    if (s !== a) changed = true;
    return s;
  });
  return changed ? { ...e, args } : e;
}

/** Names an item defines: one, or several for a tuple (`extend (a, b) = f()`), which stay opaque. */
function define(env: Env, name: string, expr: Expr, from: Env): void {
  const names = name.split('\u0000');
  if (names.length > 1) for (const n of names) env.names.set(n, null);
  else env.names.set(name, substitute(expr, from));
}

/**
 * The `where` predicates above each scan, over the scan's own columns, for a scan with one
 * reader. Climbs through where, extend, project, column renames, the left side of a lookup and
 * a side of a join whose rows come out as they are (FILTERABLE_SIDE);
 * stops at anything else, and at an operator whose rows depend on their neighbours (a window
 * function such as prev() or row_number()), which a filter cannot be moved below.
 */
export function scanFilters(root: Tab): Map<Tab, Expr[]> {
  const parents = new Map<Tab, Tab[]>();
  const seen = new Set<Tab>();
  const visit = (t: Tab): void => {
    if (seen.has(t)) return;
    seen.add(t);
    for (const c of children(t)) {
      parents.set(c, [...(parents.get(c) ?? []), t]);
      visit(c);
    }
  };
  visit(root);
  const out = new Map<Tab, Expr[]>();
  for (const t of seen) {
    if (t.op !== 'table') continue;
    const preds: Expr[] = [];
    let env: Env = { names: new Map(), closed: false };
    let cur: Tab = t;
    climb: for (;;) {
      const ps: Tab[] = parents.get(cur) ?? [];
      if (ps.length !== 1) break;
      const p: Tab = ps[0]!;
      // Its row source, not a subquery in one of its expressions (`where x in (T)` reads T whole).
      const source = 'input' in p ? p.input === cur : p.op === 'lookup' ? p.left === cur : p.op === 'join' && (p.left === cur || p.right === cur);
      if (!source) break;
      switch (p.op) {
        case 'where':
          if (usesWindow(p.predicate)) break climb;
          preds.push(substitute(p.predicate, env));
          break;
        case 'extend': {
          if (p.items.some((i) => usesWindow(i.expr))) break climb;
          const next: Env = { names: new Map(env.names), closed: env.closed };
          for (const i of p.items) define(next, i.name, i.expr, next);
          env = next;
          break;
        }
        case 'project': {
          if (p.items.some((i) => usesWindow(i.expr))) break climb;
          const next: Env = { names: new Map(), closed: true };
          for (const i of p.items) define(next, i.name, i.expr, env);
          env = next;
          break;
        }
        case 'select': {
          const next: Env = { names: new Map(), closed: true };
          for (const c of p.columns) {
            const col = p.input.schema.find((f) => f.name === c.from);
            next.names.set(c.to, col ? substitute(columnRef(col, p.span), env) : null);
          }
          env = next;
          break;
        }
        case 'lookup': {
          // Every left row comes out (once per match, or alone); its columns are unchanged.
          const next: Env = { names: new Map(env.names), closed: env.closed };
          const left = new Set(p.left.schema.map((f) => f.name));
          const keys = keysOf(p, env);
          for (const f of p.schema) {
            if (left.has(f.name)) continue;
            const marker = keys ? opaque({ type: f.type, span: p.span }) : null;
            if (marker) rightColumns.set(marker, keys!);
            next.names.set(f.name, marker);
          }
          env = next;
          break;
        }
        case 'join': {
          const side = p.left === cur ? 'left' : 'right';
          if (!FILTERABLE_SIDE[side].has(p.kind) || p.schema.length === 0) break climb;
          // The side's columns by their names in the join's output (a right column that clashes
          // with a left one comes out renamed, in the same place); the other side's are opaque.
          const next: Env = { names: new Map(), closed: true };
          const from = side === 'left' ? p.left.schema : p.right.schema;
          const at = side === 'right' && p.kind !== 'rightsemi' && p.kind !== 'rightanti' ? p.left.schema.length : 0;
          from.forEach((f, j) => {
            const out = p.schema[at + j];
            if (out) next.names.set(out.name, substitute(columnRef(f, p.span), env));
          });
          env = next;
          break;
        }
        default:
          break climb;
      }
      cur = p;
    }
    out.set(t, preds);
  }
  return out;
}

/**
 * A lookup on one string key whose right side reads no table (watchlists and datatables are in
 * memory, so running it again to learn its keys costs nothing): its left key over the scan's
 * columns, and a subquery of its right keys.
 */
function keysOf(l: Tab & { op: 'lookup' }, env: Env): RightColumn | undefined {
  if (l.on.length !== 1) return undefined;
  const { left, right } = l.on[0]!;
  if (right.kind !== 'column' || right.type !== 'string' || !('type' in left) || left.type !== 'string') return undefined;
  if (reads(l.right, stored)) return undefined;
  const query: Tab = { op: 'project', input: l.right, items: [{ name: right.name, expr: right }], schema: [{ name: right.name, type: 'string' }], span: l.span };
  return { leftKey: substitute(left, env), keys: { kind: 'subquery', query, span: l.span } };
}

/** Whether a plan reads a table the name of which passes `which`. */
function reads(t: Tab, which: (name: string) => boolean): boolean {
  if (t.op === 'table') return which(t.name);
  return children(t).some((c) => reads(c, which));
}

/** A table other than a watchlist. */
const stored = (name: string): boolean => !name.startsWith(WATCHLIST_PREFIX);

/**
 * The subqueries a filter of a scan of `table` carries that read no table (a lookup's keys, a
 * watchlist's values): run when the scan opens, so that its field test can use their values.
 * Not one that reads `table` itself (a watchlist's scan under a lookup of it): it would wait on
 * its own scan.
 */
export function inMemorySubqueries(e: Expr, table: string, out: (Expr & { kind: 'subquery' })[] = []): (Expr & { kind: 'subquery' })[] {
  const add = (q: Expr & { kind: 'subquery' }): void => {
    if (!reads(q.query, (name) => stored(name) || name === table)) out.push(q);
  };
  if (e.kind === 'subquery') add(e);
  else if (e.kind === 'call') for (const a of e.args) inMemorySubqueries(a, table, out);
  else if (e.kind === 'var') {
    const r = rightColumns.get(e);
    if (r) add(r.keys);
  }
  return out;
}

/**
 * The join kinds below which a filter on one side's columns can move to that side: each output
 * row holds one row of that side, unchanged, and whether that row comes out depends on it alone
 * and the other side. Not the left of innerunique (which keeps one left row per key: which one
 * depends on its neighbours), nor the side an outer join fills with nulls.
 */
const FILTERABLE_SIDE: Record<'left' | 'right', ReadonlySet<string>> = {
  left: new Set(['inner', 'leftouter', 'leftsemi', 'leftanti']),
  right: new Set(['inner', 'innerunique', 'rightouter', 'rightsemi', 'rightanti']),
};

const ROW_FUNCTIONS = new Set(['pack_all', 'bag_pack_columns']);

/** Whether an expression's value is the same for every row: no column, parameter, `*`, row or window function. */
function closed(e: Expr): boolean {
  switch (e.kind) {
    case 'column': case 'var': case 'star': return false;
    case 'call':
      if (ROW_FUNCTIONS.has(e.fn) || usesWindow(e) || scalarFunction(e.fn)?.volatile) return false;
      return e.args.every(closed);
    default: return true;
  }
}

/** The value of an expression that reads no row (a subquery's, once prepared), or not ok. */
export function constantOf(e: Expr, ctx: ExecContext): { ok: boolean; value: unknown } {
  if (!closed(e)) return { ok: false, value: undefined };
  try {
    const c = compileExpr(e, [], ctx);
    return c.constant ? { ok: true, value: c.value } : { ok: false, value: undefined };
  } catch {
    return { ok: false, value: undefined };
  }
}

/** String comparisons of `tolower(x)` as comparisons of x ignoring case (implied, not equivalent). */
const IGNORING_CASE: Record<string, string> = {
  '==': '=~', '=~': '=~', in: 'in~', 'in~': 'in~',
  has: 'has', has_cs: 'has', contains: 'contains', contains_cs: 'contains', startswith: 'startswith', startswith_cs: 'startswith',
  endswith: 'endswith', endswith_cs: 'endswith', hasprefix: 'hasprefix', hasprefix_cs: 'hasprefix', hassuffix: 'hassuffix',
  hassuffix_cs: 'hassuffix', has_any: 'has_any', has_all: 'has_all',
};

const CONDITIONALS = new Set(['case', 'iff', 'iif']);

/** case/iff as (condition, value) pairs; the last has no condition. */
function branches(e: Expr & { kind: 'call' }): { cond?: Expr; value: Expr }[] {
  const out: { cond?: Expr; value: Expr }[] = [];
  const a = e.args;
  for (let i = 0; i + 1 < a.length; i += 2) out.push({ cond: a[i], value: a[i + 1]! });
  out.push({ value: a[a.length - 1]! });
  return out;
}

function junction(fn: 'and' | 'or', args: Expr[], like: Expr & { kind: 'call' }): Expr {
  return args.length === 1 ? args[0]! : { kind: 'call', fn, args, type: 'bool', span: like.span };
}

/**
 * A predicate implied by `e` (a row that passes `e` passes it) in terms a field test reads:
 * - `P(case(c1, v1, ..., e))` (or iff): the branch taken passed its condition and P held of its
 *   value, so some `c_i and P(v_i)` holds; branches whose value cannot pass P are dropped, and a
 *   last value that can pass leaves nothing implied;
 * - `tolower(x)` (or toupper) compared to strings: x compared ignoring case.
 * Anything else is returned as it is.
 */
export function implied(e: Expr, ctx: ExecContext): Expr {
  if (e.kind !== 'call') return e;
  if (e.fn === 'and' || e.fn === 'or') {
    const args = e.args.map((a) => implied(a, ctx));
    return args.every((a, i) => a === e.args[i]) ? e : { ...e, args };
  }
  const [first, ...rest] = e.args;
  if (!first) return e;
  if (first.kind === 'call' && CONDITIONALS.has(first.fn) && first.args.length >= 3 && first.args.length % 2 === 1) {
    const parts = branches(first);
    // A branch value of another type is converted first: P of the written value would not say.
    if (parts.some((b) => !('type' in b.value) || b.value.type !== first.type)) return e;
    const alternatives: Expr[] = [];
    for (const { cond, value } of parts) {
      const p: Expr = { ...e, args: [value, ...rest] };
      const c = constantOf(p, ctx);
      if (c.ok && c.value !== true) continue; // this branch's value never passes
      const all: Expr[] = [];
      if (cond) all.push(implied(cond, ctx));
      if (!c.ok) all.push(implied(p, ctx));
      if (all.length === 0) return e; // the last value passes: nothing implied
      alternatives.push(junction('and', all, e));
    }
    if (alternatives.length === 0) return { kind: 'literal', type: 'bool', value: false, span: e.span };
    return junction('or', alternatives, e);
  }
  // A test on a lookup's right column that its empty value fails: the row found a match.
  const right = first.kind === 'var' ? rightColumns.get(first) : undefined;
  if (right && first.kind === 'var') {
    const unmatched: Expr = { kind: 'literal', type: first.type, value: first.type === 'string' ? '' : null, span: e.span };
    const c = constantOf({ ...e, args: [unmatched, ...rest] }, ctx);
    if (!c.ok || c.value === true) return e;
    return implied({ kind: 'call', fn: 'in', args: [right.leftKey, right.keys], type: 'bool', span: e.span }, ctx);
  }
  if (first.kind !== 'call') return e;
  const folded = IGNORING_CASE[e.fn];
  if (folded && (first.fn === 'tolower' || first.fn === 'toupper') && first.args.length === 1 && first.args[0]!.kind === 'column' && first.args[0]!.type === 'string') {
    return { ...e, fn: folded, args: [first.args[0]!, ...rest] };
  }
  return e;
}
