/**
 * The front end: KQL text in, typed plan out, or a diagnostic with the binder's code and place.
 */
import { ExfilwatchError, facts } from '../diagnostics/facts.js';
import type { TableDef } from '../schema/types.js';
import { type DeclaredFunction, globalsFor, kustoLanguage, toArray } from './kusto.js';
import type { QueryPlan } from './plan.js';
import { Translator } from './translate.js';

export type { QueryPlan } from './plan.js';
export type { DeclaredFunction } from './kusto.js';

export interface CompileOptions {
  tables: readonly TableDef[];
  functions?: readonly DeclaredFunction[];
  /** Identifies the table set for the binder cache; same key, same tables. */
  schemaKey?: string;
}

/**
 * Where the binder is stricter than the engine it models, a diagnostic that the engine would not
 * raise is let through: `count(x)` of any type (the binder wants bool), `make_timespan` with
 * fractional seconds (the binder wants integers). Matched on the code and the call around it.
 */
const TOLERATED: { code: string; callBefore: RegExp }[] = [
  { code: 'KS107', callBefore: /\bcount\s*\(\s*$/ },
  { code: 'KS134', callBefore: /\bmake_timespan\s*\([^()]*$/ },
];

function tolerated(code: string, text: string, start: number): boolean {
  const before = text.slice(Math.max(0, start - 200), start);
  return TOLERATED.some((t) => t.code === code && t.callBefore.test(before));
}

export function compileQuery(text: string, options: CompileOptions): QueryPlan {
  const K = kustoLanguage();
  const key = options.schemaKey ?? options.tables.map((t) => t.name + ':' + t.columns.length).join(',');
  const globals = globalsFor(key, options.tables, options.functions ?? []);
  let code;
  try {
    code = K.KustoCode.ParseAndAnalyze(text, globals);
  } catch (e) {
    throw facts.binder('EW100', `the query could not be parsed: ${(e as Error).message}`, { start: 0, length: 0 });
  }
  const diags = toArray(code.GetDiagnostics());
  for (const d of diags) {
    if (String(d.Severity) !== 'Error') continue;
    if (tolerated(String(d.Code), text, d.Start)) continue;
    throw facts.binder(String(d.Code), String(d.Message), { start: d.Start, length: d.Length });
  }
  try {
    return new Translator(text).query(code.Syntax);
  } catch (e) {
    if (e instanceof ExfilwatchError) throw e;
    if (e instanceof RangeError) throw facts.queryTooDeep({ start: 0, length: 0 });
    throw e;
  }
}
