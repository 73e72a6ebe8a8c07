/**
 * The command line runs from the bundle `npm run build` makes (dist/src/bundle/) when it is newer
 * than the modules. It must do what the modules do: find the content pack, start its worker
 * threads from their own files, and key the plan cache alike (src/paths.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { MODULES, ROOT, modulePath } from '../../src/paths.js';

const BUNDLE = modulePath('bundle/main.js');
const MODULE_MAIN = modulePath('cli/main.js');
const BIN = path.join(ROOT, 'bin/exfilwatch.js');

function fresh(): boolean {
  try {
    return statSync(BUNDLE).mtimeMs >= statSync(MODULE_MAIN).mtimeMs;
  } catch {
    return false;
  }
}
const SKIP = fresh() ? false : 'no bundle newer than the modules (npm run build makes one)';

/**
 * Runs the command line from `entry` (the bundle's main.js or the modules' cli/main.js) through a
 * script file in `dir`: worker threads inherit the process's flags, so not through `node -e`.
 */
function runFrom(dir: string, entry: string, args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const runner = path.join(dir, 'run.mjs');
  writeFileSync(runner, 'const { main } = await import(process.argv[2]);\nprocess.exitCode = await main(process.argv.slice(3));\n');
  const r = spawnSync(process.execPath, [runner, pathToFileURL(entry).href, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('paths: the modules folder and the project root', () => {
  assert.ok(MODULES.pathname.endsWith('/dist/src/'), MODULES.href);
  assert.equal(statSync(path.join(ROOT, 'package.json')).isFile(), true);
});

test('the bundle hunts and queries as the modules do: content pack, Parquet worker, plan cache', { skip: SKIP }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'exfilwatch-bundle-'));
  try {
    const env = { EXFILWATCH_PLAN_CACHE: path.join(dir, 'plans') };
    const hunt = ['hunt', path.join(ROOT, 'samples/seed-fixture'), '--now', '2026-11-08T00:00:00Z', '--format', 'jsonl'];
    const a = runFrom(dir, BUNDLE, hunt, env);
    const b = runFrom(dir, MODULE_MAIN, hunt, env);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.ok(a.stdout.trim().split('\n').length > 0);
    assert.equal(a.stdout, b.stdout);
    // Parquet is decoded in a worker thread started from its own module file.
    const file = path.join(dir, 'DeviceProcessEvents.parquet');
    writeFileSync(file, Buffer.from(parquetWriteBuffer({
      columnData: [
        { name: 'Timestamp', data: Array.from({ length: 300 }, (_, i) => new Date(Date.UTC(2026, 10, 1, 0, i))), type: 'TIMESTAMP' },
        { name: 'FileName', data: Array.from({ length: 300 }, (_, i) => (i % 3 ? 'svchost.exe' : 'rclone.exe')), type: 'STRING' },
      ],
    })));
    const query = ['query', 'DeviceProcessEvents | where FileName =~ "rclone.exe" | summarize n = count()', file, '--format', 'jsonl'];
    const c = runFrom(dir, BUNDLE, query, env);
    assert.equal(c.code, 0, c.stderr);
    assert.equal(c.stderr, '');
    assert.deepEqual(JSON.parse(c.stdout), { n: 100 });
    assert.equal(runFrom(dir, MODULE_MAIN, query, env).stdout, c.stdout);
    // bin/ takes the bundle while it is the newer.
    const viaBin = spawnSync(process.execPath, [BIN, ...query], { encoding: 'utf8', env: { ...process.env, ...env } });
    assert.equal(viaBin.stdout, c.stdout, viaBin.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the bundle\'s worker threads load: JSON lines, CSV and Parquet scanning', { skip: SKIP }, async () => {
  for (const name of ['line-worker.js', 'block-worker.js', 'worker.js']) {
    const w = new Worker(pathToFileURL(modulePath(`bundle/${name}`)));
    // Loaded when it answers a message it does not know with silence, not an error.
    const outcome = await new Promise<string>((resolve) => {
      w.once('error', (e) => resolve(`error: ${e.message}`));
      w.once('online', () => setTimeout(() => resolve('running'), 300));
    });
    await w.terminate();
    assert.equal(outcome, 'running', name);
  }
});
