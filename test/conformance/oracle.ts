/**
 * Runs the KQL cases whose expected results come from the real Kusto engine
 * (shared/corpus/kql-oracle/cases.jsonl) and compares the way that corpus says.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExfilwatchError } from '../../src/diagnostics/facts.js';
import type { Batch } from '../../src/engine/batch.js';
import { compileFor, loadData, runPlan } from '../../src/engine/query.js';
import { formatDatetimeCompact, formatTimespan, parseDatetime, parseTimespan } from '../../src/engine/values/datetime.js';
import { fromUnixMs } from '../../src/engine/values/datetime.js';
import { jsonText } from '../../src/engine/values/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The project root, whether running from test/ or dist/test/. */
export const ROOT = path.resolve(here, here.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');
export const SHARED = process.env.EXFILWATCH_SHARED ?? path.resolve(ROOT, '../shared');
export const CASES = path.join(SHARED, 'corpus/kql-oracle/cases.jsonl');
export const PASSING = path.join(ROOT, 'test/conformance/passing.txt');

export interface OracleCase {
  id: string;
  query: string;
  expected: { columns: { name: string | null; type: string | null }[]; rows: unknown[][] } | null;
  ordered: boolean;
  compare: {
    ordered: boolean; sort_keys: string[]; shape_only: boolean; unordered_lists: boolean;
    rel_tolerance: number; abs_tolerance: number; check_column_names: boolean; nondeterministic: boolean;
  };
  tags?: { operators?: string[]; functions?: string[] };
}

export type Family = 'core' | 'geo' | 'series' | 'plugin';

export function familyOf(c: OracleCase): Family {
  const fns = c.tags?.functions ?? [];
  const ops = c.tags?.operators ?? [];
  if (fns.some((f) => f.startsWith('geo_'))) return 'geo';
  if (fns.some((f) => f.startsWith('series_')) || ops.includes('make-series')) return 'series';
  if (ops.includes('evaluate')) return 'plugin';
  return 'core';
}

export function loadCases(): OracleCase[] {
  return readFileSync(CASES, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

export interface CaseResult { id: string; family: Family; pass: boolean; reason?: string }

const NOW = fromUnixMs(Date.UTC(2026, 10, 1));

export async function runCase(c: OracleCase): Promise<CaseResult> {
  const family = familyOf(c);
  const data = await loadData([]);
  let got: Batch;
  try {
    got = await runPlan(compileFor(c.query, data), data, NOW);
  } catch (e) {
    const msg = e instanceof ExfilwatchError ? `${e.diagnostic.code}: ${e.message}` : `crash: ${(e as Error)?.message}`;
    return { id: c.id, family, pass: false, reason: msg };
  }
  const why = compare(c, got);
  return { id: c.id, family, pass: why === undefined, reason: why };
}

function outValue(type: string, v: unknown): unknown {
  if (v === null || v === undefined) return type === 'string' ? '' : null;
  switch (type) {
    case 'datetime': return formatDatetimeCompact(v as number);
    case 'timespan': return formatTimespan(v as number);
    case 'long': case 'int': return typeof v === 'bigint' ? Number(v) : v;
    default: return JSON.parse(jsonText(v));
  }
}

function sameValue(type: string | null, a: unknown, e: unknown, c: OracleCase, column: string | null): boolean {
  if (e === null || e === undefined) return a === null || a === undefined || (a === '' && type === 'string');
  if (a === null || a === undefined) return e === '' && (type === 'string' || type === null);
  const approx = /dcount|percentile/i.test(c.query) && /dcount|percentile/i.test(column ?? '') ? 0.05 : c.compare.rel_tolerance;
  if (type === 'datetime' || (typeof e === 'string' && typeof a === 'string' && /^\d{4}-\d\d-\d\dT/.test(e))) {
    if (typeof e === 'string' && typeof a === 'string') {
      const x = parseDatetime(a), y = parseDatetime(e);
      if (x !== null && y !== null) return x === y;
    }
  }
  if (type === 'timespan' && typeof e === 'string' && typeof a === 'string') {
    const x = parseTimespan(a), y = parseTimespan(e);
    return x !== null && x === y;
  }
  if (typeof e === 'number' && typeof a === 'number') {
    if (Number.isNaN(e)) return Number.isNaN(a);
    const d = Math.abs(a - e);
    return d <= c.compare.abs_tolerance || d <= approx * Math.abs(e);
  }
  if (typeof e === 'string' && typeof a === 'number') {
    if (e === 'NaN') return Number.isNaN(a);
    if (e === 'Infinity' || e === '+Infinity') return a === Infinity;
    if (e === '-Infinity') return a === -Infinity;
    return Number(e) === a;
  }
  if (typeof e === 'number' && typeof a === 'string') return Number(a) === e;
  if (Array.isArray(e) && Array.isArray(a)) {
    if (e.length !== a.length) return false;
    if (c.compare.unordered_lists || /make_set|set_union|set_intersect|set_difference|bag_keys/.test(c.query)) {
      const key = (x: unknown) => JSON.stringify(x);
      const left = [...a].map(key).sort(), right = [...e].map(key).sort();
      if (left.every((x, i) => x === right[i])) return true;
    }
    return e.every((x, i) => sameValue(null, a[i], x, c, column));
  }
  if (e && typeof e === 'object' && a && typeof a === 'object') {
    const ek = Object.keys(e as object), ak = Object.keys(a as object);
    if (ek.length !== ak.length) return false;
    return ek.every((k) => sameValue(null, (a as Record<string, unknown>)[k], (e as Record<string, unknown>)[k], c, column));
  }
  if (typeof e === 'string' && typeof a === 'string') return e === a || e.toLowerCase() === a.toLowerCase() && /^[0-9a-f-]{36}$/i.test(e);
  return e === a;
}

function compare(c: OracleCase, got: Batch): string | undefined {
  const exp = c.expected;
  if (!exp) return 'no expected result';
  if (got.fields.length !== exp.columns.length) {
    return `columns: got ${got.fields.map((f) => f.name).join(',')} expected ${exp.columns.map((x) => x.name).join(',')}`;
  }
  for (let i = 0; i < exp.columns.length; i++) {
    const e = exp.columns[i]!;
    if (c.compare.check_column_names && e.name !== null && e.name !== got.fields[i]!.name) return `column ${i}: got ${got.fields[i]!.name} expected ${e.name}`;
    if (e.type && normType(e.type) !== normType(got.fields[i]!.type)) return `column ${e.name}: type ${got.fields[i]!.type} expected ${e.type}`;
  }
  if (got.length !== exp.rows.length) return `rows: got ${got.length} expected ${exp.rows.length}`;
  if (c.compare.shape_only || c.compare.nondeterministic) return undefined;
  const types = exp.columns.map((x, i) => x.type ?? got.fields[i]!.type);
  const rows: unknown[][] = [];
  for (let r = 0; r < got.length; r++) rows.push(got.fields.map((f, k) => outValue(f.type, got.columns[k]![r])));
  const rowEq = (a: unknown[], e: unknown[]) => e.every((v, k) => sameValue(types[k]!, a[k], v, c, exp.columns[k]!.name));
  if (c.compare.ordered) {
    // Sort keys must appear in order; ties may come in any order.
    const keyIdx = (c.compare.sort_keys ?? []).map((k) => exp.columns.findIndex((x) => x.name === k)).filter((i) => i >= 0);
    if (keyIdx.length) {
      for (let r = 0; r < rows.length; r++) {
        for (const k of keyIdx) if (!sameValue(types[k]!, rows[r]![k], exp.rows[r]![k], c, exp.columns[k]!.name)) return `row ${r} sort key ${exp.columns[k]!.name}: got ${JSON.stringify(rows[r]![k])} expected ${JSON.stringify(exp.rows[r]![k])}`;
      }
    } else {
      for (let r = 0; r < rows.length; r++) if (!rowEq(rows[r]!, exp.rows[r]!)) return `row ${r}: got ${JSON.stringify(rows[r])} expected ${JSON.stringify(exp.rows[r])}`;
      return undefined;
    }
  }
  // Multiset match.
  const used = new Array(rows.length).fill(false);
  for (const e of exp.rows) {
    const i = rows.findIndex((a, k) => !used[k] && rowEq(a, e));
    if (i < 0) return `missing row ${JSON.stringify(e)}; got ${JSON.stringify(rows.slice(0, 3))}`;
    used[i] = true;
  }
  return undefined;
}

function normType(t: string): string {
  const x = t.toLowerCase();
  if (x === 'int64') return 'long';
  if (x === 'int32') return 'int';
  if (x === 'double') return 'real';
  if (x === 'boolean') return 'bool';
  return x;
}

export function readPassing(): Set<string> {
  try {
    return new Set(readFileSync(PASSING, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean));
  } catch {
    return new Set();
  }
}
