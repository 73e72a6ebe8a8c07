/**
 * `investigate` and `playbook` on the bundled sample: for each incident of the sample's manifest
 * (I1–I5), the hunt's alert on that incident's command line is investigated, and the report must
 * name the incident's process, its destinations and the bytes the manifest records. The manifest's
 * byte count covers every instance of the tool in the incident (rclone's `config create` before its
 * `copy`, WinSCP.com's aborted try before WinSCP.exe); the report counts the alerted process and its
 * children, so it must hold at least 99% of the manifest's bytes and never more.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PACK_RULES, PACK_WATCHLISTS, SAMPLE_DIR } from '../src/content/index.js';
import { hunt, loadRules, loadWatchlists, withWatchlists } from '../src/detect/index.js';
import type { Alert } from '../src/detect/index.js';
import { bindParameters, findAlert, investigate } from '../src/detect/investigate.js';
import { renderPlaybook } from '../src/detect/playbook.js';
import { loadData, sharedSources } from '../src/engine/query.js';
import { parseDatetime } from '../src/engine/values/datetime.js';
import { discoverFiles } from '../src/sources/index.js';
import { investigationMarkdown } from '../src/cli/investigate.js';
import { markdownToHtml } from '../src/cli/playbook.js';

interface ManifestIncident {
  id: string; device: string; account: string; process: string; networkProcess: string; commandLine: string;
  remoteIps: string[]; remoteUrls: string[]; bytesSent: number;
}
const manifest = JSON.parse(readFileSync(path.join(SAMPLE_DIR, 'manifest.json'), 'utf8')) as { captureTime: string; incidents: ManifestIncident[] };
const NOW = parseDatetime(manifest.captureTime)!;
const watchlists = await loadWatchlists(PACK_WATCHLISTS);
const data = withWatchlists(sharedSources(await loadData(await discoverFiles([SAMPLE_DIR]))), watchlists);
const pack = await loadRules([PACK_RULES]);
const result = await hunt(pack.rules, data, NOW);

const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();
/** The hunt's alert on the incident's own process (its command line, on its device). */
function alertFor(inc: ManifestIncident): Alert {
  const a = result.alerts.find((x) => x.entities.host === inc.device && squash(x.entities.commandLine ?? '') === squash(inc.commandLine));
  assert.ok(a, `${inc.id}: the hunt raised no alert on ${inc.process} on ${inc.device}`);
  return a;
}

test('the hunt over the sample runs every rule', () => {
  assert.deepEqual(result.errors.map((e) => e.message), []);
  assert.equal(manifest.incidents.length, 5);
});

for (const inc of manifest.incidents) {
  test(`investigate ${inc.id}: names ${inc.process}, its destinations and its bytes`, async () => {
    const alert = alertFor(inc);
    assert.equal(findAlert(result.alerts, alert.id), alert, 'ids find their alert');
    const r = await investigate(data, NOW, { alert, watchlists });
    assert.equal(r.device, inc.device);
    assert.equal(r.account, inc.account);
    assert.equal(r.process?.fileName, inc.process);
    assert.equal(squash(r.process?.commandLine ?? ''), squash(inc.commandLine));
    // The process that carried the bytes is the tool or its child (scp's ssh).
    const carriers = new Set(r.connections.flatMap((d) => d.processes));
    assert.ok(carriers.has(inc.networkProcess), `${inc.id}: connections by ${[...carriers]} lack ${inc.networkProcess}`);
    const ips = new Set(r.connections.map((d) => d.remoteIp));
    const urls = new Set(r.connections.map((d) => d.remoteUrl));
    assert.ok(inc.remoteIps.every((ip) => ips.has(ip)), `${inc.id}: destinations ${[...ips]} lack one of ${inc.remoteIps}`);
    assert.ok(inc.remoteUrls.every((u) => urls.has(u.toLowerCase())), `${inc.id}: host names ${[...urls]} lack one of ${inc.remoteUrls}`);
    const sent = r.totals.sentBytes ?? 0;
    assert.ok(sent <= inc.bytesSent && sent >= inc.bytesSent * 0.99, `${inc.id}: sent ${sent}, manifest ${inc.bytesSent}`);
    // The verdict aid: an incident fits no false-positive class and shows signs of exfiltration.
    assert.ok(r.verdict.classes.length === 5 && r.verdict.classes.every((c) => !c.matches), r.verdict.summary);
    assert.match(r.verdict.summary, /^Matches no false-positive class/);
    assert.ok(r.indicators.length > 0);
    // The report says it in words too.
    const md = investigationMarkdown(r);
    assert.ok(md.includes(inc.process) && md.includes(inc.remoteIps[0]!) && md.includes(inc.bytesSent > 1048576 ? 'MB' : 'B'));
  });
}

