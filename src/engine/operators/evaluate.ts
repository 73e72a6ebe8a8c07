/**
 * evaluate: the plugins bag_unpack and pivot. Both have an output schema that depends on the
 * data: unless the query gives one (`: (Name:type, ...)`), it is computed from the input.
 * A named option (columnsConflict='keep_source') arrives as a call of `=` on its name and value.
 */
import { facts } from '../../diagnostics/facts.js';
import type { Expr, Field, Tab } from '../../kql/plan.js';
import type { ScalarType } from '../../schema/types.js';
import { type Batch, type BatchStream, collect, fieldIndex } from '../batch.js';
import type { ExecContext } from '../context.js';
import { isAggregate } from '../aggregates/registry.js';
import { castValue } from '../cast.js';
import { compileExpr } from '../expr.js';
import { ExprCache, prepareAll, run } from '../run.js';
import { keyOf, textOutput } from '../values/index.js';
import { GroupAggregates } from './make-series.js';

type Evaluate = Tab & { op: 'evaluate' };

export async function* evaluateOp(tab: Evaluate, ctx: ExecContext): BatchStream {
  switch (tab.plugin) {
    case 'bag_unpack': yield await bagUnpack(tab, ctx); return;
    case 'pivot': yield await pivot(tab, ctx); return;
    default: throw facts.unsupportedPlugin(tab.plugin, tab.span);
  }
}

interface PluginArgs {
  positional: Expr[];
  named: Map<string, Expr>;
}

function splitArgs(args: Expr[]): PluginArgs {
  const positional: Expr[] = [];
  const named = new Map<string, Expr>();
  for (const a of args) {
    if (a.kind === 'call' && a.fn === '=' && a.args[0]?.kind === 'literal') named.set(String(a.args[0].value).toLowerCase(), a.args[1]!);
    else positional.push(a);
  }
  return { positional, named };
}

function constant(e: Expr | undefined, ctx: ExecContext): unknown {
  if (!e) return undefined;
  const c = compileExpr(e, [], ctx);
  if (!c.constant) throw facts.runtime('this plugin argument must be a constant', e.span);
  return c.value;
}

async function input(tab: Evaluate, ctx: ExecContext): Promise<Batch> {
  if (!tab.input) throw facts.unsupportedSyntax(`evaluate ${tab.plugin} without an input table`, tab.span);
  return collect(run(tab.input, ctx), tab.input.schema);
}

/** Whether the binder's schema was given by the query (it names columns the input does not have). */
function explicitSchema(tab: Evaluate, inputFields: Field[]): boolean {
  return tab.schema.some((f) => fieldIndex(inputFields, f.name) < 0);
}

// ---------------------------------------------------------------- bag_unpack

/** The KQL type of a JSON value inside a bag. */
function jsonType(v: unknown): ScalarType {
  switch (typeof v) {
    case 'string': return 'string';
    case 'boolean': return 'bool';
    case 'bigint': return 'long';
    case 'number': return Number.isInteger(v) ? 'long' : 'real';
    default: return 'dynamic';
  }
}

/** One type for a slot's values: theirs when they agree (long with real gives real), else dynamic. */
function unify(a: ScalarType | null, b: ScalarType): ScalarType {
  if (a === null || a === b) return b;
  if ((a === 'long' && b === 'real') || (a === 'real' && b === 'long')) return 'real';
  return 'dynamic';
}

