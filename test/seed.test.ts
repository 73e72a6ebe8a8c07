/**
 * The seed detection, byte for byte as published, over a small fixture whose expected rows were
 * worked out by hand (samples/seed-fixture/, now = 2026-11-01T12:00:00Z, so ago(24h) is
 * 2026-10-31T12:00:00Z).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ExfilwatchError } from '../src/diagnostics/facts.js';
import { compileFor, loadData, runPlan } from '../src/engine/query.js';
import { parseDatetime, formatDatetime } from '../src/engine/values/datetime.js';
import { discoverFiles } from '../src/sources/index.js';
import { ROOT, SHARED } from './conformance/oracle.js';

const seedText = readFileSync(path.join(SHARED, 'seed/T1048.002-detection.txt'), 'utf8');
const start = seedText.indexOf('let ExfilTools');
const endMarker = '| sort by Timestamp desc';
const SEED = seedText.slice(start, seedText.indexOf(endMarker) + endMarker.length);
const FIXTURE = path.join(ROOT, 'samples/seed-fixture');
const NOW = parseDatetime('2026-11-01T12:00:00Z')!;

async function runSeed(strictSchema = false) {
  const data = await loadData(await discoverFiles([FIXTURE]), { strictSchema });
  const result = await runPlan(compileFor(SEED, data, strictSchema), data, NOW);
  const rows = Array.from({ length: result.length }, (_, i) =>
    Object.fromEntries(result.fields.map((f, c) => [f.name, result.columns[c]![i]])));
  return { result, rows };
}

test('the bundled seed query is the published one, byte for byte', () => {
  assert.ok(start > 0);
  assert.equal(readFileSync(path.join(FIXTURE, 'seed.kql'), 'utf8'), SEED + '\n');
});

test('seed over the fixture: all three legs, hand-worked rows, newest first', async () => {
  const { result, rows } = await runSeed();
  assert.deepEqual(result.fields.map((f) => f.name), [
    'Timestamp', 'DeviceName', 'AccountName', 'FileName', 'ProcessCommandLine', 'InitiatingProcessFileName',
    'InitiatingProcessCommandLine', 'ToolName', 'ConnectionCount', 'MBSent', 'UniqueRemoteIPs', 'Ports', 'RemoteIPs',
    'HasCopy', 'HasRemote',
  ]);
  assert.equal(rows.length, 7);
  const times = rows.map((r) => formatDatetime(r.Timestamp as number));
  assert.deepEqual(times, [
    '2026-11-01T10:00:00.1234567Z', '2026-11-01T10:00:00.1234567Z', // rclone start: legs 1 and 3
    '2026-11-01T10:00:00.0000000Z', // rclone volume, binned to the hour
    '2026-11-01T08:30:00.0000000Z', // cmd.exe scp
    '2026-11-01T08:00:00.0000000Z', // winscp connection count
    '2026-11-01T07:15:00.0000000Z', // powershell WebDAV
    '2026-11-01T06:00:00.0000000Z', // rclone version (leg 1 only)
  ]);

  // Detection 1: tools starting.
  const leg1 = rows.filter((r) => r.ToolName !== '');
  assert.deepEqual(leg1.map((r) => [r.DeviceName, r.FileName, r.ToolName]), [
    ['WS-12', 'rclone.exe', 'Rclone'],
    ['WS-7', 'cmd.exe', 'SCP'],
    ['WS-7', 'powershell.exe', 'Unknown'],
    ['SRV-1', 'rclone.exe', 'Rclone'],
  ]);
  assert.ok(leg1.every((r) => r.ConnectionCount === null && r.HasCopy === null));

  // Detection 2: volume (12 MiB sent by rclone in the 10:00 hour) and count (6 winscp connections).
  const leg2 = rows.filter((r) => r.ConnectionCount !== null);
  assert.equal(leg2.length, 2);
  const [rclone, winscp] = leg2;
  assert.equal(rclone!.InitiatingProcessFileName, 'rclone.exe');
  assert.equal(rclone!.AccountName, 'alice', 'AccountName falls back to InitiatingProcessAccountName');
  assert.equal(rclone!.ConnectionCount, 3);
  assert.equal(rclone!.MBSent, 12);
  assert.equal(rclone!.UniqueRemoteIPs, 2);
  assert.deepEqual(rclone!.Ports, [443]);
  assert.deepEqual(rclone!.RemoteIPs, ['198.51.100.10', '198.51.100.11']);
  assert.equal(winscp!.InitiatingProcessFileName, 'winscp.exe');
  assert.equal(winscp!.ConnectionCount, 6);
  assert.deepEqual(winscp!.Ports, [22]);
  assert.equal(winscp!.FileName, '', 'network rows have no FileName');

  // Detection 3: rclone copy to a mega remote; `rclone.exe version` is neither copy nor remote.
  const leg3 = rows.filter((r) => r.HasCopy !== null);
  assert.deepEqual(leg3.map((r) => [r.DeviceName, r.HasCopy, r.HasRemote]), [['WS-12', true, true]]);
});

test('with --strict-schema the seed fails to bind, as it does in Defender', async () => {
  await assert.rejects(runSeed(true), (e: unknown) => e instanceof ExfilwatchError && e.diagnostic.code === 'KS142' && /SentBytes/.test(e.message));
});
