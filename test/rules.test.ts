/**
 * The T1048.002 pack's rules against their fixtures. Every rule in the pack has
 * test/fixtures/rules/<rule id>/positive/ and negative/ with hand-written Defender rows: the attack
 * commands of the Atomic Red Team tests and the bundled incidents (positive), the five
 * false-positive classes and look-alikes (negative). A fixture file is named <Table>-<case>.jsonl;
 * the files of one case are loaded together, every rule of the pack runs over them (with the pack's
 * watchlists and a pinned now), and the rule under test must raise at least one alert on each
 * positive case and none on any negative case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PACK_RULES, PACK_WATCHLISTS, SAMPLE_DIR } from '../src/content/index.js';
import { hunt, loadRules, loadWatchlists, withWatchlists } from '../src/detect/index.js';
import type { Alert, Rule } from '../src/detect/index.js';
import { loadData } from '../src/engine/query.js';
import { parseDatetime } from '../src/engine/values/datetime.js';
import { discoverFiles } from '../src/sources/index.js';
import { ROOT } from './conformance/oracle.js';

const FIXTURES = path.join(ROOT, 'test/fixtures/rules');
/** The fixtures' capture time: the seed's ago(24h) sees 2026-11-07 only. */
const NOW = parseDatetime('2026-11-08T00:00:00Z')!;

/** The cases of one fixture folder: the files named <Table>-<case>.jsonl, grouped by case. */
function cases(dir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).sort()) {
    const m = /^[A-Za-z]+(?:-(.+?))?\.jsonl(\.gz)?$/.exec(f);
    if (!m) continue;
    const name = m[1] ?? 'default';
    out.set(name, [...(out.get(name) ?? []), path.join(dir, f)]);
  }
  return out;
}

const pack = await loadRules([PACK_RULES]);
const watchlists = await loadWatchlists(PACK_WATCHLISTS);

async function alertsOver(files: string[], rules: Rule[] = pack.rules): Promise<Alert[]> {
  const data = withWatchlists(await loadData(await discoverFiles(files)), watchlists);
  const result = await hunt(rules, data, NOW);
  assert.deepEqual(result.errors.map((e) => `${e.file}:${e.line}: ${e.message}`), [], 'no rule fails on the fixture');
  return result.alerts;
}

test('the pack loads and every rule binds (rules validate)', async () => {
  assert.deepEqual(pack.errors.map((e) => `${e.file}:${e.line}: ${e.message}`), []);
  assert.ok(pack.rules.length >= 10, `expected the seed and the improved rules, found ${pack.rules.length}`);
  const result = await hunt(pack.rules, withWatchlists(await loadData([]), watchlists), 0);
  assert.deepEqual(result.errors.map((e) => `${e.file}:${e.line}: ${e.message}`), []);
});

test('every rule has positive and negative fixtures, and every fixture folder names a rule', () => {
  const ids = new Set(pack.rules.map((r) => r.id));
  for (const id of ids) {
    assert.ok(cases(path.join(FIXTURES, id, 'positive')).size > 0, `${id}: no positive fixtures`);
    assert.ok(cases(path.join(FIXTURES, id, 'negative')).size > 0, `${id}: no negative fixtures`);
  }
  for (const dir of readdirSync(FIXTURES)) assert.ok(ids.has(dir), `fixtures for unknown rule ${dir}`);
});

test('the improved rules carry the fields a SOC needs', () => {
  for (const r of pack.rules.filter((x) => x.id !== 'T1048.002-seed')) {
    assert.ok(r.relevantTechniques.length > 0, `${r.id}: techniques`);
    assert.ok(r.id.startsWith(r.relevantTechniques[0]!), `${r.id}: id starts with its first technique`);
    assert.ok(r.tactics.includes('Exfiltration'), `${r.id}: tactic`);
    assert.ok(r.entityMappings.some((m) => m.entityType === 'Host'), `${r.id}: host entity`);
    assert.ok(r.falsePositives.length > 0 && r.references.length > 0 && r.dataSources.length > 0 && r.requiredTables.length > 0, `${r.id}: metadata`);
    assert.ok(r.legs.length > 0 || r.reason, `${r.id}: a reason for every alert`);
    for (const t of r.requiredTables) assert.match(r.query, new RegExp(`\\b${t}\\b`), `${r.id}: reads ${t}`);
    // Each improved rule reads the watchlists of the five false-positive classes.
    for (const w of ['ManagedTransferDestinations', 'AdminAccounts', 'BackupProcesses', 'BuildHosts', 'SecurityTeam', 'UpdaterProcesses']) {
      assert.ok(r.query.includes(`_GetWatchlist('${w}')`), `${r.id}: reads watchlist ${w}`);
    }
  }
});

