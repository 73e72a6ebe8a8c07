/**
 * Runs a set of rules over loaded data: each rule's query over its queryPeriod ending at `now`
 * (its `ago()` does the windowing, as in Sentinel), alerts from the rows, suppression, then
 * incidents across rules. A rule that fails is reported with its file:line and the others run.
 */
import { type Diagnostic, ExfilwatchError } from '../diagnostics/facts.js';
import type { DeclaredFunction } from '../kql/index.js';
import { compileFor, type QueryData, runPlan } from '../engine/query.js';
import type { I64 } from '../engine/values/int64.js';
import type { TableSource } from '../engine/context.js';
import { type Alert, buildAlerts, groupIncidents, type Incident, suppress } from './alerts.js';
import { placeInRule } from './load.js';
import type { Rule } from './rule.js';
import { type Watchlist, watchlistRecords, watchlistSchema } from './watchlists.js';
import { WATCHLIST_PREFIX } from '../kql/translate.js';
import { coerce } from '../engine/values/index.js';

export interface RuleRun {
  rule: Rule;
  rows: number;
  alerts: number;
  ms: number;
  error?: Diagnostic;
}

export interface HuntResult {
  alerts: Alert[];
  incidents: Incident[];
  runs: RuleRun[];
  errors: Diagnostic[];
}

/** Adds watchlists to the data: `_GetWatchlist` binds their columns and reads their rows. */
export function withWatchlists(data: QueryData, lists: Watchlist[]): QueryData {
  const columns = watchlistSchema(lists);
  const schema = columns.map((c) => `['${c.name}']:${c.type}`).join(', ');
  const fn: DeclaredFunction = { name: '_GetWatchlist', parameters: '(watchlistAlias:string)', body: `{ datatable(${schema})[] }` };
  const sources = new Map<string, TableSource>(data.sources);
  const fields = columns.map((c) => ({ name: c.name, type: c.type }));
  for (const l of lists) {
    const recs = watchlistRecords(l);
    sources.set(WATCHLIST_PREFIX + l.alias, {
      fields,
      async *open() {
        yield { fields, columns: fields.map((f) => recs.map((r) => coerce(f.type, r[f.name]))), length: recs.length };
      },
    });
  }
  return { ...data, sources, functions: [...(data.functions ?? []), fn] };
}

/** Whether any DeviceNetworkEvents row carries byte counts (volume checks need them). */
async function hasByteCounts(data: QueryData, now: I64): Promise<boolean> {
  try {
    const plan = compileFor('DeviceNetworkEvents | where isnotnull(SentBytes) or isnotnull(ReceivedBytes) | take 1', data);
    return (await runPlan(plan, data, now)).length > 0;
  } catch {
    return false;
  }
}

export async function hunt(rules: Rule[], data: QueryData, now: I64, options: { strictSchema?: boolean } = {}): Promise<HuntResult> {
  const runs: RuleRun[] = [];
  const alerts: Alert[] = [];
  const errors: Diagnostic[] = [];
  let bytesKnown: boolean | undefined;
  for (const rule of rules) {
    const start = performance.now();
    try {
      const plan = compileFor(rule.query, data, options.strictSchema);
      const result = await runPlan(plan, data, now);
      const notes: string[] = [];
      if (/\b(SentBytes|ReceivedBytes)\b/.test(rule.query)) {
        bytesKnown ??= await hasByteCounts(data, now);
        if (!bytesKnown) notes.push('no byte counts in the data (SentBytes/ReceivedBytes): the volume threshold could not be checked');
      }
      const found = suppress(rule, buildAlerts(rule, result, notes));
      alerts.push(...found);
      runs.push({ rule, rows: result.length, alerts: found.length, ms: performance.now() - start });
    } catch (e) {
      if (!(e instanceof ExfilwatchError)) throw e;
      const d = placeInRule(rule, e.diagnostic);
      errors.push(d);
      runs.push({ rule, rows: 0, alerts: 0, ms: performance.now() - start, error: d });
    }
  }
  alerts.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : a.ruleId.localeCompare(b.ruleId)));
  const incidents = groupIncidents(alerts);
  return { alerts, incidents, runs, errors };
}
