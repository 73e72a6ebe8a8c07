/**
 * `exfilwatch query` on bad input, through the real binary: warnings name file:line, the summary
 * counts skipped records and values that became null, `--strict` makes the first bad record
 * fatal, and broken files are one-line errors naming the file. No progress bar off a terminal.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BIN = fileURLToPath(new URL('../../../bin/exfilwatch.js', import.meta.url));
const DIR = mkdtempSync(path.join(tmpdir(), 'exfilwatch-cli-input-'));
after(() => rmSync(DIR, { recursive: true, force: true }));

function file(name: string, body: string | Buffer): string {
  const p = path.join(DIR, name);
  writeFileSync(p, body);
  return p;
}

function query(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'query', ...args, '--format', 'jsonl'], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr.split('\n').filter((l) => l !== '') };
}

const BAD = file('DeviceNetworkEvents.jsonl', [
  '{"RemotePort":443,"RemoteIP":"10.0.0.1"}',
  '{"RemotePort":',
  '{"RemotePort":"https","RemoteIP":"10.0.0.2"}',
  '{"RemotePort":"22x","RemoteIP":"10.0.0.3"}',
  '[1]',
].join('\n') + '\n');

test('bad records warn with file:line, and one summary line counts what became null (exit 0)', () => {
  const r = query('DeviceNetworkEvents | summarize n = count(), nullPorts = countif(isnull(RemotePort))', BAD);
  assert.equal(r.code, 0);
  assert.equal(r.out, '{"n":3,"nullPorts":2}\n');
  assert.deepEqual(r.err, [
    `warning: ${BAD}:2: not valid JSON (Unexpected end of JSON input)`,
    `warning: ${BAD}:5: expected a JSON object`,
    'warning: skipped 2 malformed record(s)',
    "warning: 2 values did not fit their column's type and became null: DeviceNetworkEvents.RemotePort 2",
  ]);
});

test('--strict: the first malformed record is fatal, named by file:line (exit 1)', () => {
  const r = query('DeviceNetworkEvents | summarize n = count()', BAD, '--strict');
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.deepEqual(r.err, [`error: ${BAD}:2: not valid JSON (Unexpected end of JSON input) (EW301)`]);
});

test('an empty file has no rows and is no error', () => {
  const r = query('DeviceProcessEvents | summarize n = count()', file('DeviceProcessEvents.jsonl', ''));
  assert.deepEqual([r.code, r.out, r.err], [0, '{"n":0}\n', []]);
});

test('an empty or truncated .gz, and an unknown format, are one-line errors naming the file', () => {
  const empty = file('DeviceFileEvents.jsonl.gz', '');
  const cut = file('DeviceEvents.csv.gz', gzipSync('Timestamp,ActionType\n2026-11-01T00:00:00Z,x\n'.repeat(50)).subarray(0, 30));
  const unknown = file('DeviceEvents.bin', 'MZ\x90\x00binary');
  for (const [p, q, message] of [
    [empty, 'DeviceFileEvents | count', 'not a valid gzip file, or truncated'],
    [cut, 'DeviceEvents | count', 'not a valid gzip file, or truncated'],
    [unknown, 'DeviceEvents | count', `cannot tell the format of ${unknown}: expected`],
  ] as const) {
    const r = query(q, p);
    assert.equal(r.code, 1, p);
    assert.equal(r.err.length, 1, r.err.join('\n'));
    assert.ok(r.err[0]!.startsWith(`error: ${p}: ${message}`), r.err[0]);
    assert.match(r.err[0]!, /\(EW301\)$/);
  }
});

test('no progress bar when stderr is not a terminal', () => {
  const big = file('DeviceProcessEvents-big.jsonl', '{"FileName":"a.exe"}\n'.repeat(20000));
  const r = query('DeviceProcessEvents | summarize n = count()', big);
  assert.equal(r.code, 0);
  assert.deepEqual(r.err, []);
});
