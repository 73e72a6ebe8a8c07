/**
 * The bundled sample (src/content/t1048.002/sample/): it loads cleanly, its manifest's ground
 * truth is in the data (each incident's process rows, its network rows with the bytes stated),
 * the files are what the generator (bench/generate-sample.ts) makes, and generation is
 * deterministic. The seed rule over it sees the last day only: benign classes, no incident.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SAMPLE_DIR, PACK_RULES } from '../src/content/index.js';
import { loadRules } from '../src/detect/index.js';
import { compileFor, loadData, runPlan, type QueryData } from '../src/engine/query.js';
import { formatDatetime, parseDatetime } from '../src/engine/values/datetime.js';
import { discoverFiles } from '../src/sources/index.js';
import { fleetManifest, generateFleet, recordToJson, SAMPLE_TABLES, type Manifest, type SampleTable } from '../bench/generate-sample.js';
import type { Batch } from '../src/engine/batch.js';
import type { TableSource } from '../src/engine/context.js';

const manifest = JSON.parse(readFileSync(path.join(SAMPLE_DIR, 'manifest.json'), 'utf8')) as Manifest;
const NOW = parseDatetime(manifest.captureTime)!;

let loaded: Promise<QueryData> | undefined;
/** The sample, read once: each table's batches are kept in memory for the many queries here. */
function sample(): Promise<QueryData> {
  loaded ??= (async () => {
    const data = await loadData(await discoverFiles([SAMPLE_DIR]));
    const sources = new Map<string, TableSource>();
    for (const [name, src] of data.sources) {
      if (!SAMPLE_TABLES.includes(name as SampleTable)) { sources.set(name, src); continue; }
      const batches: Batch[] = [];
      for await (const b of src.open()) batches.push(b);
      sources.set(name, { fields: src.fields, async *open() { yield* batches; } });
    }
    return { ...data, sources };
  })();
  return loaded;
}

async function rows(kql: string): Promise<Record<string, unknown>[]> {
  const data = await sample();
  const b = await runPlan(compileFor(kql, data), data, NOW);
  return Array.from({ length: b.length }, (_, i) => Object.fromEntries(b.fields.map((f, c) => [f.name, b.columns[c]![i]])));
}

const q = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const list = (xs: (string | number)[]): string => xs.map((x) => (typeof x === 'number' ? String(x) : q(x))).join(', ');

function sampleLines(table: SampleTable, n: number): string[] {
  const text = gunzipSync(readFileSync(path.join(SAMPLE_DIR, `${table}.jsonl.gz`))).toString('utf8');
  const out: string[] = [];
  let start = 0;
  while (out.length < n) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break;
    out.push(text.slice(start, nl));
    start = nl + 1;
  }
  return out;
}

test('the sample loads without warnings: every record parses and every value fits its column', async () => {
  const data = await sample();
  const counts = await rows(
    'union withsource=T DeviceProcessEvents, DeviceNetworkEvents, DeviceFileEvents, DeviceEvents | summarize n=count() by T');
  const byTable = Object.fromEntries(counts.map((r) => [r.T, r.n]));
  for (const [table, n] of Object.entries(manifest.tables)) assert.equal(byTable[table], n, `${table} row count`);
  const total = Object.values(manifest.tables).reduce((a, b) => a + b, 0);
  assert.ok(total >= 20_000 && total <= 60_000, `total rows ${total}`);
  assert.equal(data.stats.skipped, 0);
  assert.deepEqual(data.stats.warnings, []);
  assert.deepEqual([...data.stats.coercedToNull.entries()], []);
});

test('the sample covers the week, its devices and Defender\'s shapes', async () => {
  const [span] = await rows('DeviceNetworkEvents | summarize lo=min(Timestamp), hi=max(Timestamp), devices=dcount(DeviceName)');
  assert.ok(formatDatetime(span!.lo as number) >= manifest.start);
  assert.ok(formatDatetime(span!.hi as number) < manifest.captureTime.replace('Z', ''));
  assert.equal(span!.devices, manifest.devices.length);
  const actions = (await rows('DeviceNetworkEvents | distinct ActionType')).map((r) => r.ActionType).sort();
  for (const a of ['ConnectionSuccess', 'ConnectionRequest', 'ConnectionFailed', 'ConnectionSuccessAggregatedReport', 'SslConnectionInspected', 'InboundConnectionAccepted']) {
    assert.ok(actions.includes(a), a);
  }
  const types = (await rows('DeviceNetworkEvents | distinct RemoteIPType')).map((r) => r.RemoteIPType).sort();
  assert.deepEqual(types, ['Loopback', 'Private', 'Public']);
  const [agg] = await rows(`DeviceNetworkEvents | where ActionType == 'ConnectionSuccessAggregatedReport'
    | extend n = toint(parse_json(AdditionalFields).uniqueEventsAggregated) | summarize rows=count(), bad=countif(isnull(n) or n < 1)`);
  assert.ok((agg!.rows as number) > 0);
  assert.equal(agg!.bad, 0);
  const [ssl] = await rows(`DeviceNetworkEvents | where ActionType == 'SslConnectionInspected'
    | summarize rows=count(), withProcess=countif(InitiatingProcessFileName != ''), withBytes=countif(isnotnull(SentBytes))`);
  assert.ok((ssl!.rows as number) > 0);
  assert.equal(ssl!.withProcess, 0);
  assert.equal(ssl!.withBytes, 0);
  // Linux devices: /usr paths, no .exe.
  const linux = manifest.devices.filter((d) => d.os === 'Linux').map((d) => d.name);
  const [lx] = await rows(`DeviceProcessEvents | where DeviceName in (${list(linux)})
    | summarize rows=count(), exe=countif(FileName endswith '.exe'), windowsPath=countif(FolderPath contains '\\\\')`);
  assert.ok((lx!.rows as number) > 0);
  assert.equal(lx!.exe, 0);
  assert.equal(lx!.windowsPath, 0);
});

