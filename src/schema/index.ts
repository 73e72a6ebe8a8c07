/**
 * The tables queries bind against: Defender's advanced-hunting tables as Microsoft documents
 * them, plus exfilwatch's extension columns (DESIGN.md), which `--strict-schema` leaves out.
 */
import { DEFENDER_TABLES } from './defender-tables.js';
import type { ColumnDef, TableDef } from './types.js';

export type { ColumnDef, TableDef, ScalarType } from './types.js';
export { parseScalarType, SCALAR_TYPES } from './types.js';

/** Columns the seed rule reads that Defender's DeviceNetworkEvents lacks. */
export const EXTENSION_COLUMNS: Record<string, ColumnDef[]> = {
  DeviceNetworkEvents: [
    { name: 'AccountName', type: 'string', extension: true, fallback: 'InitiatingProcessAccountName' },
    { name: 'SentBytes', type: 'long', extension: true },
    { name: 'ReceivedBytes', type: 'long', extension: true },
  ],
};

export function defenderTables(options: { strict?: boolean } = {}): TableDef[] {
  return DEFENDER_TABLES.map((t) => {
    const ext = options.strict ? [] : EXTENSION_COLUMNS[t.name] ?? [];
    return ext.length ? { name: t.name, columns: [...t.columns, ...ext] } : t;
  });
}

export function findTable(tables: readonly TableDef[], name: string): TableDef | undefined {
  return tables.find((t) => t.name === name) ?? tables.find((t) => t.name.toLowerCase() === name.toLowerCase());
}
