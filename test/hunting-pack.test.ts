/**
 * The hunting pack (src/content/t1048.002/hunting/): at least eight Informational hunts, every one
 * binds and runs on the bundled sample, and each finds the behaviour it targets: on the sample where
 * the sample has it (the bundled incidents), else on a small fixture under test/fixtures/hunting/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { PACK_HUNTING, PACK_RULES, PACK_WATCHLISTS, SAMPLE_DIR, sampleCaptureTime } from '../src/content/index.js';
import { hunt, loadRules, loadWatchlists, withWatchlists } from '../src/detect/index.js';
import type { Alert } from '../src/detect/index.js';
import { loadData, sharedSources } from '../src/engine/query.js';
import { parseDatetime } from '../src/engine/values/datetime.js';
import { discoverFiles } from '../src/sources/index.js';
import { ROOT } from './conformance/oracle.js';

const NOW = parseDatetime(sampleCaptureTime())!;
const watchlists = await loadWatchlists(PACK_WATCHLISTS);
const pack = await loadRules([PACK_HUNTING]);
const sample = withWatchlists(sharedSources(await loadData(await discoverFiles([SAMPLE_DIR]))), watchlists);
const onSample = await hunt(pack.rules, sample, NOW);
const fixture = withWatchlists(await loadData(await discoverFiles([path.join(ROOT, 'test/fixtures/hunting')])), watchlists);
const onFixture = await hunt(pack.rules, fixture, NOW);

/** What each hunt must find: a predicate over its alerts, and where. */
const EXPECT: Record<string, { on: 'sample' | 'fixture'; what: string; find: (a: Alert) => boolean }> = {
  'H-T1048.002-rare-process-encrypted-ports': { on: 'sample', what: 'the renamed rclone on WS-FIN-03', find: (a) => a.entities.host === 'WS-FIN-03' && a.entities.process === 'svchost-update.exe' },
  'H-T1048.002-rclone-config-written': { on: 'sample', what: 'rclone.conf written on WS-FIN-03', find: (a) => a.entities.host === 'WS-FIN-03' && /rclone\.conf/.test(a.reason) },
  'H-T1048.002-archive-then-upload': { on: 'sample', what: 'payroll.zip then curl to file.io; db.tgz then ssh', find: (a) => /payroll\.zip.*file\.io/.test(a.reason) },
  'H-T1048.002-first-seen-file-sharing-domain': { on: 'sample', what: 'WS-HR-07 first reaching file.io', find: (a) => a.entities.host === 'WS-HR-07' && /file\.io/.test(a.reason) },
  'H-T1048.002-smtp-non-mail-process': { on: 'sample', what: 'Send-MailMessage on WS-SAL-02', find: (a) => a.entities.host === 'WS-SAL-02' && /Send-MailMessage/.test(a.reason) },
  'H-T1048.002-offhours-upload': { on: 'sample', what: 'srv-db-02 scp at 23:00 and WS-FIN-03 at 02:00', find: (a) => a.entities.host === 'srv-db-02' && a.entities.process === 'ssh' },
  'H-T1048.002-long-tls-high-upload': { on: 'sample', what: 'the MEGA upload from WS-FIN-03', find: (a) => a.entities.host === 'WS-FIN-03' && a.entities.process === 'svchost-update.exe' },
  'H-T1048.002-new-external-ssh-destination': { on: 'sample', what: 'the first SSH to 198.51.100.77 and 203.0.113.50', find: (a) => a.entities.remoteIp === '198.51.100.77' || /198\.51\.100\.77/.test(a.reason) },
  'H-T1048.002-scheduled-transfer-tool': { on: 'fixture', what: 'schtasks running rclone; cron running scp', find: (a) => a.entities.host === 'WS-FIN-03' && /rclone/.test(a.reason) },
};

test('the hunting pack loads: at least eight Informational hunts, each with an expectation here', () => {
  assert.deepEqual(pack.errors.map((e) => `${e.file}:${e.line}: ${e.message}`), []);
  assert.ok(pack.rules.length >= 8, `${pack.rules.length} hunts`);
  for (const r of pack.rules) {
    assert.equal(r.severity, 'Informational', r.id);
    assert.ok(r.relevantTechniques.includes('T1048.002'), r.id);
    assert.ok(EXPECT[r.id], `${r.id}: no expectation in this test`);
  }
});

test('every hunt binds and runs on the sample and on the fixture', () => {
  assert.deepEqual(onSample.errors.map((e) => `${e.file}:${e.line}: ${e.message}`), []);
  assert.deepEqual(onFixture.errors.map((e) => `${e.file}:${e.line}: ${e.message}`), []);
  assert.equal(onSample.runs.length, pack.rules.length);
});

for (const [id, e] of Object.entries(EXPECT)) {
  test(`${id} finds ${e.what}`, () => {
    const alerts = (e.on === 'sample' ? onSample : onFixture).alerts.filter((a) => a.ruleId === id);
    assert.ok(alerts.some(e.find), `${id}: ${alerts.length} row(s), none for ${e.what}: ${alerts.slice(0, 3).map((a) => a.reason).join(' | ')}`);
    assert.ok(alerts.every((a) => a.severity === 'Informational'));
  });
}

test('the scheduled-task hunt skips tasks without a transfer tool and build hosts', () => {
  const hosts = onFixture.alerts.filter((a) => a.ruleId === 'H-T1048.002-scheduled-transfer-tool').map((a) => a.entities.host).sort();
  assert.deepEqual(hosts, ['WS-FIN-03', 'srv-db-02']);
});

test('the hunts are not the rules: no hunt id is a rule id, and --pack hunting picks the hunting folder', async () => {
  const rules = await loadRules([PACK_RULES]);
  const ids = new Set(rules.rules.map((r) => r.id));
  assert.ok(pack.rules.every((r) => !ids.has(r.id)));
  const { main } = await import('../src/cli/main.js');
  const writes: string[] = [];
  const orig = process.stdout.write.bind(process.stdout);
  const origErr = process.stderr.write.bind(process.stderr);
  (process.stdout as { write: unknown }).write = (s: string) => { writes.push(s); return true; };
  (process.stderr as { write: unknown }).write = () => true;
  try {
    assert.equal(await main(['hunt', '--pack', 'hunting', '--format', 'jsonl', '--quiet']), 0);
    assert.equal(await main(['hunt', '--pack', 'nope']), 2);
  } finally {
    (process.stdout as { write: unknown }).write = orig;
    (process.stderr as { write: unknown }).write = origErr;
  }
  const got = writes.join('').trim().split('\n').map((l) => JSON.parse(l) as { ruleId: string });
  assert.ok(got.length > 0 && got.every((a) => a.ruleId.startsWith('H-T1048.002-')));
});
