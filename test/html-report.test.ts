/**
 * The HTML report: one self-contained file (no external URL in any src or href, a CSP that forbids
 * fetches), the alert ids in it, and, when Debian's chromium is installed, it renders headless with
 * no script error and a screenshot is taken (kept in a temporary folder that is removed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { PACK_RULES, PACK_WATCHLISTS, SAMPLE_DIR, sampleCaptureTime } from '../src/content/index.js';
import { hunt, loadRules, loadWatchlists, withWatchlists } from '../src/detect/index.js';
import { loadData, sharedSources } from '../src/engine/query.js';
import { parseDatetime } from '../src/engine/values/datetime.js';
import { discoverFiles } from '../src/sources/index.js';
import { renderHtmlReport, reportSeries } from '../src/cli/html-report.js';

const run = promisify(execFile);
const CHROMIUM = '/usr/bin/chromium';

const now = parseDatetime(sampleCaptureTime())!;
const data = withWatchlists(sharedSources(await loadData(await discoverFiles([SAMPLE_DIR]))), await loadWatchlists(PACK_WATCHLISTS));
const result = await hunt((await loadRules([PACK_RULES])).rules, data, now);
const series = await reportSeries(data, now);
const html = renderHtmlReport(result, { now: sampleCaptureTime(), source: 'the bundled sample', ...series });

test('the report is one self-contained file: no external src/href, a CSP, the alert ids and the chart data', () => {
  assert.ok(result.alerts.length > 0);
  assert.doesNotMatch(html, /\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i, 'no external src or href');
  assert.doesNotMatch(html, /url\(\s*["']?(?:https?:)?\/\//i, 'no external CSS url()');
  assert.doesNotMatch(html, /<link\b/i);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  for (const a of result.alerts) assert.ok(html.includes(a.id), `alert ${a.id} in the report`);
  for (const i of result.incidents) assert.ok(html.includes(i.id), `incident ${i.id} in the report`);
  assert.ok(html.includes('Chart.js'), 'the charting library is inlined');
  assert.ok(series.bytesPerHour!.some((b) => b.bytes > 10 * 1048576), 'hours over the threshold');
  assert.ok(series.toolStarts!.some((t) => t.tool === 'rclone') && series.toolStarts!.some((t) => t.tool === 'winscp'), 'tool starts');
  // Data cannot close the script element it sits in.
  const evil = renderHtmlReport({ alerts: [], incidents: [] }, { toolStarts: [{ time: 0, device: 'd', tool: 'curl', account: 'a', commandLine: '</script><script>alert(1)</script>' }] });
  assert.ok(!evil.includes('</script><script>alert(1)'));
});

test('the report renders in headless Chromium with no script error (screenshot)', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} not installed (apt-get install chromium; .ci/run does)` }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'exfilwatch-html-'));
  try {
    const file = path.join(dir, 'report.html');
    writeFileSync(file, html);
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--enable-logging=stderr', '--v=0'];
    // The DOM after the scripts ran: the report marks itself rendered, or lists the errors it caught.
    const dom = await run(CHROMIUM, [...flags, `--user-data-dir=${path.join(dir, 'profile-dom')}`, '--dump-dom', `file://${file}`], { timeout: 60_000, maxBuffer: 64 << 20 });
    const body = /<body[^>]*>/.exec(dom.stdout)?.[0] ?? '';
    assert.match(body, /data-render="ok"/, `the charts rendered: ${body}`);
    assert.doesNotMatch(body, /data-errors=/);
    const consoleErrors = dom.stderr.split('\n').filter((l) => /CONSOLE/.test(l) && /error|uncaught/i.test(l));
    assert.deepEqual(consoleErrors, [], 'no console errors');
    const shot = path.join(dir, 'report.png');
    await run(CHROMIUM, [...flags, `--user-data-dir=${path.join(dir, 'profile-shot')}`, '--window-size=1400,1800', `--screenshot=${shot}`, `file://${file}`], { timeout: 60_000 });
    assert.ok(existsSync(shot) && statSync(shot).size > 50_000, 'a screenshot with content');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
