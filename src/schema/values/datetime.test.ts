import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lcg } from '../../sources/seeded-random.js';
import { formatDatetime, parseDatetime } from './datetime.js';

test('the exporters\' ISO form is read as the general parser reads it, valid or not', () => {
  const r = lcg(11);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  let fast = 0;
  for (let k = 0; k < 50_000; k++) {
    const text = `${pick(['2026', '1999', '0001', '9999', '2024', '1900', 'abcd', '20x6'])}-${pick(['01', '02', '12', '13', '00', '1'])}-` +
      `${pick(['01', '28', '29', '30', '31', '00', '32', '9'])}${pick(['T', 't', ' '])}${pick(['00', '23', '24', '7'])}:${pick(['00', '59', '60'])}:` +
      `${pick(['00', '59', '60', '07'])}${pick(['', '.', '.1', '.123', '.1234567', '.12345678', '.999999999', '.12a', ',5'])}${pick(['Z', 'z', '', '+01:00'])}`;
    // A leading blank takes the text past the fast path to the general one (which trims it).
    assert.deepEqual(parseDatetime(text), parseDatetime(' ' + text), text);
    if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(text) && parseDatetime(text) !== null) fast++;
  }
  assert.ok(fast > 100, `${fast} valid texts in the exporters' form`);
  assert.equal(formatDatetime(parseDatetime('2026-11-01T00:04:09.3842013Z')!), '2026-11-01T00:04:09.3842013Z');
  assert.equal(formatDatetime(parseDatetime('2026-11-01T00:04:09.38Z')!), '2026-11-01T00:04:09.3800000Z');
  assert.equal(formatDatetime(parseDatetime('2024-02-29T23:59:59Z')!), '2024-02-29T23:59:59.0000000Z');
  assert.equal(parseDatetime('2023-02-29T00:00:00Z'), null);
});
