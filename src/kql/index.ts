/**
 * The front end: KQL text in, typed plan out, or a diagnostic with the binder's code and place.
 */
import { createHash } from 'node:crypto';
import { ExfilwatchError, facts } from '../diagnostics/facts.js';
import type { TableDef } from '../schema/types.js';
import { type DeclaredFunction, globalsFor, kustoLanguage, toArray } from './kusto.js';
import type { QueryPlan } from './plan.js';
import { Translator } from './translate.js';
import { planCacheDir, planKey, readPlan, writePlan } from './plan-cache.js';

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

function tolerated(code: string, text: string, start: number, length: number): boolean {
  // union isfuzzy=true ignores a wildcard that names nothing.
  if (code === 'KS142' && text.slice(start, start + length).includes('*') && /\bunion\b[^|]*\bisfuzzy\s*=\s*true/i.test(text)) return true;
  const before = text.slice(Math.max(0, start - 200), start);
  return TOLERATED.some((t) => t.code === code && t.callBefore.test(before));
}

/** A plan for the query: from the plan cache when the query and schema are unchanged, else compiled. */
export function compileQuery(text: string, options: CompileOptions): QueryPlan {
  const dir = planCacheDir();
  const key = options.schemaKey ?? schemaKeyOf(options);
  const cacheKey = dir ? planKey(text, key) : '';
  const cached = dir ? readPlan(dir, cacheKey) : undefined;
  if (cached) return cached;
  const plan = compileUncached(text, options, key);
  if (dir) writePlan(dir, cacheKey, plan);
  return plan;
}

/** Everything the binder sees, as text: tables with column names and types, declared functions. */
export function schemaKeyOf(options: CompileOptions): string {
  const tables = options.tables.map((t) => t.name + '(' + t.columns.map((c) => c.name + ':' + c.type).join(',') + ')').join(';');
  const fns = (options.functions ?? []).map((f) => f.name + f.parameters + f.body).join(';');
  return createHash('sha256').update(tables + '\u0000' + fns).digest('hex');
}

function compileUncached(text: string, options: CompileOptions, key: string): QueryPlan {
  const K = kustoLanguage();
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
    if (tolerated(String(d.Code), text, d.Start, d.Length)) continue;
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
