/**
 * Hostile input on the HTTP endpoint: no token, a wrong token, an oversized body, malformed JSON,
 * a slow client. Each is refused cleanly and the server keeps serving; a good request after them
 * is accepted, and /metrics and /healthz answer. Also: refusing to start without a token.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { exited, sleep, startWatch } from './helpers.js';

async function waitListening(child: ReturnType<typeof startWatch>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const m = /listening address=[^\s]*:(\d+)/.exec(child.stderrText());
    if (m) return Number(m[1]);
    await sleep(50);
  }
  throw new Error('watch did not start: ' + child.stderrText());
}

test('watch --listen refuses to start without a token', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'exfilwatch-http-'));
  try {
    const child = startWatch(['--listen', '127.0.0.1:0', '--state', dir], { EXFILWATCH_TOKEN: '' });
    assert.equal(await exited(child), 2);
    assert.match(child.stderrText(), /--listen needs --token/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('watch HTTP endpoint: hostile input refused, the server keeps serving', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'exfilwatch-http-'));
  const child = startWatch(['--listen', '127.0.0.1:0', '--token', 's3cret', '--state', dir, '--max-body', '4096', '--request-timeout', '1000', '--no-stdout', '--log-level', 'info']);
  try {
    const port = await waitListening(child);
    const url = `http://127.0.0.1:${port}`;
    const post = (body: string, headers: Record<string, string> = { authorization: 'Bearer s3cret' }) =>
      fetch(`${url}/ingest`, { method: 'POST', body, headers });
    const rec = '{"category":"AdvancedHunting-DeviceNetworkEvents","properties":{"Timestamp":"2026-11-05T10:00:00Z","DeviceName":"h1","RemotePort":443}}';

    let r = await post(rec, {});
    assert.equal(r.status, 401);
    r = await post(rec, { authorization: 'Bearer wrong' });
    assert.equal(r.status, 401);
    r = await post(rec, { authorization: 'Bearer s3cret-and-more' });
    assert.equal(r.status, 401);

    r = await post('x'.repeat(10_000));
    assert.equal(r.status, 413);

    r = await post('{"records": [ {"a": 1}, ');
    assert.equal(r.status, 400);
    assert.match(((await r.json()) as { error: string }).error, /line 1: not valid JSON/);
    r = await post(rec + '\n{"oops"\n');
    assert.equal(r.status, 400);
    assert.match(((await r.json()) as { error: string }).error, /line 2/);
    r = await post('[1, 2]');
    assert.equal(r.status, 400);

    // A slow client: headers and half a body, then nothing. It is cut off; others are served meanwhile.
    const slow = connect(port, '127.0.0.1');
    let closed = false;
    slow.on('close', () => { closed = true; });
    slow.on('error', () => undefined);
    let got = '';
    slow.on('data', (d) => { got += d.toString(); });
    slow.write(`POST /ingest HTTP/1.1\r\nhost: x\r\nauthorization: Bearer s3cret\r\ncontent-length: 1000\r\n\r\n{"records":[`);
    r = await post(JSON.stringify({ records: [JSON.parse(rec)] }));
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { accepted: 1 });
    for (let i = 0; i < 100 && !closed; i++) await sleep(50);
    assert.ok(closed, 'the slow client was cut off: ' + got);

    // A slowloris sending headers a byte at a time is cut off too.
    const loris = connect(port, '127.0.0.1');
    let lorisClosed = false;
    loris.on('close', () => { lorisClosed = true; });
    loris.on('error', () => undefined);
    for (const ch of 'POST /ingest HTTP/1.1\r\nx-') { if (lorisClosed) break; loris.write(ch); await sleep(100); }
    for (let i = 0; i < 100 && !lorisClosed; i++) await sleep(50);
    assert.ok(lorisClosed, 'the slow header client was cut off');

    r = await post(rec + '\n' + rec.replace('h1', 'h2') + '\n');
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { accepted: 2 });
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    let metrics = '';
    for (let i = 0; i < 40; i++) {
      metrics = await (await fetch(`${url}/metrics`)).text();
      if (/exfilwatch_events_in_total\{source="spool"\} 3/.test(metrics)) break;
      await sleep(50);
    }
    assert.match(metrics, /exfilwatch_events_in_total\{source="spool"\} 3/);
    assert.match(metrics, /exfilwatch_events_dropped_total 0/);
    assert.match(metrics, /exfilwatch_window_rows\{table="DeviceNetworkEvents"\} 3/);
    assert.match(metrics, /exfilwatch_http_requests_total\{code="401"\} 3/);

    child.kill('SIGTERM');
    assert.equal(await exited(child), 0, child.stderrText());
    assert.match(child.stderrText(), /shutting down signal=SIGTERM/);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
