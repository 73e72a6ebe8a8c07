/**
 * Load for `exfilwatch watch`: pushes synthetic DeviceNetworkEvents through the HTTP endpoint on
 * loopback and reports events/s, request latency, lag (until every accepted event is in the
 * window) and memory over time. Bounded: at most --events events and --seconds seconds.
 *
 *   node dist/bench/watch-load.js [--events 1000000] [--seconds 60] [--batch 2000] [--concurrency 4]
 *
 * The events' Timestamps advance 20 ms per event and watch runs with --clock event, so the rules
 * (two pack rules with queryPeriod 10m, queryFrequency 5m) tick ~every 15,000 events and the
 * retained window stays ~10 minutes of event time: memory must stay flat.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PACK_RULES } from '../src/content/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.resolve(here, here.split(path.sep).includes('dist') ? '../../bin/exfilwatch.js' : '../bin/exfilwatch.js');

const { values } = parseArgs({ options: { events: { type: 'string' }, seconds: { type: 'string' }, batch: { type: 'string' }, concurrency: { type: 'string' } } });
const TOTAL = Number(values.events ?? 1_000_000);
const SECONDS = Number(values.seconds ?? 60);
const BATCH = Number(values.batch ?? 2000);
const CONC = Number(values.concurrency ?? 4);
const TOKEN = 'load-token';

const dir = mkdtempSync(path.join(tmpdir(), 'exfilwatch-load-'));
const rules = path.join(dir, 'rules');
mkdirSync(rules);
for (const f of ['rclone-exfil.yaml', 'http-upload.yaml']) {
  const text = readFileSync(path.join(PACK_RULES, f), 'utf8').replace(/^queryFrequency: .*$/m, 'queryFrequency: 5m').replace(/^queryPeriod: .*$/m, 'queryPeriod: 10m');
  writeFileSync(path.join(rules, f), text);
}

const start = Date.parse('2026-11-01T00:00:00Z');
const procs = ['chrome.exe', 'curl.exe', 'rclone.exe', 'svchost.exe', 'OneDrive.exe'];
function event(i: number): string {
  const ts = new Date(start + i * 20).toISOString();
  return JSON.stringify({
    category: 'AdvancedHunting-DeviceNetworkEvents',
    properties: {
      Timestamp: ts, DeviceId: `dev${i % 50}`, DeviceName: `ws-${i % 50}`, ActionType: 'ConnectionSuccess',
      RemoteIP: `203.0.113.${i % 250}`, RemotePort: i % 7 === 0 ? 22 : 443, RemoteUrl: i % 3 ? 'example.com' : '',
      LocalIP: '10.0.0.5', LocalPort: 50000 + (i % 10000), Protocol: 'Tcp', InitiatingProcessFileName: procs[i % procs.length],
      InitiatingProcessCommandLine: `${procs[i % procs.length]} --run ${i % 100}`, InitiatingProcessAccountName: `user${i % 20}`,
      SentBytes: (i * 7919) % 5_000_000, ReceivedBytes: 1000, ReportId: i,
    },
  });
}

async function main(): Promise<void> {
  const child = spawn(process.execPath, [BIN, 'watch', '--listen', '127.0.0.1:0', '--token', TOKEN, '--state', path.join(dir, 'state'),
    '--rules', rules, '--clock', 'event', '--lateness', '30s', '--no-stdout', '--out', path.join(dir, 'alerts.jsonl'), '--max-queued', '400000'],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  let port = 0;
  for (let i = 0; i < 400 && !port; i++) {
    const m = /listening address=[^\s]*:(\d+)/.exec(err);
    if (m) port = Number(m[1]);
    else await new Promise((r) => setTimeout(r, 50));
  }
  if (!port) throw new Error('watch did not start:\n' + err);
  const url = `http://127.0.0.1:${port}`;
  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(`${url}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) if (line.startsWith(name + ' ') || line.startsWith(name + '{')) sum += Number(line.split(' ').pop());
    return sum;
  };
  const memory: { t: number; rss: number; heap: number; window: number }[] = [];
  const t0 = performance.now();
  const sampler = setInterval(() => {
    void Promise.all([metric('process_resident_memory_bytes'), metric('nodejs_heap_used_bytes'), metric('exfilwatch_window_rows')])
      .then(([rss, heap, window]) => memory.push({ t: (performance.now() - t0) / 1000, rss, heap, window })).catch(() => undefined);
  }, 1000);
  let next = 0;
  let accepted = 0;
  let refused = 0;
  const latencies: number[] = [];
  const deadline = t0 + SECONDS * 1000;
  const worker = async () => {
    while (next < TOTAL && performance.now() < deadline) {
      const from = next;
      const n = Math.min(BATCH, TOTAL - from);
      next += n;
      let body = '';
      for (let i = from; i < from + n; i++) body += event(i) + '\n';
      for (;;) {
        const s = performance.now();
        const res = await fetch(`${url}/ingest`, { method: 'POST', body, headers: { authorization: `Bearer ${TOKEN}` } });
        await res.arrayBuffer();
        if (res.status === 200) { latencies.push(performance.now() - s); accepted += n; break; }
        if (res.status === 429) { refused++; await new Promise((r) => setTimeout(r, 50)); continue; }
        throw new Error(`HTTP ${res.status}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONC }, worker));
  const sent = (performance.now() - t0) / 1000;
  // Lag: until the window has taken in everything accepted.
  const sentAt = performance.now();
  while ((await metric('exfilwatch_events_in_total')) < accepted && performance.now() - sentAt < 60_000) await new Promise((r) => setTimeout(r, 20));
  const lag = (performance.now() - sentAt) / 1000;
  const total = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const [dropped, alerts, runs, runSecs] = await Promise.all([metric('exfilwatch_events_dropped_total'), metric('exfilwatch_alerts_out_total'), metric('exfilwatch_rule_run_seconds_count'), metric('exfilwatch_rule_run_seconds_sum')]);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(1);
  const mb = (b: number) => (b / 1048576).toFixed(0);
  process.stdout.write([
    `events accepted: ${accepted} in ${sent.toFixed(2)} s of sending = ${Math.round(accepted / sent)} events/s (through the window: ${Math.round(accepted / total)} events/s)`,
    `requests: ${latencies.length} x ${BATCH} events, concurrency ${CONC}; latency p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms; 429 answers: ${refused}`,
    `lag after the last request until every event was in the window: ${(lag * 1000).toFixed(0)} ms`,
    `rule runs: ${runs} (${(runSecs * 1000 / Math.max(1, runs)).toFixed(1)} ms each on average); alerts: ${alerts}; events dropped: ${dropped}`,
    `memory (s: rss MB / heap MB / window rows): ${memory.map((m) => `${m.t.toFixed(0)}: ${mb(m.rss)}/${mb(m.heap)}/${m.window}`).join(', ')}`,
  ].join('\n') + '\n');
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
});
