/**
 * Conformance against the real Kusto engine's answers. Prints the pass rate per family and
 * fails when a case listed in passing.txt stops passing (the list only grows:
 * `node dist/test/conformance/update-passing.js` adds newly passing cases).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { familyOf, loadCases, readPassing, runCase, type CaseResult } from './oracle.js';

test('kql oracle conformance', { timeout: 600_000 }, async (t) => {
  const cases = loadCases();
  const results: CaseResult[] = [];
  for (const c of cases) results.push(await runCase(c));
  const families = new Map<string, { pass: number; total: number }>();
  for (const r of results) {
    const f = families.get(r.family) ?? { pass: 0, total: 0 };
    f.total++;
    if (r.pass) f.pass++;
    families.set(r.family, f);
  }
  const lines = [...families].map(([name, f]) => `${name}: ${f.pass}/${f.total} (${((100 * f.pass) / f.total).toFixed(1)}%)`);
  const all = results.filter((r) => r.pass).length;
  t.diagnostic(`oracle pass rate: ${all}/${results.length}; ${lines.join('; ')}`);
  console.log(`oracle pass rate: ${all}/${results.length}; ${lines.join('; ')}`);
  const passing = readPassing();
  const regressed = results.filter((r) => passing.has(r.id) && !r.pass);
  assert.deepEqual(regressed.map((r) => `${r.id}: ${r.reason}`), [], 'cases listed in passing.txt must keep passing');
  assert.ok(cases.every((c) => familyOf(c)), 'every case has a family');
});
