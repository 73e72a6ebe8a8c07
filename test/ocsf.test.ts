/**
 * `hunt --format ocsf` writes OCSF 1.3.0 Detection Findings (class 2004) that validate against the
 * OCSF schema: test/fixtures/ocsf/detection_finding-1.3.0.schema.json, compiled from the OCSF
 * schema repository by test/fixtures/ocsf/generate-schema.mjs (no OCSF schema package is on npm),
 * checked with Ajv (JSON Schema 2020-12).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { PACK_RULES, PACK_WATCHLISTS, SAMPLE_DIR, sampleCaptureTime } from '../src/content/index.js';
import { type Alert, hunt, loadRules, loadWatchlists, withWatchlists } from '../src/detect/index.js';
import { loadData, sharedSources } from '../src/engine/query.js';
import { parseDatetime } from '../src/engine/values/datetime.js';
import { discoverFiles } from '../src/sources/index.js';
import { formatAlerts } from '../src/cli/alerts-output.js';
import { OCSF_VERSION, toOcsf } from '../src/cli/ocsf.js';
import { jsonText } from '../src/engine/values/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, here.split(path.sep).includes('dist') ? '../..' : '..');
const SCHEMA = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/ocsf/detection_finding-1.3.0.schema.json'), 'utf8')) as object;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(SCHEMA);

function check(finding: unknown, what: string): void {
  const ok = validate(finding);
  assert.ok(ok, `${what}: ${JSON.stringify(validate.errors?.slice(0, 5), null, 1)}`);
}

test('the schema is the Detection Finding of the OCSF version we write, and it rejects what is not one', () => {
  assert.match((SCHEMA as { $id: string }).$id, new RegExp(`/${OCSF_VERSION.replace(/\./g, '\\.')}/classes/detection_finding$`));
  assert.equal(validate({ class_uid: 2004 }), false);
  const good = { ...toOcsf(alert({})) };
  check(JSON.parse(jsonText(good)), 'a minimal alert');
  assert.equal(validate({ ...good, class_uid: 2003 }), false, 'another class');
  assert.equal(validate({ ...good, severity_id: 7 }), false, 'a severity outside the enum');
  assert.equal(validate({ ...good, time: '2026-11-07T10:00:00Z' }), false, 'time is a timestamp (ms), not text');
  assert.equal(validate({ ...good, no_such_attribute: 1 }), false, 'an attribute OCSF does not define');
  assert.equal(validate({ ...good, actor: { process: { name: 'rclone.exe' } } }), false, 'a process needs a pid or uid');
});

test('alerts with awkward entities still give valid findings', () => {
  const odd = alert({
    entities: { host: 'WS_12 (lab)', account: 'CORP\\alice', process: 'rclone.exe', commandLine: 'rclone copy', remoteIp: 'not-an-ip, 10.1.2.3', remoteUrl: 'mega.nz' },
    evidence: { ProcessId: 4242, Nothing: null, Big: 12345678901234567890n },
    incidentId: 'inc-1', notes: ['no byte counts'],
  });
  const f = JSON.parse(jsonText(toOcsf(odd))) as Record<string, any>;
  check(f, 'odd alert');
  assert.equal(f.device.name, 'WS_12 (lab)');
  assert.equal(f.device.hostname, undefined, 'not a hostname, so only its name');
  assert.equal(f.actor.process.pid, 4242);
  assert.equal(f.evidences[0].dst_endpoint.ip, '10.1.2.3');
  assert.equal(f.evidences[0].data.Nothing, null, 'the evidence row keeps its nulls');
  assert.deepEqual(f.metadata.profiles, ['host']);
  assert.equal(f.metadata.correlation_uid, 'inc-1');
  assert.deepEqual(f.finding_info.attacks[0].technique, { uid: 'T1048', name: 'Exfiltration Over Alternative Protocol' });
  assert.equal(f.finding_info.attacks[0].sub_technique.uid, 'T1048.002');
  assert.equal(f.finding_info.attacks[0].tactic.uid, 'TA0010');
  const noPid = JSON.parse(jsonText(toOcsf(alert({ entities: { process: 'scp' } })))) as Record<string, any>;
  check(noPid, 'alert with a process and no pid');
  assert.equal(noPid.actor, undefined);
});

test('every alert of the sample hunt, in OCSF, validates against the OCSF schema', { timeout: 120_000 }, async () => {
  const { rules, errors } = await loadRules([PACK_RULES]);
  assert.deepEqual(errors, []);
  const data = withWatchlists(sharedSources(await loadData(await discoverFiles([SAMPLE_DIR]))), await loadWatchlists(PACK_WATCHLISTS));
  const result = await hunt(rules, data, parseDatetime(sampleCaptureTime())!);
  assert.ok(result.alerts.length > 20, 'the sample raises alerts');
  const lines = formatAlerts(result, 'ocsf', false).trimEnd().split('\n');
  assert.equal(lines.length, result.alerts.length);
  lines.forEach((line, i) => {
    const f = JSON.parse(line) as Record<string, any>;
    check(f, `alert ${i} (${result.alerts[i]!.ruleId})`);
    assert.equal(f.finding_info.uid, result.alerts[i]!.id);
    assert.equal(f.finding_info.analytic.uid, result.alerts[i]!.ruleId);
  });
  // Entities found their OCSF places somewhere in the sample.
  const all = lines.map((l) => JSON.parse(l) as Record<string, any>);
  assert.ok(all.some((f) => f.device?.hostname), 'a device');
  assert.ok(all.some((f) => f.actor?.user?.name), 'a user');
  assert.ok(all.some((f) => f.actor?.process?.pid !== undefined), 'a process with its pid');
  assert.ok(all.some((f) => f.evidences[0].dst_endpoint?.ip || f.evidences[0].url), 'a destination');
});

function alert(over: Partial<Alert>): Alert {
  return {
    id: 'a1', ruleId: 'T1048.002-test', ruleName: 'Test rule', severity: 'High', confidence: 'Medium',
    tactics: ['Exfiltration'], techniques: ['T1048.002'], time: '2026-11-07T10:00:00.0000000Z', detection: 'test',
    reason: 'a reason', entities: {}, customDetails: {}, evidence: {}, notes: [], ticks: null, ...over,
  };
}
