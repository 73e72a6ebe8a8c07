/**
 * The public Defender hunting queries: how many bind against our schemas, and how many run
 * over empty tables. Every failure must be a named reason (an ExfilwatchError), never a crash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ExfilwatchError } from '../src/diagnostics/facts.js';
import { compileFor, loadData, runPlan } from '../src/engine/query.js';
import { fromUnixMs } from '../src/engine/values/datetime.js';
import { SHARED } from './conformance/oracle.js';

/** Floors the suite must hold; raise them as coverage grows. */
const MIN_BIND = 0.9;
const MIN_RUN = 0.8;

test('hunting corpus binds and runs over empty tables', { timeout: 300_000 }, async (t) => {
  const lines = readFileSync(path.join(SHARED, 'corpus/hunting/queries.jsonl'), 'utf8').split('\n').filter(Boolean);
  const data = await loadData([]);
  let bound = 0, ran = 0;
  const reasons = new Map<string, number>();
  const crashes: string[] = [];
  for (const line of lines) {
    const q = JSON.parse(line) as { name: string; query: string };
    let plan;
    try {
      plan = compileFor(q.query, data);
      bound++;
    } catch (e) {
      if (!(e instanceof ExfilwatchError)) { crashes.push(`${q.name}: ${(e as Error).message}`); continue; }
      // Binder errors keep Kusto's KS codes; ours (EW) mean bound but not yet translatable.
      if (e.diagnostic.code.startsWith('EW')) bound++;
      const key = `${e.diagnostic.code} ${e.message.replace(/'[^']*'/g, "'…'")}`;
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
      continue;
    }
    try {
      await runPlan(plan, data, fromUnixMs(Date.UTC(2026, 10, 1)));
      ran++;
    } catch (e) {
      if (!(e instanceof ExfilwatchError)) { crashes.push(`${q.name}: ${(e as Error).message}`); continue; }
      const key = `${e.diagnostic.code} ${e.message}`;
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
    }
  }
  const total = lines.length;
  const top = [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, n]) => `  ${n} × ${k}`).join('\n');
  const summary = `hunting corpus: ${total} queries, ${bound} bind (${((100 * bound) / total).toFixed(1)}%), ${ran} run (${((100 * ran) / total).toFixed(1)}%)\n${top}`;
  t.diagnostic(summary);
  console.log(summary);
  assert.deepEqual(crashes, [], 'no query may crash the engine');
  assert.ok(bound / total >= MIN_BIND, `bind rate ${bound}/${total} below ${MIN_BIND}`);
  assert.ok(ran / total >= MIN_RUN, `run rate ${ran}/${total} below ${MIN_RUN}`);
});
