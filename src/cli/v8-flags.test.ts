import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INTERRUPT_BUDGET, startupV8Flags } from './v8-flags.js';

test('the command line raises the interrupt budget unless the user set it', () => {
  const ours = [`--interrupt-budget=${INTERRUPT_BUDGET}`];
  assert.deepEqual(startupV8Flags([]), ours);
  assert.deepEqual(startupV8Flags(['--max-old-space-size=4096', '--enable-source-maps']), ours);
  // Another flag whose name starts the same is not the budget.
  assert.deepEqual(startupV8Flags(['--interrupt-budget-for-feedback-allocation=100']), ours);
  assert.deepEqual(startupV8Flags(['--interrupt-budget=1000']), []);
  assert.deepEqual(startupV8Flags(['--stack-size=2000', '--interrupt_budget=5000']), []);
  assert.deepEqual(startupV8Flags(['--interrupt-budget', '1000']), []);
});
