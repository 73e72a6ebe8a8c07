/**
 * Alerts from a rule's result rows: one per row, with a stable id, the leg that fired, entities
 * from the rule's entityMappings, the evidence row and a reason a person can read. Then
 * suppression, and incidents: alerts on the same device and account close in time.
 */
import { createHash } from 'node:crypto';
import type { Batch } from '../engine/batch.js';
import { formatDatetime, parseTimespan } from '../engine/values/datetime.js';
import type { I64 } from '../engine/values/int64.js';
import { textOutput, toDynamic } from '../engine/values/index.js';
import type { Field } from '../kql/plan.js';
import type { Leg, Rule } from './rule.js';

export interface Entities {
  host?: string;
  account?: string;
  process?: string;
  commandLine?: string;
  parentProcess?: string;
  remoteIp?: string;
  remoteUrl?: string;
  file?: string;
  fileHash?: string;
  [k: string]: string | undefined;
}

export interface Alert {
  id: string;
  ruleId: string;
  ruleName: string;
  severity: Rule['severity'];
  confidence: Rule['confidence'];
  tactics: string[];
  techniques: string[];
  time: string;
  /** Which leg (or, for a single-part rule, the rule) fired. */
  detection: string;
  legId?: string;
  reason: string;
  entities: Entities;
  customDetails: Record<string, unknown>;
  evidence: Record<string, unknown>;
  incidentId?: string;
  /** Caveats, e.g. a volume check that had no byte counts to look at. */
  notes: string[];
  /** Internal: time as ticks, for ordering and grouping. */
  ticks: I64 | null;
}

export interface Incident {
  id: string;
  host: string;
  account: string;
  first: string;
  last: string;
  severity: Rule['severity'];
  alertIds: string[];
  rules: string[];
}

/** Sentinel entity identifiers onto our entity names. */
const ENTITY_FIELDS: Record<string, Record<string, keyof Entities>> = {
  host: { hostname: 'host', fullname: 'host', netbiosname: 'host', dnsdomain: 'host' },
  account: { name: 'account', fullname: 'account', upnsuffix: 'account', ntdomain: 'account', sid: 'account', aadobjectid: 'account' },
  process: { processname: 'process', commandline: 'commandLine', processid: 'processId' },
  ip: { address: 'remoteIp' },
  url: { url: 'remoteUrl' },
  file: { name: 'file', directory: 'folder' },
  filehash: { value: 'fileHash' },
  dns: { domainname: 'remoteUrl' },
};

/** Columns that stand for an entity when the rule maps none (the seed rule maps none). */
const DEFAULT_ENTITY_COLUMNS: [keyof Entities, string[]][] = [
  ['host', ['DeviceName', 'Computer', 'HostName']],
  ['account', ['AccountName', 'InitiatingProcessAccountName', 'AccountUpn', 'UserName']],
  ['process', ['FileName', 'InitiatingProcessFileName']],
  ['commandLine', ['ProcessCommandLine', 'InitiatingProcessCommandLine']],
  ['parentProcess', ['InitiatingProcessFileName']],
  ['remoteIp', ['RemoteIP', 'RemoteIPs']],
  ['remoteUrl', ['RemoteUrl']],
];

function cellText(f: Field, v: unknown): string {
  if (v === null || v === undefined) return '';
  if (f.type === 'dynamic' && Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ');
  return textOutput(f.type, v);
}

export interface RowView {
  fields: Field[];
  values: unknown[];
  text(column: string): string;
  has(column: string): boolean;
}

export function rowView(b: Batch, i: number): RowView {
  const values = b.columns.map((c) => c[i]);
  const index = new Map(b.fields.map((f, k) => [f.name, k]));
  return {
    fields: b.fields,
    values,
    text(column) {
      const k = index.get(column);
      return k === undefined ? '' : cellText(b.fields[k]!, values[k]);
    },
    has(column) {
      const k = index.get(column);
      if (k === undefined) return false;
      const v = values[k];
      return v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0);
    },
  };
}

/** Fills {Column} placeholders; a missing value reads as "?". */
export function fillTemplate(template: string, row: RowView): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, c: string) => row.text(c) || '?').replace(/\s+/g, ' ').trim();
}

function legOf(rule: Rule, row: RowView): Leg | undefined {
  return rule.legs.find((l) => row.has(l.column));
}