test('ReportId past 2^53 stays exact, as written in the file', async () => {
  const big = (await rows('DeviceProcessEvents | where ReportId > 9007199254740993 | take 1 | project ReportId, DeviceName, Timestamp'))[0];
  assert.ok(big, 'some ReportIds are past 2^53');
  assert.equal(typeof big.ReportId, 'bigint');
  const stamp = formatDatetime(big.Timestamp as number);
  const text = gunzipSync(readFileSync(path.join(SAMPLE_DIR, 'DeviceProcessEvents.jsonl.gz'))).toString('utf8');
  const m = new RegExp(`"Timestamp":"${stamp}","DeviceId":"[0-9a-f]+","DeviceName":"${big.DeviceName}".*?"ReportId":(\\d+)`).exec(text);
  assert.ok(m, 'the row is in the file');
  assert.equal(String(big.ReportId), m[1]);
});

for (const inc of manifest.incidents) {
  test(`incident ${inc.id} (${inc.device}, ${inc.process}) is in the data as the manifest states`, async () => {
    const window = `Timestamp between (datetime(${inc.start}) .. datetime(${inc.end}))`;
    const procs = await rows(`DeviceProcessEvents | where DeviceName == ${q(inc.device)} and FileName == ${q(inc.process)}
      and ProcessCommandLine == ${q(inc.commandLine)} and AccountName == ${q(inc.account)} and ${window}`);
    assert.ok(procs.length >= 1, `${inc.id}: its process row`);
    const [net] = await rows(`DeviceNetworkEvents | where DeviceName == ${q(inc.device)} and InitiatingProcessFileName == ${q(inc.networkProcess)}
      and RemoteIP in (${list(inc.remoteIps)}) and ${window}
      | summarize n=count(), sent=sum(SentBytes), ports=make_set(RemotePort), account=take_any(InitiatingProcessAccountName)`);
    assert.equal(net!.n, inc.connections, `${inc.id}: connections`);
    assert.equal(Number(net!.sent), inc.bytesSent, `${inc.id}: bytes sent`);
    assert.deepEqual([...(net!.ports as number[])].sort(), [...inc.remotePorts].sort());
    assert.equal(net!.account, inc.account);
    // Every row the incident leaves on its device after its start falls inside its window.
    const stagesAfter = inc.stages.filter((s) => s.time >= inc.start);
    assert.ok(stagesAfter.every((s) => s.time <= inc.end), `${inc.id}: stages inside [start, end]`);
    for (const table of new Set(inc.stages.map((s) => s.table))) {
      const stages = inc.stages.filter((s) => s.table === table);
      const found = await rows(`${table} | where DeviceName == ${q(inc.device)} | where ${stages.map((s) => `Timestamp between (datetime(${s.time}) .. datetime(${s.time}) + 1s)`).join(' or ')} | project Timestamp`);
      const times = found.map((r) => r.Timestamp as number);
      for (const s of stages) {
        const t = parseDatetime(s.time) as number;
        assert.ok(times.some((x) => x >= t && x <= t + 10_000_000), `${inc.id}: a ${table} row at ${s.time} (${s.what})`);
      }
    }
  });
}

test('the incidents leave the files the brief names', async () => {
  const files = await rows(`DeviceFileEvents | where FileName in ('rclone.conf', 'payroll.zip', 'up.txt', 'db.tgz', 'customers.xlsx', 'svchost-update.exe')
    | summarize actions=make_set(ActionType) by DeviceName, FileName`);
  const key = (d: string, f: string): string[] => (files.find((r) => r.DeviceName === d && r.FileName === f)?.actions as string[]) ?? [];
  assert.ok(key('WS-FIN-03', 'rclone.conf').includes('FileCreated'));
  assert.ok(key('WS-FIN-03', 'svchost-update.exe').includes('FileRenamed'));
  assert.ok(key('WS-HR-07', 'payroll.zip').includes('FileCreated'));
  assert.deepEqual(key('WS-ENG-11', 'up.txt').sort(), ['FileCreated', 'FileDeleted']);
  assert.deepEqual(key('srv-db-02', 'db.tgz').sort(), ['FileCreated', 'FileDeleted']);
  assert.ok(key('WS-SAL-02', 'customers.xlsx').includes('FileModified'));
  const [renamed] = await rows(`DeviceProcessEvents | where FileName == 'svchost-update.exe'
    | summarize original=take_any(ProcessVersionInfoOriginalFileName), description=take_any(ProcessVersionInfoFileDescription), remote=take_any(IsProcessRemoteSession)`);
  assert.deepEqual(renamed, { original: 'rclone.exe', description: 'Rsync for cloud storage', remote: true });
  const [ps] = await rows(`DeviceEvents | where DeviceName == 'WS-SAL-02' and ActionType == 'PowerShellCommand'
    | where tostring(parse_json(AdditionalFields).Command) == 'Send-MailMessage' | count`);
  assert.equal(ps!.Count, 1);
});

