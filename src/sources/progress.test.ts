import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatBytes, renderProgress, startProgress, trackBytes } from './progress.js';

test('the bar shows bytes read of the total, within the terminal width', () => {
  const line = renderProgress(1.25 * 2 ** 30, 2.5 * 2 ** 30, 100, 42_000);
  assert.equal(line, `reading [${'#'.repeat(20)}${'-'.repeat(20)}]  50%  1.3 GB of 2.5 GB  0:42`);
  assert.ok(line.length <= 99);
  assert.equal(renderProgress(0, 1000, 100, 0), `reading [${'-'.repeat(40)}]   0%  0 B of 1000 B  0:00`);
  assert.match(renderProgress(2000, 1000, 100, 61_000), /\[#{40}\] 100% .* 1:01$/);
});

test('a narrow terminal drops the bar, then clips', () => {
  assert.equal(renderProgress(512, 1024, 40, 0), 'reading  50%  512 B of 1.0 KB  0:00');
  assert.equal(renderProgress(512, 1024, 20, 0).length, 19);
});

test('byte counts read naturally', () => {
  assert.deepEqual([0, 1023, 1024, 5 * 2 ** 20, 3.5 * 2 ** 40].map(formatBytes), ['0 B', '1023 B', '1.0 KB', '5.0 MB', '3.5 TB']);
});

test('on a terminal the bar appears after the delay, shows the pass under way, and is wiped at stop', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'exfilwatch-progress-'));
  const p = path.join(dir, 'x.jsonl');
  writeFileSync(p, 'x'.repeat(1000));
  const writes: string[] = [];
  const stream = { isTTY: true, columns: 100, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream;
  const bar = startProgress([p], { stream, delayMs: 20, intervalMs: 10 });
  trackBytes(p, { bytesRead: 1000 });
  trackBytes(p, { bytesRead: 250 }); // a second pass over the same file
  assert.deepEqual(writes, []);
  await sleep(60);
  bar.stop();
  assert.match(writes[0]!, /^\rreading \[#{10}-{30}\]  25%  250 B of 1000 B  0:00\x1b\[K$/);
  assert.equal(writes.at(-1), '\r\x1b[K');
  const quiet: string[] = [];
  startProgress([p], { stream: { isTTY: false, write: (s: string) => quiet.push(s) } as unknown as NodeJS.WriteStream, delayMs: 0 }).stop();
  await sleep(20);
  assert.deepEqual(quiet, []);
  rmSync(dir, { recursive: true, force: true });
});
