/**
 * Sysmon events, from native `.evtx` files (Windows) and from event XML (Sysmon for Linux in
 * syslog, one `<Event>` per line after the syslog prefix; Windows XML exports), mapped onto
 * Defender tables by `mapping.ts`: ProcessCreate (1) → DeviceProcessEvents, NetworkConnect (3)
 * → DeviceNetworkEvents, FileCreate (11) → DeviceFileEvents, DnsQuery (22) → DeviceEvents.
 *
 * Records are streamed; the only state kept is a bounded cache of recent ProcessCreate events
 * (by ProcessGuid) that fills InitiatingProcess* columns of later events. Events of other Event
 * IDs or providers are counted and reported in one note per file, damaged ones as skipped records.
 */
import { facts } from '../../diagnostics/facts.js';
import { type WinEvent, toWinEvent } from '../evtx/event.js';
import { EvtxFormatError, FILE_MAGIC, readEvtx } from '../evtx/evtx.js';
import { type DataFile, type Reader, type ReadStats, type SourceRecord, openBytes, readFailed, skip } from '../reader.js';
import { type ColumnRule, SYSMON_CHANNELS, SYSMON_MAPPINGS, SYSMON_PROVIDER_GUIDS, SYSMON_PROVIDERS, type SysmonMapping } from './mapping.js';
import { TRANSFORMS } from './transforms.js';
import { scanEvents } from './xml.js';

const SYSMON_TABLES = [...new Set(SYSMON_MAPPINGS.map((m) => m.table))];
const BY_EVENT_ID = new Map<number, SysmonMapping>(SYSMON_MAPPINGS.map((m) => [m.when.EventID, m]));
const SYSMON_IDS = new Set([...SYSMON_PROVIDERS, ...SYSMON_PROVIDER_GUIDS, ...SYSMON_CHANNELS].map((p) => p.toLowerCase()));

export const sysmonReader: Reader = {
  name: 'sysmon',
  claims,
  tables: SYSMON_TABLES,
  read: readSysmon,
};

const TEXT_NAME = /(\.(xml|log|txt)|(^|[\\/])(syslog|messages)(\.\d+)?)$/;

function claims(name: string, head: Buffer): boolean {
  if (head.length >= 8 && head.subarray(0, 8).equals(FILE_MAGIC)) return true;
  if (!TEXT_NAME.test(name)) return false;
  const text = decodeHead(head);
  return /<Event[\s>]/.test(text) && /(Microsoft-Windows-Sysmon|Linux-Sysmon)/i.test(text);
}

function decodeHead(head: Buffer): string {
  if (head[0] === 0xff && head[1] === 0xfe) return head.toString('utf16le', 2, head.length & ~1);
  if (head[0] === 0xfe && head[1] === 0xff) return Buffer.from(head.subarray(2, head.length & ~1)).swap16().toString('utf16le');
  return head.toString('utf8');
}

/** The ProcessCreate fields the mappings read through `process.X` / `parent.X`. */
const CACHED_FIELDS = [...new Set(SYSMON_MAPPINGS.flatMap((m) => m.columns.flatMap((c) => [c.from ?? []].flat()))
  .filter((f) => f.startsWith('process.') || f.startsWith('parent.')).map((f) => f.slice(f.indexOf('.') + 1)))];

