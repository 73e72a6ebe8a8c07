import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keepsTooMuch, newSharedScan } from './shared-scan.js';

test('a shared read stops keeping past its budget, or once it keeps most of a file', () => {
  const shared = newSharedScan([], 1000 << 20);
  const MiB = 1 << 20;
  // Too little read to judge.
  assert.equal(keepsTooMuch(shared, 8 * MiB, 10 * MiB), false);
  // A selective read keeps a little of a large file; a broad one most of it.
  assert.equal(keepsTooMuch(shared, 2 * MiB, 100 * MiB), false);
  assert.equal(keepsTooMuch(shared, 60 * MiB, 100 * MiB), true);
  // Over all files, past the budget.
  shared.kept = 1001 << 20;
  assert.equal(keepsTooMuch(shared, 2 * MiB, 100 * MiB), true);
});
