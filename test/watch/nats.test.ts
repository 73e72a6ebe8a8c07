/**
 * `watch` beyond one machine: a generated day of a small fleet (with injected exfiltration) is
 * published to NATS JetStream keyed by device; two workers sharing the stream (`--member 0/2` and
 * `1/2` of one consumer group) together raise exactly the alerts one worker on the whole stream
 * raises. The test starts Debian's `nats-server -js` on a free loopback port and stops it; it is
 * skipped (with a message) when the binary is missing. Workers run in-process on the real
 * Watcher with the event clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { fleetManifest, generateFleet } from '../../bench/generate-sample.js';
import { PACK_RULES, PACK_WATCHLISTS } from '../../src/content/index.js';
import { loadRules, loadWatchlists } from '../../src/detect/index.js';
import { parseTimespan } from '../../src/engine/values/datetime.js';
import { publishEvents, type Outgoing } from '../../src/watch/nats/publish.js';
import { NatsSource } from '../../src/watch/nats/source.js';
import { bucketOf } from '../../src/watch/nats/subjects.js';
import type { AlertRecord } from '../../src/watch/sinks.js';
import { Watcher } from '../../src/watch/watcher.js';

const hasNats = spawnSync('nats-server', ['--version']).status === 0;
const SKIP = hasNats ? false : 'nats-server is not installed (apt-get install nats-server); skipping the JetStream test';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function startNats(dir: string): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn('nats-server', ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr!.on('data', (b: Buffer) => { log += b.toString(); });
  const url = `nats://127.0.0.1:${port}`;
  const until = Date.now() + 15_000;
  for (;;) {
    if (/Server is ready/.test(log)) break;
    if (proc.exitCode !== null) throw new Error(`nats-server exited: ${log}`);
    if (Date.now() > until) throw new Error(`nats-server did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const nc = await connect({ servers: url });
  await nc.close();
  return { url, proc };
}

async function runWorkers(url: string, stream: string, group: string, of: number, stateRoot: string): Promise<{ ids: Set<string>; perWorker: string[][]; hosts: Set<string> }> {
  const { rules } = await loadRules([PACK_RULES]);
  const watchlists = await loadWatchlists(PACK_WATCHLISTS);
  const perWorker: string[][] = [];
  const hosts = new Set<string>();
  await Promise.all(Array.from({ length: of }, async (_, index) => {
    const got: string[] = [];
    perWorker[index] = got;
    const stateDir = path.join(stateRoot, `${group}-${index}`);
    mkdirSync(stateDir, { recursive: true });
    const source = await new NatsSource({ url, stream, group, member: { index, of }, batch: 500 }).open();
    const sink = {
      name: 'memory',
      async deliver(alerts: AlertRecord[]) {
        for (const a of alerts) {
          got.push(a.id);
          const host = (a.entities as { host?: string } | undefined)?.host;
          if (host) hosts.add(host.toLowerCase());
        }
      },
      async close() {},
    };
    const watcher = new Watcher({
      rules, watchlists, stateDir, sources: [source], sinks: [sink],
      clock: 'event', lateness: Number(parseTimespan('10m')), checkpointMs: 100, exitOnIdleMs: 400, log: () => undefined,
    });
    try {
      await watcher.start();
      await watcher.run();
    } finally {
      await source.close();
    }
  }));
  return { ids: new Set(perWorker.flat()), perWorker, hosts };
}

test('two workers on one JetStream stream raise the same alerts as one worker on all of it', { skip: SKIP, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'exfilwatch-nats-'));
  let nats: { url: string; proc: ChildProcess } | undefined;
  try {
    nats = await startNats(path.join(dir, 'js'));
    // A day of a 14-device fleet around two incidents: I4 (scp from srv-db-02, 11-03 23:15) and
    // I3 (11-04 19:40).
    const options = { devices: 14, days: 6 };
    const from = Date.parse('2026-11-03T21:00:00Z');
    const to = Date.parse('2026-11-04T21:00:00Z');
    const events: Outgoing[] = [];
    for (const r of generateFleet(options)) {
      const t = Date.parse(String(r.record.Timestamp));
      if (t >= from && t < to) events.push({ table: r.table, record: r.record });
    }
    events.sort((a, b) => Date.parse(String(a.record.Timestamp)) - Date.parse(String(b.record.Timestamp)));
    const incidents = fleetManifest(options).incidents.filter((i) => Date.parse(i.start) >= from && Date.parse(i.end) < to);
    assert.deepEqual(incidents.map((i) => i.id).sort(), ['I3', 'I4']);

    const published = await publishEvents({ url: nats.url, stream: 'EXFIL', partitions: 8 }, events);
    assert.equal(published.published, events.length);
    assert.equal(published.partitions, 8);
    // Keyed by device: every device's events went to one bucket.
    const bucketsOfDevice = new Map<string, Set<number>>();
    for (const e of events) {
      const d = String(e.record.DeviceId);
      if (!bucketsOfDevice.has(d)) bucketsOfDevice.set(d, new Set());
      bucketsOfDevice.get(d)!.add(bucketOf(e.record, 8));
    }
    for (const [d, b] of bucketsOfDevice) assert.equal(b.size, 1, `device ${d} spread over buckets ${[...b]}`);

    const stateRoot = path.join(dir, 'state');
    // A busy process (long rule runs, a loaded machine) stalls every reader at once: time when no
    // partition could deliver must not let one partition's events run ahead of another's.
    const stalls = setInterval(() => { const t = Date.now(); while (Date.now() - t < 1000); }, 1500);
    const [pair, solo] = await Promise.all([
      runWorkers(nats.url, 'EXFIL', 'pair', 2, stateRoot),
      runWorkers(nats.url, 'EXFIL', 'solo', 1, stateRoot),
    ]).finally(() => clearInterval(stalls));
    // The stream was spread: both members of the pair had work, and no alert came from both.
    assert.ok(pair.perWorker.every((w) => w.length > 0), `alerts per worker: ${pair.perWorker.map((w) => w.length)}`);
    assert.equal(pair.perWorker[0]!.filter((id) => pair.perWorker[1]!.includes(id)).length, 0);
    assert.equal(pair.perWorker.flat().length, pair.ids.size, 'no alert twice');
    assert.equal(solo.perWorker[0]!.length, solo.ids.size, 'no alert twice');
    // The same alerts.
    assert.deepEqual([...pair.ids].sort(), [...solo.ids].sort());
    // And they include the injected incidents' devices.
    for (const i of incidents) assert.ok(solo.hosts.has(i.device.toLowerCase()), `no alert on ${i.device} (${i.id}); hosts: ${[...solo.hosts]}`);
  } finally {
    if (nats) {
      nats.proc.kill('SIGTERM');
      await new Promise((r) => { if (nats!.proc.exitCode !== null) r(undefined); else nats!.proc.once('exit', r); });
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