function entitiesOf(rule: Rule, row: RowView): Entities {
  const e: Entities = {};
  if (rule.entityMappings.length) {
    for (const m of rule.entityMappings) {
      const names = ENTITY_FIELDS[m.entityType.toLowerCase()] ?? {};
      for (const fm of m.fieldMappings) {
        const key = names[fm.identifier.toLowerCase()] ?? `${m.entityType.toLowerCase()}${fm.identifier}`;
        const v = row.text(fm.columnName);
        if (v && !e[key]) e[key] = v;
      }
    }
  }
  for (const [key, columns] of DEFAULT_ENTITY_COLUMNS) {
    if (e[key]) continue;
    const c = columns.find((x) => row.has(x));
    if (c) e[key] = row.text(c);
  }
  return e;
}

function timeOf(row: RowView): { iso: string; ticks: I64 | null } {
  for (const name of ['Timestamp', 'TimeGenerated', 'StartTime', 'FirstSeen']) {
    const k = row.fields.findIndex((f) => f.name === name && f.type === 'datetime');
    if (k >= 0 && row.values[k] !== null && row.values[k] !== undefined) {
      return { iso: formatDatetime(row.values[k] as I64), ticks: row.values[k] as I64 };
    }
  }
  const k = row.fields.findIndex((f) => f.type === 'datetime');
  if (k >= 0 && row.values[k] != null) return { iso: formatDatetime(row.values[k] as I64), ticks: row.values[k] as I64 };
  return { iso: '', ticks: null };
}

function defaultReason(rule: Rule, e: Entities): string {
  const parts = [e.process && `${e.process}`, e.host && `on ${e.host}`, e.account && `as ${e.account}`, e.remoteIp && `to ${e.remoteIp}`];
  return `${rule.name}: ${parts.filter(Boolean).join(' ')}`.trim();
}

function stableId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 16);
}

/** Evidence row as plain JSON-able values (datetimes as ISO text; longs exact). */
function evidenceOf(row: RowView): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  row.fields.forEach((f, k) => {
    const v = row.values[k];
    out[f.name] = f.type === 'datetime' || f.type === 'timespan' ? toDynamic(f.type, v) : v ?? (f.type === 'string' ? '' : null);
  });
  return out;
}

function triggered(rule: Rule, n: number): boolean {
  switch (rule.triggerOperator) {
    case 'gt': return n > rule.triggerThreshold;
    case 'lt': return n < rule.triggerThreshold;
    case 'eq': return n === rule.triggerThreshold;
    case 'ne': return n !== rule.triggerThreshold;
  }
}

export function buildAlerts(rule: Rule, result: Batch, notes: string[] = []): Alert[] {
  if (!triggered(rule, result.length)) return [];
  const alerts: Alert[] = [];
  for (let i = 0; i < result.length; i++) {
    const row = rowView(result, i);
    const leg = legOf(rule, row);
    const entities = entitiesOf(rule, row);
    const { iso, ticks } = timeOf(row);
    const template = leg?.reason ?? rule.reason;
    const reason = template ? fillTemplate(template, row) : defaultReason(rule, entities);
    const customDetails: Record<string, unknown> = {};
    for (const [name, column] of Object.entries(rule.customDetails)) {
      const k = row.fields.findIndex((f) => f.name === column);
      if (k >= 0) customDetails[name] = evidenceOf(row)[column];
    }
    const key = [rule.id, leg?.id ?? '', iso, entities.host ?? '', entities.account ?? '', entities.process ?? '', entities.commandLine ?? '', entities.remoteIp ?? '', entities.remoteUrl ?? ''];
    alerts.push({
      id: stableId(...key),
      ruleId: rule.id,
      ruleName: rule.name,
      severity: rule.severity,
      confidence: rule.confidence,
      tactics: rule.tactics,
      techniques: rule.relevantTechniques,
      time: iso,
      detection: leg?.name ?? rule.name,
      legId: leg?.id,
      reason,
      entities,
      customDetails,
      evidence: evidenceOf(row),
      notes: [...notes],
      ticks,
    });
  }
  // The same finding twice in one result (e.g. duplicate rows) is one alert.
  const seen = new Set<string>();
  return alerts.filter((a) => (seen.has(a.id) ? false : (seen.add(a.id), true)));
}

/** Drops alerts of a rule repeating the same entities within its suppression duration. */
export function suppress(rule: Rule, alerts: Alert[]): Alert[] {
  if (!rule.suppressionEnabled) return alerts;
  const window = parseTimespan(rule.suppressionDuration) ?? 0;
  const last = new Map<string, I64>();
  const sorted = [...alerts].sort((a, b) => cmpTicks(a.ticks, b.ticks));
  return sorted.filter((a) => {
    const key = [a.legId, a.entities.host, a.entities.account, a.entities.process, a.entities.remoteIp].join('\u0000');
    const prev = last.get(key);
    if (prev !== undefined && a.ticks !== null && Number(a.ticks) - Number(prev) < Number(window)) return false;
    if (a.ticks !== null) last.set(key, a.ticks);
    return true;
  });
}

