/** The alert table: plain text unless written to a terminal; table is the default format everywhere. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ALERT_FORMAT, formatAlerts, summary, useColor } from '../src/cli/alerts-output.js';
import type { Alert, HuntResult } from '../src/detect/index.js';

const alert = (severity: Alert['severity'], host: string): Alert => ({
  id: `a-${host}`, ruleId: 'T1048.002-test', ruleName: 'Test', severity, confidence: 'Medium', tactics: ['Exfiltration'],
  techniques: ['T1048.002'], time: '2026-11-07T10:00:00.0000000Z', detection: 'test', reason: `reason on ${host}`,
  entities: { host }, customDetails: {}, evidence: {}, notes: [], ticks: null,
});
const result = { alerts: [alert('High', 'WS-1'), alert('Low', 'LONGER-HOST-2')], incidents: [], runs: [], errors: [] } as unknown as HuntResult;

test('table is the default format, whatever stdout is', () => {
  assert.equal(DEFAULT_ALERT_FORMAT, 'table');
});

test('severity colours only on a terminal, only in a table, never with NO_COLOR', () => {
  assert.equal(useColor('table', { isTTY: true }, {}), true);
  assert.equal(useColor('table', { isTTY: false }, {}), false);
  assert.equal(useColor('table', {}, {}), false);
  assert.equal(useColor('jsonl', { isTTY: true }, {}), false);
  assert.equal(useColor('table', { isTTY: true }, { NO_COLOR: '1' }), false);
  const plain = formatAlerts(result, 'table', false);
  assert.ok(!plain.includes('\x1b['), 'no escape codes when not coloured');
  const lines = plain.trimEnd().split('\n');
  assert.equal(lines.length, 4);
  assert.equal(lines[2]!.indexOf('T1048.002-test'), lines[0]!.indexOf('rule'), 'columns aligned');
  const coloured = formatAlerts(result, 'table', true);
  assert.ok(coloured.includes('\x1b[31mHigh'), 'High in red on a terminal');
  assert.equal(coloured.replace(/\x1b\[[0-9;]*m/g, ''), plain, 'colour changes nothing else');
});

test('the summary: rules run, events read, alerts by severity, time', () => {
  const s = summary(result, 1234, 0.5);
  assert.match(s, /0 rule\(s\) run; 1234 event\(s\) read; 2 alert\(s\): 1 high, 0 medium, 1 low, 0 informational; 0 incident\(s\); 0\.50 s/);
});