test('the seed rule over the sample sees the last day only: benign classes, none of the incidents', async () => {
  const loadedRules = await loadRules([path.join(PACK_RULES, 'seed.yaml')]);
  const seed = loadedRules.rules.find((r) => r.id === 'T1048.002-seed')!;
  const found = await rows(seed.query);
  assert.ok(found.length > 0);
  const lastDay = manifest.captureTime.slice(0, 10);
  const day = (t: number): string => formatDatetime(t).slice(0, 10);
  for (const r of found) {
    assert.ok(day(r.Timestamp as number) >= '2026-11-07', `only the last 24h: ${formatDatetime(r.Timestamp as number)} < ${lastDay}`);
    const proc = (r.FileName as string) || (r.InitiatingProcessFileName as string);
    assert.ok(!manifest.incidents.some((i) => i.device === r.DeviceName && i.account === r.AccountName), `not an incident: ${r.DeviceName} ${r.AccountName} ${proc}`);
  }
  // Every row belongs to a benign class, and every class is there.
  const classes = new Set<string>();
  for (const r of found) {
    const proc = (r.FileName as string) || (r.InitiatingProcessFileName as string);
    const c = manifest.benign.find((b) => b.devices.includes(r.DeviceName as string) && b.accounts.includes(r.AccountName as string) && b.processes.includes(proc));
    assert.ok(c, `row attributed to a benign class: ${r.DeviceName} ${r.AccountName} ${proc}`);
    classes.add(c.class);
  }
  assert.deepEqual([...classes].sort(), ['FP1', 'FP2', 'FP3', 'FP4', 'FP5']);
});

test('the bundled files are what the generator makes (first rows of day one, and the manifest)', () => {
  // Day one only: records of a day do not depend on later days.
  const first: Record<string, { ts: string; line: string }[]> = {};
  for (const { table, record } of generateFleet({ seed: manifest.seed, days: 1, start: manifest.start })) {
    (first[table] ??= []).push({ ts: record.Timestamp as string, line: recordToJson(record) });
  }
  for (const table of ['DeviceProcessEvents', 'DeviceNetworkEvents', 'DeviceFileEvents'] as const) {
    const made = first[table]!.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0)).slice(0, 25).map((r) => r.line);
    assert.deepEqual(sampleLines(table, 25), made, `${table}: regenerate with node dist/bench/generate-sample.js`);
  }
  assert.deepEqual(fleetManifest({ seed: manifest.seed }, manifest.tables), manifest);
});

test('generation is deterministic: same seed, same records; another seed, other records', () => {
  const take = (seed: number, n: number): unknown[] => {
    const out: unknown[] = [];
    for (const r of generateFleet({ seed, devices: 4, days: 1, start: '2026-01-05T00:00:00Z' })) {
      out.push(r);
      if (out.length === n) break;
    }
    return out;
  };
  const a = take(42, 200);
  assert.equal(a.length, 200);
  assert.deepEqual(take(42, 200), a);
  assert.notDeepEqual(take(43, 200), a);
});

test('generateFleet scales past the named fleet and streams device-days in time order', () => {
  const seen = new Map<string, number>();
  let outOfOrder = 0;
  let last = '';
  let lastDevice = '';
  for (const { record } of generateFleet({ seed: 1, devices: 18, days: 1, scale: 0.5 })) {
    const dev = record.DeviceName as string;
    seen.set(dev, (seen.get(dev) ?? 0) + 1);
    const ts = record.Timestamp as string;
    if (dev === lastDevice && ts < last) outOfOrder++;
    last = ts;
    lastDevice = dev;
  }
  assert.equal(seen.size, 18);
  assert.ok(seen.has('WS-GEN-0001') && seen.has('app-0004'));
  assert.equal(outOfOrder, 0);
  const m = fleetManifest({ seed: 1, devices: 3, days: 2 });
  assert.deepEqual(m.incidents.map((i) => i.id), [], 'the first three devices hold no incident in two days');
  assert.deepEqual(fleetManifest({ seed: 1, days: 6 }).incidents.map((i) => i.id), ['I1', 'I2', 'I3', 'I4', 'I5']);
});
