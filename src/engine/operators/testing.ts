/**
 * For tests of operators and plugins: run a query over datatable inputs and read its result as
 * column names with types and cells as their JSON output.
 */
import { compileQuery } from '../../kql/index.js';
import { collect } from '../batch.js';
import { createContext, run } from '../run.js';
import { jsonOutput } from '../values/index.js';

export interface Result { columns: string[]; rows: unknown[][] }

/** Runs a query over datatable inputs; columns as `name:type`, cells as their JSON output. */
export async function q(text: string): Promise<Result> {
  const plan = compileQuery(text, { tables: [] });
  const b = await collect(run(plan.result, createContext({ now: 0, table: () => undefined })), plan.result.schema);
  const rows: unknown[][] = [];
  for (let i = 0; i < b.length; i++) rows.push(b.columns.map((c, k) => JSON.parse(jsonOutput(b.fields[k]!.type, c[i]))));
  return { columns: b.fields.map((f) => `${f.name}:${f.type}`), rows };
}

/** Rows in a canonical order, for operators whose output order is unspecified. */
export function sorted(rows: unknown[][]): unknown[][] {
  return [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}
