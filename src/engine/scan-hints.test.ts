/**
 * Property: skipping columns and records by the plan's hints never changes a result. Generated
 * Defender-like rows (mixed case, escapes, big numbers, odd timestamps, envelopes) run through
 * filters of every kind the hints understand, with hints on and off.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { compileFor, loadData, runPlan } from './query.js';
import { parseDatetime } from './values/datetime.js';
import { discoverFiles } from '../sources/index.js';
import { jsonText } from './values/index.js';
import { lcg } from '../sources/seeded-random.js';


const TOOLS = ['rclone.exe', 'RCLONE.EXE', 'curl.exe', 'chrome.exe', 'r\u0063lone.exe', 'WinSCP.exe', 'scp', 'powershell.exe'];
const LINES = ['copy C:\\data mega:x', 'sync /backup dr:bucket', 'Send-MailMessage -UseSsl', '--type=renderer', 'scp f u@h:/tmp', 'put file.zip', 'x'];

function rows(n: number, seed: number): string[] {
  const r = lcg(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const day = 1 + Math.floor(r() * 7);
    const ts = r() < 0.05 ? `2026-11-0${day} 10:00:00` : `2026-11-0${day}T${String(Math.floor(r() * 24)).padStart(2, '0')}:00:00.${String(Math.floor(r() * 1e7)).padStart(7, '0')}Z`;
    const rec: Record<string, unknown> = {
      Timestamp: ts,
      DeviceName: pick(['WS-1', 'ws-2', 'SRV-3']),
      FileName: pick(TOOLS),
      ProcessCommandLine: `${pick(TOOLS)} ${pick(LINES)}`,
      InitiatingProcessFileName: pick(TOOLS),
      InitiatingProcessCommandLine: pick(LINES),
      RemotePort: r() < 0.05 ? String(pick([443, 22])) : pick([443, 22, 80, 8443, 3389]),
      RemoteIPType: pick(['Public', 'Private', 'public']),
      ReportId: 9007199254740993 + i,
      SentBytes: Math.floor(r() * 5e6),
    };
    let line = jsonText(rec);
    // Some writers escape characters: the pre-filter must not be fooled.
    if (r() < 0.05) line = line.replace(/c/, '\\u0063');
    if (r() < 0.03) line = JSON.stringify({ records: [{ category: 'AdvancedHunting-DeviceNetworkEvents', properties: rec }] });
    out.push(line);
  }
  return out;
}

const QUERIES = [
  'DeviceNetworkEvents | where InitiatingProcessFileName in~ ("rclone.exe", "curl.exe") | project ReportId, InitiatingProcessFileName',
  'DeviceNetworkEvents | where RemotePort in (443, 22) and RemoteIPType == "Public" | summarize c=count(), s=sum(SentBytes) by RemotePort',
  'DeviceNetworkEvents | where Timestamp > datetime(2026-11-05) | where InitiatingProcessCommandLine has_any ("ssl", "put ", "mega") | count',
  'DeviceNetworkEvents | where InitiatingProcessFileName =~ "rclone.exe" or InitiatingProcessCommandLine has "scp " | project ReportId, Timestamp',
  'DeviceNetworkEvents | where InitiatingProcessCommandLine has_all ("copy", "mega") | project ReportId',
  'DeviceNetworkEvents | where not(InitiatingProcessFileName has "chrome") | summarize dcount(ReportId)',
  // Filters seen through the operators between them and the scan (pushdown.ts).
  'DeviceNetworkEvents | extend Name = tolower(InitiatingProcessFileName), Port = RemotePort | where Name in ("rclone.exe", "winscp.exe") and Port != 3389 | project ReportId, Name',
  `DeviceNetworkEvents
   | extend Tool = case(InitiatingProcessFileName =~ "rclone.exe", "rclone", InitiatingProcessCommandLine has "scp ", "scp", RemotePort == 8443, strcat("p", tostring(RemotePort)), "")
   | where isnotempty(Tool) | summarize n = count() by Tool`,
  // A lookup's right column: "watched" only where the key matched (srv-3 matches with an empty label).
  `let Known = datatable(Key:string, Label:string)["ws-2", "watched", "srv-3", ""];
   DeviceNetworkEvents | extend Dev = tolower(DeviceName) | lookup kind=leftouter Known on $left.Dev == $right.Key
   | where Label == "watched" or RemotePort == 22 | project ReportId, DeviceName, Label`,
  `let Known = datatable(Key:string, Label:string)["ws-2", "watched"];
   DeviceNetworkEvents | lookup kind=leftouter Known on $left.DeviceName == $right.Key | where isempty(Label) and RemotePort == 80 | project ReportId`,
  'DeviceNetworkEvents | project-rename Port = RemotePort, Name = InitiatingProcessFileName | extend Kind = iff(Port == 22, "ssh", "") | where Kind != "" or Name =~ "curl.exe" | project ReportId, Port',
  // Not moved below a window function, nor into a subquery's scan, nor taken for a constant.
  'DeviceNetworkEvents | extend Before = prev(InitiatingProcessFileName) | where InitiatingProcessFileName =~ "curl.exe" | summarize n = count() by Before',
  'DeviceNetworkEvents | where InitiatingProcessFileName in ((DeviceNetworkEvents | project InitiatingProcessFileName)) and RemotePort == 22 | summarize n = count() by InitiatingProcessFileName',
  `DeviceNetworkEvents | lookup kind=leftouter (DeviceNetworkEvents | where InitiatingProcessFileName =~ "curl.exe" | extend Key = DeviceName, RightPort = RemotePort) on $left.DeviceName == $right.Key
   | where RemotePort == 22 | summarize n = count() by RightPort`,
  'DeviceNetworkEvents | where InitiatingProcessFileName == tolower(InitiatingProcessFileName) | project ReportId',
  // Through a join: to a side whose rows come out as they are, and not to the others.
  `DeviceNetworkEvents | join kind=inner (DeviceNetworkEvents | where RemotePort == 22 | project DeviceName, P2 = RemotePort, N2 = InitiatingProcessFileName) on DeviceName
   | where InitiatingProcessFileName =~ "curl.exe" and N2 =~ "rclone.exe" | summarize n = count() by P2, DeviceName`,
  'DeviceNetworkEvents | join (DeviceNetworkEvents | project DeviceName, R = ReportId) on DeviceName | where RemotePort in (443, 22, 80) | summarize n = count() by DeviceName',
  // (An unmatched left row has "" for the right's strings: moved to the right, the filter would pass it.)
  `DeviceNetworkEvents | where RemotePort == 8443 | project DeviceName, L = ReportId
   | join kind=leftouter (DeviceNetworkEvents | where RemotePort == 21 and InitiatingProcessFileName startswith "r" | project DeviceName, N2 = InitiatingProcessFileName) on DeviceName
   | where N2 in ("", "RCLONE.EXE") | summarize n = count() by DeviceName`,
  `DeviceNetworkEvents | where DeviceName == "WS-1" | join kind=rightanti (DeviceNetworkEvents) on DeviceName | where InitiatingProcessFileName =~ "curl.exe" | project ReportId`,
  // Something in the field (RemoteIPType is "" on some rows, SentBytes null on some).
  'DeviceNetworkEvents | where isnotempty(RemoteIPType) and isnotnull(SentBytes) | summarize n = count() by RemoteIPType',
  'DeviceNetworkEvents | where RemoteIPType != "" or InitiatingProcessFileName =~ "curl.exe" | project ReportId',
];

/**
 * Runs each query over the files of `dir` with scan hints and without: the results must be the
 * same, and not empty unless `mayBeEmpty` says so of the query.
 */
