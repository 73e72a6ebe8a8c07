/**
 * The native addon is optional (src/sources/json/native-addon.ts): a run without it
 * (`EXFILWATCH_NATIVE=0`, as where it could not be built) raises the same alerts as a run with it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from '../../src/paths.js';

const BIN = path.join(ROOT, 'bin/exfilwatch.js');

function hunt(native: boolean): { code: number | null; stdout: string; stderr: string } {
  const env = { ...process.env, EXFILWATCH_NATIVE: native ? '1' : '0' };
  const r = spawnSync(process.execPath, [BIN, 'hunt', '--format', 'jsonl'], { encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('hunting the bundled sample without the native addon raises the same alerts as with it', () => {
  const without = hunt(false);
  const withAddon = hunt(true);
  assert.equal(without.code, 0, without.stderr);
  assert.equal(withAddon.code, 0, withAddon.stderr);
  assert.ok(withAddon.stdout.split('\n').filter(Boolean).length > 10);
  assert.equal(without.stdout, withAddon.stdout);
});
