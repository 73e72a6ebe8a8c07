import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDatetime } from '../engine/values/datetime.js';
import { type Alert, IncidentGrouper, groupIncidents } from './alerts.js';

let n = 0;
function alert(time: string, host: string, account = 'alice', ruleId = 'r1'): Alert {
  return {
    id: `a${++n}`, ruleId, ruleName: ruleId, severity: 'Medium', confidence: 'Medium', tactics: [], techniques: [], time, detection: ruleId,
    reason: '', entities: { host, account }, customDetails: {}, evidence: {}, notes: [], ticks: parseDatetime(time),
  };
}

test('incidents: same device and account within 2 h of the latest alert, else a new one', () => {
  const alerts = [
    alert('2026-11-05T10:00:00Z', 'WS-1'),
    alert('2026-11-05T11:30:00Z', 'ws-1'), // device names compare without case
    alert('2026-11-05T13:20:00Z', 'WS-1'), // 1 h 50 m after the latest: still the same incident
    alert('2026-11-05T15:30:00Z', 'WS-1'), // 2 h 10 m later: a new one
    alert('2026-11-05T10:05:00Z', 'WS-1', 'bob'), // another account
    alert('2026-11-05T10:10:00Z', 'WS-2'), // another device
  ];
  const incidents = groupIncidents(alerts);
  assert.deepEqual(incidents.map((i) => i.alertIds.length).sort(), [1, 1, 1, 3]);
  const [a, b, c, d, e, f] = alerts.map((x) => x.incidentId);
  assert.ok(a && a.startsWith('INC-'));
  assert.equal(b, a);
  assert.equal(c, a);
  assert.equal(new Set([a, d, e, f]).size, 4);
});

test('an incident grouper fed in order, trimmed and restored from its state, names incidents as the batch grouping does', () => {
  const times = ['00:00', '01:00', '02:50', '05:00', '05:30', '09:00', '10:59', '13:10'].map((t) => `2026-11-05T${t}:00Z`);
  const alerts = times.flatMap((t, i) => [alert(t, 'WS-1'), alert(t, i % 2 ? 'WS-2' : 'WS-3', 'carol')]);
  const batch = alerts.map((a) => ({ ...a }));
  groupIncidents(batch);
  // Streaming: alerts in time order, the state trimmed and carried over a restart halfway.
  let grouper = new IncidentGrouper();
  const streamed: string[] = [];
  alerts.forEach((a, i) => {
    if (i === alerts.length / 2) {
      grouper.trim(Number(a.ticks) - 1);
      grouper = new IncidentGrouper(undefined, JSON.parse(JSON.stringify(grouper.state())));
    }
    streamed.push(grouper.assign(a).id);
  });
  assert.deepEqual(streamed, batch.map((a) => a.incidentId));
  assert.ok(new Set(streamed).size >= 4);
  // Trimming forgets only incidents no later alert can join.
  const g = new IncidentGrouper();
  const first = g.assign(alert('2026-11-05T00:00:00Z', 'WS-9')).id;
  g.trim(Number(parseDatetime('2026-11-05T01:59:00Z')));
  assert.equal(g.assign(alert('2026-11-05T01:59:00Z', 'WS-9')).id, first);
  g.trim(Number(parseDatetime('2026-11-05T04:00:00Z')));
  assert.deepEqual(g.state(), []);
});
