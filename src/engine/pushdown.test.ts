/**
 * Which field test a scan gets from filters above the operators between them and it
 * (pushdown.ts). That the tests never change a result is scan-hints.test.ts's property; here, that
 * they are derived at all, so a rule that names its columns first still skips what it cannot use.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFor, loadData, runPlan } from './query.js';
import type { ScanHints, TableSource } from './context.js';
import type { FieldTest } from '../sources/field-filter.js';

/** The field test each scan of DeviceProcessEvents was opened with, running `query` over no data. */
async function testsOf(query: string): Promise<(FieldTest | undefined)[]> {
  const data = await loadData([]);
  const seen: (FieldTest | undefined)[] = [];
  const sources = new Map<string, TableSource>();
  const fields = data.tables.find((t) => t.name === 'DeviceProcessEvents')!.columns.map((c) => ({ name: c.name, type: c.type }));
  sources.set('DeviceProcessEvents', {
    fields,
    async *open(hints?: ScanHints) {
      seen.push(hints?.fields);
      yield { fields, columns: fields.map(() => []), length: 0 };
    },
  });
  await runPlan(compileFor(query, data), { sources }, 0n);
  return seen;
}

test('a filter on a name made by extend/case is tested on the columns that made it', async () => {
  const [t] = await testsOf(`DeviceProcessEvents
    | where ActionType == "ProcessCreated"
    | extend Name = tolower(FileName), Ofn = tolower(ProcessVersionInfoOriginalFileName)
    | extend Tool = case(Name in ("scp", "scp.exe") or Ofn == "scp.exe", "scp", Name == "lftp", "lftp", "")
    | where isnotempty(Tool)`);
  assert.deepEqual(t, {
    op: 'and',
    items: [
      { op: 'in', column: 'ActionType', values: ['ProcessCreated'], fold: false },
      // One `in` a column: the branches' alternatives merged.
      { op: 'or', items: [{ op: 'in', column: 'FileName', values: ['scp', 'scp.exe', 'lftp'], fold: true }, { op: 'in', column: 'ProcessVersionInfoOriginalFileName', values: ['scp.exe'], fold: true }] },
    ],
  });
});

test('case branches whose value cannot pass are dropped; a last value that can pass leaves nothing', async () => {
  const [t] = await testsOf('DeviceProcessEvents | extend K = case(FileName =~ "a.exe", "x", FileName =~ "b.exe", "y", "") | where K == "y"');
  assert.deepEqual(t, { op: 'in', column: 'FileName', values: ['b.exe'], fold: true });
  const [none] = await testsOf('DeviceProcessEvents | extend K = iff(FileName =~ "a.exe", "x", "y") | where K == "y"');
  assert.equal(none, undefined);
});

test("a lookup's right column tested on the left key: the row must find a match", async () => {
  const q = (cond: string) => `let Hashes = datatable(HashKey:string, HashTool:string)["abc", "curl", "def", "wget", "000", ""];
    DeviceProcessEvents | extend Sha = tolower(SHA256) | lookup kind=leftouter Hashes on $left.Sha == $right.HashKey | where ${cond}`;
  const [t] = await testsOf(q('FileName =~ "curl.exe" or HashTool == "curl"'));
  assert.deepEqual(t, { op: 'or', items: [{ op: 'in', column: 'FileName', values: ['curl.exe'], fold: true }, { op: 'in', column: 'SHA256', values: ['abc', 'def', '000'], fold: true }] });
  // A test the unmatched (empty) value passes says nothing of the key.
  const [none] = await testsOf(q('isempty(HashTool)'));
  assert.equal(none, undefined);
});

test('a list from a watchlist with no rows is in no row', async () => {
  const [t] = await testsOf(`let Hashes = datatable(HashKey:string)[];
    DeviceProcessEvents | where FileName =~ "rclone.exe" or tolower(SHA256) in (Hashes)`);
  assert.deepEqual(t, { op: 'or', items: [{ op: 'in', column: 'FileName', values: ['rclone.exe'], fold: true }, { op: 'in', column: 'SHA256', values: [], fold: true }] });
});

test('no test across a window function, from a subquery, or from a call on a column taken for a constant', async () => {
  assert.deepEqual(await testsOf('DeviceProcessEvents | extend P = prev(FileName) | where FileName =~ "a.exe"'), [undefined]);
  assert.deepEqual(await testsOf('DeviceProcessEvents | where FileName == tolower(FolderPath)'), [undefined]);
  // The subquery runs first (the filter needs its values before it reads a row).
  const [inner, outer] = await testsOf('DeviceProcessEvents | where FileName in ((DeviceProcessEvents | project FileName)) and ProcessId == 4');
  assert.deepEqual(outer, { op: 'int_in', column: 'ProcessId', values: ['4'] });
  assert.equal(inner, undefined);
});

test('through a join to the side whose rows come out as they are, and not to the others', async () => {
  const right = '(DeviceProcessEvents | project DeviceId, RightName = FileName)';
  const tests = (kind: string, where: string) => testsOf(`DeviceProcessEvents | join kind=${kind} ${right} on DeviceId | where ${where}`);
  const onLeft = { op: 'in', column: 'FileName', values: ['a.exe'], fold: true };
  // Left columns: to the left side of inner, leftouter, leftsemi and leftanti.
  for (const kind of ['inner', 'leftouter', 'leftsemi', 'leftanti']) {
    const seen = await tests(kind, 'FileName =~ "a.exe"');
    assert.ok(seen.some((t) => JSON.stringify(t) === JSON.stringify(onLeft)), `${kind}: ${JSON.stringify(seen)}`);
  }
  // Not to innerunique's left: it keeps one left row per key, which one depends on the others.
  assert.ok((await tests('innerunique', 'FileName =~ "a.exe"')).every((t) => t === undefined));
  // Right columns: to inner's right side, not to leftouter's (its unmatched rows have "" there).
  assert.ok((await tests('inner', 'RightName in ("", "b.exe")')).some((t) => JSON.stringify(t) === JSON.stringify({ op: 'in', column: 'FileName', values: ['', 'b.exe'], fold: false })));
  assert.ok((await tests('leftouter', 'RightName in ("", "b.exe")')).every((t) => t === undefined));
});
