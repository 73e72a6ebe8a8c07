/**
 * Response playbooks as content: one template (content/t1048.002/playbooks/template.md) with the
 * sections contain, scope, preserve evidence, eradicate, recover, tune, and per rule an optional
 * <rule id>.md whose sections are added under the template's sections of the same name. Rendering
 * fills {{name}} with the alert's entities and {{kql:name}} with the same value as a KQL literal,
 * so the scope queries run as they stand.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PACK_PLAYBOOKS } from '../content/index.js';
import { formatDatetime, parseDatetime } from '../engine/values/datetime.js';
import type { Alert } from './alerts.js';

/** The values a playbook may name. */
export function playbookValues(alert: Alert): Record<string, string> {
  const e = alert.entities;
  const t = parseDatetime(alert.time);
  const around = (deltaMs: number): string => {
    if (t === null) return alert.time;
    const ms = Date.parse(formatDatetime(t)) + deltaMs;
    return new Date(ms).toISOString().replace('.000Z', 'Z');
  };
  const evidence = alert.evidence ?? {};
  const pick = (...names: string[]): string => {
    for (const n of names) {
      const v = evidence[n];
      if (typeof v === 'string' && v) return v;
    }
    return '';
  };
  const remoteIp = e.remoteIp ?? '';
  const remoteUrl = e.remoteUrl ?? '';
  const dests = [remoteUrl, remoteIp].filter(Boolean);
  return {
    alertId: alert.id,
    ruleId: alert.ruleId,
    ruleName: alert.ruleName,
    severity: alert.severity,
    time: alert.time,
    reason: alert.reason,
    host: e.host ?? '',
    account: e.account ?? '',
    process: e.process ?? e.file ?? pick('FileName', 'InitiatingProcessFileName', 'ProcessName'),
    processId: e.processId ?? '',
    commandLine: e.commandLine ?? '',
    parentProcess: e.parentProcess ?? '',
    remoteIp,
    remoteUrl,
    fileHash: e.fileHash ?? pick('SHA256', 'InitiatingProcessSHA256'),
    from: around(-24 * 3600_000),
    to: around(24 * 3600_000),
    destinationList: dests.length ? dests.map((d) => `\`${d}\``).join(', ') : 'the destinations scope query 1 finds',
    destinationText: dests.length ? `, sending to ${dests.join(' / ')}` : '',
  };
}

/** `## Heading` sections of a Markdown text: the text before the first heading under ''. */
function sections(md: string): { title: string; body: string }[] {
  const out: { title: string; body: string }[] = [{ title: '', body: '' }];
  for (const line of md.split('\n')) {
    const m = /^##\s+(.+?)\s*$/.exec(line);
    if (m) out.push({ title: m[1]!, body: '' });
    else out[out.length - 1]!.body += line + '\n';
  }
  return out;
}

export function renderTemplate(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{(kql:)?([A-Za-z]+)\}\}/g, (whole, kql: string | undefined, name: string) => {
    const v = values[name];
    if (v === undefined) return whole;
    if (kql) return JSON.stringify(v);
    return v || '(unknown)';
  });
}

/** The playbook for an alert, as Markdown. */
export async function renderPlaybook(alert: Alert, dir = PACK_PLAYBOOKS): Promise<string> {
  const template = await fs.readFile(path.join(dir, 'template.md'), 'utf8');
  const specific = path.join(dir, `${alert.ruleId}.md`);
  const extra = existsSync(specific) ? sections(await fs.readFile(specific, 'utf8')) : [];
  const parts = sections(template);
  for (const x of extra) {
    if (!x.body.trim()) continue;
    const target = parts.find((p) => p.title.toLowerCase() === x.title.toLowerCase());
    const block = `### For ${alert.ruleId}\n\n${x.body.trim()}\n\n`;
    if (target) target.body = target.body.replace(/\s*$/, '\n\n') + block;
    else parts.push({ title: x.title, body: '\n' + block });
  }
  const md = parts.map((p) => (p.title ? `## ${p.title}\n${p.body}` : p.body)).join('');
  return renderTemplate(md, playbookValues(alert)).replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}
