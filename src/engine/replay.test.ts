import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { discoverFiles } from '../sources/index.js';
import { compileFor, loadData, runPlan } from './query.js';
import { REPLAY_BUDGET } from './run.js';
import { parseDatetime } from './values/datetime.js';

const ROOT = mkdtempSync(path.join(tmpdir(), 'exfilwatch-replay-test-'));
after(() => rmSync(ROOT, { recursive: true, force: true }));
const NOW = parseDatetime('2026-11-03T00:00:00Z')!;

/** The network table over a few rows, counting how often it is read. */
async function data() {
  const p = path.join(ROOT, 'DeviceNetworkEvents.jsonl');
  const rows = Array.from({ length: 40 }, (_, i) => JSON.stringify({
    Timestamp: `2026-11-02T${String(i % 24).padStart(2, '0')}:00:00.0000000Z`, DeviceName: `ws-${i % 5}`, RemotePort: i % 3 ? 443 : 22, RemoteIP: `203.0.113.${i}`,
  }));
  writeFileSync(p, rows.join('\n') + '\n');
  const d = await loadData(await discoverFiles([p]));
  const source = d.sources.get('DeviceNetworkEvents')!;
  const reads = { n: 0 };
  d.sources.set('DeviceNetworkEvents', { fields: source.fields, open: (h) => { reads.n++; return source.open(h); } });
  return { d, reads };
}

const rowsOf = async (query: string, d: Awaited<ReturnType<typeof data>>['d']) => {
  const b = await runPlan(compileFor(query, d), d, NOW);
  return Array.from({ length: b.length }, (_, i) => b.columns.map((c) => c[i]));
};

test('a let read several times runs once and gives the rows it gives when run each time', async () => {
  const query = `
    let Out = DeviceNetworkEvents | where RemotePort == 443 | extend Key = strcat(DeviceName, ":", RemotePort);
    let Cells = Out | summarize n = count(), ips = make_set(RemoteIP) by DeviceName, Key;
    union (Cells | extend side = "a"), (Cells | extend side = "b"), (Out | summarize n = count() | extend side = "all")
    | sort by side asc, DeviceName asc`;
  const { d, reads } = await data();
  const replayed = await rowsOf(query, d);
  assert.equal(reads.n, 1, 'the table is read once');
  const node = REPLAY_BUDGET.node;
  REPLAY_BUDGET.node = 0; // nothing kept: every reader runs the let again
  try {
    reads.n = 0;
    const again = await rowsOf(query, d);
    assert.equal(reads.n, 3, 'Out is run for each of the two readers of Cells and for the last leg');
    assert.deepEqual(replayed, again);
  } finally {
    REPLAY_BUDGET.node = node;
  }
  assert.equal(replayed.length, 11);
});

test('a let with a volatile function is run by each reader, as Kusto runs it', async () => {
  const { d } = await data();
  const rows = await rowsOf('let R = range x from 1 to 50 step 1 | extend r = rand(); R | union R | summarize dcount(r)', d);
  assert.ok((rows[0]![0] as number) > 90, `${rows[0]![0]} distinct values: each use drew its own`);
});

test('a let whose first reader stops early is run again for the next', async () => {
  const { d, reads } = await data();
  const rows = await rowsOf('let Out = DeviceNetworkEvents | where RemotePort == 443; union (Out | take 1), Out | count', d);
  assert.equal(rows[0]![0], 27);
  assert.equal(reads.n, 2);
});

test('a let keeps only the columns its readers read: a wide one fits a budget its full width would not', async () => {
  const { d, reads } = await data();
  // Pad is wide, read inside the let and by no reader of it.
  const query = `let Out = DeviceNetworkEvents | extend Pad = strrep("x", 1000), Key = strcat(DeviceName, ":", RemotePort) | where strlen(Pad) > 0;
    union (Out | summarize n = count() by Key), (Out | summarize m = dcount(RemoteIP) by DeviceName) | count`;
  const node = REPLAY_BUDGET.node;
  REPLAY_BUDGET.node = 20_000; // 40 rows: well over what the readers read, well under 40 pads of 1000
  try {
    const rows = await rowsOf(query, d);
    assert.equal(rows[0]![0], 15);
    assert.equal(reads.n, 1, 'Out ran once: its pads were not kept');
  } finally {
    REPLAY_BUDGET.node = node;
  }
});
