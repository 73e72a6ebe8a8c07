/**
 * How a scalar function is declared: its KQL name, and `bind`, which sees the argument types
 * (and constant values) once per call site and returns the per-row implementation.
 */
import type { ScalarType } from '../../schema/types.js';
import type { Span } from '../../kql/plan.js';
import type { I64 } from '../values/int64.js';

export interface ArgInfo {
  type: ScalarType;
  /** Set when the argument is a constant (a literal or folded expression). */
  constant: boolean;
  value?: unknown;
}

export interface BindContext {
  args: ArgInfo[];
  resultType: ScalarType;
  /** The query's `now`, fixed for the whole run. */
  now: I64;
  span: Span;
}

export type RowFn = (...args: any[]) => unknown;

export interface ScalarFunction {
  name: string;
  aliases?: string[];
  bind(ctx: BindContext): RowFn;
  /** Default true: a null argument makes the result null without calling the implementation. */
  propagatesNulls?: boolean;
  /** True for rand(), new_guid(): never folded into a constant. */
  volatile?: boolean;
}

export function fn(name: string, impl: RowFn, opts: Partial<ScalarFunction> = {}): ScalarFunction {
  return { name, bind: () => impl, ...opts };
}
