/** KQL scalar types, spelled as Kusto spells them. */
export type ScalarType =
  | 'bool'
  | 'int'
  | 'long'
  | 'real'
  | 'decimal'
  | 'string'
  | 'datetime'
  | 'timespan'
  | 'guid'
  | 'dynamic';

export const SCALAR_TYPES: readonly ScalarType[] = [
  'bool', 'int', 'long', 'real', 'decimal', 'string', 'datetime', 'timespan', 'guid', 'dynamic',
];

export interface ColumnDef {
  name: string;
  type: ScalarType;
  /** True for columns exfilwatch adds that Microsoft's table does not have (DESIGN.md). */
  extension?: boolean;
  /** For extension columns: the column whose value stands in when a source gives none. */
  fallback?: string;
}

export interface TableDef {
  name: string;
  columns: ColumnDef[];
}

/** Kusto accepts several spellings of each type name; map them to ours. */
export function parseScalarType(name: string): ScalarType | undefined {
  switch (name.toLowerCase()) {
    case 'bool': case 'boolean': return 'bool';
    case 'int': case 'int32': return 'int';
    case 'long': case 'int64': return 'long';
    case 'real': case 'double': return 'real';
    case 'decimal': return 'decimal';
    case 'string': return 'string';
    case 'datetime': case 'date': return 'datetime';
    case 'timespan': case 'time': return 'timespan';
    case 'guid': case 'uniqueid': return 'guid';
    case 'dynamic': return 'dynamic';
    default: return undefined;
  }
}
