/**
 * `exfilwatch rules export`: every pack rule as a Sentinel analytic rule (YAML), an ARM template
 * of Sentinel alert rules and a Defender XDR custom detection; the query always verbatim.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { PACK_RULES } from '../src/content/index.js';
import { loadRules, parseRule, type Rule } from '../src/detect/index.js';
import { armTemplate, defenderPeriod, defenderRule, exportWarnings, isoDuration, ruleGuid, sentinelYaml } from '../src/detect/export.js';
import { exportAll, exportCommand } from '../src/cli/export.js';
import { ROOT } from './conformance/oracle.js';

const { rules, errors } = await loadRules([PACK_RULES]);
const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('the pack loads, and every rule id gives a stable, distinct version-5 GUID', () => {
  assert.deepEqual(errors, []);
  assert.ok(rules.length >= 11);
  const guids = rules.map((r) => ruleGuid(r.id));
  for (const g of guids) assert.match(g, UUID_V5);
  assert.equal(new Set(guids).size, guids.length);
  // RFC 9562 UUID v5 (SHA-1): the same value Python's uuid.uuid5 gives for our namespace and the id.
  assert.equal(ruleGuid('T1048.002-seed'), '34c1d511-365e-5571-8512-0a6096c4a4c4');
  assert.equal(ruleGuid('T1048.002-file-sharing-destination'), '1ab4a4fe-6345-5e56-aa1e-2e025d0606bb');
});

test('Sentinel YAML: every rule re-parses with the repository fields, its query byte for byte', () => {
  for (const rule of rules) {
    const text = sentinelYaml(rule);
    const y = parseYaml(text) as Record<string, any>;
    assert.deepEqual(Object.keys(y).filter((k) => !['entityMappings', 'customDetails'].includes(k)), [
      'id', 'name', 'description', 'severity', 'requiredDataConnectors', 'queryFrequency', 'queryPeriod', 'triggerOperator',
      'triggerThreshold', 'tactics', 'relevantTechniques', 'query', 'eventGroupingSettings', 'version', 'kind',
    ], rule.id);
    assert.equal(y.query, rule.query, `${rule.id}: query round-trips byte for byte`);
    assert.equal(y.id, ruleGuid(rule.id));
    assert.equal(y.name, rule.name);
    assert.equal(y.severity, rule.severity);
    assert.equal(y.kind, 'Scheduled');
    assert.deepEqual(y.requiredDataConnectors, [{ connectorId: 'MicrosoftThreatProtection', dataTypes: rule.requiredTables }]);
    assert.deepEqual(y.tactics, rule.tactics);
    assert.deepEqual(y.relevantTechniques, rule.relevantTechniques);
    assert.equal(y.triggerOperator, rule.triggerOperator);
    assert.equal(y.triggerThreshold, rule.triggerThreshold);
    assert.deepEqual(y.entityMappings ?? [], rule.entityMappings);
    assert.deepEqual(y.customDetails ?? {}, rule.customDetails);
    assert.deepEqual(y.eventGroupingSettings, { aggregationKind: 'AlertPerResult' });
    // Our own fields travel in the description.
    assert.ok(y.description.startsWith(rule.description.trim()), rule.id);
    assert.match(y.description, new RegExp(`Confidence: ${rule.confidence}\\.`));
    for (const fp of rule.falsePositives) assert.ok(y.description.includes(fp), `${rule.id}: false positive in the description`);
    // The export loads back as an exfilwatch rule, with the same query.
    assert.equal(parseRule(text, 'exported.yaml').query, rule.query);
  }
});

test("the seed's export keeps the published query verbatim", () => {
  const seed = rules.find((r) => r.id === 'T1048.002-seed')!;
  const published = readFileSync(path.join(ROOT, 'samples/seed-fixture/seed.kql'), 'utf8').replace(/\n$/, '');
  assert.equal(seed.query, published);
  assert.equal((parseYaml(sentinelYaml(seed)) as { query: string }).query, published);
  assert.equal((armTemplate([seed]).resources as any[])[0].properties.query, published);
  assert.equal((defenderRule(seed).queryCondition as { queryText: string }).queryText, published);
});

test('a query that YAML finds awkward still round-trips (leading spaces, trailing spaces, tabs, quotes, no final newline)', () => {
  const base = rules[0]!;
  for (const query of ['  DeviceEvents\n| take 1', 'DeviceEvents \n| where X == "a: b # c"  \n', 'DeviceEvents\n\t| take 1\n\n', "T | where a == '---'\n---\n...", '\'x\'']) {
    const rule: Rule = { ...base, query };
    assert.equal((parseYaml(sentinelYaml(rule)) as { query: string }).query, query, JSON.stringify(query));
  }
});

test('ARM: one valid template, every rule a Scheduled alert rule of the workspace parameter', () => {
  const text = exportAll(rules, 'arm');
  const t = JSON.parse(text) as Record<string, any>;
  assert.equal(t.$schema, 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#');
  assert.equal(t.contentVersion, '1.0.0.0');
  assert.equal(t.parameters.workspace.type, 'String');
  assert.equal(t.resources.length, rules.length);
  t.resources.forEach((res: Record<string, any>, i: number) => {
    const rule = rules[i]!;
    assert.equal(res.type, 'Microsoft.OperationalInsights/workspaces/providers/alertRules');
    assert.equal(res.kind, 'Scheduled');
    assert.match(res.apiVersion, /^\d{4}-\d{2}-\d{2}(-preview)?$/);
    assert.equal(res.name, `[concat(parameters('workspace'),'/Microsoft.SecurityInsights/','${ruleGuid(rule.id)}')]`);
    const p = res.properties;
    for (const k of ['displayName', 'description', 'severity', 'enabled', 'query', 'queryFrequency', 'queryPeriod', 'triggerOperator',
      'triggerThreshold', 'suppressionDuration', 'suppressionEnabled', 'tactics', 'techniques', 'entityMappings', 'eventGroupingSettings']) {
      assert.ok(k in p, `${rule.id}: properties.${k}`);
    }
    assert.equal(p.query, rule.query);
    assert.equal(p.displayName, rule.name);
    assert.ok(['High', 'Medium', 'Low', 'Informational'].includes(p.severity));
    assert.match(p.queryFrequency, /^P(\d+D)?(T(\d+H)?(\d+M)?)?$/);
    assert.match(p.queryPeriod, /^P(\d+D)?(T(\d+H)?(\d+M)?)?$/);
    assert.ok(['GreaterThan', 'LessThan', 'Equal', 'NotEqual'].includes(p.triggerOperator));
    for (const tech of p.techniques) assert.match(tech, /^T\d{4}$/);
    for (const sub of p.subTechniques) assert.match(sub, /^T\d{4}\.\d{3}$/);
    assert.deepEqual([...p.techniques, ...p.subTechniques].sort(),
      [...new Set([...rule.relevantTechniques.map((x) => x.split('.')[0]!), ...rule.relevantTechniques.filter((x) => x.includes('.'))])].sort());
  });
  assert.equal(isoDuration('24h'), 'PT24H');
  assert.equal(isoDuration('5m'), 'PT5M');
  assert.equal(isoDuration('14d'), 'P14D');
});

test('Defender XDR: the custom detection form for every rule', () => {
  for (const rule of rules) {
    const d = JSON.parse(JSON.stringify(defenderRule(rule))) as Record<string, any>;
    assert.equal(d.displayName, rule.name);
    assert.equal(d.queryCondition.queryText, rule.query);
    assert.ok(['0', '1H', '3H', '12H', '24H'].includes(d.schedule.period));
    const a = d.detectionAction.alertTemplate;
    assert.equal(a.title, rule.name);
    assert.equal(a.severity, rule.severity.toLowerCase());
    assert.equal(a.category, 'Exfiltration');
    assert.deepEqual(a.mitreTechniques, rule.relevantTechniques);
    assert.ok(a.description.includes(`Confidence: ${rule.confidence}.`));
    assert.ok(a.impactedAssets.some((x: any) => x['@odata.type'] === '#microsoft.graph.security.impactedDeviceAsset'), `${rule.id}: a device`);
    if (rule.entityMappings.some((m) => m.entityType === 'Account' && m.fieldMappings.some((f) => f.columnName === 'AccountName'))) {
      assert.ok(a.impactedAssets.some((x: any) => x['@odata.type'] === '#microsoft.graph.security.impactedUserAsset' && x.identifier === 'accountName'));
    }
  }
  assert.equal(defenderPeriod('1h'), '1H');
  assert.equal(defenderPeriod('2h'), '3H');
  assert.equal(defenderPeriod('1d'), '24H');
  const seed = rules.find((r) => r.id === 'T1048.002-seed')!;
  assert.ok(exportWarnings(seed, 'defender').some((w) => w.includes('SentBytes')), 'the seed reads columns Defender lacks');
});

test('rules export --out writes one file per rule; a bad --to is bad usage', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'exfilwatch-export-'));
  try {
    for (const to of ['sentinel', 'arm', 'defender']) assert.equal(await exportCommand(['--to', to, '--out', dir, '--quiet']), 0);
    const files = readdirSync(dir).sort();
    assert.equal(files.length, rules.length * 3);
    for (const r of rules) {
      assert.ok(files.includes(`${r.id}.yaml`) && files.includes(`${r.id}.arm.json`) && files.includes(`${r.id}.defender.json`), r.id);
      const y = parseYaml(readFileSync(path.join(dir, `${r.id}.yaml`), 'utf8')) as { query: string };
      assert.equal(y.query, r.query);
      JSON.parse(readFileSync(path.join(dir, `${r.id}.arm.json`), 'utf8'));
      JSON.parse(readFileSync(path.join(dir, `${r.id}.defender.json`), 'utf8'));
    }
    const docs = parseAllDocuments(exportAll(rules, 'sentinel'));
    assert.equal(Array.isArray(docs) ? docs.length : 0, rules.length);
    assert.equal(await exportCommand(['--to', 'splunk', '--quiet']), 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
