/**
 * Byte crediting: a stage of the DeviceNetworkEvents table view that fills the extension columns
 * `SentBytes`/`ReceivedBytes` of the endpoint's connection rows (which name the process but carry
 * no bytes) from flows of the same connection (which carry bytes but name no process).
 *
 * - Rows credited: ActionType ConnectionSuccess, ConnectionSuccessAggregatedReport or
 *   ConnectionRequest, with an initiating process, and no SentBytes/ReceivedBytes of their own.
 * - Flows: Zeek rows (ActionType "ConnectionFlow", sources/zeek/) and Defender
 *   `*ConnectionInspected` rows whose AdditionalFields carry `orig_bytes`/`resp_bytes`.
 * - Match: same LocalIP, LocalPort, RemoteIP, RemotePort (IPv4-mapped IPv6 folded to IPv4);
 *   protocols equal when both known; DeviceIds equal when both known; flow time within
 *   ±CREDIT_WINDOW_MS of the row's Timestamp. One flow credits at most one row and one row takes
 *   at most one flow, closest in time first (ties: ConnectionSuccess before the aggregated report
 *   before ConnectionRequest, then file order).
 * - Each flow's bytes appear once in the table: a credited Zeek flow is not emitted as a row of
 *   its own; a credited *ConnectionInspected row stays (it is Defender's own row) with its byte
 *   columns left empty; an uncredited flow keeps (Zeek) or gets (inspected) its bytes on its own row.
 *
 * Two passes over the table's records: the first keeps flows (65 bytes each) and candidate rows
 * (48 bytes each) as packed numbers, keyed by a 52-bit hash of the 4-tuple, and solves the matching
 * with a merge join; the second streams the records with the credits applied. Before them, a
 * read for flows alone (a field test readers apply before parsing, in the same read of each file
 * as the query's own scans of the table): with no flow in the records the passes are skipped and
 * the records pass through. When no file could hold a flow (no Zeek or Parquet file, no
 * "ConnectionInspected"/"ConnectionFlow" in any file's bytes) the stage is a pass-through.
 * docs/zeek.md has the reasoning.
 */
import { promises as fs } from 'node:fs';
import { parseDatetime, toUnixMs } from '../../schema/values/datetime.js';
import { type FieldTest, withoutColumns } from '../field-filter.js';
import { memberOf } from '../shared-scan.js';
import { type DataFile, type ReadHints, type ReadStats, type SourceRecord, flatten, gather, newStats, openBytes } from '../reader.js';

/** How far a flow's start may be from the connection row's Timestamp. */
export const CREDIT_WINDOW_MS = 2 * 60 * 1000;

/** ActionTypes whose rows receive bytes, in order of preference when two compete for one flow. */
export const CREDITED_ACTION_TYPES = ['ConnectionSuccess', 'ConnectionSuccessAggregatedReport', 'ConnectionRequest'] as const;

/** The ActionType of a Zeek flow row (sources/zeek/mapping.ts). */
export const FLOW_ACTION_TYPE = 'ConnectionFlow';

const PREFERENCE = new Map<string, number>(CREDITED_ACTION_TYPES.map((a, i) => [a, i]));

/**
 * The records of `table`, credited when it is DeviceNetworkEvents. `records(stats, hints)` must
 * yield the same records in the same order for the same hints; both passes use the same hints
 * (the query's raw pre-filter widened to let every flow through), and the first pass reads with
 * scratch stats so warnings are not counted twice.
 */
export function enrich(
  table: string,
  records: (stats: ReadStats, hints?: ReadHints) => AsyncIterable<SourceRecord[]>,
  stats: ReadStats,
  files: DataFile[],
  hints?: ReadHints,
): AsyncIterable<SourceRecord[]> {
  // Other tables pass through as they are (no stage of their own for every record to cross).
  return table.toLowerCase() === 'devicenetworkevents' ? credited(records, stats, files, hints) : records(stats, hints);
}

