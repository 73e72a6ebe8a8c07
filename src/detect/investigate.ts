/**
 * Investigation of one alert (or of a device at a time): runs the pack's investigation queries
 * (KQL files under content/t1048.002/investigation/, parameters written {Name}) over the same data
 * the hunt ran on, and builds a structured report: the process tree around the tool's start, its
 * connections with bytes per destination, other devices that reached the same destinations, when
 * the tool was first seen, files around the transfer, and a verdict aid (which false-positive class
 * it could be, and what would tell). Rendering lives in cli/investigate.ts.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ExfilwatchError } from '../diagnostics/facts.js';
import { compileFor, type QueryData, runPlan } from '../engine/query.js';
import { parseDatetime } from '../engine/values/datetime.js';
import type { I64 } from '../engine/values/int64.js';
import { jsonOutput } from '../engine/values/index.js';
import { PACK_INVESTIGATION } from '../content/index.js';
import type { Alert } from './alerts.js';
import type { Watchlist } from './watchlists.js';

export type Row = Record<string, unknown>;

/** A query parameter: a KQL literal is written for it (strings quoted, lists as dynamic). */
export type Param = string | number | { datetime: string } | string[] | number[];

export interface ProcessNode {
  time: string;
  processId: number | null;
  creationTime: string | null;
  fileName: string;
  folderPath: string;
  commandLine: string;
  account: string;
  sha256: string;
  originalFileName: string;
  /** 0 for the tool, -1 its parent, -2 the grandparent, 1 a child, 2 a grandchild. */
  depth: number;
  /** Known only from a child's InitiatingProcess* columns (its start is not in the data). */
  inferred?: boolean;
}

export interface Destination {
  remoteIp: string;
  remoteUrl: string;
  ports: number[];
  processes: string[];
  connections: number;
  events: number;
  sentBytes: number | null;
  receivedBytes: number | null;
  first: string;
  last: string;
  public: boolean;
}

export interface OtherDevice {
  device: string;
  connections: number;
  sentBytes: number | null;
  first: string;
  last: string;
  destinations: string[];
  processes: string[];
  accounts: string[];
}

export interface FileEvent {
  time: string;
  action: string;
  fileName: string;
  folderPath: string;
  previousFileName: string;
  size: number | null;
  sha256: string;
  byProcess: string;
  account: string;
  why: string;
  /** Before the tool's start (staging) or after it (clean-up). */
  when: 'before' | 'after';
}

export interface FpClassAssessment {
  id: string;
  name: string;
  /** The class's own signals are all present and nothing speaks against it. */
  matches: boolean;
  signalsFor: string[];
  signalsAgainst: string[];
  whatWouldTell: string;
}

export interface InvestigationReport {
  subject: { alertId?: string; ruleId?: string; ruleName?: string; severity?: string; detection?: string; reason?: string; time: string };
  device: string;
  account: string;
  /** The tool's process (the alert's process, located in DeviceProcessEvents), when found. */
  process: ProcessNode | null;
  tree: { ancestors: ProcessNode[]; descendants: ProcessNode[] };
  connections: Destination[];
  totals: { connections: number; sentBytes: number | null; receivedBytes: number | null; bytesKnown: boolean; destinations: number };
  otherDevices: OtherDevice[];
  firstSeen: {
    onDevice: string | null;
    daysOnDevice: number;
    startsOnDevice: number;
    inFleet: string | null;
    fleetFirstDevice: string | null;
    devices: { device: string; first: string; last: string; starts: number; days: number; names: string[] }[];
    dataStart: string | null;
  };
  files: FileEvent[];
  fileEventsPresent: boolean;
  indicators: string[];
  verdict: { classes: FpClassAssessment[]; summary: string };
  queries: { name: string; rows: number; ms: number }[];
}

// ---------------------------------------------------------------------------------------------
// Queries as data

/** A KQL literal for a parameter value. */
export function kqlLiteral(v: Param): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : `real(${v})`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `dynamic(${JSON.stringify(v)})`;
  return `datetime(${v.datetime})`;
}

