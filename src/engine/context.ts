/** What a query run carries: its `now`, its tables, and results computed once (materialize, toscalar). */
import type { Field, Tab } from '../kql/plan.js';
import type { Batch, BatchStream } from './batch.js';
import type { I64 } from './values/int64.js';

export interface TableSource {
  fields: Field[];
  /** A fresh stream of the table's rows; may be called more than once. */
  open(): BatchStream;
}

export interface ExecContext {
  now: I64;
  table(name: string): TableSource | undefined;
  /** Results computed once per run: materialize() and scalar subqueries, by plan node. */
  memo: Map<object, Promise<Batch>>;
  run(tab: Tab): BatchStream;
  /** Tables named by the `as` operator during the run. */
  named: Map<string, Batch>;
}