function cmpTicks(a: I64 | null, b: I64 | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

const SEVERITY_RANK = { Informational: 0, Low: 1, Medium: 2, High: 3 };

/** How far apart in time two alerts on one device and account may be and still share an incident. */
export const INCIDENT_GAP = '2h';

/** An open incident: its id and its earliest and latest alerts' times (ticks). */
export type OpenIncident = { id: string; firstTicks: number; lastTicks: number };

/**
 * Incidents as alerts come: an alert joins the open incident of its device and account when it
 * lies within the gap of that incident's alerts (after its latest, or before its earliest: watch's
 * rules, on their own schedules, may find an earlier alert later), else it opens one, whose id
 * comes from the device, the account and this first alert's time. `hunt` feeds it a run's alerts
 * in time order, so an incident is named by its earliest alert; `watch` feeds it each tick's
 * alerts as they go out and keeps its state in the checkpoint, so an incident keeps the name its
 * first alert out gave it.
 */
export class IncidentGrouper {
  private readonly span: number;
  private readonly open = new Map<string, OpenIncident>();

  constructor(gap = INCIDENT_GAP, state: [string, OpenIncident][] = []) {
    this.span = Number(parseTimespan(gap) ?? 0);
    for (const [k, v] of state) this.open.set(k, v);
  }

  /** The alert's incident id; `opened` when the alert starts a new incident. */
  assign(a: Alert): { id: string; opened: boolean } {
    const host = a.entities.host ?? '';
    const account = a.entities.account ?? '';
    const key = `${host.toLowerCase()}\u0000${account.toLowerCase()}`;
    const t = a.ticks === null ? NaN : Number(a.ticks);
    const cur = this.open.get(key);
    if (cur && t >= cur.firstTicks - this.span && t <= cur.lastTicks + this.span) {
      if (t > cur.lastTicks) cur.lastTicks = t;
      if (t < cur.firstTicks) cur.firstTicks = t;
      return { id: cur.id, opened: false };
    }
    const id = 'INC-' + stableId(host, account, a.time).slice(0, 10);
    this.open.set(key, { id, firstTicks: t, lastTicks: t });
    return { id, opened: true };
  }

  /** Forgets incidents no alert at or after `ticks` can join. */
  trim(ticks: number): void {
    for (const [k, v] of this.open) if (!(v.lastTicks + this.span >= ticks)) this.open.delete(k);
  }

  state(): [string, OpenIncident][] {
    return [...this.open];
  }
}

/** Groups a run's alerts on the same device and account whose times lie within `gap` of each other. */
export function groupIncidents(alerts: Alert[], gap = INCIDENT_GAP): Incident[] {
  const sorted = [...alerts].sort((a, b) => cmpTicks(a.ticks, b.ticks));
  const grouper = new IncidentGrouper(gap);
  const byId = new Map<string, Incident>();
  const incidents: Incident[] = [];
  for (const a of sorted) {
    const { id, opened } = grouper.assign(a);
    let inc = byId.get(id);
    if (opened || !inc) {
      inc = { id, host: a.entities.host ?? '', account: a.entities.account ?? '', first: a.time, last: a.time, severity: a.severity, alertIds: [], rules: [] };
      byId.set(id, inc);
      incidents.push(inc);
    }
    inc.alertIds.push(a.id);
    if (!inc.rules.includes(a.ruleId)) inc.rules.push(a.ruleId);
    inc.last = a.time;
    if (SEVERITY_RANK[a.severity] > SEVERITY_RANK[inc.severity]) inc.severity = a.severity;
    a.incidentId = id;
  }
  return incidents;
}

/** The alert as users and tools read it: the contract fields first, no internals (hunt --format jsonl, watch). */
export function alertRecord(a: Alert): Record<string, unknown> {
  return {
    id: a.id, ruleId: a.ruleId, ruleName: a.ruleName, severity: a.severity, confidence: a.confidence,
    tactics: a.tactics, techniques: a.techniques, time: a.time, detection: a.detection, reason: a.reason,
    entities: a.entities, incidentId: a.incidentId ?? null, customDetails: a.customDetails, notes: a.notes,
    evidence: a.evidence,
  };
}
