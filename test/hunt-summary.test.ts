/**
 * The seed rule and the improved pack over the bundled sample, side by side: incidents caught
 * (from the sample's manifest) and alerts raised on benign activity.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PACK_RULES, PACK_WATCHLISTS, SAMPLE_DIR, sampleCaptureTime } from '../src/content/index.js';
import { type Alert, hunt, loadRules, loadWatchlists, withWatchlists } from '../src/detect/index.js';
import { loadData, sharedSources } from '../src/engine/query.js';
import { parseDatetime } from '../src/engine/values/datetime.js';
import { discoverFiles } from '../src/sources/index.js';

interface Incident { id: string; device: string; start: string; end: string }

const manifest = JSON.parse(readFileSync(path.join(SAMPLE_DIR, 'manifest.json'), 'utf8')) as { incidents: Incident[] };
const HOUR = 3600_000;

/** An alert is on an incident when it names the incident's device within an hour of its window. */
function incidentOf(a: Alert): Incident | undefined {
  const t = Date.parse(a.time);
  return manifest.incidents.find((i) => a.entities.host?.toLowerCase() === i.device.toLowerCase()
    && t >= Date.parse(i.start) - 2 * HOUR && t <= Date.parse(i.end) + 2 * HOUR);
}

function score(alerts: Alert[]) {
  const caught = new Set(alerts.map(incidentOf).filter(Boolean).map((i) => i!.id));
  const benign = alerts.filter((a) => !incidentOf(a)).length;
  return { caught, benign, total: alerts.length };
}

test('hunt summary: the improved rules catch what the seed misses, with fewer false positives', { timeout: 120_000 }, async (t) => {
  const { rules, errors } = await loadRules([PACK_RULES]);
  assert.deepEqual(errors, []);
  const data = withWatchlists(sharedSources(await loadData(await discoverFiles([SAMPLE_DIR]))), await loadWatchlists(PACK_WATCHLISTS));
  const result = await hunt(rules, data, parseDatetime(sampleCaptureTime())!);
  assert.deepEqual(result.errors, []);
  const seed = score(result.alerts.filter((a) => a.ruleId === 'T1048.002-seed'));
  const improved = score(result.alerts.filter((a) => a.ruleId !== 'T1048.002-seed'));
  const all = manifest.incidents.map((i) => i.id);
  const line = (name: string, s: ReturnType<typeof score>) =>
    `${name.padEnd(10)} incidents caught ${s.caught.size}/${all.length} [${all.filter((i) => s.caught.has(i)).join(',') || '-'}]  alerts on benign activity ${s.benign}  alerts ${s.total}`;
  const table = ['hunt summary on the bundled sample:', line('seed', seed), line('improved', improved)].join('\n');
  t.diagnostic(table);
  console.log(table);
  for (const id of all) assert.ok(improved.caught.has(id), `improved rules catch ${id}`);
  assert.ok(improved.benign < seed.benign, 'improved rules raise fewer false positives than the seed');
  assert.ok(seed.caught.size < all.length, 'the seed misses incidents the improved rules catch');
});
