/**
 * How an aggregate function is declared. `bind` sees the argument types once per call site
 * and returns an accumulator factory; the summarize operator keeps one state per group.
 */
import type { ScalarType } from '../../schema/types.js';
import type { Span } from '../../kql/plan.js';

export interface AggregateBindContext {
  /** Types of the arguments, in order; constant arguments (e.g. a `make_set` limit) carry values. */
  args: { type: ScalarType; constant: boolean; value?: unknown }[];
  resultType: ScalarType;
  span: Span;
}

export interface Accumulator<S = any> {
  /** A new, empty state for one group. */
  init(): S;
  /** Adds one row's argument values; returns the new state (so states may be primitives). */
  add(state: S, ...args: unknown[]): S;
  /** The group's result; for multi-column aggregates (arg_max), an array of column values. */
  result(state: S): unknown;
}

export interface AggregateFunction {
  name: string;
  aliases?: string[];
  bind(ctx: AggregateBindContext): Accumulator;
}
