/**
 * Peak memory while loading a large file: generates a Defender DeviceNetworkEvents JSON-lines
 * file of the given size (seeded, realistic columns, written as a stream), then runs
 * `DeviceNetworkEvents | summarize count() by RemotePort` over it through loadData/runPlan in a
 * child process, and prints that process's peak RSS: sampled process.memoryUsage().rss and
 * process.resourceUsage().maxRSS. The bar: a 2 GB file under 500 MB.
 *
 *   npm run bench:memory -- [--size 2GB] [--format jsonl|json|csv] [--keep] [--file PATH]
 *
 * Not a test: it takes minutes and 2 GB of disk. --file measures an existing file instead.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compileFor, loadData, runPlan } from '../src/engine/query.js';
import { DEFENDER_TABLES } from '../src/schema/defender-tables.js';
import { discoverFiles } from '../src/sources/index.js';
import { mulberry32 } from '../src/sources/seeded-random.js';

const QUERY = 'DeviceNetworkEvents | summarize count() by RemotePort';

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB)?$/i.exec(text.trim());
  if (!m) throw new Error(`--size expects e.g. 2GB or 500MB, got '${text}'`);
  const unit = { B: 1, KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30 }[(m[2] ?? 'B').toUpperCase() as 'B' | 'KB' | 'MB' | 'GB'];
  return Math.round(Number(m[1]) * unit);
}


const PROCESSES = [
  ['chrome.exe', 'C:\\Program Files\\Google\\Chrome\\Application', 'Google LLC'],
  ['msedge.exe', 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application', 'Microsoft Corporation'],
  ['svchost.exe', 'C:\\Windows\\System32', 'Microsoft Corporation'],
  ['OneDrive.exe', 'C:\\Users\\alice\\AppData\\Local\\Microsoft\\OneDrive', 'Microsoft Corporation'],
  ['rclone.exe', 'C:\\Users\\bob\\Downloads', 'https://rclone.org'],
  ['WinSCP.exe', 'C:\\Program Files (x86)\\WinSCP', 'Martin Prikryl'],
  ['curl.exe', 'C:\\Windows\\System32', 'curl, https://curl.se/'],
  ['Teams.exe', 'C:\\Users\\carol\\AppData\\Local\\Microsoft\\Teams\\current', 'Microsoft Corporation'],
] as const;
const PORTS = [443, 443, 443, 443, 80, 22, 53, 990, 465, 8443, 3389, 445];
const ACTIONS = ['ConnectionSuccess', 'ConnectionSuccess', 'ConnectionSuccess', 'ConnectionRequest', 'ConnectionFailed', 'InboundConnectionAccepted'];
const URLS = ['login.microsoftonline.com', 'www.google.com', 'g.api.mega.co.nz', 'files.example.org', 'update.googleapis.com', ''];

function hex(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ((rand() * 16) | 0).toString(16);
  return s;
}

/** One DeviceNetworkEvents row as a JSON line, every documented column present, in Defender's order. */
function makeRow(rand: () => number, i: number): string {
  const dev = (rand() * 400) | 0;
  const p = PROCESSES[(rand() * PROCESSES.length) | 0]!;
  const t = Date.UTC(2026, 10, 1) + i * 37;
  const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '') + String((i * 7) % 10_000).padStart(4, '0') + 'Z';
  const port = PORTS[(rand() * PORTS.length) | 0]!;
  const rec: Record<string, unknown> = {
    Timestamp: iso(t),
    DeviceId: hex(rand, 40),
    DeviceName: `ws-${String(dev).padStart(4, '0')}.corp.contoso.com`,
    ActionType: ACTIONS[(rand() * ACTIONS.length) | 0],
    RemoteIP: `${20 + ((rand() * 200) | 0)}.${(rand() * 256) | 0}.${(rand() * 256) | 0}.${(rand() * 256) | 0}`,
    RemotePort: port,
    RemoteUrl: URLS[(rand() * URLS.length) | 0],
    LocalIP: `10.${dev >> 8}.${dev & 255}.${2 + ((rand() * 200) | 0)}`,
    LocalPort: 49152 + ((rand() * 16000) | 0),
    Protocol: port === 53 ? 'Udp' : 'Tcp',
    LocalIPType: 'Private',
    RemoteIPType: 'Public',
    InitiatingProcessSHA1: hex(rand, 40),
    InitiatingProcessSHA256: hex(rand, 64),
    InitiatingProcessMD5: hex(rand, 32),
    InitiatingProcessFileName: p[0],
    InitiatingProcessFileSize: 100_000 + ((rand() * 5_000_000) | 0),
    InitiatingProcessVersionInfoCompanyName: p[2],
    InitiatingProcessVersionInfoProductName: p[0].replace('.exe', ''),
    InitiatingProcessVersionInfoProductVersion: `${1 + ((rand() * 120) | 0)}.0.${(rand() * 9999) | 0}.0`,
    InitiatingProcessVersionInfoInternalFileName: p[0],
    InitiatingProcessVersionInfoOriginalFileName: p[0],
    InitiatingProcessVersionInfoFileDescription: `${p[0].replace('.exe', '')} application`,
    InitiatingProcessId: 1000 + ((rand() * 60000) | 0),
    InitiatingProcessCommandLine: `"${p[0]}" --type=utility --field-trial-handle=${hex(rand, 8)} --lang=en-US /prefetch:${(rand() * 9) | 0}`,
    InitiatingProcessCreationTime: iso(t - 3_600_000),
    InitiatingProcessFolderPath: `${p[1]}\\${p[0]}`.toLowerCase(),
    InitiatingProcessParentFileName: 'explorer.exe',
    InitiatingProcessParentId: 500 + ((rand() * 9000) | 0),
    InitiatingProcessParentCreationTime: iso(t - 86_400_000),
    InitiatingProcessAccountDomain: 'contoso',
    InitiatingProcessAccountName: ['alice', 'bob', 'carol', 'system', 'network service'][(rand() * 5) | 0],
    InitiatingProcessAccountSid: `S-1-5-21-${(rand() * 1e9) | 0}-${(rand() * 1e9) | 0}-${1000 + dev}`,
    InitiatingProcessAccountUpn: 'user@contoso.com',
    InitiatingProcessAccountObjectId: `${hex(rand, 8)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 12)}`,
    InitiatingProcessIntegrityLevel: 'Medium',
    InitiatingProcessTokenElevation: 'TokenElevationTypeLimited',
    ReportId: 9_007_199_254_740_000 + i,
    AppGuardContainerId: '',
    AdditionalFields: rand() < 0.2 ? JSON.stringify({ direction: 'Out', uniqueEventsAggregated: 1 + ((rand() * 5) | 0) }) : '',
    InitiatingProcessSessionId: 1 + ((rand() * 3) | 0),
    IsInitiatingProcessRemoteSession: false,
    InitiatingProcessRemoteSessionDeviceName: '',
    InitiatingProcessRemoteSessionIP: '',
  };
  // ReportId past 2^53, written exactly as exports do.
  return JSON.stringify(rec).replace(/"ReportId":(\d+)/, `"ReportId":${9_007_199_254_740_000n + BigInt(i)}`);
}

