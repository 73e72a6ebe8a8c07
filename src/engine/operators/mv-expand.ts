/**
 * mv-expand: one output row per element of the expanded arrays or property bags. Several
 * expressions expand in parallel (missing elements are null); a null value gives one row with
 * null, an empty array or bag gives no row, and any other scalar stays as a single row.
 */
import { facts } from '../../diagnostics/facts.js';
import type { Field, Tab } from '../../kql/plan.js';
import type { ScalarType } from '../../schema/types.js';
import { type Batch, type BatchStream, fieldIndex } from '../batch.js';
import type { ExecContext } from '../context.js';
import { castValue } from '../cast.js';
import { compileExpr } from '../expr.js';
import { ExprCache, prepareAll, run } from '../run.js';

type MvExpand = Tab & { op: 'mv-expand' };

const NULL_ROW: unknown[] = [null];
const NO_ROWS: unknown[] = [];

/** The elements one dynamic value expands to. */
export function expandValue(v: unknown, kind: 'bag' | 'array'): unknown[] {
  if (v === null || v === undefined) return NULL_ROW;
  if (Array.isArray(v)) return v;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return NO_ROWS;
    return kind === 'bag' ? entries.map(([k, x]) => ({ [k]: x })) : entries.map(([k, x]) => [k, x]);
  }
  return [v];
}

/** Where each output column comes from: an input column, an expanded item, or the item index. */
type Source = { from: 'input'; index: number } | { from: 'item'; index: number } | { from: 'itemindex' };

function layout(tab: MvExpand, input: Field[]): { fields: Field[]; sources: Source[] } {
  let fields = tab.schema;
  if (fields.length === 0 || input.some((f) => fieldIndex(tab.input.schema, f.name) < 0)) {
    // The input schema was not (fully) known to the binder: derive the output from the batch.
    fields = input.map((f) => {
      const item = tab.items.find((i) => i.name === f.name);
      return item ? { name: f.name, type: item.type } : f;
    });
    for (const item of tab.items) if (!fields.some((f) => f.name === item.name)) fields.push({ name: item.name, type: item.type });
    if (tab.withItemIndex) fields.push({ name: tab.withItemIndex, type: 'long' });
  }
  const sources = fields.map((f): Source => {
    if (f.name === tab.withItemIndex) return { from: 'itemindex' };
    const k = tab.items.findIndex((i) => i.name === f.name);
    if (k >= 0) return { from: 'item', index: k };
    return { from: 'input', index: fieldIndex(input, f.name) };
  });
  return { fields, sources };
}

export async function* mvExpandOp(tab: MvExpand, ctx: ExecContext): BatchStream {
  await prepareAll([...tab.items.map((i) => i.expr), ...(tab.limit ? [tab.limit] : [])], ctx);
  let limit = Infinity;
  if (tab.limit) {
    const c = compileExpr(tab.limit, [], ctx);
    if (!c.constant) throw facts.runtime('the mv-expand limit must be a constant', tab.span);
    if (c.value !== null) limit = Math.max(0, Number(c.value));
  }
  const caches = tab.items.map((i) => new ExprCache(i.expr, ctx));
  const layouts = new WeakMap<Field[], { fields: Field[]; sources: Source[] }>();
  for await (const b of run(tab.input, ctx)) {
    let l = layouts.get(b.fields);
    if (!l) { l = layout(tab, b.fields); layouts.set(b.fields, l); }
    yield expandBatch(tab, b, l, caches, limit);
  }
}

function expandBatch(tab: MvExpand, b: Batch, l: { fields: Field[]; sources: Source[] }, caches: ExprCache[], limit: number): Batch {
  const values = caches.map((c) => c.column(b));
  const types = caches.map((c) => c.compiled(b.fields).type);
  const rows: number[] = [];
  const index: number[] = [];
  const items: unknown[][] = tab.items.map(() => []);
  const lists = new Array<unknown[]>(tab.items.length);
  for (let i = 0; i < b.length; i++) {
    let n = 0;
    for (let k = 0; k < lists.length; k++) {
      const v = values[k]![i];
      // A non-dynamic expression (a string, a number) stays one value.
      const list = types[k] === 'dynamic' ? expandValue(v, tab.kind) : [v];
      lists[k] = list;
      if (list.length > n) n = list.length;
    }
    if (n > limit) n = limit;
    for (let j = 0; j < n; j++) {
      rows.push(i);
      index.push(j);
      for (let k = 0; k < lists.length; k++) items[k]!.push(j < lists[k]!.length ? lists[k]![j] : null);
    }
  }
  const columns = l.fields.map((f, c) => {
    const src = l.sources[c]!;
    if (src.from === 'itemindex') return index;
    if (src.from === 'item') return castElements(types[src.index]!, f.type, items[src.index]!);
    if (src.index < 0) return new Array(rows.length).fill(f.type === 'string' ? '' : null);
    const col = b.columns[src.index]!;
    return rows.map((r) => col[r]);
  });
  return { fields: l.fields, columns, length: rows.length };
}

/** `to typeof(T)`: elements become T; those that do not convert become null. */
function castElements(from: ScalarType, to: ScalarType, col: unknown[]): unknown[] {
  if (from === to) return col;
  return col.map((v) => castValue(from, to, v));
}
