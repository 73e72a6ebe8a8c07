/**
 * The HTML report (`hunt --format html`, reused by investigate): one self-contained file that
 * reaches no network. Charts: bytes sent per hour per device against the seed's 10 MB threshold,
 * exfiltration-tool starts on a timeline, alerts by severity and rule; then incidents and alerts.
 *
 * Charts are drawn by Chart.js, inlined from node_modules at run time. Chart.js (pinned in
 * package.json) because it is maintained, MIT, has no runtime dependencies of its own, ships a
 * single-file UMD build (dist/chart.umd.min.js, about 200 kB) that can be pasted into a <script>,
 * and draws line, scatter and stacked bar charts on a canvas with no network access.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Alert, HuntResult } from '../detect/index.js';
import { compileFor, type QueryData, runPlan } from '../engine/query.js';
import type { I64 } from '../engine/values/int64.js';
import { jsonOutput } from '../engine/values/index.js';

/** The seed's LargeTransferThresholdMB. */
export const THRESHOLD_MB = 10;

export interface BytesPerHour { device: string; hour: number; bytes: number }
export interface ToolStart { time: number; device: string; tool: string; account: string; commandLine: string }

export interface ReportExtras {
  title?: string;
  /** The hunt's `now` (ISO), shown in the header. */
  now?: string;
  /** Where the data came from (paths), shown in the header. */
  source?: string;
  bytesPerHour?: BytesPerHour[];
  toolStarts?: ToolStart[];
  /** Extra sections (already-escaped HTML), e.g. investigate's process tree. */
  sections?: { title: string; html: string }[];
}

const TOOL_NAMES = ['rclone', 'winscp', 'pscp', 'psftp', 'filezilla', 'sftp', 'scp', 'curl', 'wget', 'lftp'];

const BYTES_QUERY = `DeviceNetworkEvents
| where isnotnull(SentBytes) and SentBytes > 0
| where RemoteIPType == "Public" or (isempty(RemoteIPType) and not(ipv4_is_private(RemoteIP)))
| summarize Bytes = todouble(sum(SentBytes)) by DeviceName, Hour = bin(Timestamp, 1h)
| extend Ms = todouble((Hour - datetime(1970-01-01)) / 1ms)
| project DeviceName, Ms, Bytes`;

const TOOLS_QUERY = `let Tools = dynamic(${JSON.stringify(TOOL_NAMES)});
DeviceProcessEvents
| extend Base = tolower(replace_regex(FileName, @"(?i)\\.(exe|com)$", "")), Orig = tolower(replace_regex(ProcessVersionInfoOriginalFileName, @"(?i)\\.(exe|com)$", ""))
| where Base in (Tools) or Orig in (Tools) or ProcessVersionInfoFileDescription has "Rsync for cloud storage"
| extend Tool = iff(Orig in (Tools), Orig, iff(Base in (Tools), Base, "rclone"))
| extend Ms = todouble((Timestamp - datetime(1970-01-01)) / 1ms)
| project Ms, DeviceName, Tool, AccountName, ProcessCommandLine
| sort by Ms asc
| take 5000`;

async function rows(kql: string, data: QueryData, now: I64): Promise<Record<string, unknown>[]> {
  let batch;
  try {
    batch = await runPlan(compileFor(kql, data), data, now);
  } catch {
    return []; // the table is not in the data: that chart is left empty
  }
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < batch.length; i++) {
    const r: Record<string, unknown> = {};
    batch.fields.forEach((f, k) => { r[f.name] = JSON.parse(jsonOutput(f.type, batch.columns[k]![i] as never)); });
    out.push(r);
  }
  return out;
}

/** The charts' series from the hunt's data: bytes per device-hour to public addresses, tool starts. */
export async function reportSeries(data: QueryData, now: I64): Promise<Pick<ReportExtras, 'bytesPerHour' | 'toolStarts'>> {
  const bytes = await rows(BYTES_QUERY, data, now);
  const tools = await rows(TOOLS_QUERY, data, now);
  return {
    bytesPerHour: bytes.map((r) => ({ device: String(r.DeviceName ?? ''), hour: Number(r.Ms), bytes: Number(r.Bytes) })),
    toolStarts: tools.map((r) => ({ time: Number(r.Ms), device: String(r.DeviceName ?? ''), tool: String(r.Tool), account: String(r.AccountName ?? ''), commandLine: String(r.ProcessCommandLine ?? '') })),
  };
}

