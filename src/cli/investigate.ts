/**
 * `exfilwatch investigate <alert id> [PATH...]` or `--device NAME --at TIME`: re-runs the hunt to
 * find the alert (ids are stable), runs the pack's investigation queries over the same data and
 * prints the report as Markdown, JSON or a self-contained HTML page.
 */
import { parseArgs } from 'node:util';
import { PACK_RULES, PACK_WATCHLISTS, SAMPLE_DIR, sampleCaptureTime } from '../content/index.js';
import { hunt, loadRules, loadWatchlists, withWatchlists } from '../detect/index.js';
import type { Alert, Watchlist } from '../detect/index.js';
import { findAlert, investigate, type InvestigationReport, type ProcessNode } from '../detect/investigate.js';
import { keptIfSmall, loadData, type QueryData } from '../engine/query.js';
import type { I64 } from '../engine/values/int64.js';
import { formatDatetime } from '../engine/values/datetime.js';
import { discoverFiles } from '../sources/index.js';
import { formatDiagnostic, parseNow, reportError } from './main.js';
import { markdownToHtml } from './playbook.js';

export interface CaseData {
  data: QueryData;
  now: I64;
  watchlists: Watchlist[];
  alerts: Alert[];
}

/** Loads the data (the bundled sample when no PATH) and the rules, and runs the hunt for its alerts. */
export async function loadCase(positionals: string[], values: { rules?: string[]; watchlists?: string; now?: string; table?: string[] }, withAlerts = true): Promise<CaseData> {
  const sample = positionals.length === 0 && !(values.table?.length);
  const now = parseNow(values.now ?? (sample ? sampleCaptureTime() : undefined));
  const files = await discoverFiles(sample ? [SAMPLE_DIR] : positionals, values.table ?? []);
  const watchlists = await loadWatchlists(values.watchlists ?? PACK_WATCHLISTS);
  const data = withWatchlists(await keptIfSmall(await loadData(files), files), watchlists);
  let alerts: Alert[] = [];
  if (withAlerts) {
    const loaded = await loadRules(values.rules?.length ? values.rules : [PACK_RULES]);
    for (const d of loaded.errors) process.stderr.write(formatDiagnostic(d, '') + '\n');
    const result = await hunt(loaded.rules, data, now);
    for (const d of result.errors) process.stderr.write(formatDiagnostic(d, '') + '\n');
    alerts = result.alerts;
  }
  return { data, now, watchlists, alerts };
}

export const CASE_OPTIONS = {
  rules: { type: 'string', multiple: true }, watchlists: { type: 'string' }, now: { type: 'string' },
  format: { type: 'string' }, table: { type: 'string', multiple: true },
} as const;

export async function investigateCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { ...CASE_OPTIONS, device: { type: 'string' }, at: { type: 'string' } } });
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const format = values.format ?? 'md';
  if (!['md', 'html', 'json'].includes(format)) {
    process.stderr.write('error: --format must be md, html or json\n');
    return 2;
  }
  const byDevice = values.device !== undefined || values.at !== undefined;
  if (byDevice && (values.device === undefined || values.at === undefined)) {
    process.stderr.write('error: --device and --at go together\n');
    return 2;
  }
  const id: string | undefined = byDevice ? undefined : positionals[0];
  const paths = byDevice ? positionals : positionals.slice(1);
  if (!byDevice && !id) {
    process.stderr.write('usage: exfilwatch investigate <alert id> [PATH...] [--rules PATH] [--now ISO] [--format md|html|json]\n       exfilwatch investigate --device NAME --at TIME [PATH...]\n');
    return 2;
  }
  try {
    const c = await loadCase(paths, values, !byDevice);
    let alert: Alert | undefined;
    if (id) {
      alert = findAlert(c.alerts, id);
      if (!alert) {
        process.stderr.write(`error: no alert '${id}' in this hunt (${c.alerts.length} alert(s); list them with exfilwatch hunt --format jsonl)\n`);
        return 1;
      }
    }
    let at = values.at;
    if (at !== undefined) at = formatDatetime(parseNow(at));
    const report = await investigate(c.data, c.now, alert ? { alert, watchlists: c.watchlists } : { device: values.device, at, watchlists: c.watchlists });
    process.stdout.write(renderInvestigation(report, format as 'md' | 'html' | 'json'));
    return 0;
  } catch (e) {
    return reportError(e, '');
  }
}

