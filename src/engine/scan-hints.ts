/**
 * What a table scan can skip, derived from the plan above it:
 * - the columns the plan reads from the table (the reader coerces only those);
 * - a conservative test on a record's raw text, from the `where` filters right above the scan:
 *   a record is skipped only when no row in it can pass (the literal a string test needs is
 *   absent, a port is outside the list, a timestamp is before the window).
 * Anything the analysis does not understand keeps every column and every record.
 */
import { type Expr, type Tab, children } from '../kql/plan.js';
import type { FieldTest } from '../sources/field-filter.js';
import { type SharedScan, newSharedScan } from '../sources/shared-scan.js';
import type { ExecContext, ScanHints } from './context.js';
import { SetValues } from './functions/operators.js';
import { subqueryResult } from './expr.js';
import { constantOf, implied, inMemorySubqueries } from './pushdown.js';
import { formatDatetime } from './values/datetime.js';
import type { I64 } from './values/int64.js';

/**
 * Runs the in-memory subqueries the filters of a table's scans carry (pushdown.ts), so that the
 * hints can use their values. One that fails leaves its part of the test out; its filter, if it
 * is the query's own, reports the failure when it runs.
 */
export async function prepareHints(tab: Tab & { op: 'table' }, ctx: ExecContext): Promise<void> {
  for (const [t, preds] of ctx.scans?.filters ?? []) {
    if (t.op !== 'table' || t.name !== tab.name) continue;
    for (const p of preds) {
      for (const q of inMemorySubqueries(p, tab.name)) {
        try {
          await subqueryResult(q, ctx);
        } catch {
          // left out of the test
        }
      }
    }
  }
}

/** The hints for one scan of a running plan. */
export function hintsFor(tab: Tab, ctx: ExecContext): ScanHints {
  const need = ctx.scans?.columns.get(tab);
  const filters = ctx.scans?.filters.get(tab) ?? [];
  const group = sharedScanOf(tab, ctx);
  return {
    columns: need === undefined || need === 'all' ? undefined : need,
    rawFilter: rawFilterFor(filters, ctx),
    fields: group ? group.shared.tests[group.member] : fieldTestFor(filters, ctx),
    shared: group?.shared,
    member: group?.member,
  };
}

/**
 * The scan's place among the query's scans of its table: they share one read of each file
 * (sources/shared-scan.ts), which tests every line for all their filters at once.
 */
function sharedScanOf(tab: Tab, ctx: ExecContext): { shared: SharedScan; member: number } | undefined {
  const scans = ctx.scans;
  if (!scans || tab.op !== 'table') return undefined;
  scans.shared ??= new Map();
  // Made when the table's first scan opens (the in-memory subqueries of its filters have run).
  if (!scans.shared.has(tab)) {
    const shared = newSharedScan();
    for (const [t, preds] of scans.filters) {
      if (t.op !== 'table' || t.name !== tab.name) continue;
      const need = scans.columns.get(t);
      shared.tests.push(fieldTestFor(preds, ctx));
      shared.columns.push(need === undefined || need === ALL ? undefined : need);
      scans.shared.set(t, { shared, member: shared.tests.length - 1 });
    }
  }
  return scans.shared.get(tab);
}

const ALL = 'all' as const;
type Need = Set<string> | typeof ALL;

/** Column names an expression reads. */
function columnsOf(e: Expr, out: Set<string>): Set<string> {
  if (e.kind === 'column') out.add(e.name);
  else if (e.kind === 'call') for (const a of e.args) columnsOf(a, out);
  return out;
}

function union(a: Need, b: Iterable<string>): Need {
  if (a === ALL) return ALL;
  const s = new Set(a);
  for (const x of b) s.add(x);
  return s;
}

function usesStarOrRow(e: Expr): boolean {
  if (e.kind === 'star') return true;
  if (e.kind === 'call') return e.fn === 'pack_all' || e.args.some(usesStarOrRow);
  return false;
}

/**
 * For every node of the plan (a table scan among them), the columns needed from its output. A
 * node reached along several paths (a `let` used twice) needs the union of what each path needs.
 */
