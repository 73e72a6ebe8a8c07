import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PACK_RULES, PACK_WATCHLISTS } from '../content/index.js';
import { loadRules, loadWatchlists, withWatchlists } from '../detect/index.js';
import { compileFor, loadData, type QueryData } from '../engine/query.js';
import { partitionExactness, partitionWarning } from './partitioning.js';

let data: QueryData | undefined;
async function packData(): Promise<QueryData> {
  data ??= withWatchlists(await loadData([]), await loadWatchlists(PACK_WATCHLISTS));
  return data;
}
async function verdict(kql: string) {
  return partitionExactness(compileFor(kql, await packData()));
}

test('pack rules: exact under device partitioning, or named with a reason', async () => {
  const { rules, errors } = await loadRules([PACK_RULES]);
  assert.deepEqual(errors, []);
  const d = await packData();
  const verdicts = new Map(rules.map((r) => [r.id, partitionExactness(compileFor(r.query, d))]));
  // The seed's volume leg summarizes by DeviceName (with account, process, hour): exact.
  assert.deepEqual(verdicts.get('T1048.002-seed'), { exact: true, reasons: [] });
  // Every rule of the pack keys its aggregations and joins by device, or joins only watchlists.
  for (const [id, v] of verdicts) assert.ok(v.exact, `${id}: ${v.reasons.join('; ')}`);
});

test('a fleet-wide first-seen rule is not exact, and the warning names the rule and why', async () => {
  const v = await verdict(`DeviceNetworkEvents
    | summarize FirstSeen = min(Timestamp), Devices = dcount(DeviceId) by RemoteUrl
    | where FirstSeen > ago(1d)`);
  assert.equal(v.exact, false);
  assert.deepEqual(v.reasons, ['summarize by RemoteUrl has no device key']);
  assert.equal(partitionWarning('first-seen-domain', v),
    'warning: rule first-seen-domain is not exact under device partitioning (summarize by RemoteUrl has no device key): with several workers it may miss or differ from a single worker\'s alerts');
  assert.equal(partitionWarning('x', { exact: true, reasons: [] }), undefined);
});

test('row-local rules and device-keyed steps are exact', async () => {
  for (const kql of [
    'DeviceProcessEvents | where FileName =~ "rclone.exe" | extend L = strlen(ProcessCommandLine) | project Timestamp, DeviceName, L',
    'DeviceNetworkEvents | summarize count() by DeviceId, bin(Timestamp, 1h)',
    'DeviceNetworkEvents | project Host = DeviceName, RemoteIP | summarize dcount(RemoteIP) by Host',
    'DeviceNetworkEvents | distinct DeviceName, RemoteUrl',
    'DeviceNetworkEvents | summarize arg_max(Timestamp, *) by DeviceId | project DeviceId, RemoteUrl | summarize count() by DeviceId',
    'DeviceProcessEvents | join kind=inner (DeviceNetworkEvents | project DeviceId, InitiatingProcessId, RemoteUrl) on DeviceId, $left.ProcessId == $right.InitiatingProcessId',
    'DeviceProcessEvents | where DeviceId in ((DeviceNetworkEvents | where RemotePort == 22 | distinct DeviceId))',
    'let Admins = _GetWatchlist("AdminAccounts") | project Key = tolower(SearchKey); DeviceProcessEvents | extend Acct = tolower(AccountName) | where Acct !in (Admins) | lookup kind=leftouter (_GetWatchlist("AdminAccounts") | project Acct = tolower(SearchKey), IsAdmin = true) on Acct',
    'DeviceNetworkEvents | make-series n = count() default = 0 on Timestamp step 1h by DeviceName',
    'DeviceProcessEvents | union DeviceNetworkEvents | summarize count() by DeviceName',
  ]) {
    const v = await verdict(kql);
    assert.deepEqual(v, { exact: true, reasons: [] }, kql);
  }
});

test('steps that combine the fleet are not exact', async () => {
  const cases: [string, string][] = [
    ['DeviceNetworkEvents | count', 'count totals the whole fleet'],
    ['DeviceNetworkEvents | top 10 by SentBytes', 'top picks rows from the whole fleet'],
    ['DeviceNetworkEvents | summarize sum(SentBytes)', 'summarize over everything has no device key'],
    ['DeviceNetworkEvents | summarize count() by Dev = tolower(DeviceName)', 'summarize by Dev has no device key'],
    ['DeviceNetworkEvents | project RemoteUrl, Host = strcat(DeviceName, "") | distinct Host, RemoteUrl', 'distinct Host, RemoteUrl has no device key'],
    ['DeviceProcessEvents | join kind=inner (DeviceNetworkEvents) on $left.ProcessId == $right.InitiatingProcessId', 'join of two telemetry sides is not on the device key'],
    ['let Big = toscalar(DeviceNetworkEvents | summarize max(SentBytes) by DeviceId | summarize avg(max_SentBytes)); DeviceNetworkEvents | where SentBytes > Big', 'summarize over everything has no device key'],
    ['DeviceNetworkEvents | where RemoteUrl in ((DeviceNetworkEvents | summarize dcount(DeviceId) by RemoteUrl | where dcount_DeviceId < 2 | project RemoteUrl))', 'summarize by RemoteUrl has no device key'],
  ];
  for (const [kql, reason] of cases) {
    const v = await verdict(kql);
    assert.equal(v.exact, false, kql);
    assert.ok(v.reasons.includes(reason), `${kql}: ${JSON.stringify(v.reasons)}`);
  }
});
