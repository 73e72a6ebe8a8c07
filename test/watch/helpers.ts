/** Shared by the watch tests: the sample's slice as a stream, the CLI as a child process, a reference run. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { PACK_WATCHLISTS, SAMPLE_DIR } from '../../src/content/index.js';
import { hunt, loadWatchlists, type Rule, withWatchlists } from '../../src/detect/index.js';
import type { Batch } from '../../src/engine/batch.js';
import type { TableSource } from '../../src/engine/context.js';
import { loadData, sharedSources } from '../../src/engine/query.js';
import { parseDatetime, parseTimespan } from '../../src/engine/values/datetime.js';
import { discoverFiles } from '../../src/sources/index.js';
import { mulberry32 } from '../../src/sources/seeded-random.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BIN = path.resolve(here, here.split(path.sep).includes('dist') ? '../../../bin/exfilwatch.js' : '../../bin/exfilwatch.js');

/**
 * The bundled sample's records between `from` and `to`, in time order, as streaming-API storage
 * lines (`{"category":"AdvancedHunting-<Table>","properties":{...}}`), then one heartbeat at `end`
 * that moves the event clock past the last ticks.
 */
export function sampleLines(from: string, to: string, end: string): string[] {
  const out: [string, string][] = [];
  for (const t of ['DeviceProcessEvents', 'DeviceNetworkEvents', 'DeviceFileEvents', 'DeviceEvents']) {
    for (const line of gunzipSync(readFileSync(path.join(SAMPLE_DIR, `${t}.jsonl.gz`))).toString('utf8').split('\n')) {
      if (!line) continue;
      const ts = /"Timestamp":"([^"]+)"/.exec(line)![1]!;
      if (ts >= from && ts < to) out.push([ts, `{"category":"AdvancedHunting-${t}","properties":${line}}`]);
    }
  }
  out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  out.push([end, `{"category":"AdvancedHunting-DeviceEvents","properties":{"Timestamp":"${end}","DeviceName":"heartbeat","ActionType":"Heartbeat"}}`]);
  return out.map((x) => x[1]);
}

export function startWatch(args: string[], env: Record<string, string> = {}): ChildProcess & { stderrText: () => string } {
  const child = spawn(process.execPath, [BIN, 'watch', ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  child.stdout!.resume();
  return Object.assign(child, { stderrText: () => err });
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * What scheduled runs must find, computed without the watch code: each rule at every tick
 * T = k·queryFrequency from the first event's to the last event's time minus the lateness, over
 * the rows with T - queryPeriod < Timestamp <= T, with now = T; alert ids, deduplicated.
 */
export async function referenceAlerts(file: string, rules: Rule[], latenessText: string): Promise<Map<string, string>> {
  const data = sharedSources(await loadData(await discoverFiles([file])));
  const lists = await loadWatchlists(PACK_WATCHLISTS);
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const ts = (l: string) => Number(parseDatetime(/"Timestamp":"([^"]+)"/.exec(l)![1]!)!);
  const first = ts(lines[0]!);
  const last = Math.max(...lines.map(ts));
  const lateness = Number(parseTimespan(latenessText)!);
  const out = new Map<string, string>();
  for (const rule of rules) {
    const freq = Number(parseTimespan(rule.queryFrequency)!);
    const period = Number(parseTimespan(rule.queryPeriod)!);
    for (let t = Math.ceil(first / freq) * freq; t + lateness <= last; t += freq) {
      const sources = new Map<string, TableSource>();
      for (const [name, src] of data.sources) sources.set(name, restrict(src, t - period, t));
      const r = await hunt([rule], withWatchlists({ ...data, sources }, lists), t);
      for (const a of r.alerts) out.set(a.id, `${a.ruleId} ${a.time} ${a.entities.host ?? ''}`);
    }
  }
  return out;
}

function restrict(src: TableSource, lo: number, hi: number): TableSource {
  return {
    fields: src.fields,
    async *open(hints) {
      const cols = new Set(hints?.columns ?? src.fields.map((f) => f.name));
      cols.add('Timestamp');
      for await (const b of src.open({ columns: cols })) {
        const k = b.fields.findIndex((f) => f.name === 'Timestamp');
        const keep: number[] = [];
        for (let i = 0; i < b.length; i++) { const v = b.columns[k]![i]; if (v !== null && Number(v) > lo && Number(v) <= hi) keep.push(i); }
        const want = b.fields.map((f, i) => [f, i] as const).filter(([f]) => !hints?.columns || hints.columns.has(f.name));
        const out: Batch = { fields: want.map(([f]) => f), columns: want.map(([, i]) => keep.map((r) => b.columns[i]![r])), length: keep.length };
        yield out;
      }
    },
  };
}

/** A small seeded PRNG, so a failing run can be repeated. */
export const rng = mulberry32;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