export function neededColumns(root: Tab): Map<Tab, Need> {
  const needs = new Map<Tab, Need>();
  const visit = (t: Tab, need: Need): void => {
    const prev = needs.get(t);
    needs.set(t, prev === undefined ? need : prev === ALL || need === ALL ? ALL : union(prev, need));
    // The inputs the cases below visit; any other child (a subquery in an expression) needs all.
    const visited = new Set<Tab>();
    const go = (c: Tab, n: Need): void => {
      visited.add(c);
      visit(c, n);
    };
    step(t, need, go);
    for (const c of children(t)) if (!visited.has(c)) visit(c, ALL);
  };
  const step = (t: Tab, need: Need, visit: (c: Tab, n: Need) => void): void => {
    const exprs = (...es: (Expr | null | undefined)[]) => {
      const s = new Set<string>();
      for (const e of es) if (e) columnsOf(e, s);
      return s;
    };
    const anyRow = (...es: (Expr | null | undefined)[]) => es.some((e) => e && usesStarOrRow(e));
    switch (t.op) {
      case 'table':
        return;
      case 'where':
        return visit(t.input, union(need, exprs(t.predicate)));
      case 'extend':
      case 'serialize': {
        if (anyRow(...t.items.map((i) => i.expr))) return visit(t.input, ALL);
        const made = new Set(t.items.flatMap((i) => i.name.split('\u0000')));
        const rest: Need = need === ALL ? ALL : new Set([...need].filter((c) => !made.has(c)));
        return visit(t.input, union(rest, exprs(...t.items.map((i) => i.expr))));
      }
      case 'project':
      case 'distinct':
        if (anyRow(...t.items.map((i) => i.expr)) || (t.op === 'distinct' && t.items.length === 0)) return visit(t.input, ALL);
        return visit(t.input, exprs(...t.items.map((i) => i.expr)));
      case 'summarize':
        if (anyRow(...t.by.map((b) => b.expr), ...t.aggregates.map((a) => a.expr))) return visit(t.input, ALL);
        return visit(t.input, exprs(...t.by.map((b) => b.expr), ...t.aggregates.map((a) => a.expr)));
      case 'count':
        return visit(t.input, new Set());
      case 'select':
        if (need === ALL) return visit(t.input, ALL);
        return visit(t.input, new Set(t.columns.filter((c) => need.has(c.to)).map((c) => c.from)));
      case 'sort':
        return visit(t.input, union(need, exprs(...t.keys.map((k) => k.expr))));
      case 'top':
        return visit(t.input, union(need, exprs(...t.keys.map((k) => k.expr))));
      case 'take':
      case 'sample':
        return visit(t.input, need);
      case 'union':
        for (const i of t.inputs) visit(i, need);
        return;
      case 'materialize':
        return visit(t.input, ALL);
      case 'lookup': {
        // An output column named as a left column is the left's (a right column of the same
        // name comes out renamed); the left side also needs its keys. The right side (a
        // watchlist, a small table) is read whole.
        const left = new Set(t.left.schema.map((f) => f.name));
        const keys = exprs(...t.on.map((o) => o.left));
        visit(t.left, need === ALL ? ALL : union(new Set([...need].filter((c) => left.has(c))), keys));
        visit(t.right, ALL);
        return;
      }
      default:
        // Operators not modelled here need every column of everything below them (visit's
        // sweep of the children not visited here).
        return;
    }
  };
  visit(root, ALL);
  return needs;
}

// ---------------------------------------------------------------------------- raw filters

type RawTest = (text: string) => boolean;