async function generate(file: string, bytes: number, format: 'jsonl' | 'json' | 'csv'): Promise<number> {
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  const rand = mulberry32(20261101);
  const cols = DEFENDER_TABLES.find((t) => t.name === 'DeviceNetworkEvents')!.columns.map((c) => c.name);
  let written = 0;
  let rows = 0;
  const write = async (s: string): Promise<void> => {
    written += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, 'drain');
  };
  if (format === 'json') await write('[\n');
  if (format === 'csv') await write(cols.join(',') + '\n');
  while (written < bytes) {
    const line = makeRow(rand, rows);
    if (format === 'jsonl') await write(line + '\n');
    else if (format === 'json') await write((rows ? ',\n' : '') + line);
    else {
      const rec = JSON.parse(line) as Record<string, unknown>;
      rec.ReportId = String(9_007_199_254_740_000n + BigInt(rows));
      await write(cols.map((c) => csvField(rec[c])).join(',') + '\n');
    }
    rows++;
  }
  if (format === 'json') await write('\n]\n');
  out.end();
  await once(out, 'finish');
  return rows;
}

function csvField(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The child: run the query, sampling RSS, and print one JSON line. */
async function measure(file: string): Promise<void> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50);
  const started = performance.now();
  const data = await loadData(await discoverFiles([file]));
  const result = await runPlan(compileFor(QUERY, data), data, 0);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  let rows = 0;
  const counts = result.columns[1]!;
  for (let i = 0; i < result.length; i++) rows += Number(counts[i]);
  process.stdout.write(JSON.stringify({ rows, groups: result.length, seconds, sampledPeakRss: peak, maxRss: process.resourceUsage().maxRSS * 1024, skipped: data.stats.skipped }) + '\n');
}

function mb(n: number): string {
  return `${(n / 2 ** 20).toFixed(0)} MB`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '2GB' },
      format: { type: 'string', default: 'jsonl' },
      keep: { type: 'boolean', default: false },
      file: { type: 'string' },
      measure: { type: 'string' },
    },
  });
  if (values.measure) return measure(values.measure);
  const format = values.format as 'jsonl' | 'json' | 'csv';
  if (!['jsonl', 'json', 'csv'].includes(format)) throw new Error('--format must be jsonl, json or csv');
  let file = values.file;
  let dir: string | undefined;
  if (!file) {
    dir = mkdtempSync(path.join(tmpdir(), 'exfilwatch-bench-memory-'));
    file = path.join(dir, `DeviceNetworkEvents.${format}`);
    const t = performance.now();
    const rows = await generate(file, parseSize(values.size), format);
    process.stdout.write(`generated ${file}: ${mb(statSync(file).size)}, ${rows} rows, in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  }
  try {
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--measure', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (child.status !== 0) throw new Error(`the measuring process failed (exit ${child.status})`);
    const r = JSON.parse(child.stdout) as { rows: number; groups: number; seconds: number; sampledPeakRss: number; maxRss: number; skipped: number };
    process.stdout.write(`${QUERY}\n  file ${mb(statSync(file).size)}, ${r.rows} rows (${r.skipped} skipped), ${r.groups} groups, ${r.seconds.toFixed(1)} s (${(statSync(file).size / 2 ** 20 / r.seconds).toFixed(0)} MB/s)\n`);
    process.stdout.write(`  peak RSS: ${mb(r.sampledPeakRss)} sampled, ${mb(r.maxRss)} maxRSS ${r.maxRss < 500 * 2 ** 20 ? '(under 500 MB)' : '(OVER 500 MB)'}\n`);
  } finally {
    if (dir && !values.keep) rmSync(dir, { recursive: true, force: true });
    else if (dir) process.stdout.write(`kept ${file}\n`);
  }
}

await main();