/** Fills {Name} placeholders with literals; a placeholder with no parameter is an error. */
export function bindParameters(query: string, params: Record<string, Param>, name = 'query'): string {
  // Comments keep their placeholders as written (they document them).
  return query
    .split('\n')
    .map((line) =>
      line.trimStart().startsWith('//')
        ? line
        : line.replace(/\{([A-Za-z][A-Za-z0-9]*)\}/g, (_, p: string) => {
            const v = params[p];
            if (v === undefined) throw new ExfilwatchError({ code: 'EW203', message: `${name}: no value for the parameter {${p}}` });
            return kqlLiteral(v);
          }),
    )
    .join('\n');
}

export async function loadInvestigationQueries(dir = PACK_INVESTIGATION): Promise<Map<string, { file: string; text: string }>> {
  const out = new Map<string, { file: string; text: string }>();
  for (const f of (await fs.readdir(dir)).sort()) {
    if (!f.endsWith('.kql')) continue;
    const file = path.join(dir, f);
    out.set(f.replace(/\.kql$/, ''), { file, text: await fs.readFile(file, 'utf8') });
  }
  return out;
}

/** Rows as plain objects: datetimes as ISO text, longs as numbers, dynamic as JSON values. */
export function batchRows(b: { fields: { name: string; type: string }[]; columns: unknown[][]; length: number }): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < b.length; i++) {
    const r: Row = {};
    b.fields.forEach((f, k) => {
      const v = b.columns[k]![i];
      r[f.name] = v === null || v === undefined ? null : JSON.parse(jsonOutput(f.type as never, v));
    });
    rows.push(r);
  }
  return rows;
}

class Runner {
  readonly log: { name: string; rows: number; ms: number }[] = [];
  constructor(private queries: Map<string, { file: string; text: string }>, private data: QueryData, private now: I64) {}
  async run(name: string, params: Record<string, Param>): Promise<Row[]> {
    const q = this.queries.get(name);
    if (!q) throw new ExfilwatchError({ code: 'EW203', message: `investigation query '${name}' is missing from the pack`, file: name });
    const started = performance.now();
    const text = bindParameters(q.text, params, q.file);
    let rows: Row[];
    try {
      rows = batchRows(await runPlan(compileFor(text, this.data), this.data, this.now));
    } catch (e) {
      if (e instanceof ExfilwatchError) {
        throw new ExfilwatchError({ ...e.diagnostic, message: `${path.basename(q.file)}: ${e.diagnostic.message}`, file: q.file });
      }
      throw e;
    }
    this.log.push({ name, rows: rows.length, ms: Math.round(performance.now() - started) });
    return rows;
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

const str = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));
const ms = (iso: string | null | undefined): number => (iso ? Date.parse(iso) : NaN);
const addMs = (iso: string, delta: number): string => new Date(Date.parse(iso) + delta).toISOString();
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function sameStart(a: string | null, b: string | null): boolean {
  if (!a || !b) return true;
  return Math.abs(ms(a) - ms(b)) <= 1000;
}

function nodeOf(r: Row, depth: number): ProcessNode {
  return {
    time: str(r.Timestamp),
    processId: num(r.ProcessId),
    creationTime: str(r.ProcessCreationTime) || str(r.Timestamp) || null,
    fileName: str(r.FileName),
    folderPath: str(r.FolderPath),
    commandLine: str(r.ProcessCommandLine),
    account: str(r.AccountName),
    sha256: str(r.SHA256),
    originalFileName: str(r.ProcessVersionInfoOriginalFileName),
    depth,
  };
}

