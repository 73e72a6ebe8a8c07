/**
 * Functions about the query's environment and data rather than its values:
 * current_cluster_endpoint, current_database and estimate_data_size.
 */
import type { ScalarType } from '../../schema/types.js';
import { jsonText } from '../values/index.js';
import type { ScalarFunction } from './types.js';

/** The engine runs in-process: its "cluster" is this machine. */
const CLUSTER_ENDPOINT = 'localhost';
/** The database the KQL binder resolves tables against (see src/kql/kusto.ts). */
const DATABASE = 'exfilwatch';

/** Bytes of a value of type `t` for estimate_data_size: fixed widths, text as UTF-8 length. */
function sizeOf(t: ScalarType): (v: unknown) => number {
  switch (t) {
    case 'bool': return (v) => (v === null || v === undefined ? 0 : 1);
    case 'int': return (v) => (v === null || v === undefined ? 0 : 4);
    case 'long': case 'real': case 'datetime': case 'timespan':
      return (v) => (v === null || v === undefined ? 0 : 8);
    case 'decimal': case 'guid': return (v) => (v === null || v === undefined ? 0 : 16);
    case 'string': return (v) => Buffer.byteLength((v as string) ?? '', 'utf8');
    case 'dynamic': return (v) => (v === null || v === undefined ? 0 : Buffer.byteLength(jsonText(v), 'utf8'));
  }
}

/**
 * estimate_data_size(c1, c2, ...): the summed sizes of the row's values (`*` is expanded into
 * every column before the call). Dynamic values count as their JSON text, an approximation of
 * Kusto's internal representation.
 */
const estimateDataSize: ScalarFunction = {
  name: 'estimate_data_size',
  propagatesNulls: false,
  bind(ctx) {
    const sizes = ctx.args.map((a) => sizeOf(a.type));
    return (...vals) => {
      let n = 0;
      for (let i = 0; i < vals.length; i++) n += sizes[i]!(vals[i]);
      return n;
    };
  },
};

export const METADATA_FUNCTIONS: ScalarFunction[] = [
  { name: 'current_cluster_endpoint', bind: () => () => CLUSTER_ENDPOINT },
  { name: 'current_database', bind: () => () => DATABASE },
  estimateDataSize,
];