for (const rule of pack.rules) {
  test(`${rule.id}: fires on each positive case, stays quiet on each negative case`, async (t) => {
    for (const [name, files] of cases(path.join(FIXTURES, rule.id, 'positive'))) {
      await t.test(`positive ${name}`, async () => {
        const own = (await alertsOver(files)).filter((a) => a.ruleId === rule.id);
        assert.ok(own.length >= 1, `${rule.id} raised no alert on positive case ${name}`);
        for (const a of own) {
          assert.ok(a.reason && !a.reason.includes('?'), `${rule.id}: readable reason, got "${a.reason}"`);
          assert.ok(a.entities.host, `${rule.id}: host entity`);
          assert.deepEqual(a.techniques, rule.relevantTechniques);
        }
      });
    }
    for (const [name, files] of cases(path.join(FIXTURES, rule.id, 'negative'))) {
      await t.test(`negative ${name}`, async () => {
        const own = (await alertsOver(files)).filter((a) => a.ruleId === rule.id);
        assert.deepEqual(own.map((a) => a.reason), [], `${rule.id} alerted on negative case ${name}`);
      });
    }
  });
}

test('the watchlists are what silence the false-positive fixtures', async () => {
  // Without watchlist rows (headers only), the FP-class fixtures of these rules do alert.
  const empty = watchlists.map((w) => ({ ...w, rows: [] }));
  const expectLoud: [string, string][] = [
    ['T1048.002-rclone-exfil', 'fp2-backup-sync'], ['T1048.002-rclone-exfil', 'fp3-build-artifacts'],
    ['T1048.002-scp-sftp-upload', 'fp1-admin-managed'], ['T1048.002-scp-sftp-upload', 'fp2-backup-sftp'],
    ['T1048.002-process-volume-baseline', 'fp3-weekly-release'], ['T1048.002-process-volume-baseline', 'fp1-admin-dmz'],
    ['T1048.002-renamed-tool', 'fp2-backup-bundled-rclone'], ['T1567.002-cloud-storage-exfil', 'fp3-build-s3'],
  ];
  for (const [id, name] of expectLoud) {
    const files = cases(path.join(FIXTURES, id, 'negative')).get(name);
    assert.ok(files, `${id}/${name} exists`);
    const rule = pack.rules.find((r) => r.id === id)!;
    const data = withWatchlists(await loadData(await discoverFiles(files)), empty);
    const result = await hunt([rule], data, NOW);
    assert.ok(result.alerts.length > 0, `${id}/${name} alerts without its watchlist rows`);
  }
});

test('improved rules on the bundled sample: every incident caught, no alert off the incidents', { timeout: 300_000 }, async () => {
  const manifest = JSON.parse(readFileSync(path.join(SAMPLE_DIR, 'manifest.json'), 'utf8')) as {
    captureTime: string;
    incidents: { id: string; device: string; account: string; start: string; end: string }[];
  };
  const improved = pack.rules.filter((r) => r.id !== 'T1048.002-seed');
  const data = withWatchlists(await loadData(await discoverFiles([SAMPLE_DIR])), watchlists);
  const result = await hunt(improved, data, parseDatetime(manifest.captureTime)!);
  assert.deepEqual(result.errors, []);
  const HOUR = 3600_000;
  const onIncident = (a: Alert) => manifest.incidents.find((i) =>
    i.device.toLowerCase() === (a.entities.host ?? '').toLowerCase()
    && Date.parse(a.time) >= Date.parse(i.start) - HOUR && Date.parse(a.time) <= Date.parse(i.end) + HOUR);
  for (const i of manifest.incidents) {
    const caught = result.alerts.filter((a) => onIncident(a)?.id === i.id);
    assert.ok(caught.length > 0, `incident ${i.id} (${i.device}) not caught`);
  }
  const off = result.alerts.filter((a) => !onIncident(a));
  assert.deepEqual(off.map((a) => `${a.ruleId}: ${a.reason}`), [], 'alerts on benign activity');
});
