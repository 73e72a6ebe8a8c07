import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MEMO_CHARS, MEMO_ENTRIES, memoOnText } from './text-memo.js';

test('a memoised text test answers as the test does, asks it once per repeated value, and stays bounded', () => {
  let calls = 0;
  const answer = memoOnText((t) => { calls++; return t.includes('rclone'); });
  assert.equal(answer('rclone.exe copy'), true);
  assert.equal(answer('svchost.exe -k netsvcs'), false);
  assert.equal(answer('rclone.exe copy'), true);
  assert.equal(answer('svchost.exe -k netsvcs'), false);
  assert.equal(calls, 2);
  // A value longer than MEMO_CHARS is tested every time (not kept).
  const long = 'x'.repeat(MEMO_CHARS) + 'rclone';
  assert.equal(answer(long), true);
  assert.equal(answer(long), true);
  assert.equal(calls, 4);
  // Past MEMO_ENTRIES values it starts over, and answers stay right.
  for (let i = 0; i < MEMO_ENTRIES + 10; i++) assert.equal(answer(`v${i}${i % 7 === 0 ? 'rclone' : ''}`), i % 7 === 0);
  const before = calls;
  assert.equal(answer('rclone.exe copy'), true);
  assert.equal(calls, before + 1, 'the first values were forgotten when the memo started over');
});