async function bagUnpack(tab: Evaluate, ctx: ExecContext): Promise<Batch> {
  const { positional, named } = splitArgs(tab.args);
  const target = positional[0];
  if (!target) throw facts.runtime('bag_unpack needs the column to unpack', tab.span);
  await prepareAll(tab.args, ctx);
  const prefixValue = constant(positional[1] ?? named.get('outputcolumnprefix') ?? named.get('column_prefix'), ctx);
  const prefix = typeof prefixValue === 'string' ? prefixValue : '';
  const conflict = String(constant(positional[2] ?? named.get('columnsconflict'), ctx) ?? 'error').toLowerCase();
  const ignoredValue = constant(positional[3] ?? named.get('ignoredproperties'), ctx);
  const ignored = new Set(Array.isArray(ignoredValue) ? ignoredValue.map(String) : []);

  const b = await input(tab, ctx);
  const bags = new ExprCache(target, ctx).column(b);
  const source = target.kind === 'column' ? target.name : null;
  const kept = b.fields.map((f, i) => ({ f, i })).filter((x) => x.f.name !== source);

  if (explicitSchema(tab, b.fields)) {
    const columns = tab.schema.map((f) => {
      const i = kept.find((x) => x.f.name === f.name)?.i;
      if (i !== undefined) return b.columns[i]!.map((v) => castValue(b.fields[i]!.type, f.type, v));
      const key = f.name.startsWith(prefix) ? f.name.slice(prefix.length) : f.name;
      return bags.map((bag) => castValue('dynamic', f.type, slot(bag, key)));
    });
    return { fields: tab.schema, columns, length: b.length };
  }

  // The slots, by name, with the type of their non-null values.
  const slots = new Map<string, ScalarType | null>();
  for (const bag of bags) {
    if (!isBag(bag)) continue;
    for (const [k, v] of Object.entries(bag)) {
      if (ignored.has(k)) continue;
      const t = slots.get(k) ?? null;
      slots.set(k, v === null || v === undefined ? t : unify(t, jsonType(v)));
    }
  }
  let inputCols = kept;
  const names = [...slots.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const out: { name: string; key: string; type: ScalarType }[] = [];
  for (const key of names) {
    const name = prefix + key;
    if (inputCols.some((x) => x.f.name === name)) {
      if (conflict === 'keep_source') continue;
      if (conflict === 'replace_source') inputCols = inputCols.filter((x) => x.f.name !== name);
      else throw facts.runtime(`bag_unpack: the column '${name}' already exists (use columnsConflict='replace_source' or 'keep_source')`, tab.span);
    }
    out.push({ name, key, type: slots.get(key) ?? 'dynamic' });
  }
  const fields: Field[] = [...inputCols.map((x) => x.f), ...out.map((o) => ({ name: o.name, type: o.type }))];
  const columns = [
    ...inputCols.map((x) => b.columns[x.i]!),
    ...out.map((o) => bags.map((bag) => castValue('dynamic', o.type, slot(bag, o.key)))),
  ];
  return { fields, columns, length: b.length };
}

function isBag(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function slot(bag: unknown, key: string): unknown {
  return isBag(bag) && Object.prototype.hasOwnProperty.call(bag, key) ? bag[key] ?? null : null;
}

// ---------------------------------------------------------------- pivot

/** Column names an expression reads. */
function columnsOf(e: Expr, out: Set<string>): Set<string> {
  if (e.kind === 'column') out.add(e.name);
  else if (e.kind === 'call') for (const a of e.args) columnsOf(a, out);
  return out;
}

async function pivot(tab: Evaluate, ctx: ExecContext): Promise<Batch> {
  const { positional } = splitArgs(tab.args);
  const pivotExpr = positional[0];
  if (!pivotExpr) throw facts.runtime('pivot needs the column to pivot', tab.span);
  const aggExpr: Expr = positional[1] && positional[1].kind === 'call' && isAggregate(positional[1].fn)
    ? positional[1]
    : { kind: 'call', fn: 'count', args: [], type: 'long', span: tab.span };
  const groupExprs = positional.slice(positional[1] === aggExpr ? 2 : 1);
  await prepareAll(tab.args, ctx);
  const b = await input(tab, ctx);

  // By default the rows are grouped by every column but the pivoted and aggregated ones.
  let groupCols: { name: string; expr: Expr }[];
  if (groupExprs.length) {
    groupCols = groupExprs.map((e) => ({ name: e.kind === 'column' ? e.name : 'Column1', expr: e }));
  } else {
    const used = columnsOf(aggExpr, columnsOf(pivotExpr, new Set()));
    groupCols = b.fields.filter((f) => !used.has(f.name)).map((f) => ({ name: f.name, expr: { kind: 'column', name: f.name, type: f.type, span: tab.span } }));
  }
  const pivotC = new ExprCache(pivotExpr, ctx);
  const pivotValues = pivotC.column(b);
  const pivotType = pivotC.compiled(b.fields).type;
  const groupCaches = groupCols.map((g) => new ExprCache(g.expr, ctx));
  const keyCols = groupCaches.map((c) => c.column(b));
  const aggs = new GroupAggregates([aggExpr], ctx);
  const args = aggs.argColumns(b);

  const groups = new Map<string, number>();
  const groupKeys: unknown[][] = [];
  const pivots = new Map<string, number>();
  const pivotNames: string[] = [];
  const cells = new Map<number, unknown[]>();
  for (let i = 0; i < b.length; i++) {
    let key = '';
    for (const col of keyCols) key += keyOf(col[i]) + '\u0001';
    let g = groups.get(key);
    if (g === undefined) { g = groupKeys.length; groups.set(key, g); groupKeys.push(keyCols.map((c) => c[i])); }
    const name = textOutput(pivotType, pivotValues[i]);
    let p = pivots.get(name);
    if (p === undefined) { p = pivotNames.length; pivots.set(name, p); pivotNames.push(name); }
    const cell = g * 0x100000 + p;
    let st = cells.get(cell);
    if (!st) { st = aggs.init(); cells.set(cell, st); }
    aggs.add(st, args, i);
  }
  if (pivotNames.length > 0x100000) throw facts.runtime('pivot: too many distinct values', tab.span);
  // Every (group, value) cell, the empty ones too (count() and sum() give 0 there).
  const states: unknown[][] = [];
  for (let g = 0; g < groupKeys.length; g++) {
    for (let p = 0; p < pivotNames.length; p++) states.push(cells.get(g * 0x100000 + p) ?? aggs.init());
  }
  const result = aggs.results(states)[0]!;
  const fields: Field[] = [
    ...groupCols.map((g, k) => ({ name: g.name, type: groupCaches[k]!.compiled(b.fields).type })),
    ...pivotNames.map((name) => ({ name, type: result.type })),
  ];
  const np = pivotNames.length;
  const columns: unknown[][] = [
    ...groupCols.map((_, k) => groupKeys.map((key) => key[k])),
    ...pivotNames.map((_, p) => groupKeys.map((_k, g) => result.values[g * np + p])),
  ];
  if (explicitSchema(tab, fields.slice(0, groupCols.length))) return project(tab.schema, fields, columns, groupKeys.length);
  return { fields, columns, length: groupKeys.length };
}

/** The columns of a query-given output schema, by name (absent ones null). */
function project(schema: Field[], fields: Field[], columns: unknown[][], length: number): Batch {
  const out = schema.map((f) => {
    const i = fieldIndex(fields, f.name);
    if (i < 0) return new Array(length).fill(f.type === 'string' ? '' : null);
    return columns[i]!.map((v) => castValue(fields[i]!.type, f.type, v));
  });
  return { fields: schema, columns: out, length };
}