let chartJs: string | undefined;
/** Chart.js's UMD build, read once from node_modules. */
function chartLibrary(): string {
  if (chartJs === undefined) {
    const require = createRequire(import.meta.url);
    const file = require.resolve('chart.js').replace(/[^/\\]+$/, 'chart.umd.min.js');
    // A literal "</script" inside the code would end the element early.
    chartJs = readFileSync(file, 'utf8').replace(/<\/(script)/gi, '<\\/$1');
  }
  return chartJs;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON safe inside a <script> element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const SEVERITIES = ['High', 'Medium', 'Low', 'Informational'] as const;

function alertRows(alerts: Alert[]): string {
  return alerts.map((a) => `<tr id="alert-${escapeHtml(a.id)}" class="sev-${a.severity.toLowerCase()}">
<td class="mono">${escapeHtml(a.time.slice(0, 19).replace('T', ' '))}</td><td><span class="badge ${a.severity.toLowerCase()}">${a.severity}</span></td>
<td>${escapeHtml(a.ruleId)}<div class="muted">${escapeHtml(a.detection)}</div></td><td>${escapeHtml(a.entities.host ?? '')}<div class="muted">${escapeHtml(a.entities.account ?? '')}</div></td>
<td>${escapeHtml(a.reason)}</td><td class="mono small">${escapeHtml(a.id)}${a.incidentId ? `<div class="muted">${escapeHtml(a.incidentId)}</div>` : ''}</td></tr>`).join('\n');
}

const STYLE = `
:root { --bg:#f6f7f9; --card:#fff; --ink:#1d2330; --muted:#6b7280; --line:#e3e6eb; --high:#d64545; --medium:#e8a33d; --low:#3d8fd6; --info:#9aa3ae; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; background:var(--bg); color:var(--ink); }
header { padding:20px 28px; background:#1d2330; color:#fff; }
header h1 { margin:0 0 4px; font-size:20px; }
header .meta { color:#b8c0cc; font-size:13px; }
main { padding:20px 28px; display:grid; gap:18px; grid-template-columns: repeat(12, 1fr); }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:14px 16px; min-width:0; }
.card h2 { margin:0 0 10px; font-size:15px; }
.span12 { grid-column: span 12; } .span8 { grid-column: span 8; } .span4 { grid-column: span 4; } .span3 { grid-column: span 3; }
.kpi { font-size:28px; font-weight:600; } .kpi-label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.chart { position:relative; height:300px; } .chart.tall { height:340px; }
table { width:100%; border-collapse:collapse; } th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:12px; color:var(--muted); font-weight:600; }
.mono { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; white-space:nowrap; } .small { font-size:11px; } .muted { color:var(--muted); font-size:12px; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; color:#fff; font-size:12px; }
.badge.high { background:var(--high); } .badge.medium { background:var(--medium); } .badge.low { background:var(--low); } .badge.informational { background:var(--info); }
.empty { color:var(--muted); padding:30px 0; text-align:center; }
`;

/**
 * The report as one HTML document. `result` gives the alerts and incidents; `extras` the charts'
 * series (reportSeries) and any extra sections. No external URL is referenced: the script and
 * styles are inline and a Content-Security-Policy forbids any fetch.
 */
export function renderHtmlReport(result: Pick<HuntResult, 'alerts' | 'incidents'> & Partial<Pick<HuntResult, 'runs'>>, extras: ReportExtras = {}): string {
  const title = extras.title ?? 'exfilwatch: T1048.002 hunt report';
  const alerts = [...result.alerts].sort((a, b) => a.time.localeCompare(b.time));
  const bySeverity = SEVERITIES.map((s) => alerts.filter((a) => a.severity === s).length);
  const ruleIds = [...new Set(alerts.map((a) => a.ruleId))].sort();
  const payload = {
    thresholdBytes: THRESHOLD_MB * 1048576,
    bytes: extras.bytesPerHour ?? [],
    tools: extras.toolStarts ?? [],
    severities: SEVERITIES,
    alertsByRule: ruleIds.map((id) => ({ rule: id, counts: SEVERITIES.map((s) => alerts.filter((a) => a.ruleId === id && a.severity === s).length) })),
    alertTimes: alerts.map((a) => ({ t: Date.parse(a.time), device: a.entities.host ?? '', severity: a.severity, rule: a.ruleId, id: a.id })),
  };
  const incidents = result.incidents.map((i) => `<tr><td class="mono small">${escapeHtml(i.id)}</td><td><span class="badge ${i.severity.toLowerCase()}">${i.severity}</span></td>
<td>${escapeHtml(i.host)}</td><td>${escapeHtml(i.account)}</td><td class="mono">${escapeHtml(i.first.slice(0, 16).replace('T', ' '))} → ${escapeHtml(i.last.slice(11, 16))}</td>
<td>${i.alertIds.length}</td><td>${i.rules.map(escapeHtml).join('<br>')}</td></tr>`).join('\n');
  const overThreshold = new Set((extras.bytesPerHour ?? []).filter((b) => b.bytes > THRESHOLD_MB * 1048576).map((b) => b.device)).size;
  const sections = (extras.sections ?? []).map((s) => `<section class="card span12"><h2>${escapeHtml(s.title)}</h2>${s.html}</section>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body data-render="pending">
<header><h1>${escapeHtml(title)}</h1>
<div class="meta">${extras.now ? `now = ${escapeHtml(extras.now)} · ` : ''}${extras.source ? `data: ${escapeHtml(extras.source)} · ` : ''}${result.runs ? `${result.runs.length} rule(s) · ` : ''}${alerts.length} alert(s) · ${result.incidents.length} incident(s)</div></header>
<main>
<section class="card span3"><div class="kpi-label">Alerts</div><div class="kpi">${alerts.length}</div></section>
<section class="card span3"><div class="kpi-label">High severity</div><div class="kpi" style="color:var(--high)">${bySeverity[0]}</div></section>
<section class="card span3"><div class="kpi-label">Incidents</div><div class="kpi">${result.incidents.length}</div></section>
<section class="card span3"><div class="kpi-label">Devices over ${THRESHOLD_MB} MB in an hour</div><div class="kpi">${overThreshold}</div></section>
<section class="card span12"><h2>Bytes sent per hour to public addresses, per device (dashed: the seed's ${THRESHOLD_MB} MB threshold)</h2><div class="chart tall"><canvas id="bytes-chart"></canvas></div></section>
<section class="card span8"><h2>Exfiltration tools started (rclone, WinSCP, pscp, psftp, FileZilla, sftp, scp, curl, wget, lftp) and alerts</h2><div class="chart"><canvas id="tools-chart"></canvas></div></section>
<section class="card span4"><h2>Alerts by severity and rule</h2><div class="chart"><canvas id="severity-chart"></canvas></div></section>
${sections}
<section class="card span12"><h2>Incidents</h2>${incidents ? `<table><thead><tr><th>id</th><th>severity</th><th>host</th><th>account</th><th>when (UTC)</th><th>alerts</th><th>rules</th></tr></thead><tbody>${incidents}</tbody></table>` : '<div class="empty">no incidents</div>'}</section>
<section class="card span12"><h2>Alerts</h2>${alerts.length ? `<table><thead><tr><th>time (UTC)</th><th>severity</th><th>rule</th><th>host</th><th>reason</th><th>alert id</th></tr></thead><tbody>${alertRows(alerts)}</tbody></table>` : '<div class="empty">no alerts</div>'}</section>
</main>
<script>
window.__errors = [];
window.addEventListener('error', function (e) { window.__errors.push(String(e.message)); document.body.dataset.errors = window.__errors.join(' | '); });
</script>
<script>${chartLibrary()}</script>
<script id="report-data" type="application/json">${scriptJson(payload)}</script>
<script>
(function () {
  var D = JSON.parse(document.getElementById('report-data').textContent);
  Chart.defaults.animation = false;
  Chart.defaults.font.family = 'system-ui,-apple-system,"Segoe UI",Roboto,sans-serif';
  Chart.defaults.maintainAspectRatio = false;
  var palette = ['#3d8fd6','#d64545','#2f9e66','#e8a33d','#8a5cd6','#d65c9e','#4bb5c1','#7d8b2f','#c1703d','#5c6bd6','#9e4b4b','#4b9e8a'];
  var sevColor = { High: '#d64545', Medium: '#e8a33d', Low: '#3d8fd6', Informational: '#9aa3ae' };
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function when(ms) { var d = new Date(ms); return (d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' ' + pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()); }
  function mb(b) { return b < 1048576 ? (b / 1024).toFixed(0) + ' KB' : (b / 1048576).toFixed(b < 10485760 ? 1 : 0) + ' MB'; }
  var times = D.bytes.map(function (b) { return b.hour; }).concat(D.tools.map(function (t) { return t.time; }), D.alertTimes.map(function (a) { return a.t; }));
  var xmin = times.length ? Math.min.apply(null, times) : 0, xmax = times.length ? Math.max.apply(null, times) + 3600000 : 1;
  var timeAxis = { type: 'linear', min: xmin, max: xmax, ticks: { callback: function (v) { return when(v); }, maxTicksLimit: 10 } };

  // Bytes per hour per device: the devices with the largest hours, the rest summed.
  var peak = {};
  D.bytes.forEach(function (b) { peak[b.device] = Math.max(peak[b.device] || 0, b.bytes); });
  var devices = Object.keys(peak).sort(function (a, b) { return peak[b] - peak[a]; });
  var shown = devices.slice(0, 10), rest = devices.slice(10);
  var sets = shown.map(function (dev, i) {
    return { label: dev, data: D.bytes.filter(function (b) { return b.device === dev; }).sort(function (a, b) { return a.hour - b.hour; }).map(function (b) { return { x: b.hour, y: b.bytes }; }),
      borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length], borderWidth: 1, showLine: false,
      pointRadius: function (c) { return c.raw && c.raw.y > D.thresholdBytes ? 4.5 : 2; } };
  });
  if (rest.length) {
    var sum = {};
    D.bytes.forEach(function (b) { if (rest.indexOf(b.device) >= 0) sum[b.hour] = (sum[b.hour] || 0) + b.bytes; });
    sets.push({ label: rest.length + ' other device(s)', data: Object.keys(sum).map(Number).sort(function (a, b) { return a - b; }).map(function (h) { return { x: h, y: sum[h] }; }),
      borderColor: '#b8c0cc', backgroundColor: '#b8c0cc', pointRadius: 1.5, borderWidth: 1, showLine: false });
  }
  sets.push({ label: 'threshold (' + mb(D.thresholdBytes) + ')', data: [{ x: xmin, y: D.thresholdBytes }, { x: xmax, y: D.thresholdBytes }], borderColor: '#1d2330', borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0, showLine: true, fill: false });
  new Chart(document.getElementById('bytes-chart'), { type: 'scatter', data: { datasets: sets }, options: {
    scales: { x: timeAxis, y: { type: 'logarithmic', min: 1024, title: { display: true, text: 'bytes sent in the hour' }, ticks: { callback: function (v) { var l = Math.log10(v); if (Math.abs(l - Math.round(l)) > 1e-9) return ''; var u = ['B', 'kB', 'MB', 'GB', 'TB'], k = Math.round(l); return Math.pow(10, k % 3) + ' ' + u[Math.floor(k / 3)]; } } } },
    plugins: { legend: { position: 'right' }, tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ' + mb(c.parsed.y) + ' at ' + when(c.parsed.x); } } } } } });

  // Tool starts and alerts on a timeline: one row per device.
  var rows = [];
  D.tools.forEach(function (t) { if (rows.indexOf(t.device) < 0) rows.push(t.device); });
  D.alertTimes.forEach(function (a) { if (rows.indexOf(a.device) < 0) rows.push(a.device); });
  rows.sort();
  var toolNames = [];
  D.tools.forEach(function (t) { if (toolNames.indexOf(t.tool) < 0) toolNames.push(t.tool); });
  var toolSets = toolNames.map(function (name, i) {
    return { label: name, data: D.tools.filter(function (t) { return t.tool === name; }).map(function (t) { return { x: t.time, y: rows.indexOf(t.device), cmd: t.commandLine, acct: t.account }; }),
      backgroundColor: palette[i % palette.length], borderColor: palette[i % palette.length], pointRadius: 4, pointStyle: 'circle' };
  });
  toolSets.push({ label: 'alert', data: D.alertTimes.map(function (a) { return { x: a.t, y: rows.indexOf(a.device), cmd: a.rule + ' (' + a.severity + ')', acct: '' }; }),
    backgroundColor: 'rgba(0,0,0,0)', borderColor: D.alertTimes.map(function (a) { return sevColor[a.severity]; }), borderWidth: 2, pointRadius: 8, pointStyle: 'rectRot' });
  new Chart(document.getElementById('tools-chart'), { type: 'scatter', data: { datasets: toolSets }, options: {
    scales: { x: timeAxis, y: { min: -0.5, max: Math.max(rows.length - 0.5, 0.5), reverse: true, afterBuildTicks: function (axis) { axis.ticks = rows.map(function (_, i) { return { value: i }; }); },
      ticks: { autoSkip: false, font: { size: 10 }, callback: function (v) { return rows[v] === undefined ? '' : rows[v]; } } } },
    plugins: { legend: { position: 'bottom' }, tooltip: { callbacks: { label: function (c) { var p = c.raw; return c.dataset.label + ' on ' + rows[p.y] + ' at ' + when(p.x) + (p.acct ? ' as ' + p.acct : '') + ': ' + String(p.cmd).slice(0, 120); } } } } } });

  // Alerts by severity, stacked by rule.
  new Chart(document.getElementById('severity-chart'), { type: 'bar', data: { labels: D.severities,
    datasets: D.alertsByRule.map(function (r, i) { return { label: r.rule, data: r.counts, backgroundColor: palette[i % palette.length] }; }) },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 10, font: { size: 10 } } } } } });
  document.body.dataset.render = window.__errors.length ? 'failed' : 'ok';
})();
</script>
</body>
</html>
`;
}
