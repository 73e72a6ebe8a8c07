/**
 * The Show item: a day and a half of the bundled fleet (with incidents I1 and I2) streamed
 * through `exfilwatch watch` as a growing file, the process killed with SIGKILL at random points
 * and restarted; every alert the scheduled runs must produce comes out exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PACK_RULES } from '../../src/content/index.js';
import { type Alert, groupIncidents, loadRules } from '../../src/detect/index.js';
import { parseDatetime } from '../../src/engine/values/datetime.js';
import type { AlertRecord } from '../../src/watch/sinks.js';
import { exited, referenceAlerts, rng, sampleLines, sleep, startWatch } from './helpers.js';

test('watch: SIGKILL at random points, restarts, every expected alert exactly once', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'exfilwatch-watch-'));
  try {
    const lines = sampleLines('2026-11-05T12:00:00', '2026-11-06T03:00:00', '2026-11-07T00:01:00Z');
    const data = path.join(dir, 'stream', 'events.jsonl');
    const out = path.join(dir, 'alerts.jsonl');
    const state = path.join(dir, 'state');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(path.dirname(data));
    writeFileSync(data, '');
    const args = [path.dirname(data), '--state', state, '--clock', 'event', '--lateness', '1m', '--out', out, '--no-stdout', '--poll', '50', '--log-level', 'warn'];
    const random = rng(Number(process.env.WATCH_SEED ?? 7));
    const parts = 8;
    const per = Math.ceil(lines.length / parts);
    let written = 0;
    const append = (n: number) => {
      const chunk = lines.slice(written, written + n);
      written += chunk.length;
      if (chunk.length) appendFileSync(data, chunk.join('\n') + '\n');
    };
    let kills = 0;
    for (let round = 0; round < 4; round++) {
      const child = startWatch(args);
      append(per);
      await sleep(200 + random() * 900);
      append(per);
      await sleep(random() * 600);
      child.kill('SIGKILL');
      await exited(child);
      kills++;
    }
    append(lines.length);
    const last = startWatch([...args, '--exit-on-idle', '400']);
    const code = await exited(last);
    assert.equal(code, 0, last.stderrText());
    assert.equal(kills, 4);

    const emitted = readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AlertRecord & { ruleId: string; time: string; incidentId: string | null; entities: { host?: string; account?: string } });
    const ids = emitted.map((a) => a.id);
    assert.equal(new Set(ids).size, ids.length, 'an alert came out twice');
    const rules = (await loadRules([PACK_RULES])).rules;
    const expected = await referenceAlerts(data, rules, '1m');
    const missing = [...expected.keys()].filter((id) => !ids.includes(id)).map((id) => expected.get(id));
    const extra = emitted.filter((a) => !expected.has(a.id)).map((a) => a.ruleId);
    assert.deepEqual(missing, [], 'alerts lost');
    assert.deepEqual(extra, [], 'alerts no scheduled run produces');
    assert.ok(expected.size > 10);
    const hosts = new Set(emitted.map((a) => a.entities.host));
    assert.ok(hosts.has('WS-FIN-03') && hosts.has('WS-HR-07'), 'incidents I1 and I2 are alerted');
    // Incidents, carried across the restarts in the checkpoint, group the alerts as hunt groups
    // the same alerts (an incident is named by its first alert out, not always its earliest).
    const regrouped = emitted.map((a) => ({ ...a, ticks: parseDatetime(a.time), incidentId: undefined }) as unknown as Alert);
    const incidents = groupIncidents(regrouped);
    const partition = (alerts: { id: string; incidentId?: string | null }[]): string[] => {
      const groups = new Map<string, string[]>();
      for (const a of alerts) groups.set(a.incidentId!, [...(groups.get(a.incidentId!) ?? []), a.id]);
      return [...groups.values()].map((ids) => ids.sort().join(' ')).sort();
    };
    assert.ok(emitted.every((a) => a.incidentId?.startsWith('INC-')), 'every alert out names its incident');
    assert.deepEqual(partition(emitted), partition(regrouped));
    assert.ok(incidents.some((i) => i.alertIds.length > 1), 'some incident groups several alerts');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
