/** What a query run carries: its `now`, its tables, and results computed once (materialize, toscalar). */
import type { Expr, Field, Tab } from '../kql/plan.js';
import type { FieldTest } from '../sources/field-filter.js';
import type { SharedScan } from '../sources/shared-scan.js';
import type { Batch, BatchStream } from './batch.js';
import type { I64 } from './values/int64.js';

/** What a scan may skip: columns nobody reads, records no filter can pass (engine/scan-hints.ts). */
export interface ScanHints {
  /** Columns to materialise; undefined means all. */
  columns?: Set<string>;
  /** False only when no row of a record (its raw text) can pass the scan's filters. */
  rawFilter?: (text: string) => boolean;
  /** The same filters as a test on the raw fields they name (sources/field-filter.ts). */
  fields?: FieldTest;
  /** Every scan of this table in the query, to read each file once for all (sources/shared-scan.ts). */
  shared?: SharedScan;
  member?: number;
}

export interface TableSource {
  fields: Field[];
  /** A fresh stream of the table's rows; may be called more than once. */
  open(hints?: ScanHints): BatchStream;
}

/** A shared plan node's batches as its first reader saw them ('kept'), or why they are not. */
export interface Replay {
  state: 'unread' | 'reading' | 'kept' | 'dropped';
  batches: Batch[];
  /** Estimated bytes of the batches. */
  bytes: number;
  /** Readers the plan has left (the batches go after the last). */
  readers: number;
}

export interface ExecContext {
  now: I64;
  table(name: string): TableSource | undefined;
  /** Results computed once per run: materialize() and scalar subqueries, by plan node. */
  memo: Map<object, Promise<Batch>>;
  run(tab: Tab): BatchStream;
  /** Tables named by the `as` operator during the run. */
  named: Map<string, Batch>;
  /** Plan nodes several others read (a `let` used more than once), and what their first run kept (run.ts). */
  replay?: Map<Tab, Replay>;
  /** Per scan of the running plan: the columns read above it and the filters right above it. */
  scans?: { columns: Map<Tab, Set<string> | 'all'>; filters: Map<Tab, Expr[]>; shared?: Map<Tab, { shared: SharedScan; member: number }> };
}
