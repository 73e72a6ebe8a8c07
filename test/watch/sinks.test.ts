/** The webhook and syslog sinks: retries with backoff, durable queue across restarts, RFC 5424 framing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { syslogMessage, syslogSink, webhookSink } from '../../src/watch/sinks.js';

const alert = (id: string, severity = 'High') => ({ id, ruleId: 'T1048.002-seed', severity, time: '2026-11-01T10:00:00.0000000Z', reason: 'rclone copy to mega' });

test('webhook: refused POSTs are retried with backoff; undelivered alerts survive a restart and go out once', { timeout: 20_000 }, async () => {
  const state = mkdtempSync(path.join(tmpdir(), 'exfilwatch-webhook-'));
  const received: { id: string; key: string | undefined }[] = [];
  let refuse = 2;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (refuse > 0) { refuse--; res.statusCode = 503; res.end(); return; }
      received.push({ id: JSON.parse(body).id, key: req.headers['idempotency-key'] as string | undefined });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`;
  try {
    const first = await webhookSink({ url, stateDir: state, backoffMs: 10, maxBackoffMs: 40 });
    await first.deliver([alert('a1'), alert('a2')]);
    await first.drained();
    assert.deepEqual(received.map((r) => r.id), ['a1', 'a2'], 'delivered in order after two refusals');
    assert.deepEqual(received.map((r) => r.key), ['a1', 'a2'], 'each POST carries its alert id as idempotency key');
    await first.close();

    // The receiver goes away: the alert stays queued on disk, and a restarted sink delivers it.
    server.closeAllConnections();
    refuse = 1000;
    const second = await webhookSink({ url, stateDir: state, backoffMs: 10, maxBackoffMs: 20 });
    await second.deliver([alert('a3')]);
    await second.deliver([alert('a3')]);
    assert.equal(second.pending(), 1, 'the same alert handed over twice is queued once');
    await new Promise((r) => setTimeout(r, 60));
    await second.close();
    refuse = 0;
    const third = await webhookSink({ url, stateDir: state, backoffMs: 10, maxBackoffMs: 20 });
    assert.equal(third.pending(), 1, 'the undelivered alert was kept on disk');
    await third.drained();
    await third.close();
    assert.deepEqual(received.map((r) => r.id), ['a1', 'a2', 'a3']);
  } finally {
    server.close();
    rmSync(state, { recursive: true, force: true });
  }
});

test('syslog: one RFC 5424 message per alert over UDP, severity mapped, structured data escaped', { timeout: 10_000 }, async () => {
  const sock = createSocket('udp4');
  const messages: string[] = [];
  sock.on('message', (m) => messages.push(m.toString('utf8')));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const port = (sock.address() as AddressInfo).port;
  try {
    const sink = await syslogSink(`127.0.0.1:${port}`, 'udp');
    await sink.deliver([alert('s1', 'High'), alert('s2"]', 'Low')]);
    for (let i = 0; i < 50 && messages.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    await sink.close();
    assert.equal(messages.length, 2);
    assert.match(messages[0]!, /^<82>1 \S+ \S+ exfilwatch \d+ ALERT \[exfilwatch@32473 id="s1" rule="T1048.002-seed" severity="High"/);
    assert.match(messages[1]!, /^<85>1 /, 'Low maps to severity 5 (notice), facility 10');
    assert.ok(messages[1]!.includes('id="s2\\"\\]"'), 'quote and bracket escaped in structured data');
    assert.equal(syslogMessage(alert('x'), 'h').split(' ')[2], 'h');
  } finally {
    sock.close();
  }
});
