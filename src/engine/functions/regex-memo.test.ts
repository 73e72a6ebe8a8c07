import { test } from 'node:test';
import assert from 'node:assert/strict';
import { q } from '../operators/testing.js';

test('regex functions with a constant pattern answer each row by its own text, repeated texts included', async () => {
  const texts = ['a1', 'b22', 'a1', 'c', 'b22', '', 'a1x9'];
  const r = await q(`datatable(t:string)[${texts.map((t) => JSON.stringify(t)).join(', ')}]
    | extend e = extract(@"([a-z])(\\d+)", 2, t), n = extract(@"(\\d+)", 1, t, typeof(long)),
             r = replace_regex(t, @"\\d", "#"), m = t matches regex @"^a\\d$"`);
  assert.deepEqual(r.columns, ['t:string', 'e:string', 'n:long', 'r:string', 'm:bool']);
  assert.deepEqual(r.rows, [
    ['a1', '1', 1, 'a#', true],
    ['b22', '22', 22, 'b##', false],
    ['a1', '1', 1, 'a#', true],
    ['c', '', null, 'c', false],
    ['b22', '22', 22, 'b##', false],
    ['', '', null, '', false],
    ['a1x9', '1', 1, 'a#x#', false],
  ]);
});
