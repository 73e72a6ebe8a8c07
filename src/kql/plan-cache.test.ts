import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { compileQuery } from './index.js';
import { readPlan, writePlan, planKey } from './plan-cache.js';
import type { Tab } from './plan.js';

test('a cached plan round-trips: bigints exact, shared nodes still shared', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'exfilwatch-plans-'));
  const query = 'let m = materialize(print x = 9007199254740993); m | union m';
  const plan = compileQuery(query, { tables: [], schemaKey: `none-${Date.now()}` });
  writePlan(dir, 'k', plan);
  const back = readPlan(dir, 'k')!;
  const json = (p: unknown) => JSON.stringify(p, (_k, v) => (typeof v === 'bigint' ? `big:${v}` : v));
  assert.equal(json(back), json(plan));
  const union = back.result as Tab & { op: 'union' };
  assert.equal(union.op, 'union');
  assert.equal(union.inputs[0], union.inputs[1], 'the materialized let is one object');
  assert.match(JSON.stringify(back, (_k, v) => (typeof v === 'bigint' ? `big:${v}` : v)), /big:9007199254740993/);
});

test('compileQuery reuses the cache and ignores a damaged entry', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'exfilwatch-plans-'));
  const saved = process.env.EXFILWATCH_PLAN_CACHE;
  process.env.EXFILWATCH_PLAN_CACHE = dir;
  try {
    const q = 'print a = 1 + 2';
    const json = (p: unknown) => JSON.stringify(p);
    const first = json(compileQuery(q, { tables: [], schemaKey: 's' }));
    const files = readdirSync(dir);
    assert.equal(files.length, 1);
    assert.equal(json(compileQuery(q, { tables: [], schemaKey: 's' })), first);
    writeFileSync(path.join(dir, files[0]!), '{not json');
    assert.equal(json(compileQuery(q, { tables: [], schemaKey: 's' })), first);
    assert.notEqual(planKey(q, 's'), planKey(q, 't'), 'another schema is another entry');
  } finally {
    if (saved === undefined) delete process.env.EXFILWATCH_PLAN_CACHE;
    else process.env.EXFILWATCH_PLAN_CACHE = saved;
  }
});
