/** Rule loading, alerts and `exfilwatch hunt`: broken rules are named at their line, good ones still run. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { hunt, loadRules, loadWatchlists, withWatchlists, parseRule } from '../src/detect/index.js';
import { PACK_RULES, PACK_WATCHLISTS } from '../src/content/index.js';
import { loadData } from '../src/engine/query.js';
import { parseDatetime } from '../src/engine/values/datetime.js';
import { discoverFiles } from '../src/sources/index.js';
import { ROOT } from './conformance/oracle.js';
import { readFileSync } from 'node:fs';

const BROKEN = path.join(ROOT, 'test/fixtures/broken-rules');
const FIXTURE = path.join(ROOT, 'samples/seed-fixture');
const NOW = parseDatetime('2026-11-01T12:00:00Z')!;

test('broken rule files: each error at its own line and column, the good rule still loads', async () => {
  const { rules, errors } = await loadRules([BROKEN]);
  const byFile = Object.fromEntries(errors.map((e) => [path.basename(e.file!), e]));
  assert.equal(byFile['bad-yaml.yaml']!.code, 'EW201');
  assert.equal(byFile['unknown-field.yaml']!.code, 'EW202');
  assert.deepEqual([byFile['unknown-field.yaml']!.line, byFile['unknown-field.yaml']!.column], [4, 1]);
  assert.match(byFile['unknown-field.yaml']!.message, /querry/);
  assert.deepEqual(rules.map((r) => r.id).sort(), ['good-rule', 'missing-watchlist', 'unbound-column']);
});

test('a query that does not bind or a missing watchlist fails at the rule file line; the others still run', async () => {
  const { rules } = await loadRules([BROKEN]);
  const data = withWatchlists(await loadData(await discoverFiles([FIXTURE])), []);
  const result = await hunt(rules, data, NOW);
  const unbound = result.errors.find((e) => path.basename(e.file!) === 'unbound.yaml')!;
  assert.equal(unbound.code, 'KS142');
  assert.deepEqual([unbound.line, unbound.column], [7, 11], 'line 7 of the file, column of NoSuchColumn');
  const missing = result.errors.find((e) => path.basename(e.file!) === 'missing-watchlist.yaml')!;
  assert.equal(missing.code, 'EW205');
  assert.match(missing.message, /NoSuchList/);
  const good = result.alerts.filter((a) => a.ruleId === 'good-rule');
  assert.equal(good.length, 2, 'two rclone.exe starts in the fixture');
  assert.deepEqual(good.map((a) => a.entities.host).sort(), ['SRV-1', 'WS-12']);
  assert.match(good.find((a) => a.entities.host === 'WS-12')!.reason, /^rclone\.exe on WS-12: rclone\.exe copy/);
});

test('the seed rule in the pack carries the seed query byte for byte', async () => {
  const seedText = readFileSync(path.join(ROOT, '../shared/seed/T1048.002-detection.txt'), 'utf8');
  const start = seedText.indexOf('let ExfilTools');
  const end = seedText.indexOf('| sort by Timestamp desc') + '| sort by Timestamp desc'.length;
  const rule = parseRule(readFileSync(path.join(PACK_RULES, 'seed.yaml'), 'utf8'), 'seed.yaml');
  assert.equal(rule.id, 'T1048.002-seed');
  assert.equal(rule.query, seedText.slice(start, end));
  assert.equal(rule.severity, 'High');
  assert.equal(rule.confidence, 'Medium');
  assert.equal(rule.falsePositives.length, 5);
});

test('seed alerts over the fixture: one per row, legs named, stable ids, incidents by device and account', async () => {
  const { rules } = await loadRules([path.join(PACK_RULES, 'seed.yaml')]);
  const data = withWatchlists(await loadData(await discoverFiles([FIXTURE])), await loadWatchlists(PACK_WATCHLISTS));
  const first = await hunt(rules, data, NOW);
  const again = await hunt(rules, data, NOW);
  assert.equal(first.alerts.length, 7);
  assert.deepEqual(first.alerts.map((a) => a.id), again.alerts.map((a) => a.id), 'ids are stable across runs');
  const legs = first.alerts.map((a) => a.detection);
  assert.equal(legs.filter((l) => l === 'Exfiltration tool started').length, 4);
  assert.equal(legs.filter((l) => l === 'Large or frequent outbound encrypted connections').length, 2);
  assert.equal(legs.filter((l) => l === 'Rclone copy, sync or move to a remote').length, 1);
  const a = first.alerts[0]!;
  assert.deepEqual(a.techniques, ['T1048.002']);
  assert.equal(a.severity, 'High');
  // WS-12/alice: the rclone start, the rclone transfer and the volume alert are one incident.
  const ws12 = first.alerts.filter((x) => x.entities.host === 'WS-12');
  assert.equal(new Set(ws12.map((x) => x.incidentId)).size, 1);
  assert.equal(ws12.length, 3);
});

test('exfilwatch hunt: jsonl contract fields, exit 1 when a rule failed, 0 otherwise', () => {
  const bin = path.join(ROOT, 'bin/exfilwatch.js');
  const ok = spawnSync(process.execPath, [bin, 'hunt', FIXTURE, '--now', '2026-11-01T12:00:00Z', '--format', 'jsonl', '--rules', path.join(PACK_RULES, 'seed.yaml')], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  const alerts = ok.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(alerts.length, 7);
  for (const k of ['id', 'ruleId', 'ruleName', 'severity', 'confidence', 'tactics', 'techniques', 'time', 'detection', 'reason', 'entities', 'evidence']) {
    assert.ok(k in alerts[0], `alert has ${k}`);
  }
  assert.equal(alerts[0].ruleId, 'T1048.002-seed');
  const bad = spawnSync(process.execPath, [bin, 'hunt', FIXTURE, '--now', '2026-11-01T12:00:00Z', '--format', 'jsonl', '--rules', BROKEN], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /unknown-field\.yaml:4:1: unknown field 'querry' \(EW202\)/);
  assert.match(bad.stderr, /unbound\.yaml:7:11: .*NoSuchColumn.* \(KS142\)/);
  assert.equal(bad.stdout.trim().split('\n').filter(Boolean).length, 2, 'the good rule still alerted');
});