test('investigate I1: the tree, the staged files and first sightings', async () => {
  const inc = manifest.incidents.find((i) => i.id === 'I1')!;
  const r = await investigate(data, NOW, { alert: alertFor(inc), watchlists });
  assert.deepEqual(r.tree.ancestors.slice(0, 2).map((p) => p.fileName), ['cmd.exe', 'explorer.exe']);
  assert.equal(r.process?.originalFileName, 'rclone.exe');
  const files = r.files.map((f) => `${f.fileName}:${f.why}`);
  assert.ok(files.includes('rclone.conf:rclone configuration'), files.join(', '));
  assert.ok(files.includes("svchost-update.exe:the tool's binary"), files.join(', '));
  assert.equal(r.firstSeen.onDevice?.slice(0, 16), '2026-11-06T02:10');
  assert.equal(r.firstSeen.fleetFirstDevice, 'WS-FIN-03');
});

test('investigate I4: the ssh child is in the tree and carries the bytes; db.tgz was staged, then removed', async () => {
  const inc = manifest.incidents.find((i) => i.id === 'I4')!;
  const r = await investigate(data, NOW, { alert: alertFor(inc), watchlists });
  assert.ok(r.tree.descendants.some((d) => d.fileName === 'ssh'));
  assert.deepEqual(r.files.filter((f) => f.fileName === 'db.tgz').map((f) => `${f.when}:${f.action}`), ['before:FileCreated', 'after:FileDeleted']);
});

test('investigate --device --at: the nightly rclone backup is recognised as FP2', async () => {
  const r = await investigate(data, NOW, { device: 'backup-01', at: '2026-11-06T01:05:00Z', watchlists });
  assert.equal(r.process?.fileName, 'rclone');
  const fp2 = r.verdict.classes.find((c) => c.id === 'FP2')!;
  assert.ok(fp2.matches, fp2.signalsAgainst.join('; '));
  assert.match(r.verdict.summary, /^Consistent with FP2/);
});

test('query parameters become KQL literals; a missing one is an error', () => {
  const q = bindParameters('T | where A == {S} and B in ({L}) and C > {T} and D == {N}', {
    S: 'a "quoted" \\ value', L: ['x', 'y'], T: { datetime: '2026-11-06T02:10:00Z' }, N: 42,
  });
  assert.equal(q, 'T | where A == "a \\"quoted\\" \\\\ value" and B in (dynamic(["x","y"])) and C > datetime(2026-11-06T02:10:00Z) and D == 42');
  assert.throws(() => bindParameters('T | where A == {Missing}', {}), /Missing/);
});

test('playbook: the alert\'s host, account and process are filled in, with every section', async () => {
  const inc = manifest.incidents.find((i) => i.id === 'I3')!;
  const alert = alertFor(inc);
  const md = await renderPlaybook(alert);
  for (const s of ['## Contain', '## Scope', '## Preserve evidence', '## Eradicate', '## Recover', '## Tune']) assert.ok(md.includes(s), s);
  assert.ok(md.includes(inc.device) && md.includes(inc.account) && md.includes(inc.process));
  assert.ok(md.includes(`DeviceName =~ "${inc.device}"`), 'scope queries carry the host as a KQL literal');
  assert.ok(md.includes(`### For ${alert.ruleId}`), 'the rule-specific section is added');
  assert.ok(!/\{\{[a-z:A-Z]+\}\}/.test(md), 'no placeholder left');
  // Every scope query binds against the Defender schema.
  const { compileFor } = await import('../src/engine/query.js');
  const blocks = [...md.matchAll(/```kql\n([\s\S]*?)```/g)].map((m) => m[1]!.replace(/^ {3}/gm, ''));
  assert.ok(blocks.length >= 5);
  for (const b of blocks) assert.doesNotThrow(() => compileFor(b, data), b);
  const html = markdownToHtml(md, 'playbook');
  assert.match(html, /^<!DOCTYPE html>/);
  assert.ok(html.includes('<h2>Scope</h2>') && html.includes(inc.device) && !/<script|https?:\/\/(?!attack)/.test(html.replace(/<code>[^<]*<\/code>/g, '')));
});
