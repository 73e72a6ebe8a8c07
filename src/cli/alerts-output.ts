/** Alert writers: table (aligned, severity coloured on a terminal, with a summary), jsonl, csv, ocsf. */
import { type Alert, alertRecord, type HuntResult } from '../detect/index.js';
import { jsonText } from '../engine/values/index.js';
import { toOcsf } from './ocsf.js';

export type AlertFormat = 'table' | 'jsonl' | 'csv' | 'ocsf';
/** The format when none is asked for: table, whether stdout is a terminal or not (the output does not depend on where it goes). */
export const DEFAULT_ALERT_FORMAT: AlertFormat = 'table';

/**
 * Whether severities are coloured: only in a table written to a terminal, and never when NO_COLOR
 * is set (https://no-color.org). Piped or redirected tables are plain text.
 */
export function useColor(format: AlertFormat, stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return format === 'table' && stream.isTTY === true && !env.NO_COLOR;
}

export { alertRecord };

export function formatAlerts(result: HuntResult, format: AlertFormat, color: boolean): string {
  switch (format) {
    case 'jsonl': return result.alerts.map((a) => jsonText(alertRecord(a)) + '\n').join('');
    case 'ocsf': return result.alerts.map((a) => jsonText(toOcsf(a)) + '\n').join('');
    case 'csv': return csv(result.alerts);
    case 'table': return table(result.alerts, color);
  }
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

function csv(alerts: Alert[]): string {
  const cols = ['time', 'severity', 'confidence', 'ruleId', 'detection', 'host', 'account', 'process', 'remoteIp', 'reason', 'incidentId', 'id'];
  const rows = alerts.map((a) => [a.time, a.severity, a.confidence, a.ruleId, a.detection, a.entities.host ?? '', a.entities.account ?? '',
    a.entities.process ?? '', a.entities.remoteIp ?? '', a.reason, a.incidentId ?? '', a.id]);
  return [cols, ...rows].map((r) => r.map((v) => csvField(String(v))).join(',')).join('\n') + '\n';
}

const COLORS: Record<string, string> = { High: '\x1b[31m', Medium: '\x1b[33m', Low: '\x1b[36m', Informational: '\x1b[2m' };

function table(alerts: Alert[], color: boolean): string {
  if (!alerts.length) return 'no alerts\n';
  const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s);
  const rows = alerts.map((a) => [a.time.slice(0, 19).replace('T', ' '), a.severity, a.ruleId, a.entities.host ?? '', clip(a.reason, 110)]);
  const header = ['time (UTC)', 'severity', 'rule', 'host', 'reason'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[], sev?: string) => r.map((v, i) => {
    const cell = v.padEnd(widths[i]!);
    return color && i === 1 && sev ? `${COLORS[sev] ?? ''}${cell}\x1b[0m` : cell;
  }).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r, k) => line(r, alerts[k]!.severity))].join('\n') + '\n';
}

/** The run's summary: rules run, events read, alerts by severity, time taken (stderr). */
export function summary(result: HuntResult, eventsRead: number, seconds: number): string {
  const bySeverity = ['High', 'Medium', 'Low', 'Informational'].map((s) => `${result.alerts.filter((a) => a.severity === s).length} ${s.toLowerCase()}`);
  const failed = result.runs.filter((r) => r.error).length;
  const lines = [
    `${result.runs.length} rule(s) run${failed ? `, ${failed} failed` : ''}; ${eventsRead} event(s) read; ${result.alerts.length} alert(s): ${bySeverity.join(', ')}; ${result.incidents.length} incident(s); ${seconds.toFixed(2)} s`,
  ];
  for (const r of result.runs) lines.push(`  ${r.rule.id.padEnd(40)} ${String(r.alerts).padStart(4)} alert(s)${r.error ? '  FAILED' : ''}`);
  return lines.join('\n') + '\n';
}
