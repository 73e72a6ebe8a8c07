/**
 * bag_unpack(Column [, OutputColumnPrefix] [, columnsConflict] [, ignoredProperties]): one column
 * per slot of the bags. Unless the query gives the output schema (`: (Name:type, ...)`), the
 * columns come from the data: sorted by name, typed by their values.
 */
import { facts } from '../../../diagnostics/facts.js';
import type { Field } from '../../../kql/plan.js';
import type { ScalarType } from '../../../schema/types.js';
import type { Batch } from '../../batch.js';
import { castValue } from '../../cast.js';
import { ExprCache } from '../../run.js';
import { constant, explicitSchema, input } from './common.js';
import type { Plugin, PluginCall } from './types.js';

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

function isBag(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function slot(bag: unknown, key: string): unknown {
  return isBag(bag) && Object.prototype.hasOwnProperty.call(bag, key) ? bag[key] ?? null : null;
}

async function bagUnpack(call: PluginCall): Promise<Batch> {
  const { tab, ctx, positional, named } = call;
  const target = positional[0];
  if (!target) throw facts.runtime('bag_unpack needs the column to unpack', tab.span);
  const prefixValue = constant(positional[1] ?? named.get('outputcolumnprefix') ?? named.get('column_prefix'), ctx);
  const prefix = typeof prefixValue === 'string' ? prefixValue : '';
  const conflict = String(constant(positional[2] ?? named.get('columnsconflict'), ctx) ?? 'error').toLowerCase();
  const ignoredValue = constant(positional[3] ?? named.get('ignoredproperties'), ctx);
  const ignored = new Set(Array.isArray(ignoredValue) ? ignoredValue.map(String) : []);

  const b = await input(call);
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

export const BAG_UNPACK: Plugin = { name: 'bag_unpack', run: bagUnpack };