function ipv4(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s.trim());
  if (!m) return null;
  const p = m.slice(1).map(Number);
  if (p.some((x) => x > 255)) return null;
  return ((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!;
}

export function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const a = ipv4(ip);
  const b = ipv4(base ?? '');
  if (a === null || b === null) return false;
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (bits === 0) return true;
  const mask = (0xffffffff << (32 - bits)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

export function isPrivateIp(ip: string): boolean {
  return ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '169.254.0.0/16'].some((c) => inCidr(ip, c));
}

/** The registered domain of a host name (two labels, three under a second-level like co.uk). */
export function registeredDomain(host: string): string {
  const labels = host.toLowerCase().replace(/\.$/, '').split('.');
  if (labels.length <= 2 || ipv4(host) !== null) return host.toLowerCase();
  const sld = labels[labels.length - 2]!;
  const n = labels[labels.length - 1]!.length === 2 && ['co', 'com', 'org', 'net', 'ac', 'gov', 'edu'].includes(sld) ? 3 : 2;
  return labels.slice(-n).join('.');
}

function regexEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function wildcardMatch(pattern: string, value: string): boolean {
  const re = new RegExp('^' + pattern.split('*').map(regexEscape).join('.*') + '$', 'i');
  return re.test(value);
}

function listHas(list: string | undefined, item: string): boolean {
  const l = (list ?? '').replace(/\s+/g, '').toLowerCase();
  if (l === '' || l === '*') return true;
  return l.split(/[;,]/).includes(item.toLowerCase());
}

function watchlist(lists: Watchlist[], alias: string): Record<string, string>[] {
  return lists.find((l) => l.alias.toLowerCase() === alias.toLowerCase())?.rows ?? [];
}

function firstColumn(r: Record<string, string>): string {
  return str(r.SearchKey ?? Object.values(r)[0]);
}

// ---------------------------------------------------------------------------------------------
// The report

export interface InvestigateOptions {
  /** The alert to investigate; or a device and a time. */
  alert?: Alert;
  device?: string;
  at?: string;
  watchlists?: Watchlist[];
  queryDir?: string;
}

export async function investigate(data: QueryData, now: I64, options: InvestigateOptions): Promise<InvestigationReport> {
  const runner = new Runner(await loadInvestigationQueries(options.queryDir), data, now);
  const lists = options.watchlists ?? [];
  const alert = options.alert;
  const device = alert?.entities.host ?? options.device ?? '';
  const time = alert?.time ?? options.at ?? '';
  if (!device || !time || parseDatetime(time) === null) {
    throw new ExfilwatchError({ code: 'EW001', message: 'investigate needs an alert id, or --device NAME and --at TIME' });
  }
  const iso = (t: string): { datetime: string } => ({ datetime: t });

  // 1. The tool's process.
  let processId = num(alert?.entities.processId) ?? -1;
  let fileName = alert?.entities.process ?? alert?.entities.file ?? '';
  let commandLine = alert?.entities.commandLine ?? '';
  if (!alert) {
    const [top] = await runner.run('locate-at', { DeviceName: device, Time: iso(time) });
    if (top) {
      processId = num(top.InitiatingProcessId) ?? -1;
      fileName = str(top.InitiatingProcessFileName);
      commandLine = str(top.InitiatingProcessCommandLine);
    }
  }
  const [located] = processId >= 0 || fileName
    ? await runner.run('locate-process', { DeviceName: device, ProcessId: processId, FileName: fileName, CommandLine: processId >= 0 ? '' : commandLine, Time: iso(time) })
    : [];
  const subject: ProcessNode | null = located
    ? nodeOf(located, 0)
    : processId >= 0 || fileName
      ? { time, processId: processId >= 0 ? processId : null, creationTime: null, fileName, folderPath: '', commandLine, account: alert?.entities.account ?? '', sha256: '', originalFileName: '', depth: 0, inferred: true }
      : null;
  const start = subject?.time || time;
  const account = subject?.account || alert?.entities.account || '';

  // 2. The process tree: parents up the InitiatingProcess chain, children down it.
  const treeRows = await runner.run('process-tree', { DeviceName: device, From: iso(addMs(start, -DAY)), To: iso(addMs(start, DAY)) });
  const ancestors: ProcessNode[] = [];
  const descendants: ProcessNode[] = [];
  if (subject) {
    let cur: Row | undefined = located;
    for (let depth = -1; cur && depth >= -6; depth--) {
      const ppid: number | null = num(cur.InitiatingProcessId);
      const pctime: string | null = str(cur.InitiatingProcessCreationTime) || null;
      const curStart: number = ms(str(cur.Timestamp));
      const parent: Row | undefined = treeRows
        .filter((r: Row): boolean => num(r.ProcessId) === ppid && ms(str(r.Timestamp)) <= curStart && sameStart(str(r.ProcessCreationTime) || str(r.Timestamp), pctime))
        .at(-1);
      if (parent) {
        ancestors.push(nodeOf(parent, depth));
        cur = parent;
      } else {
        if (str(cur.InitiatingProcessFileName)) {
          ancestors.push({
            time: pctime ?? '', processId: ppid, creationTime: pctime, fileName: str(cur.InitiatingProcessFileName),
            folderPath: str(cur.InitiatingProcessFolderPath), commandLine: str(cur.InitiatingProcessCommandLine), account: '',
            sha256: '', originalFileName: '', depth, inferred: true,
          });
          if (str(cur.InitiatingProcessParentFileName)) {
            ancestors.push({
              time: '', processId: num(cur.InitiatingProcessParentId), creationTime: null, fileName: str(cur.InitiatingProcessParentFileName),
              folderPath: '', commandLine: '', account: '', sha256: '', originalFileName: '', depth: depth - 1, inferred: true,
            });
          }
        }
        break;
      }
    }
    // Children, breadth first, each tied to its parent by id and creation time.
    let frontier: ProcessNode[] = [subject];
    for (let depth = 1; frontier.length && depth <= 4; depth++) {
      const next: ProcessNode[] = [];
      for (const p of frontier) {
        for (const r of treeRows) {
          if (num(r.InitiatingProcessId) !== p.processId || p.processId === null) continue;
          if (!sameStart(str(r.InitiatingProcessCreationTime) || null, p.creationTime)) continue;
          if (ms(str(r.Timestamp)) < ms(p.time)) continue;
          const child = nodeOf(r, depth);
          descendants.push(child);
          next.push(child);
        }
      }
      frontier = next;
    }
  }

  // 3. Connections of the tool and its children, bytes per destination.
  const family = subject ? [subject, ...descendants].filter((p) => p.processId !== null) : [];
  const connRows = family.length
    ? await runner.run('connections', {
        DeviceName: device,
        ProcessIds: [...new Set(family.map((p) => p.processId!))],
        From: iso(addMs(start, -MIN)),
        To: iso(addMs(start, DAY)),
      })
    : [];
  const byDest = new Map<string, Destination>();
  for (const r of connRows) {
    const pid = num(r.InitiatingProcessId);
    const owner = family.find((p) => p.processId === pid && sameStart(p.creationTime, str(r.InitiatingProcessCreationTime) || null));
    if (!owner) continue;
    const key = `${str(r.RemoteIP)}|${str(r.RemoteUrl).toLowerCase()}`;
    const d = byDest.get(key) ?? {
      remoteIp: str(r.RemoteIP), remoteUrl: str(r.RemoteUrl).toLowerCase(), ports: [], processes: [], connections: 0, events: 0,
      sentBytes: null, receivedBytes: null, first: str(r.First), last: str(r.Last),
      public: str(r.RemoteIPType) ? str(r.RemoteIPType) === 'Public' : !isPrivateIp(str(r.RemoteIP)),
    };
    d.connections += num(r.Connections) ?? 0;
    d.events += num(r.Events) ?? 0;
    const sent = num(r.SentBytes);
    const recv = num(r.ReceivedBytes);
    if (sent !== null) d.sentBytes = (d.sentBytes ?? 0) + sent;
    if (recv !== null) d.receivedBytes = (d.receivedBytes ?? 0) + recv;
    for (const p of (r.Ports as number[] | null) ?? []) if (!d.ports.includes(p)) d.ports.push(p);
    const pname = str(r.InitiatingProcessFileName);
    if (pname && !d.processes.includes(pname)) d.processes.push(pname);
    if (str(r.First) < d.first) d.first = str(r.First);
    if (str(r.Last) > d.last) d.last = str(r.Last);
    byDest.set(key, d);
  }
  const connections = [...byDest.values()].sort((a, b) => (b.sentBytes ?? -1) - (a.sentBytes ?? -1) || a.first.localeCompare(b.first));
  const bytesKnown = connections.some((d) => d.sentBytes !== null || d.receivedBytes !== null);
  const sumOf = (k: 'sentBytes' | 'receivedBytes'): number | null => (bytesKnown ? connections.reduce((s, d) => s + (d[k] ?? 0), 0) : null);
  const totals = {
    connections: connections.reduce((s, d) => s + d.connections, 0),
    sentBytes: sumOf('sentBytes'),
    receivedBytes: sumOf('receivedBytes'),
    bytesKnown,
    destinations: connections.length,
  };
  const lastActivity = connections.reduce((m, d) => (d.last > m ? d.last : m), start);

  // 4. Other devices that reached the same destinations (public ones; every device reaches the DNS server).
  const publicDests = connections.filter((d) => d.public);
  const ips = [...new Set(publicDests.map((d) => d.remoteIp).filter(Boolean))];
  const urls = [...new Set(publicDests.map((d) => d.remoteUrl).filter(Boolean))];
  const domains = [...new Set(urls.map(registeredDomain))];
  const otherRows = ips.length || urls.length
    ? await runner.run('other-devices', {
        DeviceName: device, RemoteIPs: ips, RemoteUrls: urls,
        DomainRegex: domains.length ? `(^|\\.)(${domains.map(regexEscape).join('|')})$` : '^$',
      })
    : [];
  const otherDevices: OtherDevice[] = otherRows.map((r) => ({
    device: str(r.DeviceName), connections: num(r.Connections) ?? 0, sentBytes: num(r.SentBytes), first: str(r.First), last: str(r.Last),
    destinations: (r.Destinations as string[] | null) ?? [], processes: (r.Processes as string[] | null) ?? [], accounts: (r.Accounts as string[] | null) ?? [],
  }));

  // 5. First seen, on the device and in the fleet.
  const seenRows = subject?.fileName ? await runner.run('first-seen', { FileName: subject.fileName, SHA256: subject.sha256 }) : [];
  const [range] = await runner.run('data-range', {});
  const devices = seenRows.map((r) => ({
    device: str(r.DeviceName), first: str(r.FirstSeen), last: str(r.LastSeen), starts: num(r.Starts) ?? 0, days: num(r.Days) ?? 0,
    names: (r.Names as string[] | null) ?? [],
  }));
  const mine = devices.find((d) => d.device.toLowerCase() === device.toLowerCase());
  const firstSeen = {
    onDevice: mine?.first ?? null,
    daysOnDevice: mine?.days ?? 0,
    startsOnDevice: mine?.starts ?? 0,
    inFleet: devices[0]?.first ?? null,
    fleetFirstDevice: devices[0]?.device ?? null,
    devices,
    dataStart: range ? str(range.DataStart) || null : null,
  };

  // 6. Files around the transfer.
  const context = [...new Set(treeRows
    .filter((r) => ms(str(r.Timestamp)) >= ms(start) - 2 * HOUR && ms(str(r.Timestamp)) <= ms(lastActivity) + 10 * MIN)
    .filter((r) => !account || str(r.AccountName).toLowerCase() === account.toLowerCase())
    .map((r) => str(r.ProcessCommandLine).toLowerCase()))].slice(0, 200).join('\n');
  const fileRows = subject
    ? await runner.run('files-before', {
        DeviceName: device, From: iso(addMs(start, -2 * HOUR)), To: iso(addMs(lastActivity, 10 * MIN)),
        FileName: subject.fileName, OriginalFileName: subject.originalFileName, Context: context,
      })
    : [];
  const files: FileEvent[] = fileRows.map((r) => ({
    time: str(r.Timestamp), action: str(r.ActionType), fileName: str(r.FileName), folderPath: str(r.FolderPath),
    previousFileName: str(r.PreviousFileName), size: num(r.FileSize), sha256: str(r.SHA256), byProcess: str(r.InitiatingProcessFileName),
    account: str(r.InitiatingProcessAccountName), why: str(r.Why), when: ms(str(r.Timestamp)) <= ms(start) ? 'before' : 'after',
  }));
  const fileEventsPresent = (num(range?.FileEvents) ?? 0) > 0;

  // 7. Indicators and the verdict aid.
  const indicators = indicatorsOf({ subject, ancestors, connections, firstSeen, files, start, lists });
  const classes = assessFpClasses({ device, account, subject, ancestors, connections, firstSeen, lists });
  const matching = classes.filter((c) => c.matches);
  const summary = matching.length
    ? `Consistent with ${matching.map((c) => `${c.id} (${c.name})`).join(', ')}: ${matching[0]!.whatWouldTell}`
    : `Matches no false-positive class${indicators.length ? ` and shows ${indicators.length} sign(s) of exfiltration` : ''}: treat it as exfiltration until the owner of ${account || 'the account'} on ${device} explains ${subject?.fileName ?? 'the transfer'}${publicDests.length ? ` to ${publicDests.slice(0, 3).map((d) => d.remoteUrl || d.remoteIp).join(', ')}` : ''}.`;

  return {
    subject: alert
      ? { alertId: alert.id, ruleId: alert.ruleId, ruleName: alert.ruleName, severity: alert.severity, detection: alert.detection, reason: alert.reason, time: alert.time }
      : { time },
    device,
    account,
    process: subject,
    tree: { ancestors, descendants },
    connections,
    totals,
    otherDevices,
    firstSeen,
    files,
    fileEventsPresent,
    indicators,
    verdict: { classes, summary },
    queries: runner.log,
  };
}

function isOffHours(iso: string): boolean {
  const d = new Date(iso);
  const day = d.getUTCDay();
  const h = d.getUTCHours();
  return day === 0 || day === 6 || h < 8 || h >= 18;
}

const USER_WRITABLE = /\\users\\public\\|\\downloads\\|\\appdata\\local\\temp\\|^c:\\temp\\|\\programdata\\(?!microsoft)|^\/tmp\/|^\/dev\/shm\//i;

function indicatorsOf(x: {
  subject: ProcessNode | null; ancestors: ProcessNode[]; connections: Destination[]; firstSeen: InvestigationReport['firstSeen'];
  files: FileEvent[]; start: string; lists: Watchlist[];
}): string[] {
  const out: string[] = [];
  const s = x.subject;
  if (s) {
    if (s.originalFileName && s.fileName && s.originalFileName.toLowerCase() !== s.fileName.toLowerCase()) {
      out.push(`renamed binary: ${s.fileName} is ${s.originalFileName} by its version information`);
    }
    if (USER_WRITABLE.test(s.folderPath)) out.push(`runs from a user-writable folder: ${s.folderPath}`);
    if (/--no-check-certificate|(^|\s)-k(\s|$)|--insecure|-UseSsl/i.test(s.commandLine) && /--no-check-certificate|(^|\s)-k(\s|$)|--insecure/i.test(s.commandLine)) {
      out.push('certificate checks turned off on the command line');
    }
  }
  if (x.start && isOffHours(x.start)) out.push(`off hours: started ${x.start.slice(0, 16).replace('T', ' ')} UTC`);
  if (x.firstSeen.onDevice && x.firstSeen.dataStart && ms(x.firstSeen.onDevice) - ms(x.firstSeen.dataStart) > DAY && x.firstSeen.daysOnDevice <= 1) {
    out.push(`new on the device: first seen ${x.firstSeen.onDevice.slice(0, 16).replace('T', ' ')} UTC, on ${x.firstSeen.daysOnDevice} day(s)`);
  }
  const managed = watchlist(x.lists, 'ManagedTransferDestinations').map(firstColumn);
  const unmanaged = x.connections.filter((d) => d.public && !isManaged(d, managed) && (d.sentBytes ?? 0) > 0);
  const sent = unmanaged.reduce((s, d) => s + (d.sentBytes ?? 0), 0);
  if (sent > 1024 * 1024) {
    out.push(`${(sent / 1048576).toFixed(1)} MB sent to unmanaged public destination(s): ${unmanaged.slice(0, 4).map((d) => d.remoteUrl || d.remoteIp).join(', ')}`);
  }
  const staged = x.files.filter((f) => f.when === 'before' && (f.why === 'archive' || f.why === 'rclone configuration' || f.why === "the tool's binary"));
  if (staged.length) out.push(`staged just before: ${staged.slice(0, 4).map((f) => `${f.fileName} (${f.why})`).join(', ')}`);
  const cleaned = x.files.filter((f) => f.when === 'after' && f.action === 'FileDeleted');
  if (cleaned.length) out.push(`deleted after: ${cleaned.map((f) => f.fileName).join(', ')}`);
  return out;
}

function isManaged(d: Destination, managed: string[]): boolean {
  return managed.some((m) => {
    const k = m.trim().toLowerCase();
    if (!k) return false;
    if (/^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(k)) return inCidr(d.remoteIp, k);
    return d.remoteUrl === k || d.remoteUrl.endsWith('.' + k);
  });
}

function assessFpClasses(x: {
  device: string; account: string; subject: ProcessNode | null; ancestors: ProcessNode[]; connections: Destination[];
  firstSeen: InvestigationReport['firstSeen']; lists: Watchlist[];
}): FpClassAssessment[] {
  const dev = x.device.toLowerCase().split('.')[0]!;
  const acct = x.account.toLowerCase();
  const managed = watchlist(x.lists, 'ManagedTransferDestinations').map(firstColumn);
  const publicDests = x.connections.filter((d) => d.public);
  const unmanaged = publicDests.filter((d) => !isManaged(d, managed));
  const destsText = (ds: Destination[]): string => ds.slice(0, 4).map((d) => d.remoteUrl || d.remoteIp).join(', ');
  const destFor = (forList: string[], againstList: string[]): void => {
    if (!x.connections.length) return;
    if (unmanaged.length) againstList.push(`public destination(s) not in ManagedTransferDestinations: ${destsText(unmanaged)}`);
    else forList.push('every destination is internal or in ManagedTransferDestinations');
  };
  const procPath = (x.subject?.folderPath || x.subject?.fileName || '').toLowerCase();
  const out: FpClassAssessment[] = [];

  // FP1: administrators moving files to managed servers.
  {
    const f: string[] = [];
    const a: string[] = [];
    const row = watchlist(x.lists, 'AdminAccounts').find((r) => firstColumn(r).toLowerCase() === acct);
    if (row && listHas(row.Devices, dev)) f.push(`${x.account} is in AdminAccounts for ${x.device}`);
    else a.push(`${x.account || 'the account'} is not an administrator on ${x.device} (AdminAccounts)`);
    destFor(f, a);
    out.push({ id: 'FP1', name: 'administrator file transfer', matches: !a.length && f.length > 0, signalsFor: f, signalsAgainst: a,
      whatWouldTell: 'a change or ticket for the transfer, the destination being a server IT manages, and the administrator confirming it; an admin account sending to a personal or file-sharing destination is not this class.' });
  }
  // FP2: scheduled backups.
  {
    const f: string[] = [];
    const a: string[] = [];
    const row = watchlist(x.lists, 'BackupProcesses').find((r) => wildcardMatch(firstColumn(r), procPath) && listHas(r.Devices, dev) && listHas(r.Accounts, acct));
    if (row) f.push(`${procPath} is a backup process (BackupProcesses: ${row.Description ?? ''})`);
    else a.push(`${x.subject?.fileName || 'the process'} is not a listed backup process on ${x.device}`);
    if (x.firstSeen.daysOnDevice >= 3) f.push(`recurs: ran on ${x.firstSeen.daysOnDevice} days on the device`);
    else a.push(`does not recur: ran on ${x.firstSeen.daysOnDevice} day(s) on the device`);
    destFor(f, a);
    out.push({ id: 'FP2', name: 'scheduled backup', matches: !a.length && f.length > 0, signalsFor: f, signalsAgainst: a,
      whatWouldTell: 'the same command line at the same hour on earlier nights, a backup job owning it (cron, a scheduled task, the backup agent as parent) and the DR site as the only destination.' });
  }
  // FP3: CI builds publishing artefacts.
  {
    const f: string[] = [];
    const a: string[] = [];
    const row = watchlist(x.lists, 'BuildHosts').find((r) => firstColumn(r).toLowerCase().split('.')[0] === dev);
    if (row && listHas(row.Accounts, acct)) f.push(`${x.device} is a build host and ${x.account} its build account (BuildHosts)`);
    else a.push(`${x.device} as ${x.account || '?'} is not a build host and account (BuildHosts)`);
    if (x.firstSeen.daysOnDevice >= 3) f.push(`recurs: ran on ${x.firstSeen.daysOnDevice} days on the device`);
    out.push({ id: 'FP3', name: 'CI build publishing artefacts', matches: !a.length && f.length > 0, signalsFor: f, signalsAgainst: a,
      whatWouldTell: 'a pipeline run at that time (the CI system\'s job log), the build agent as parent, and the artefact bucket or repository as destination.' });
  }
  // FP4: the security team moving evidence.
  {
    const f: string[] = [];
    const a: string[] = [];
    const row = watchlist(x.lists, 'SecurityTeam').find((r) => firstColumn(r).toLowerCase() === acct);
    if (row && listHas(row.Devices, dev)) f.push(`${x.account} is in SecurityTeam for ${x.device}`);
    else a.push(`${x.account || 'the account'} is not in SecurityTeam on ${x.device}`);
    destFor(f, a);
    out.push({ id: 'FP4', name: 'security team evidence transfer', matches: !a.length && f.length > 0, signalsFor: f, signalsAgainst: a,
      whatWouldTell: 'an open case that the transfer belongs to, the evidence store as destination, and the analyst confirming it.' });
  }
  // FP5: updaters and the software catalogue.
  {
    const f: string[] = [];
    const a: string[] = [];
    const updaters = watchlist(x.lists, 'UpdaterProcesses');
    const names = updaters.map((r) => (firstColumn(r).split(/[\\/]/).pop() ?? '').toLowerCase()).filter((n) => n && n !== '*');
    const self = updaters.find((r) => wildcardMatch(firstColumn(r), procPath));
    const parent = x.ancestors.find((p) => names.includes(p.fileName.toLowerCase()));
    if (self) f.push(`${procPath} is an updater (UpdaterProcesses)`);
    if (parent) f.push(`started by the updater ${parent.fileName}`);
    if (['system', 'root', '_apt', 'nt authority\\system'].includes(acct)) f.push(`runs as ${x.account}`);
    if (!self && !parent) a.push(`${x.subject?.fileName || 'the process'} is neither a listed updater nor started by one`);
    if (!['system', 'root', '_apt'].includes(acct)) a.push(`runs as the user ${x.account || '?'}, not as SYSTEM or root`);
    const sent = publicDests.reduce((s, d) => s + (d.sentBytes ?? 0), 0);
    if (sent > 5 * 1024 * 1024) a.push(`sends ${(sent / 1048576).toFixed(1)} MB (updaters download, they do not upload)`);
    out.push({ id: 'FP5', name: 'updater or software catalogue', matches: !a.length && f.length > 0, signalsFor: f, signalsAgainst: a,
      whatWouldTell: 'a vendor-signed binary in its install folder, started by its service or the catalogue task, receiving far more than it sends, on many devices at once.' });
  }
  return out;
}

/** The alert with this id in a hunt's alerts (ids are stable across runs over the same data). */
export function findAlert(alerts: Alert[], id: string): Alert | undefined {
  const key = id.trim().toLowerCase();
  return alerts.find((a) => a.id.toLowerCase() === key) ?? (key.length >= 6 ? alerts.find((a) => a.id.toLowerCase().startsWith(key)) : undefined);
}

