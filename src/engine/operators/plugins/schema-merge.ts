/**
 * schema_merge([PreserveOrder]): merges schemas in getschema's layout (ColumnName, ColumnOrdinal,
 * DataType, ColumnType) into one, ordered by the columns' latest ordinals. A column whose types
 * differ gets their common type when both are numeric (int < long < real < decimal), else an
 * error entry (ordinal -1); with PreserveOrder (the default), so does a column met again at
 * another ordinal than where it first appeared.
 */
import { facts } from '../../../diagnostics/facts.js';
import { type Batch, fieldIndex } from '../../batch.js';
import { constant, input } from './common.js';
import type { Plugin, PluginCall } from './types.js';

const CLR: Record<string, string> = {
  bool: 'System.Boolean', int: 'System.Int32', long: 'System.Int64', real: 'System.Double',
  decimal: 'System.Data.SqlTypes.SqlDecimal', string: 'System.String', datetime: 'System.DateTime',
  timespan: 'System.TimeSpan', guid: 'System.Guid', dynamic: 'System.Object',
};
const NUMERIC_RANK: Record<string, number> = { int: 1, long: 2, real: 3, decimal: 4 };

interface Merged { name: string; type: string; first: number; last: number; seen: number; error: string | null }

function widen(a: string, b: string): string | null {
  if (a === b) return a;
  const ra = NUMERIC_RANK[a], rb = NUMERIC_RANK[b];
  if (ra === undefined || rb === undefined) return null;
  return ra > rb ? a : b;
}

async function schemaMerge(call: PluginCall): Promise<Batch> {
  const { tab, ctx, positional, named } = call;
  const preserve = constant(positional[0] ?? named.get('preserveorder'), ctx) ?? true;
  const b = await input(call);
  const col = (n: string) => {
    const i = fieldIndex(b.fields, n);
    if (i < 0) throw facts.runtime(`schema_merge: the input has no ${n} column (it takes getschema output)`, tab.span);
    return b.columns[i]!;
  };
  const names = col('ColumnName'), ordinals = col('ColumnOrdinal'), types = col('ColumnType');
  const byName = new Map<string, Merged>();
  for (let i = 0; i < b.length; i++) {
    const ordinal = Number(ordinals[i]);
    const name = String(names[i]);
    const type = String(types[i]);
    const m = byName.get(name);
    if (!m) {
      byName.set(name, { name, type, first: ordinal, last: ordinal, seen: byName.size, error: null });
      continue;
    }
    m.last = Math.max(m.last, ordinal);
    if (m.error) continue;
    if (preserve !== false && ordinal !== m.first) { m.error = 'columns are out of order'; continue; }
    const t = widen(m.type, type);
    if (t === null) m.error = `conflicting types ${m.type} and ${type}`;
    else m.type = t;
  }
  // Columns take the place of their latest ordinal; ties keep the order of first appearance.
  const merged = [...byName.values()].sort((x, y) => x.last - y.last || x.seen - y.seen);
  let next = 0;
  const rows = merged.map((m) => {
    if (m.error) return [m.name, -1, `ERROR(unknown CSL type:ERROR(${m.error}))`, `ERROR(${m.error})`];
    return [m.name, next++, CLR[m.type] ?? m.type, m.type];
  });
  return {
    fields: [
      { name: 'ColumnName', type: 'string' }, { name: 'ColumnOrdinal', type: 'long' },
      { name: 'DataType', type: 'string' }, { name: 'ColumnType', type: 'string' },
    ],
    columns: [0, 1, 2, 3].map((c) => rows.map((r) => r[c])),
    length: rows.length,
  };
}

export const SCHEMA_MERGE: Plugin = { name: 'schema_merge', run: schemaMerge };
