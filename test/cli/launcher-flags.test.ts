/**
 * The launcher (bin/exfilwatch.js) starts V8 with src/cli/v8-flags.ts's interrupt budget, unless
 * the user gave one. The budget cannot be read back from JavaScript, so this counts what it
 * changes: how many functions V8's optimising compiler takes on for the same small hunt.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from '../../src/paths.js';

const BIN = path.join(ROOT, 'bin/exfilwatch.js');

/** Functions optimised in a hunt of the seed fixture, as `--trace-opt` reports them. */
function optimised(nodeFlags: string[]): number {
  const args = [...nodeFlags, '--trace-opt', BIN, 'hunt', path.join(ROOT, 'samples/seed-fixture'), '--now', '2026-11-08T00:00:00Z', '--format', 'jsonl'];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => /^\[completed (compiling|optimizing)/.test(l)).length;
}

test('the launcher raises V8\'s interrupt budget, and leaves one the user set', () => {
  const launcher = optimised([]);
  const userDefault = optimised(['--interrupt-budget=67584']); // V8's own default, set by the user
  // With a budget about nine times V8's, far fewer functions are hot enough to optimise.
  assert.ok(launcher * 2 < userDefault, `optimised: ${launcher} with the launcher's budget, ${userDefault} with the user's`);
});