/** Recent ProcessCreate events (the fields mappings read) by ProcessGuid, oldest dropped first. */
export class ProcessCache {
  private map = new Map<string, Record<string, string>>();
  constructor(private readonly max = 20_000) {}
  get(guid: string | undefined): Record<string, string> | undefined {
    return guid ? this.map.get(guid.toLowerCase()) : undefined;
  }
  set(guid: string, data: Record<string, string>): void {
    const k = guid.toLowerCase();
    const kept: Record<string, string> = {};
    for (const f of CACHED_FIELDS) if (data[f] !== undefined) kept[f] = data[f]!;
    this.map.delete(k);
    this.map.set(k, kept);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
}

export interface MapContext {
  processes: ProcessCache;
  /** Events not loaded, by reason (`Sysmon Event ID 10`, `other providers`). */
  unmapped: Map<string, number>;
}

export function newMapContext(): MapContext {
  return { processes: new ProcessCache(), unmapped: new Map() };
}

function source(ev: WinEvent, ctx: MapContext, from: string): string | undefined {
  const dot = from.indexOf('.');
  let v: unknown;
  if (dot < 0) v = ev.EventData[from];
  else {
    const scope = from.slice(0, dot);
    const field = from.slice(dot + 1);
    if (scope === 'System') v = ev.System[field as keyof WinEvent['System']];
    else if (scope === 'process') v = ctx.processes.get(ev.EventData.ProcessGuid)?.[field];
    else if (scope === 'parent') v = ctx.processes.get(ev.EventData.ParentProcessGuid)?.[field];
  }
  if (v === undefined || v === null) return undefined;
  const s = String(v);
  // Sysmon writes `-` for "none" (no hostname, no parent command line; most unknowns on Linux).
  return s === '' || s === '-' ? undefined : s;
}

function apply(rule: ColumnRule, ev: WinEvent, ctx: MapContext): unknown {
  if (rule.value !== undefined) return rule.value;
  const froms = rule.from === undefined ? [] : Array.isArray(rule.from) ? rule.from : [rule.from];
  let raw: string | undefined;
  for (const f of froms) {
    raw = source(ev, ctx, f);
    if (raw !== undefined) break;
  }
  if (raw === undefined) return undefined;
  let v: unknown = raw;
  const vias = rule.via === undefined ? [] : Array.isArray(rule.via) ? rule.via : [rule.via];
  for (const name of vias) {
    if (v === null || v === undefined) break;
    v = TRANSFORMS[name]!(String(v));
  }
  return v;
}

/** Event IDs Sysmon writes: 1-29 today (29 is FileExecutableDetected), room for a few more, and 255 (error). */
const plausibleEventId = (id: number) => (id >= 1 && id <= 63) || id === 255;

/** One event as a Defender row, the reason it has none, or why it looks damaged. */
export function mapEvent(ev: WinEvent, ctx: MapContext): { table: string; rec: Record<string, unknown> } | { unmapped: string } | { damaged: string } {
  const s = ev.System;
  if (![s.ProviderName, s.ProviderGuid, s.Channel].some((x) => x !== undefined && SYSMON_IDS.has(x.toLowerCase()))) return { unmapped: `events of other providers (${ev.System.ProviderName ?? 'none'})` };
  const eid = ev.System.EventID;
  if (eid === undefined) return { damaged: 'the event has no <EventID>' };
  if (!plausibleEventId(eid)) return { damaged: `Sysmon has no Event ID ${eid} (a damaged event?)` };
  if (eid === 1 && ev.EventData.ProcessGuid) ctx.processes.set(ev.EventData.ProcessGuid, ev.EventData);
  const m = BY_EVENT_ID.get(eid);
  if (!m) return { unmapped: `Sysmon Event ID ${eid}` };
  const rec: Record<string, unknown> = {};
  for (const rule of m.columns) {
    const v = apply(rule, ev, ctx);
    if (v === undefined || v === null) continue;
    if (Array.isArray(rule.to)) {
      const vs = v as unknown[];
      rule.to.forEach((to, i) => {
        if (vs[i] !== undefined && vs[i] !== null) rec[to] = vs[i];
      });
    } else {
      rec[rule.to] = v;
    }
  }
  const extra: Record<string, unknown> = { SysmonEventId: eid, SysmonMapping: m.id };
  for (const [k, from] of Object.entries(m.additional)) {
    const v = source(ev, ctx, from);
    if (v !== undefined) extra[k] = v;
  }
  rec.AdditionalFields = extra;
  return { table: m.table, rec };
}

async function* readSysmon(file: DataFile, stats: ReadStats): AsyncGenerator<SourceRecord> {
  const input = openBytes(file);
  const ctx = newMapContext();
  let mapped = 0;
  try {
    const { first, rest } = await sniff(input);
    const bytes = prepend(first, rest);
    if (first.subarray(0, 8).equals(FILE_MAGIC)) {
      const events = readEvtx(bytes, {
        onProblem: (p) => {
          skip(stats, file.path, undefined, `byte offset ${p.offset}: ${p.message}`);
          if (p.records && p.records > 1) stats.skipped += p.records - 1;
        },
      });
      for await (const r of events) {
        const out = mapEvent(toWinEvent(r.xml), ctx);
        if ('unmapped' in out) count(ctx, out.unmapped);
        else if ('damaged' in out) skip(stats, file.path, undefined, `byte offset ${r.offset}: record ${r.recordId}: ${out.damaged}; skipped`);
        else {
          mapped++;
          yield { table: out.table, rec: out.rec, line: r.recordId };
        }
      }
    } else {
      for await (const e of scanEvents(text(bytes))) {
        if (e.error !== undefined || !e.xml) {
          skip(stats, file.path, e.line, e.error ?? 'not an event');
          continue;
        }
        const out = mapEvent(toWinEvent(e.xml), ctx);
        if ('unmapped' in out) count(ctx, out.unmapped);
        else if ('damaged' in out) skip(stats, file.path, e.line, out.damaged);
        else {
          mapped++;
          yield { table: out.table, rec: out.rec, line: e.line };
        }
      }
    }
  } catch (e) {
    if (e instanceof EvtxFormatError) throw facts.input(`${file.path}: ${e.message}`, file.path);
    readFailed(file, e);
  } finally {
    input.destroy();
  }
  if (ctx.unmapped.size) {
    const order = (why: string) => Number(/^Sysmon Event ID (\d+)$/.exec(why)?.[1] ?? Infinity);
    const parts = [...ctx.unmapped].sort((a, b) => order(a[0]) - order(b[0])).map(([why, n]) => `${why}: ${n}`);
    const total = [...ctx.unmapped.values()].reduce((a, b) => a + b, 0);
    stats.warnings.push({
      file: file.path,
      message: `${total} event(s) have no Defender table mapping and were not loaded (${parts.join('; ')}); ${mapped} loaded`,
    });
  }
}

function count(ctx: MapContext, why: string): void {
  ctx.unmapped.set(why, (ctx.unmapped.get(why) ?? 0) + 1);
}

/** The first bytes of a stream (at least 8, unless the stream is shorter) and the rest of it. */
async function sniff(input: AsyncIterable<Buffer>): Promise<{ first: Buffer; rest: AsyncIterator<Buffer> }> {
  const it = input[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let n = 0;
  while (n < 8) {
    const r = await it.next();
    if (r.done) break;
    parts.push(r.value);
    n += r.value.length;
  }
  return { first: Buffer.concat(parts), rest: it };
}

async function* prepend(first: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  if (first.length) yield first;
  for (;;) {
    const r = await rest.next();
    if (r.done) return;
    yield r.value;
  }
}

/** A byte stream as text, UTF-8 or UTF-16 by its BOM, in pieces. */
async function* text(bytes: AsyncIterable<Buffer>): AsyncGenerator<string> {
  let decoder: { decode(b?: Uint8Array, o?: { stream?: boolean }): string } | undefined;
  for await (const chunk of bytes) {
    let b = chunk;
    if (!decoder) {
      if (b[0] === 0xff && b[1] === 0xfe) {
        decoder = new TextDecoder('utf-16le');
        b = b.subarray(2);
      } else if (b[0] === 0xfe && b[1] === 0xff) {
        decoder = new TextDecoder('utf-16be');
        b = b.subarray(2);
      } else {
        decoder = new TextDecoder('utf-8');
        if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
      }
    }
    yield decoder.decode(b, { stream: true });
  }
  if (decoder) yield decoder.decode();
}