export function renderInvestigation(r: InvestigationReport, format: 'md' | 'html' | 'json'): string {
  if (format === 'json') return JSON.stringify(r, null, 2) + '\n';
  const md = investigationMarkdown(r);
  if (format === 'html') return markdownToHtml(md, `Investigation: ${r.process?.fileName ?? r.device} on ${r.device}`);
  return md;
}

export function mb(n: number | null): string {
  if (n === null) return 'unknown';
  if (n < 1024 * 1024) return `${n.toLocaleString('en-US')} B`;
  return `${(n / 1048576).toFixed(1)} MB (${n.toLocaleString('en-US')} B)`;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const shortTime = (iso: string): string => (iso ? iso.slice(0, 19).replace('T', ' ') : '?');

function nodeLine(p: ProcessNode, mark = ''): string {
  const pad = '  '.repeat(Math.max(0, p.depth));
  const when = p.time ? shortTime(p.time) : 'start not in the data';
  const cmd = p.commandLine ? ` — \`${p.commandLine.replace(/`/g, "'")}\`` : '';
  return `${pad}- ${mark}**${p.fileName || '?'}** (pid ${p.processId ?? '?'}, ${when}${p.account ? `, ${p.account}` : ''}${p.inferred ? ', inferred' : ''})${cmd}`;
}