async function* credited(
  records: (stats: ReadStats, hints?: ReadHints) => AsyncIterable<SourceRecord[]>,
  stats: ReadStats,
  files: DataFile[],
  hints?: ReadHints,
): AsyncGenerator<SourceRecord[]> {
  if (!(await mayHoldFlows(files))) {
    yield* records(stats, hints);
    return;
  }
  // Credits may change the byte columns: a test on them says nothing of the rows the query gets
  // (nor is a scan that tests them worth sharing a read with, when most rows have bytes).
  if (hints?.shared) {
    hints.shared.tests = hints.shared.tests.map((t) => withoutColumns(t, BYTE_COLUMNS));
    hints = { ...hints, fields: hints.member === undefined ? undefined : hints.shared.tests[hints.member] };
  } else if (hints) hints = { ...hints, fields: withoutColumns(hints.fields, BYTE_COLUMNS) };
  // Pass 1 sees every flow and every row that could take one, so a flow is matched to its
  // closest row even when the query's filter hides that row; pass 2 may skip what the filter
  // rejects. Records pair up by their place (file, line, index in line), which filtering does
  // not change, and pass 1's skipping keeps their order.
  // First, whether there is any flow at all: a test that locates few fields, run in the same
  // read of each file as the query's scans of the table (shared-scan.ts). With none, nothing is
  // credited and the query's records come from that read.
  const shared = hints?.shared;
  const found = await planCredits(flatten(records(newStats(stats.strict), { fields: IS_FLOW, columns: CREDIT_COLUMNS, shared, member: shared && memberOf(shared, IS_FLOW, CREDIT_COLUMNS) })));
  if (found.flows.length === 0) {
    yield* records(stats, hints);
    return;
  }
  const plan = await planCredits(flatten(records(newStats(stats.strict), { fields: MAY_CREDIT, columns: CREDIT_COLUMNS })));
  // Credits change the byte columns: the query's tests on them no longer say anything.
  const query = hints?.rawFilter;
  const fields = withoutColumns(hints?.fields, BYTE_COLUMNS);
  const widened: ReadHints | undefined = hints && {
    ...hints,
    shared: undefined,
    member: undefined,
    rawFilter: query && ((text) => FLOW_TEXT.test(text) || query(text)),
    fields: fields && { op: 'or', items: [IS_FLOW_TYPE, fields] },
  };
  yield* gather(applyCredits(flatten(records(stats, widened)), plan));
}

const BYTE_COLUMNS = new Set(['SentBytes', 'ReceivedBytes']);

/** The fields the credit plan reads (planCredits, connectionKey, hasProcess, inspectedBytes). */
const CREDIT_COLUMNS: ReadonlySet<string> = new Set(['ActionType', 'Timestamp', 'LocalIP', 'LocalPort', 'RemoteIP', 'RemotePort', 'Protocol',
  'DeviceId', 'SentBytes', 'ReceivedBytes', 'AdditionalFields', 'InitiatingProcessFileName', 'InitiatingProcessFolderPath',
  'InitiatingProcessCommandLine', 'InitiatingProcessId']);

/** A record's ActionType may make it a flow (the query's pre-filter must not hide flows). */
const IS_FLOW_TYPE: FieldTest = { op: 'contains', column: 'ActionType', values: ['connectioninspected', 'connectionflow'] };

/**
 * A record that may be a flow with byte counts: a Zeek row, or an inspected row whose
 * AdditionalFields may carry them. Its raw text names one of them, or holds a `\u` escape that
 * might spell one: a reader of raw text skips the rest unparsed.
 */
const IS_FLOW: FieldTest = {
  op: 'or',
  items: [
    { op: 'needs', needles: ['ConnectionFlow', '\\u'], test: { op: 'in', column: 'ActionType', values: ['ConnectionFlow'], fold: false } },
    {
      op: 'needs',
      needles: ['orig_bytes', 'resp_bytes', '\\u'],
      test: {
        op: 'and',
        items: [
          // ActionType first: it comes early in a record and settles most of them.
          { op: 'contains', column: 'ActionType', values: ['connectioninspected'] },
          // '\\u': the names may be written with escapes inside the embedded JSON text.
          { op: 'contains', column: 'AdditionalFields', values: ['orig_bytes', 'resp_bytes', '\\u'] },
        ],
      },
    },
  ],
};

