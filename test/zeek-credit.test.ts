/**
 * The seed's volume leg (Detection 2) over Defender rows that name rclone.exe but carry no byte
 * counts: it fires only once bytes are credited from flows of the same connections — Zeek conn.log
 * flows (test/fixtures/zeek-credit/zeek/) or Defender's SslConnectionInspected rows
 * (test/fixtures/zeek-credit/inspected/). Each fixture has decoys that a looser match would credit
 * to rclone: chrome.exe's 40 MiB connection to the same server and port, rclone's own 4-tuple
 * reused half an hour later (30 MiB), an unclaimed port-22 flow (20 MiB), and another device with
 * the same addresses (50 MiB). rclone sent 4 + 4 + 3 = 11 MiB, so MBSent is exactly 11.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { compileFor, loadData, runPlan } from '../src/engine/query.js';
import { parseDatetime } from '../src/engine/values/datetime.js';
import { discoverFiles } from '../src/sources/index.js';
import { ROOT, SHARED } from './conformance/oracle.js';

const seedText = readFileSync(path.join(SHARED, 'seed/T1048.002-detection.txt'), 'utf8');
const endMarker = '| sort by Timestamp desc';
const SEED = seedText.slice(seedText.indexOf('let ExfilTools'), seedText.indexOf(endMarker) + endMarker.length);
const FIXTURE = path.join(ROOT, 'test/fixtures/zeek-credit');
const NOW = parseDatetime('2026-11-01T12:00:00Z')!;

async function run(query: string, paths: string[]) {
  const data = await loadData(await discoverFiles(paths));
  const b = await runPlan(compileFor(query, data), data, NOW);
  const rows = Array.from({ length: b.length }, (_, i) => Object.fromEntries(b.fields.map((f, c) => [f.name, b.columns[c]![i]])));
  return { rows, stats: data.stats };
}

/** Detection 2's rows: the only leg with a ConnectionCount. */
async function volumeLeg(paths: string[]) {
  return (await run(SEED, paths)).rows.filter((r) => r.ConnectionCount !== null);
}

test('seed volume leg fires for rclone.exe only with Zeek flows credited to its connections', async () => {
  const zeek = path.join(FIXTURE, 'zeek');
  const legs = await volumeLeg([zeek]);
  assert.equal(legs.length, 1, 'one volume row, for rclone; chrome.exe is no exfil tool');
  const [r] = legs;
  assert.equal(r!.InitiatingProcessFileName, 'rclone.exe');
  assert.equal(r!.DeviceName, 'WS-12');
  assert.equal(r!.AccountName, 'alice');
  assert.equal(r!.ConnectionCount, 3, 'credited flows are not counted as connections of their own');
  assert.ok((r!.MBSent as number) > 10);
  assert.equal(r!.MBSent, 11, 'exactly rclone\'s three flows: no decoy bytes');
  assert.deepEqual(r!.RemoteIPs, ['198.51.100.10', '198.51.100.11']);

  // The same Defender rows without the conn.log: no bytes, three connections, no volume row.
  const defenderOnly = ['DeviceNetworkEvents.jsonl', 'DeviceProcessEvents.jsonl'].map((f) => path.join(zeek, f));
  assert.deepEqual(await volumeLeg(defenderOnly), []);
  // ...while the other legs still fire on the rclone start.
  assert.ok((await run(SEED, defenderOnly)).rows.some((r2) => r2.ToolName === 'Rclone'));
});

test('each Zeek flow\'s bytes appear once: on the process row it was credited to, else on its own row', async () => {
  const { rows } = await run(
    'DeviceNetworkEvents | project ActionType, InitiatingProcessFileName, LocalPort, RemotePort, SentBytes | sort by SentBytes desc, LocalPort asc',
    [path.join(FIXTURE, 'zeek')]);
  const MiB = 1048576;
  assert.deepEqual(rows.map((r) => [r.ActionType, r.InitiatingProcessFileName, r.LocalPort, r.RemotePort, r.SentBytes]), [
    ['ConnectionSuccess', 'chrome.exe', 50200, 443, 40 * MiB],
    ['ConnectionFlow', '', 50101, 443, 30 * MiB], // rclone's 4-tuple, 29 minutes later: outside the window
    ['ConnectionFlow', '', 50150, 22, 20 * MiB], // no process row names it
    ['ConnectionSuccess', 'rclone.exe', 50101, 443, 4 * MiB],
    ['ConnectionSuccess', 'rclone.exe', 50102, 443, 4 * MiB],
    ['ConnectionSuccess', 'rclone.exe', 50103, 443, 3 * MiB],
  ]);
});

test('Defender *ConnectionInspected rows credit bytes the same way', async () => {
  const inspected = path.join(FIXTURE, 'inspected');
  const legs = await volumeLeg([inspected]);
  assert.equal(legs.length, 1);
  assert.equal(legs[0]!.InitiatingProcessFileName, 'rclone.exe');
  assert.equal(legs[0]!.ConnectionCount, 3);
  assert.equal(legs[0]!.MBSent, 11, 'the LAB-3 device\'s 50 MiB on the same addresses is not rclone\'s');

  // The inspected rows stay (they are Defender's own); credited ones keep no bytes of their own.
  const { rows } = await run(
    'DeviceNetworkEvents | where ActionType == "SslConnectionInspected" | project DeviceName, LocalPort, SentBytes, ReceivedBytes | sort by DeviceName asc, LocalPort asc',
    [inspected]);
  assert.deepEqual(rows.map((r) => [r.DeviceName, r.LocalPort, r.SentBytes, r.ReceivedBytes]), [
    ['LAB-3', 50101, 50 * 1048576, 1000],
    ['WS-12', 50101, null, null],
    ['WS-12', 50102, null, null],
    ['WS-12', 50103, null, null],
  ]);
});