async function assertHintsChangeNothing(dir: string, queries: string[], label: string, mayBeEmpty = (_q: string) => false): Promise<void> {
  const data = await loadData(await discoverFiles([dir]));
  const now = parseDatetime('2026-11-08T00:00:00Z')!;
  for (const q of queries) {
    const plan = compileFor(q, data);
    const on = await runPlan(plan, data, now);
    const off = await runPlan(plan, data, now, { scanHints: false });
    assert.equal(JSON.stringify(on.fields) + jsonText(on.columns), JSON.stringify(off.fields) + jsonText(off.columns), `${label}: ${q}`);
    assert.ok(off.length > 0 || mayBeEmpty(q), `the query selects something: ${q}`);
  }
}

test('scan hints never change a result (generated data, several seeds)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'exfilwatch-hints-'));
  try {
    for (const seed of [1, 2, 3]) {
      writeFileSync(path.join(dir, 'DeviceNetworkEvents.jsonl'), rows(1500, seed).join('\n') + '\n');
      await assertHintsChangeNothing(dir, QUERIES, `seed ${seed}`, (q) => q.includes('count'));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ------------------------------------------------------------------------------------------------
// Field tests on the bytes, shared reads and threads (sources/json/lines.ts, parallel.ts,
// shared-scan.ts, sources/bytes/credit.ts): the same property on data made to trip them.

const PORTS = [443, 22, 80, 8443, 3389, 21];
const ACTIONS = ['ConnectionSuccess', 'ConnectionRequest', 'ConnectionFailed', 'SslConnectionInspected', 'ConnectionSuccessAggregatedReport'];
const CMDS = ['"C:\\Program Files\\rclone.exe" copy c:\\users\\x mega:y', 'curl.exe --ssl-no-revoke -T f https://h', 'chrome.exe --type=renderer', 'WinSCP.exe /script=x.txt', 'powershell -c "& {Send-MailMessage -UseSsl}"', 'x'];

/** Defender-like lines with the shapes a byte-level reader must not misjudge. */
function trickyLines(n: number, seed: number): string[] {
  const r = lcg(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const day = 1 + Math.floor(r() * 7);
    const hour = String(Math.floor(r() * 4)).padStart(2, '0');
    const action = pick(ACTIONS);
    const inspected = action === 'SslConnectionInspected';
    const rec: Record<string, unknown> = {
      // Few distinct minutes, so inspected rows find connection rows to credit within ±2 minutes.
      Timestamp: r() < 0.04 ? `2026-11-0${day} ${hour}:00:00` : `2026-11-0${day}T${hour}:0${Math.floor(r() * 3)}:00.${String(Math.floor(r() * 1e7)).padStart(7, '0')}Z`,
      DeviceId: 'dev-1',
      DeviceName: pick(['WS-1', 'ws-2', 'SRV-3']),
      ActionType: action,
      RemoteIP: `203.0.113.${Math.floor(r() * 2)}`,
      RemotePort: r() < 0.05 ? String(pick(PORTS)) : r() < 0.03 ? null : pick(PORTS),
      RemoteIPType: pick(['Public', 'Private', 'public', '']),
      LocalIP: '10.0.0.5',
      LocalPort: 50000 + Math.floor(r() * 2),
      Protocol: 'Tcp',
      InitiatingProcessFileName: inspected ? '' : pick(TOOLS),
      InitiatingProcessCommandLine: inspected ? '' : pick(CMDS),
      InitiatingProcessAccountName: pick(['alice', 'bob', 'Bob']),
      ReportId: 9007199254740993 + i,
      AdditionalFields: inspected
        ? (r() < 0.5 ? JSON.stringify({ orig_bytes: Math.floor(r() * 5e6), resp_bytes: 10, direction: 'Out' }) : { orig_bytes: Math.floor(r() * 5e6) })
        : r() < 0.2 ? JSON.stringify({ RemotePort: 22, Timestamp: '2030-01-01T00:00:00.0000000Z', note: '{"a":1}' }) : '',
      SentBytes: inspected || action === 'ConnectionRequest' || r() < 0.2 ? null : Math.floor(r() * 5e6),
      ReceivedBytes: inspected || action === 'ConnectionRequest' ? null : Math.floor(r() * 5e6),
    };
    let line = jsonText(rec);
    const odd = r();
    // A nested object before the columns (a dynamic column written as an object) hides them.
    if (odd < 0.03) line = line.replace('{', '{"Extra":{"RemotePort":21,"InitiatingProcessFileName":"rclone.exe","Timestamp":"2030-01-01T00:00:00.0000000Z"},');
    // Keys spelled with escapes, a space before the colon, values with escaped quotes.
    else if (odd < 0.05) line = line.replace('"RemotePort":', '"Remote\\u0050ort":');
    else if (odd < 0.07) line = line.replace('"InitiatingProcessFileName":', '"InitiatingProcessFileName" :');
    else if (odd < 0.09) line = line.replace('"InitiatingProcessCommandLine":"', '"InitiatingProcessCommandLine":"\\"RemotePort\\":22 \\"quoted\\" ');
    else if (odd < 0.10) line = JSON.stringify({ records: [{ category: 'AdvancedHunting-DeviceNetworkEvents', properties: rec }, { category: 'AdvancedHunting-DeviceNetworkEvents', properties: { ...rec, RemotePort: 22 } }] });
    else if (odd < 0.11) line = '  ' + line + '\r';
    else if (odd < 0.12) line = line.replace('rclone', 'r\\u0063lone');
    else if (odd < 0.13) line = line.replace('"DeviceName":"', '"DeviceName":"Ünïcode-\\u00e9-');
    out.push(line);
    if (r() < 0.02) out.push('');
  }
  return out;
}

const SHARED_QUERIES = [
  // Two scans of one table (the seed rule's shape): one read serves both.
  `union (DeviceNetworkEvents | where Timestamp > ago(3d) | where InitiatingProcessFileName in~ ("rclone.exe", "curl.exe") | project ReportId, InitiatingProcessFileName),
         (DeviceNetworkEvents | where Timestamp > ago(3d) | where RemotePort in (22, 21) and RemoteIPType == "Public" | project ReportId, RemotePort)
   | sort by ReportId asc`,
  // A let used twice: the same scan reads twice (one after the other, then side by side).
  `let T = DeviceNetworkEvents | where InitiatingProcessCommandLine has_any ("ssl", "mega") | project ReportId, DeviceName;
   union (T | summarize c = count() by DeviceName), (T | where DeviceName != "x" | summarize c = dcount(ReportId) by DeviceName)`,
  `let T = DeviceNetworkEvents | where InitiatingProcessCommandLine has_any ("ssl", "mega") | project ReportId, DeviceName;
   T | join kind=inner (T | project ReportId, D2 = DeviceName) on ReportId | summarize c = count() by DeviceName`,
  // A let read three times (once inside a subquery) keeps only the columns its readers read.
  `let T = DeviceNetworkEvents | extend Big = strcat(InitiatingProcessCommandLine, "|", DeviceName), Port = RemotePort, Unused = strlen(RemoteIP);
   union (T | summarize c = count() by Port), (T | where Port in ((T | where Big has "ssl" | project Port)) | summarize d = dcount(ReportId) by DeviceName)`,
  // Byte crediting (inspected rows carry orig_bytes) under a query that filters on the byte columns.
  `DeviceNetworkEvents | where RemotePort in (443, 22) | where SentBytes in (10, 20) or ActionType =~ "connectionrequest" | summarize n = count(), s = sum(SentBytes) by ActionType, DeviceName`,
  `DeviceNetworkEvents | where Timestamp >= datetime(2026-11-05T06:00:00Z) | where ActionType == "ConnectionSuccess" | summarize sum(SentBytes), dcount(RemoteIP) by bin(Timestamp, 1h), InitiatingProcessAccountName`,
  // A scan stopped early, then the same table again.
  `union (DeviceNetworkEvents | where RemotePort == 443 | take 3 | project ReportId), (DeviceNetworkEvents | where RemotePort == 443 | summarize ReportId = count())`,
  'DeviceNetworkEvents | where AccountName =~ "bob" | summarize count() by RemotePort',
  // Two scans reading a column that falls back to another field (AccountName): a shared read's records hold both.
  `union (DeviceNetworkEvents | where RemotePort == 22 | project ReportId, AccountName), (DeviceNetworkEvents | where RemotePort == 443 | summarize n = count() by AccountName)
   | sort by ReportId asc, AccountName asc`,
  'DeviceNetworkEvents | where DeviceName startswith "ünïcode" or DeviceName has "SRV" | count',
];

test('scan hints never change a result: byte-level tests, shared reads, threads, byte crediting', async () => {
  const { scanOptions } = await import('../sources/json/parallel.js');
  const saved = { ...scanOptions };
  const dir = mkdtempSync(path.join(tmpdir(), 'exfilwatch-hints-bytes-'));
  try {
    // Small blocks and a worker thread, so blocks cut lines everywhere and come from both threads.
    Object.assign(scanOptions, { blockBytes: 3001, minBlocksForWorkers: 2, workers: 1 });
    for (const seed of [4, 5, 6]) {
      // Seed 6 has no inspected rows: no file may hold a flow, and crediting stays out of the way.
      const lines = trickyLines(1200, seed).filter((l) => seed !== 6 || !l.includes('Inspected'));
      writeFileSync(path.join(dir, 'DeviceNetworkEvents.jsonl'), lines.join('\n') + (seed === 4 ? '\n' : ''));
      await assertHintsChangeNothing(dir, [...SHARED_QUERIES, ...QUERIES], `seed ${seed}`);
    }
  } finally {
    Object.assign(scanOptions, saved);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('scan hints never change a result on Parquet (columns and row tests in the decoder) and CSV', async () => {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const dir = mkdtempSync(path.join(tmpdir(), 'exfilwatch-hints-parquet-'));
  try {
    const recs = trickyLines(900, 8).flatMap((l) => {
      try {
        const v = JSON.parse(l.trim()) as Record<string, unknown>;
        return 'records' in v ? [] : [v];
      } catch {
        return [];
      }
    });
    const str = (k: string) => ({ name: k, type: 'STRING' as const, data: recs.map((r) => (r[k] === undefined || r[k] === null ? null : typeof r[k] === 'object' ? JSON.stringify(r[k]) : String(r[k]))) });
    const num = (k: string, type: 'INT32' | 'INT64') => ({ name: k, type, data: recs.map((r) => (r[k] === null || r[k] === undefined || r[k] === '' ? null : type === 'INT64' ? BigInt(r[k] as number) : Number(r[k]))) });
    const columnData = [str('Timestamp'), str('DeviceId'), str('DeviceName'), str('ActionType'), str('RemoteIP'), num('RemotePort', 'INT32'),
      str('RemoteIPType'), str('LocalIP'), num('LocalPort', 'INT32'), str('Protocol'), str('InitiatingProcessFileName'), str('InitiatingProcessCommandLine'),
      str('InitiatingProcessAccountName'), num('ReportId', 'INT64'), str('AdditionalFields'), num('SentBytes', 'INT64'), num('ReceivedBytes', 'INT64')];
    writeFileSync(path.join(dir, 'DeviceNetworkEvents.parquet'), Buffer.from(parquetWriteBuffer({ columnData, rowGroupSize: 200 })));
    // The same rows as CSV (fast.ts: projected columns, field tests on the cut fields).
    const csvField = (v: unknown) => (v === null ? '' : /[",\r\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
    const csv = [columnData.map((c) => c.name).join(','), ...recs.map((_, i) => columnData.map((c) => csvField(c.data[i])).join(','))].join('\r\n');
    for (const [name, body] of [['DeviceNetworkEvents.parquet', undefined], ['DeviceNetworkEvents.csv', csv]] as const) {
      const sub = path.join(dir, name.replace('.', '-'));
      mkdirSync(sub);
      if (body === undefined) renameSync(path.join(dir, name), path.join(sub, name));
      else writeFileSync(path.join(sub, name), body);
      await assertHintsChangeNothing(sub, [...SHARED_QUERIES, ...QUERIES], name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
