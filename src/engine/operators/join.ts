/**
 * join and lookup: hash joins. Both sides are collected; the hash table is built on the right
 * side and probed with the left rows in order. Keys compare by value (keyOf), so 1 == 1.0 and
 * int == long; a row with a null key matches nothing (it still appears in outer and anti joins).
 */
import type { Expr, Field, JoinKind, Tab } from '../../kql/plan.js';
import type { ScalarType } from '../../schema/types.js';
import { type Batch, type BatchStream, collect, emptyBatch, fieldIndex } from '../batch.js';
import type { ExecContext } from '../context.js';
import { castValue } from '../cast.js';
import { ExprCache, evalColumn, prepareAll, run } from '../run.js';
import { keyOf } from '../values/index.js';

/** Join keys of every row of a batch; null for a row whose key has a null part. */
function rowKeys(b: Batch, exprs: Expr[], ctx: ExecContext): (string | null)[] {
  const cols = exprs.map((e) => evalColumn(new ExprCache(e, ctx).compiled(b.fields), b));
  const out = new Array<string | null>(b.length);
  for (let i = 0; i < b.length; i++) {
    let key = '';
    for (let k = 0; k < cols.length; k++) {
      const v = cols[k]![i];
      if (v === null || v === undefined) { key = null as unknown as string; break; }
      key += keyOf(v) + '\u0001';
    }
    out[i] = key;
  }
  return out;
}

function buildIndex(keys: (string | null)[]): Map<string, number[]> {
  const index = new Map<string, number[]>();
  keys.forEach((k, i) => {
    if (k === null) return;
    const rows = index.get(k);
    if (rows) rows.push(i);
    else index.set(k, [i]);
  });
  return index;
}

/** Where an output column comes from: a side, and a column index in that side's batch (-1: absent). */
interface Source { side: 'left' | 'right'; index: number }

/** Gathers output columns from row pairs (-1 on a side: that side's cells are null). */
function gather(fields: Field[], sources: Source[], left: Batch, right: Batch, li: number[], ri: number[]): Batch {
  const n = li.length;
  // Every left row once, in order (a lookup whose right keys are unique): the left columns are
  // taken as they are (columns are never written once made).
  let leftAsIs = n === left.length;
  for (let i = 0; leftAsIs && i < n; i++) leftAsIs = li[i] === i;
  const columns = fields.map((f, c) => {
    const src = sources[c]!;
    const b = src.side === 'left' ? left : right;
    const rows = src.side === 'left' ? li : ri;
    const empty = f.type === 'string' ? '' : null;
    if (src.index < 0) return new Array(n).fill(empty);
    const col = b.columns[src.index]!;
    const from = b.fields[src.index]!.type;
    if (leftAsIs && src.side === 'left' && from === f.type) return col;
    const out = new Array(n);
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      out[i] = r < 0 ? empty : from === f.type ? col[r] : castValue(from, f.type, col[r]);
    }
    return out;
  });
  return { fields, columns, length: n };
}

/** Output fields of one side when the binder did not know them: the batch's own, renamed on clashes. */
function uniqueNames(taken: Set<string>, fields: Field[]): { field: Field; name: string }[] {
  return fields.map((f) => {
    let name = f.name;
    for (let k = 1; taken.has(name); k++) name = `${f.name}${k}`;
    taken.add(name);
    return { field: f, name };
  });
}

/** Whether the binder's schema of a side covers every column the side produced. */
function knows(schema: Field[], b: Batch): boolean {
  return schema.length > 0 && b.fields.every((f) => fieldIndex(schema, f.name) >= 0);
}

function sideSources(b: Batch, names: string[], side: 'left' | 'right'): Source[] {
  return names.map((n) => ({ side, index: fieldIndex(b.fields, n) }));
}

export async function* joinOp(tab: Tab & { op: 'join' }, ctx: ExecContext): BatchStream {
  await prepareAll(tab.on.flatMap((p) => [p.left, p.right]), ctx);
  const left = await collect(run(tab.left, ctx), tab.left.schema);
  const right = await collect(run(tab.right, ctx), tab.right.schema);
  const lk = rowKeys(left, tab.on.map((p) => p.left), ctx);
  const rk = rowKeys(right, tab.on.map((p) => p.right), ctx);
  const { fields, sources } = joinLayout(tab, left, right);
  const { li, ri } = matchRows(tab.kind, lk, rk);
  yield gather(fields, sources, left, right, li, ri);
}

function joinLayout(tab: Tab & { op: 'join' }, left: Batch, right: Batch): { fields: Field[]; sources: Source[] } {
  const kind = tab.kind;
  const leftOnly = kind === 'leftsemi' || kind === 'leftanti';
  const rightOnly = kind === 'rightsemi' || kind === 'rightanti';
  const schemaKnown = tab.schema.length > 0 && knows(tab.left.schema, left) && knows(tab.right.schema, right);
  if (schemaKnown) {
    if (leftOnly) return { fields: tab.schema, sources: sideSources(left, tab.schema.map((f) => f.name), 'left') };
    if (rightOnly) return { fields: tab.schema, sources: sideSources(right, tab.schema.map((f) => f.name), 'right') };
    const nl = tab.left.schema.length;
    const back = new Map(tab.rightRenames.map((r) => [r.to, r.from]));
    const sources = tab.schema.map((f, k): Source => (k < nl
      ? { side: 'left', index: fieldIndex(left.fields, tab.left.schema[k]?.name ?? f.name) }
      : { side: 'right', index: fieldIndex(right.fields, tab.right.schema[k - nl]?.name ?? back.get(f.name) ?? f.name) }));
    return { fields: tab.schema, sources };
  }
  // A side whose schema is known only at run time (e.g. after bag_unpack): build it from the data.
  if (leftOnly) return { fields: left.fields, sources: left.fields.map((_, i) => ({ side: 'left', index: i })) };
  if (rightOnly) return { fields: right.fields, sources: right.fields.map((_, i) => ({ side: 'right', index: i })) };
  const taken = new Set(left.fields.map((f) => f.name));
  const renamed = uniqueNames(taken, right.fields);
  return {
    fields: [...left.fields, ...renamed.map((r) => ({ name: r.name, type: r.field.type }))],
    sources: [...left.fields.map((_, i): Source => ({ side: 'left', index: i })), ...right.fields.map((_, i): Source => ({ side: 'right', index: i }))],
  };
}

