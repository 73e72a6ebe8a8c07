import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupIndex } from './group-index.js';
import { keyOf } from './index.js';
import { lcg } from '../../sources/seeded-random.js';

/** The groups a keyOf join of the keys makes, numbered in the order they first come. */
function byKeyText(columns: unknown[][], rows: number): number[] {
  const seen = new Map<string, number>();
  const out: number[] = [];
  for (let i = 0; i < rows; i++) {
    const key = columns.map((c) => keyOf(c[i] as never)).join('\u0001');
    if (!seen.has(key)) seen.set(key, seen.size);
    out.push(seen.get(key)!);
  }
  return out;
}

const VALUES: unknown[] = ['', null, undefined, 'a', 'T', 'n5', 5, 5n, -0, 0, NaN, 2 ** 60, 2n ** 60n, 1.5, true, false, { a: 1 }, [1, 'x'], 'j{"a":1}', 9007199254740993n];

test('rows fall in the groups a keyOf join of their keys gives, whatever the mix of types', () => {
  const r = lcg(11);
  for (const keys of [0, 1, 2, 4]) {
    const rows = 600;
    const columns = Array.from({ length: keys }, () => Array.from({ length: rows }, () => VALUES[Math.floor(r() * VALUES.length)]));
    const index = new GroupIndex(keys);
    const got: number[] = [];
    let opened = 0;
    for (let i = 0; i < rows; i++) {
      got.push(index.group(columns, i));
      if (index.isNew) opened++;
    }
    const want = keys === 0 ? got.map(() => 0) : byKeyText(columns, rows);
    assert.deepEqual(got, want, `${keys} key(s)`);
    assert.equal(opened, index.size);
    assert.equal(index.size, new Set(want).size);
  }
});
