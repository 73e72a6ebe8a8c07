/**
 * For tests of scalar functions: bind a function by name with typed arguments and call it the
 * way the expression compiler does (constants marked, nulls propagated, results as their type
 * holds them).
 */
import type { ScalarType } from '../../schema/types.js';
import type { I64 } from '../values/int64.js';
import { scalarFunction } from './registry.js';

/** [type, value] or [type, value, 'const' | 'row'] to mark the argument explicitly. */
export type TestArg = readonly [ScalarType, unknown] | readonly [ScalarType, unknown, 'const' | 'row'];

export interface CallOptions {
  resultType?: ScalarType;
  /** Arguments without a mark are constants (true) or per-row values (false). Default true. */
  constant?: boolean;
  now?: I64;
  /** Give '' for a null string result and null for undefined, as the compiler does. Default true. */
  fixResult?: boolean;
}

export function callScalar(name: string, args: readonly TestArg[], options: CallOptions = {}): unknown {
  const def = scalarFunction(name);
  if (!def) throw new Error(`no function ${name}`);
  const resultType = options.resultType ?? 'dynamic';
  const isConst = (a: TestArg) => (a[2] ? a[2] === 'const' : options.constant ?? true);
  const impl = def.bind({
    args: args.map((a) => ({ type: a[0], constant: isConst(a), value: isConst(a) ? a[1] : undefined })),
    resultType,
    now: options.now ?? 0,
    span: { start: 0, length: 0 },
  });
  const vals = args.map((a) => a[1]);
  const fix = options.fixResult ?? true;
  const done = (r: unknown) => (!fix ? r : r === null || r === undefined ? (resultType === 'string' ? '' : null) : r);
  if (def.propagatesNulls !== false && vals.some((v) => v === null || v === undefined)) return done(null);
  return done(impl(...vals));
}
