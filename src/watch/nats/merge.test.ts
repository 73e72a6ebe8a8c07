import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_HOLD_MS, TimeOrderMerge, WAIT_CAP_MS, type MergedPartition } from './merge.js';

const part = (ts: number[], pending = 0): MergedPartition => ({ buffer: ts.map((t) => ({ ts: t })), pending });

function drain(merge: TimeOrderMerge, parts: MergedPartition[]): number[] {
  const out: number[] = [];
  for (;;) {
    const p = merge.next(parts);
    if (p === undefined || p === 'hold') return out;
    out.push(p.buffer.shift()!.ts);
  }
}

test('partitions are merged earliest head first', () => {
  assert.deepEqual(drain(new TimeOrderMerge(), [part([1, 4, 6]), part([2, 3, 9]), part([5])]), [1, 2, 3, 4, 5, 6, 9]);
});

test('a partition with messages still to come holds the others back', () => {
  const merge = new TimeOrderMerge();
  const late = part([], 3);
  const parts = [part([10, 20]), late];
  assert.equal(merge.next(parts), 'hold');
  late.buffer.push({ ts: 5 });
  late.pending = 0;
  assert.deepEqual(drain(merge, parts), [5, 10, 20]);
});

test('the hold ends after MAX_HOLD_MS of waiting, and a stalled process does not use it up', () => {
  const merge = new TimeOrderMerge();
  const parts = [part([10]), part([], 3)];
  // One wait that took far longer than asked (the event loop was busy elsewhere) counts as WAIT_CAP_MS.
  assert.equal(merge.next(parts), 'hold');
  merge.waited(60_000);
  let waits = 1;
  while (merge.next(parts) === 'hold') {
    merge.waited(WAIT_CAP_MS);
    waits++;
    assert.ok(waits <= MAX_HOLD_MS / WAIT_CAP_MS + 1, 'the hold never ends');
  }
  assert.equal(waits, Math.ceil(MAX_HOLD_MS / WAIT_CAP_MS));
  assert.deepEqual(drain(merge, parts), [10]);
});

test('waiting while nothing is held does not shorten a later hold', () => {
  const merge = new TimeOrderMerge();
  const idle = [part([]), part([])];
  for (let i = 0; i < 50; i++) {
    assert.equal(merge.next(idle), undefined);
    merge.waited(WAIT_CAP_MS);
  }
  assert.equal(merge.next([part([1]), part([], 1)]), 'hold');
});