/** What the credit plan reads: flows, and rows that may be credited (a credited ActionType, neither byte column filled). */
const MAY_CREDIT: FieldTest = {
  op: 'or',
  items: [
    IS_FLOW,
    {
      op: 'and',
      items: [
        { op: 'in', column: 'ActionType', values: [...CREDITED_ACTION_TYPES], fold: false },
        { op: 'blank', column: 'SentBytes' },
        { op: 'blank', column: 'ReceivedBytes' },
      ],
    },
  ],
};

/** Raw text of a record that may be a flow (the query's pre-filter must not hide flows). */
const FLOW_TEXT = /ConnectionInspected|ConnectionFlow/;

/** Flows, in record order, as parallel packed columns. Bytes: NaN for "not given". */
class Flows {
  readonly ordinal = new Packed(1);
  readonly key = new Packed(5); // hash, t, proto, device, kind (0 Zeek, 1 inspected)
  readonly bytes = new Packed(2); // sent, received
  claimed = new Uint8Array(0);
  get length(): number {
    return this.ordinal.length;
  }
}

export interface CreditPlan {
  flows: Flows;
  /** Where each flow sits (see placeOf). */
  flowPlace: string[];
  /** Credited rows by place, and the flow index credited to each. */
  credited: Map<string, number>;
}

/** A record's place in the table's stream, the same whatever a filter skipped. */
export function placeOf(r: SourceRecord): string {
  return r.place ?? String(r.line);
}

/** Pass 1: find flows and candidate rows, then match them. */
export async function planCredits(records: AsyncIterable<SourceRecord>): Promise<CreditPlan> {
  const flows = new Flows();
  const rows = new Packed(6); // hash, t, ordinal, proto, device, preference
  const places: string[] = [];
  const flowPlace: string[] = [];
  let ordinal = 0;
  for await (const r of records) {
    const { rec } = r;
    const o = ordinal++;
    places.push(placeOf(r));
    const action = typeof rec.ActionType === 'string' ? rec.ActionType : '';
    const pref = PREFERENCE.get(action);
    const isFlow = action === FLOW_ACTION_TYPE || action.endsWith('ConnectionInspected');
    if (pref === undefined && !isFlow) continue;
    const k = connectionKey(rec);
    const t = timeMs(rec.Timestamp);
    if (k === undefined || t === undefined) continue;
    const proto = protocolCode(rec.Protocol);
    const device = typeof rec.DeviceId === 'string' && rec.DeviceId !== '' ? hash52(rec.DeviceId) : 0;
    if (isFlow) {
      const zeek = action === FLOW_ACTION_TYPE;
      const b = zeek ? [count(rec.SentBytes), count(rec.ReceivedBytes)] as const : inspectedBytes(rec.AdditionalFields);
      if (!b || (b[0] === null && b[1] === null)) continue;
      flows.ordinal.push(o);
      flowPlace.push(placeOf(r));
      flows.key.push(hash52(k), t, proto, device, zeek ? 0 : 1);
      flows.bytes.push(b[0] ?? NaN, b[1] ?? NaN);
    } else if (hasProcess(rec) && blank(rec.SentBytes) && blank(rec.ReceivedBytes)) {
      rows.push(hash52(k), t, o, proto, device, pref!);
    }
  }
  flows.claimed = new Uint8Array(flows.length);
  const credited: number[] = []; // row ordinal, flow index
  if (flows.length && rows.length) {
    // Merge join on the 4-tuple hash: both sides sorted by hash, each run of equal hashes paired.
    const fk = flows.key.data, rk = rows.data;
    const fOrder = sortedBy(flows.length, (i) => fk[i * 5]!);
    const rOrder = sortedBy(rows.length, (i) => rk[i * 6]!);
    const pairs = new Packed(4); // dt, preference, row ordinal, flow index
    let f0 = 0;
    for (let ri = 0; ri < rOrder.length; ri++) {
      const r = rOrder[ri]! * 6;
      const hash = rk[r]!;
      while (f0 < fOrder.length && fk[fOrder[f0]! * 5]! < hash) f0++;
      for (let fi = f0; fi < fOrder.length && fk[fOrder[fi]! * 5] === hash; fi++) {
        const i = fOrder[fi]!, f = i * 5;
        const proto = rk[r + 3]!, fproto = fk[f + 2]!, device = rk[r + 4]!, fdevice = fk[f + 3]!;
        if (proto && fproto && proto !== fproto) continue;
        if (device && fdevice && device !== fdevice) continue;
        const dt = Math.abs(rk[r + 1]! - fk[f + 1]!);
        if (dt <= CREDIT_WINDOW_MS) pairs.push(dt, rk[r + 5]!, rk[r + 2]!, i);
      }
    }
    // Closest first (then preferred ActionType, then record order), one-to-one.
    const p = pairs.data;
    const order = Uint32Array.from({ length: pairs.length }, (_, i) => i).sort((a, b) =>
      p[a * 4]! - p[b * 4]! || p[a * 4 + 1]! - p[b * 4 + 1]! || p[a * 4 + 2]! - p[b * 4 + 2]! || p[a * 4 + 3]! - p[b * 4 + 3]!);
    const rowTaken = new Set<number>();
    for (const j of order) {
      const o = p[j * 4 + 2]!, i = p[j * 4 + 3]!;
      if (flows.claimed[i] || rowTaken.has(o)) continue;
      flows.claimed[i] = 1;
      rowTaken.add(o);
      credited.push(o, i);
    }
  }
  const byPlace = new Map<string, number>();
  for (let j = 0; j < credited.length; j += 2) byPlace.set(places[credited[j]!]!, credited[j + 1]!);
  return { flows, flowPlace, credited: byPlace };
}