export function investigationMarkdown(r: InvestigationReport): string {
  const L: string[] = [];
  const s = r.subject;
  const p = r.process;
  L.push(`# Investigation: ${p?.fileName ?? 'unknown process'} on ${r.device}`, '');
  if (s.alertId) {
    L.push(`- **Alert** \`${s.alertId}\` — ${s.ruleName} (\`${s.ruleId}\`), ${s.severity}`, `- **Detection** ${s.detection}`, `- **Reason** ${s.reason}`);
  }
  L.push(`- **Time** ${s.time}`, `- **Device** ${r.device}`, `- **Account** ${r.account || '?'}`);
  if (p) {
    L.push(`- **Process** ${p.fileName} (pid ${p.processId ?? '?'})${p.folderPath ? ` from \`${p.folderPath}\`` : ''}`);
    if (p.originalFileName && p.originalFileName.toLowerCase() !== p.fileName.toLowerCase()) L.push(`- **Original file name** ${p.originalFileName}`);
    if (p.commandLine) L.push(`- **Command line** \`${p.commandLine.replace(/`/g, "'")}\``);
    if (p.sha256) L.push(`- **SHA256** \`${p.sha256}\``);
  }
  L.push(`- **Sent** ${mb(r.totals.sentBytes)} in ${r.totals.connections} connection(s) to ${r.totals.destinations} destination(s)`, '');

  L.push('## Verdict aid', '', `**${r.verdict.summary}**`, '');
  if (r.indicators.length) {
    L.push('Signs of exfiltration:', '');
    for (const i of r.indicators) L.push(`- ${i}`);
    L.push('');
  }
  L.push('| class | fits? | for | against | what would tell |', '| --- | --- | --- | --- | --- |');
  for (const c of r.verdict.classes) {
    L.push(`| ${c.id} ${c.name} | ${c.matches ? '**yes**' : 'no'} | ${cell(c.signalsFor.join('; ') || '—')} | ${cell(c.signalsAgainst.join('; ') || '—')} | ${cell(c.whatWouldTell)} |`);
  }
  L.push('');

  L.push('## Process tree', '');
  if (!p) L.push('The process could not be found in DeviceProcessEvents.');
  else {
    const anc = [...r.tree.ancestors].reverse();
    const base = anc.length;
    anc.forEach((a, i) => L.push(nodeLine({ ...a, depth: i })));
    L.push(nodeLine({ ...p, depth: base }, '▶ '));
    for (const d of r.tree.descendants) L.push(nodeLine({ ...d, depth: base + d.depth }));
    if (!r.tree.descendants.length) L.push(`${'  '.repeat(base + 1)}- (no child processes)`);
  }
  L.push('');

  L.push('## Connections', '');
  if (!r.connections.length) L.push('No connections from the process or its children.');
  else {
    L.push('| destination | IP | ports | by | connections | sent | received | first | last |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const d of r.connections) {
      L.push(`| ${cell(d.remoteUrl || '—')} | ${d.remoteIp}${d.public ? '' : ' (internal)'} | ${d.ports.join(', ')} | ${cell(d.processes.join(', '))} | ${d.connections} | ${mb(d.sentBytes)} | ${mb(d.receivedBytes)} | ${shortTime(d.first)} | ${shortTime(d.last)} |`);
    }
    L.push(`| **total** | | | | ${r.totals.connections} | ${mb(r.totals.sentBytes)} | ${mb(r.totals.receivedBytes)} | | |`);
    if (!r.totals.bytesKnown) L.push('', 'The data has no byte counts for these connections (SentBytes/ReceivedBytes).');
  }
  L.push('');

  L.push('## Other devices that reached the same destinations', '');
  if (!r.otherDevices.length) L.push('None: no other device reached these public destinations (or their domains) in the data.');
  else {
    L.push('| device | destinations | processes | accounts | connections | sent | first | last |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const o of r.otherDevices) {
      L.push(`| ${o.device} | ${cell(o.destinations.join(', '))} | ${cell(o.processes.join(', '))} | ${cell(o.accounts.join(', '))} | ${o.connections} | ${mb(o.sentBytes)} | ${shortTime(o.first)} | ${shortTime(o.last)} |`);
    }
  }
  L.push('');

  L.push('## First seen', '');
  const f = r.firstSeen;
  L.push(`- On ${r.device}: ${f.onDevice ? `${shortTime(f.onDevice)} (${f.startsOnDevice} start(s) on ${f.daysOnDevice} day(s))` : 'not in the process data'}`);
  L.push(`- In the fleet: ${f.inFleet ? `${shortTime(f.inFleet)} on ${f.fleetFirstDevice} (${f.devices.length} device(s))` : 'not in the process data'}`);
  if (f.dataStart) L.push(`- The process data starts ${shortTime(f.dataStart)}: a sighting at its start may be older.`);
  if (f.devices.length > 1) {
    L.push('', '| device | first | last | starts | days | names |', '| --- | --- | --- | --- | --- | --- |');
    for (const d of f.devices) L.push(`| ${d.device} | ${shortTime(d.first)} | ${shortTime(d.last)} | ${d.starts} | ${d.days} | ${cell(d.names.join(', '))} |`);
  }
  L.push('');

  L.push('## Files around the transfer', '');
  if (!r.fileEventsPresent) L.push('The data has no DeviceFileEvents.');
  else if (!r.files.length) L.push('No archives, rclone configuration, tool binaries or files named on command lines in the two hours before.');
  else {
    L.push('| time | when | action | file | folder | size | by | why |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const x of r.files) {
      L.push(`| ${shortTime(x.time)} | ${x.when} | ${x.action} | ${cell(x.fileName)}${x.previousFileName ? ` (was ${cell(x.previousFileName)})` : ''} | ${cell(x.folderPath)} | ${x.size === null ? '' : mb(x.size)} | ${cell(x.byProcess)} | ${x.why} |`);
    }
  }
  L.push('');
  L.push('## Queries run', '', ...r.queries.map((q) => `- \`${q.name}.kql\`: ${q.rows} row(s), ${q.ms} ms`), '');
  return L.join('\n');
}
