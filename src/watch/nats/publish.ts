/**
 * `exfilwatch publish --nats URL --stream NAME [--partitions N] [--max-age DUR] FILE...`: reads
 * telemetry files the way `hunt` does (any format the sources understand) and publishes every
 * record to JetStream as one JSON line on `exfilwatch.events.<Table>.<bucket>`, the bucket being
 * the device's partition (subjects.ts), so each device's events reach one worker. Records go out
 * in Timestamp order across tables (a replay of an export, as a live feed would send them). The
 * stream is made when missing: limits retention, its subjects, its partition count in its
 * description.
 */
import { parseArgs } from 'node:util';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager, type PubAck } from '@nats-io/jetstream';
import { connect, headers } from '@nats-io/transport-node';
import { facts } from '../../diagnostics/facts.js';
import { jsonText } from '../../engine/values/index.js';
import { parseTimespan } from '../../schema/values/datetime.js';
import { coerce } from '../../engine/values/index.js';
import { DEFENDER_TABLE_NAMES } from '../../schema/defender-tables.js';
import { discoverFiles, newStats, recordsFor, tablesNamedByFiles } from '../../sources/index.js';
import { bucketOf, DEFAULT_PARTITIONS, eventSubject, partitionsOfDescription, streamDescription, SUBJECT_PREFIX } from './subjects.js';

export interface PublishOptions {
  url: string;
  stream: string;
  /** Partitions for a new stream; for an existing one it must match (or be left out). */
  partitions?: number;
  /** How long the stream keeps messages, for a new stream (ms). Default 7 days. */
  maxAgeMs?: number;
}

export interface PublishResult {
  published: number;
  partitions: number;
  byTable: Map<string, number>;
  byBucket: number[];
}

/** One event to publish: its table and record. */
export interface Outgoing {
  table: string;
  record: Record<string, unknown>;
}

/** Makes the stream if it does not exist; returns its partition count. */
export async function ensureStream(jsm: JetStreamManager, o: PublishOptions): Promise<number> {
  try {
    const info = await jsm.streams.info(o.stream);
    const n = partitionsOfDescription(info.config.description);
    if (n === undefined) throw facts.input(`stream '${o.stream}' exists but was not made by exfilwatch (its description does not say 'exfilwatch partitions=N')`);
    if (o.partitions !== undefined && o.partitions !== n) throw facts.usage(`--partitions ${o.partitions} but stream '${o.stream}' has ${n} partitions`);
    return n;
  } catch (e) {
    if ((e as { diagnostic?: unknown }).diagnostic) throw e;
    if (!/not found/i.test((e as Error).message)) throw facts.input(`${o.url}: ${(e as Error).message}`, o.url);
  }
  const n = o.partitions ?? DEFAULT_PARTITIONS;
  await jsm.streams.add({
    name: o.stream,
    description: streamDescription(n),
    subjects: [`${SUBJECT_PREFIX}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: (o.maxAgeMs ?? 7 * 24 * 3600_000) * 1_000_000,
  });
  return n;
}

/** Publishes events (in the order given) to the stream, made when missing. */
export async function publishEvents(o: PublishOptions, events: Iterable<Outgoing> | AsyncIterable<Outgoing>): Promise<PublishResult> {
  let nc;
  try {
    nc = await connect({ servers: o.url.split(',').map((s) => s.trim()), name: 'exfilwatch-publish' });
  } catch (e) {
    throw facts.input(`${o.url}: cannot connect to NATS (${(e as Error).message})`, o.url);
  }
  try {
    const jsm = await jetstreamManager(nc);
    const n = await ensureStream(jsm, o);
    const js = jetstream(nc);
    const result: PublishResult = { published: 0, partitions: n, byTable: new Map(), byBucket: new Array<number>(n).fill(0) };
    const inflight = new Set<Promise<PubAck>>();
    for await (const { table, record } of events) {
      const bucket = bucketOf(record, n);
      const h = headers();
      h.set('Exfilwatch-Table', table);
      const p = js.publish(eventSubject(table, bucket), recordJson(record), { headers: h });
      inflight.add(p);
      void p.finally(() => inflight.delete(p)).catch(() => undefined);
      if (inflight.size >= 512) await Promise.race(inflight);
      result.published++;
      result.byTable.set(table, (result.byTable.get(table) ?? 0) + 1);
      result.byBucket[bucket]!++;
    }
    await Promise.all(inflight);
    return result;
  } finally {
    await nc.drain().catch(() => nc.close());
  }
}

/** A record as one JSON line: exact longs, dates as ISO text. */
export function recordJson(record: Record<string, unknown>): string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) out[k] = v instanceof Date ? v.toISOString() : v;
  return jsonText(out as never);
}

/** The records of the files, every table, in Timestamp order (stable; untimed ones last). */
export async function recordsOfFiles(paths: string[], tableOverrides: string[] = []): Promise<{ events: Outgoing[]; warnings: string[] }> {
  const files = await discoverFiles(paths, tableOverrides);
  const stats = newStats();
  const tables = new Set<string>([...tablesNamedByFiles(files), ...DEFENDER_TABLE_NAMES]);
  const timed: { ts: number; i: number; e: Outgoing }[] = [];
  let i = 0;
  for (const table of tables) {
    for await (const { rec } of recordsFor(table, files, stats)) {
      const t = coerce('datetime', rec.Timestamp ?? rec.TimeGenerated);
      timed.push({ ts: t === null || t === undefined ? Infinity : Number(t), i: i++, e: { table, record: rec } });
    }
  }
  timed.sort((a, b) => a.ts - b.ts || a.i - b.i);
  return { events: timed.map((t) => t.e), warnings: stats.warnings.map((w) => `${w.file}${w.line ? ':' + w.line : ''}: ${w.message}`) };
}

const USAGE = 'usage: exfilwatch publish --nats URL --stream NAME [--partitions N] [--max-age DURATION] [--table NAME=PATH] FILE...\n';

export async function publishCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        nats: { type: 'string' },
        stream: { type: 'string' },
        partitions: { type: 'string' },
        'max-age': { type: 'string' },
        table: { type: 'string', multiple: true },
      },
    });
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (!values.nats || !values.stream || positionals.length === 0) {
    process.stderr.write(`error: publish needs --nats URL, --stream NAME and at least one FILE\n${USAGE}`);
    return 2;
  }
  let partitions: number | undefined;
  if (values.partitions !== undefined) {
    partitions = Number(values.partitions);
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > 4096) {
      process.stderr.write(`error: --partitions must be a whole number from 1 to 4096\n`);
      return 2;
    }
  }
  let maxAgeMs: number | undefined;
  if (values['max-age'] !== undefined) {
    const span = parseTimespan(values['max-age']);
    if (span === null || Number(span) <= 0) {
      process.stderr.write(`error: --max-age expects a timespan such as 7d or 36h, got '${values['max-age']}'\n`);
      return 2;
    }
    maxAgeMs = Number(span) / 10_000;
  }
  const { events, warnings } = await recordsOfFiles(positionals, values.table ?? []);
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  const r = await publishEvents({ url: values.nats, stream: values.stream, partitions, maxAgeMs }, events);
  const tables = [...r.byTable].map(([t, c]) => `${t} ${c}`).join(', ');
  process.stderr.write(`published ${r.published} records to stream '${values.stream}' (${r.partitions} device partitions)${tables ? ': ' + tables : ''}\n`);
  return 0;
}