/** Row pairs of the join: left index, right index (-1 for the missing side of an outer row). */
function matchRows(kind: JoinKind, lk: (string | null)[], rk: (string | null)[], index?: Map<string, number[]>): { li: number[]; ri: number[] } {
  const li: number[] = [];
  const ri: number[] = [];
  if (kind === 'rightsemi' || kind === 'rightanti') {
    const leftKeys = new Set(lk.filter((k): k is string => k !== null));
    const want = kind === 'rightsemi';
    rk.forEach((k, r) => {
      if ((k !== null && leftKeys.has(k)) === want) { li.push(-1); ri.push(r); }
    });
    return { li, ri };
  }
  index ??= buildIndex(rk);
  if (kind === 'leftsemi' || kind === 'leftanti') {
    const want = kind === 'leftsemi';
    lk.forEach((k, l) => {
      if ((k !== null && index.has(k)) === want) { li.push(l); ri.push(-1); }
    });
    return { li, ri };
  }
  // innerunique: only the first left row of each key takes part.
  const seen = kind === 'innerunique' ? new Set<string>() : null;
  const keepLeft = kind === 'leftouter' || kind === 'fullouter';
  const keepRight = kind === 'rightouter' || kind === 'fullouter';
  const matched = keepRight ? new Uint8Array(rk.length) : null;
  lk.forEach((k, l) => {
    if (seen && k !== null) {
      if (seen.has(k)) return;
      seen.add(k);
    }
    const rows = k === null ? undefined : index.get(k);
    if (rows) {
      for (const r of rows) {
        li.push(l);
        ri.push(r);
        if (matched) matched[r] = 1;
      }
    } else if (keepLeft) {
      li.push(l);
      ri.push(-1);
    }
  });
  if (matched) {
    for (let r = 0; r < rk.length; r++) if (!matched[r]) { li.push(-1); ri.push(r); }
  }
  return { li, ri };
}

/**
 * lookup: a left outer (or inner) join where the right side is a dimension table; the right
 * key columns are not repeated in the output. The right side is collected and indexed once; the
 * left side streams through batch by batch, in order, so a large fact table is never held whole.
 */
export async function* lookupOp(tab: Tab & { op: 'lookup' }, ctx: ExecContext): BatchStream {
  await prepareAll(tab.on.flatMap((p) => [p.left, p.right]), ctx);
  const right = await collect(run(tab.right, ctx), tab.right.schema);
  const rk = rowKeys(right, tab.on.map((p) => p.right), ctx);
  const index = buildIndex(rk);
  const rightKeys = new Set(tab.on.map((p) => (p.right.kind === 'column' ? p.right.name : '')));
  const rightIn = tab.right.schema.filter((f) => !rightKeys.has(f.name));
  const layout = (left: Batch): { fields: Field[]; sources: Source[] } => {
    const nl = tab.left.schema.length;
    if (tab.schema.length > 0 && tab.schema.length === nl + rightIn.length && knows(tab.left.schema, left) && knows(tab.right.schema, right)) {
      return {
        fields: tab.schema,
        sources: tab.schema.map((f, k): Source => (k < nl
          ? { side: 'left', index: fieldIndex(left.fields, tab.left.schema[k]!.name) }
          : { side: 'right', index: fieldIndex(right.fields, rightIn[k - nl]!.name) })),
      };
    }
    const taken = new Set(left.fields.map((f) => f.name));
    const rest = right.fields.map((f, i) => ({ f, i })).filter((x) => !rightKeys.has(x.f.name));
    const renamed = uniqueNames(taken, rest.map((x) => x.f));
    return {
      fields: [...left.fields, ...renamed.map((r) => ({ name: r.name, type: r.field.type as ScalarType }))],
      sources: [...left.fields.map((_, i): Source => ({ side: 'left', index: i })), ...rest.map((x): Source => ({ side: 'right', index: x.i }))],
    };
  };
  const probe = (left: Batch): Batch => {
    const lk = rowKeys(left, tab.on.map((p) => p.left), ctx);
    const { li, ri } = matchRows(tab.kind === 'inner' ? 'inner' : 'leftouter', lk, rk, index);
    const { fields, sources } = layout(left);
    return gather(fields, sources, left, right, li, ri);
  };
  let yielded = false;
  for await (const left of run(tab.left, ctx)) {
    if (left.length === 0) continue;
    yield probe(left);
    yielded = true;
  }
  // No left rows: one empty batch, so the output still has its columns.
  if (!yielded) yield probe(emptyBatch(tab.left.schema));
}
