/**
 * union: outer by default (all columns of all legs, missing cells null); a column whose legs
 * disagree on its type becomes `name_type` columns, as the binder's schema says.
 */
import type { Field, Tab } from '../../kql/plan.js';
import type { Batch, BatchStream } from '../batch.js';
import type { ExecContext } from '../context.js';
import { run } from '../run.js';

/** Where each output column comes from in a batch of one leg (-1: null). */
function mapping(out: Field[], input: Field[]): number[] {
  return out.map((f) => {
    const exact = input.findIndex((g) => g.name === f.name && (g.type === f.type || f.type === 'dynamic'));
    if (exact >= 0) return exact;
    const byName = input.findIndex((g) => g.name === f.name);
    if (byName >= 0 && !out.some((o) => o !== f && o.name === `${f.name}_${input[byName]!.type}`)) return byName;
    return input.findIndex((g) => `${g.name}_${g.type}` === f.name);
  });
}

export async function* unionOp(tab: Tab & { op: 'union' }, ctx: ExecContext): BatchStream {
  let out = tab.schema;
  const dataFields = tab.withSource ? out.filter((f) => f.name !== tab.withSource) : out;
  if (dataFields.length === 0) {
    // The binder could not know the schema (a leg with a run-time schema): take the union of what arrives.
    const legs: Batch[][] = [];
    const names = new Map<string, Field>();
    for (const input of tab.inputs) {
      const bs: Batch[] = [];
      for await (const b of run(input, ctx)) { bs.push(b); for (const f of b.fields) if (!names.has(f.name)) names.set(f.name, f); }
      legs.push(bs);
    }
    out = [...(tab.withSource ? [{ name: tab.withSource, type: 'string' as const }] : []), ...names.values()];
    for (let i = 0; i < legs.length; i++) for (const b of legs[i]!) yield remap(b, out, tab, i);
    return;
  }
  for (let i = 0; i < tab.inputs.length; i++) {
    for await (const b of run(tab.inputs[i]!, ctx)) yield remap(b, out, tab, i);
  }
}

const cache = new WeakMap<Field[], Map<Field[], number[]>>();

function remap(b: Batch, out: Field[], tab: Tab & { op: 'union' }, leg: number): Batch {
  let m = cache.get(out);
  if (!m) { m = new Map(); cache.set(out, m); }
  let idx = m.get(b.fields);
  if (!idx) { idx = mapping(out, b.fields); m.set(b.fields, idx); }
  const columns = out.map((f, k) => {
    if (tab.withSource && f.name === tab.withSource) return new Array(b.length).fill(tab.sourceNames[leg] ?? '');
    const i = idx![k]!;
    return i >= 0 ? b.columns[i]! : new Array(b.length).fill(f.type === 'string' ? '' : null);
  });
  return { fields: out, columns, length: b.length };
}