/** A literal as it appears inside a JSON string (and, when it has no quote, in CSV). */
function jsonEscaped(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

/** The values a constant argument of `in` stands for: a list's, a subquery's, or itself. */
function listOf(v: unknown): unknown[] {
  return v instanceof SetValues ? v.values : Array.isArray(v) ? v : [v];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** True when the text contains one of the literals, ignoring case. */
function containsAny(literals: string[]): RawTest | undefined {
  const lits = literals.filter((l) => l.length > 0).map(jsonEscaped);
  if (lits.length === 0 || lits.length !== literals.length) return undefined;
  const re = new RegExp(lits.map(escapeRegExp).join('|'), 'i');
  return (text) => re.test(text);
}

/** The raw JSON value text after `"Column":`, when the column occurs exactly once in the record. */
function fieldText(text: string, key: string): string | undefined {
  const i = text.indexOf(key);
  if (i < 0 || text.indexOf(key, i + key.length) >= 0) return undefined;
  let j = i + key.length;
  while (text.charCodeAt(j) === 32) j++;
  if (text.charCodeAt(j) === 34 /* " */) {
    const end = text.indexOf('"', j + 1);
    return end < 0 ? undefined : text.slice(j + 1, end);
  }
  let end = j;
  while (end < text.length && ',}] '.indexOf(text[end]!) < 0) end++;
  return text.slice(j, end);
}

const STRING_OPS = new Set(['==', '=~', 'has', 'has_cs', 'contains', 'contains_cs', 'startswith', 'startswith_cs',
  'endswith', 'endswith_cs', 'hasprefix', 'hassuffix', 'hasprefix_cs', 'hassuffix_cs']);
const SET_OPS = new Set(['in', 'in~', 'has_any']);

function rawTest(e: Expr, ctx: ExecContext): RawTest | undefined {
  if (e.kind !== 'call') return undefined;
  const [a, b] = e.args;
  if (e.fn === 'and') {
    const tests = e.args.map((x) => rawTest(x, ctx)).filter((t): t is RawTest => !!t);
    if (tests.length === 0) return undefined;
    return tests.length === 1 ? tests[0] : (text) => tests.every((t) => t(text));
  }
  if (e.fn === 'or') {
    const tests = e.args.map((x) => rawTest(x, ctx));
    if (tests.some((t) => !t)) return undefined;
    return (text) => tests.some((t) => t!(text));
  }
  if (!a || a.kind !== 'column') return undefined;
  if (STRING_OPS.has(e.fn) && b && a.type === 'string') {
    const c = constantOf(b, ctx);
    if (!c.ok || typeof c.value !== 'string') return undefined;
    return containsAny([c.value]);
  }
  if (SET_OPS.has(e.fn) && a.type === 'string') {
    const values: string[] = [];
    for (const arg of e.args.slice(1)) {
      const c = constantOf(arg, ctx);
      if (!c.ok) return undefined;
      const vs = listOf(c.value);
      for (const v of vs) {
        if (typeof v !== 'string') return undefined;
        values.push(v);
      }
    }
    return containsAny(values);
  }
  if (e.fn === 'has_all' && a.type === 'string') {
    const tests: RawTest[] = [];
    for (const arg of e.args.slice(1)) {
      const c = constantOf(arg, ctx);
      if (!c.ok) return undefined;
      for (const v of listOf(c.value)) {
        if (typeof v !== 'string') return undefined;
        const t = containsAny([v]);
        if (t) tests.push(t);
      }
    }
    return tests.length ? (text) => tests.every((t) => t(text)) : undefined;
  }
  // Numbers: `RemotePort in (443, 22)`, `RemotePort == 443` by the JSON field's own text.
  if ((e.fn === 'in' || e.fn === '==') && (a.type === 'int' || a.type === 'long')) {
    const allowed = new Set<string>();
    for (const arg of e.args.slice(1)) {
      const c = constantOf(arg, ctx);
      if (!c.ok) return undefined;
      for (const v of listOf(c.value)) {
        if (typeof v !== 'number' && typeof v !== 'bigint') return undefined;
        allowed.add(String(v));
      }
    }
    const key = `"${a.name}":`;
    return (text) => {
      const v = fieldText(text, key);
      // Absent, quoted or odd: let the full parse decide.
      return v === undefined || !/^-?\d+$/.test(v) || allowed.has(v);
    };
  }
  // Datetimes against a constant: ISO text with the same shape compares like the instant.
  if ((e.fn === '>' || e.fn === '>=') && a.type === 'datetime' && b) {
    const c = constantOf(b, ctx);
    if (!c.ok || c.value === null) return undefined;
    const bound = formatDatetime(c.value as I64);
    const key = `"${a.name}":`;
    const strict = e.fn === '>';
    return (text) => {
      const v = fieldText(text, key);
      if (v === undefined || v.length !== 28 || v[10] !== 'T' || v[27] !== 'Z') return true;
      return strict ? v > bound : v >= bound;
    };
  }
  return undefined;
}

/** Filters directly above a scan, ANDed, as one raw test (undefined when none applies). */
export function rawFilterFor(predicates: Expr[], ctx: ExecContext): ((text: string) => boolean) | undefined {
  const tests = predicates.map((p) => rawTest(implied(p, ctx), ctx)).filter((t): t is RawTest => !!t);
  if (tests.length === 0) return undefined;
  return (text) => {
    // Escapes such as \u0041 hide a literal from a plain search: let the full parse decide.
    if (text.includes('\\u')) return true;
    for (const t of tests) if (!t(text)) return false;
    return true;
  };
}

// ---------------------------------------------------------------------------------------------- field tests

const CONTAINS_OPS = new Set(['has', 'has_cs', 'contains', 'contains_cs', 'startswith', 'startswith_cs', 'endswith', 'endswith_cs',
  'hasprefix', 'hassuffix', 'hasprefix_cs', 'hassuffix_cs']);

/** The string constants of `args` (arrays flattened), or undefined when one is not a string constant. */
function stringConstants(args: Expr[], ctx: ExecContext): string[] | undefined {
  const out: string[] = [];
  for (const arg of args) {
    const c = constantOf(arg, ctx);
    if (!c.ok) return undefined;
    for (const v of listOf(c.value)) {
      if (typeof v !== 'string') return undefined;
      out.push(v);
    }
  }
  return out;
}

/**
 * A predicate as a test on the raw fields it names (sources/field-filter.ts): the same analysis
 * as the raw-text test, but scoped to each column's own value, so a literal elsewhere in the
 * record (another column, a key) does not keep it. Undefined when nothing can be said.
 */
function fieldTest(e: Expr, ctx: ExecContext): FieldTest | undefined {
  if (e.kind !== 'call') return undefined;
  if (e.fn === 'and') {
    const items = e.args.map((x) => fieldTest(x, ctx)).filter((t): t is FieldTest => !!t);
    return items.length === 0 ? undefined : junction('and', items);
  }
  if (e.fn === 'or') {
    const items = e.args.map((x) => fieldTest(x, ctx));
    if (items.some((t) => !t)) return undefined;
    return junction('or', items as FieldTest[]);
  }
  const [a, ...rest] = e.args;
  if (!a || a.kind !== 'column') return undefined;
  // Something in the field: a string that is not "", or any other type that is not null.
  if (rest.length === 0) {
    const filled = (e.fn === 'isnotempty' && a.type !== 'dynamic') || (e.fn === 'isnotnull' && a.type !== 'string' && a.type !== 'dynamic');
    return filled ? { op: 'filled', column: a.name } : undefined;
  }
  const column = a.name;
  if (a.type === 'string') {
    const values = stringConstants(rest, ctx);
    if (!values) return undefined;
    // An empty list (a watchlist with no rows) is in no row.
    if (e.fn === '==' || e.fn === 'in') return rest.length === 1 || e.fn === 'in' ? { op: 'in', column, values, fold: false } : undefined;
    if (e.fn === '=~' || e.fn === 'in~') return { op: 'in', column, values: values.map((v) => v.toLowerCase()), fold: true };
    if (e.fn === '!=' && values.length === 1 && values[0] === '') return { op: 'filled', column };
    if (values.length === 0 || values.some((v) => v === '')) return undefined;
    const lower = values.map((v) => v.toLowerCase());
    if (CONTAINS_OPS.has(e.fn) && values.length === 1) return { op: 'contains', column, values: lower };
    if (e.fn === 'has_any') return { op: 'contains', column, values: lower };
    if (e.fn === 'has_all') return { op: 'contains', column, values: lower, all: true };
    return undefined;
  }
  if ((e.fn === 'in' || e.fn === '==') && (a.type === 'int' || a.type === 'long')) {
    const values: string[] = [];
    for (const arg of rest) {
      const c = constantOf(arg, ctx);
      if (!c.ok) return undefined;
      for (const v of listOf(c.value)) {
        if (typeof v !== 'number' && typeof v !== 'bigint') return undefined;
        if (typeof v === 'number' && !Number.isSafeInteger(v)) return undefined;
        values.push(String(v));
      }
    }
    return { op: 'int_in', column, values };
  }
  if ((e.fn === '>' || e.fn === '>=') && a.type === 'datetime' && rest.length === 1) {
    const c = constantOf(rest[0]!, ctx);
    if (!c.ok || c.value === null || c.value === undefined) return undefined;
    const bound = formatDatetime(c.value as I64);
    if (bound.length !== 28) return undefined;
    return { op: 'after', column, bound, strict: e.fn === '>' };
  }
  return undefined;
}

/**
 * An and/or of tests, flattened (an `or` inside an `or` is one), with the alternatives on one
 * column merged: `has "a" or has "b"` is one `contains` of both, one search of the field rather
 * than two; `== "a" or == "b"` one `in`.
 */
function junction(op: 'and' | 'or', items: FieldTest[]): FieldTest {
  const flat = items.flatMap((t) => (t.op === op ? t.items : [t]));
  const out: FieldTest[] = [];
  if (op === 'or') {
    for (const t of flat) {
      const same = out.find((u): boolean => (t.op === 'contains' && u.op === 'contains' && !t.all && !u.all && u.column === t.column)
        || (t.op === 'in' && u.op === 'in' && u.column === t.column && u.fold === t.fold));
      if (same && (same.op === 'contains' || same.op === 'in') && (t.op === 'contains' || t.op === 'in')) {
        same.values = [...new Set([...same.values, ...t.values])];
        continue;
      }
      out.push(t.op === 'contains' || t.op === 'in' ? { ...t } : t);
    }
  } else out.push(...flat);
  return out.length === 1 ? out[0]! : { op, items: out };
}

/** Filters directly above a scan, ANDed, as one field test (undefined when none applies). */
export function fieldTestFor(predicates: Expr[], ctx: ExecContext): FieldTest | undefined {
  const items = predicates.map((p) => fieldTest(implied(p, ctx), ctx)).filter((t): t is FieldTest => !!t);
  return items.length === 0 ? undefined : junction('and', items);
}