/** Pass 2: the records with credits applied; credited Zeek flows are left out. */
export async function* applyCredits(records: AsyncIterable<SourceRecord>, plan: CreditPlan): AsyncGenerator<SourceRecord> {
  const { flows, credited } = plan;
  const fk = flows.key.data, fb = flows.bytes.data;
  const flowAt = new Map(plan.flowPlace.map((p, i) => [p, i]));
  for await (const r of records) {
    const place = placeOf(r);
    const i = credited.get(place);
    if (i !== undefined) {
      if (!Number.isNaN(fb[i * 2]!)) r.rec.SentBytes = fb[i * 2];
      if (!Number.isNaN(fb[i * 2 + 1]!)) r.rec.ReceivedBytes = fb[i * 2 + 1];
    } else {
      const f = flowAt.get(place);
      if (f !== undefined) {
        const inspected = fk[f * 5 + 4] === 1;
        if (flows.claimed[f]) {
          if (!inspected) continue; // a Zeek flow: its bytes are on the process's row now
        } else if (inspected) {
          if (blank(r.rec.SentBytes) && !Number.isNaN(fb[f * 2]!)) r.rec.SentBytes = fb[f * 2];
          if (blank(r.rec.ReceivedBytes) && !Number.isNaN(fb[f * 2 + 1]!)) r.rec.ReceivedBytes = fb[f * 2 + 1];
        }
      }
    }
    yield r;
  }
}

/** Indexes 0..n-1 sorted by a numeric key (stable). */
function sortedBy(n: number, key: (i: number) => number): Uint32Array {
  const keys = Float64Array.from({ length: n }, (_, i) => key(i));
  return Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
}

// ---- what a record says -------------------------------------------------------------------

/** LocalIP|LocalPort|RemoteIP|RemotePort, or undefined when one is missing. */
export function connectionKey(rec: Record<string, unknown>): string | undefined {
  const li = ip(rec.LocalIP), lp = port(rec.LocalPort), ri = ip(rec.RemoteIP), rp = port(rec.RemotePort);
  if (li === undefined || lp === undefined || ri === undefined || rp === undefined) return undefined;
  return `${li}|${lp}|${ri}|${rp}`;
}

function ip(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  let s = v.trim().toLowerCase();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (s.startsWith('::ffff:') && s.includes('.')) s = s.slice(7); // Defender writes IPv4 as ::ffff:a.b.c.d at times
  return s === '' ? undefined : s;
}

function port(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d{1,5}\s*$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : undefined;
}

/** 0 unknown, then tcp, udp, icmp, other; Defender's TcpV4/UdpV6 spellings fold in. */
function protocolCode(v: unknown): number {
  if (typeof v !== 'string' || v.trim() === '') return 0;
  const p = v.trim().toLowerCase().replace(/v[46]$/, '');
  return p === 'tcp' ? 1 : p === 'udp' ? 2 : p === 'icmp' || p === 'icmp6' ? 3 : 4;
}

function timeMs(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const t = parseDatetime(v);
  return t === null ? undefined : toUnixMs(t);
}

function hasProcess(rec: Record<string, unknown>): boolean {
  const s = (k: string) => typeof rec[k] === 'string' && rec[k] !== '';
  return s('InitiatingProcessFileName') || s('InitiatingProcessFolderPath') || s('InitiatingProcessCommandLine') || (count(rec.InitiatingProcessId) ?? 0) > 0;
}

function blank(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

function count(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : null;
  if (typeof v === 'bigint') return v >= 0n ? Number(v) : null;
  if (typeof v === 'string' && /^\s*\d{1,16}\s*$/.test(v)) return Number(v);
  return null;
}

/** [sent, received] from a *ConnectionInspected row's Zeek-like AdditionalFields (string or object). */
function inspectedBytes(af: unknown): readonly [number | null, number | null] | undefined {
  let o = af;
  if (typeof o === 'string') {
    if (!o.trimStart().startsWith('{')) return undefined;
    try {
      o = JSON.parse(o);
    } catch {
      return undefined;
    }
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) return undefined;
  const f = o as Record<string, unknown>;
  const orig = count(f.orig_bytes), resp = count(f.resp_bytes);
  // orig is the connection's initiator: the device itself unless the connection came in.
  const inbound = typeof f.direction === 'string' && f.direction.toLowerCase() === 'in';
  return inbound ? [resp, orig] : [orig, resp];
}

/** A 52-bit hash (two 32-bit FNV-style hashes), exact as a JS number. */
function hash52(s: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return (h1 >>> 0) * 0x100000 + ((h2 >>> 0) & 0xfffff);
}

/** Records of `stride` numbers each in one growing Float64Array. */
class Packed {
  data: Float64Array;
  length = 0;
  constructor(private readonly stride: number) {
    this.data = new Float64Array(stride * 256);
  }
  push(...v: number[]): void {
    if ((this.length + 1) * this.stride > this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data.set(v, this.length++ * this.stride);
  }
}

// ---- can any file hold a flow? ---------------------------------------------------------------

const NEEDLES = [Buffer.from('ConnectionInspected'), Buffer.from(FLOW_ACTION_TYPE)];
const scanned = new Map<string, boolean>();

/** Readers whose files are flows, or whose compressed pages hide the ActionType text: no scan. */
const ALWAYS = new Set(['zeek', 'parquet']);

async function mayHoldFlows(files: DataFile[]): Promise<boolean> {
  for (const f of files) if (ALWAYS.has(f.reader) || (await mentionsFlows(f))) return true;
  return false;
}

/** Whether the file's (decompressed) bytes name a flow ActionType; cached by path, size and mtime. */
async function mentionsFlows(file: DataFile): Promise<boolean> {
  let key: string;
  try {
    const st = await fs.stat(file.path);
    key = `${file.path}\0${st.size}\0${st.mtimeMs}`;
  } catch {
    return true; // let the read itself report the file
  }
  const known = scanned.get(key);
  if (known !== undefined) return known;
  let found = false;
  try {
    let tail: Buffer = Buffer.alloc(0);
    for await (const chunk of openBytes(file) as AsyncIterable<Buffer>) {
      const edge = Buffer.concat([tail, chunk.subarray(0, 64)]);
      if (NEEDLES.some((n) => chunk.includes(n) || edge.includes(n))) {
        found = true;
        break;
      }
      tail = chunk.length >= 64 ? chunk.subarray(chunk.length - 64) : Buffer.concat([tail, chunk]).subarray(-64);
    }
  } catch {
    return true; // a broken file: the read reports it
  }
  if (scanned.size >= 4096) scanned.clear();
  scanned.set(key, found);
  return found;
}
