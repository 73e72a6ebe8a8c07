/**
 * A `watch` source on NATS JetStream: this process is one member of a consumer group that
 * JetStream spreads a stream across (docs/scaling.md).
 *
 * The stream is split into N device partitions by subject (`exfilwatch.events.<Table>.<bucket>`,
 * subjects.ts). Each partition has one durable pull consumer, `<group>-p<bucket>`, filtered on its
 * bucket; worker K of W (`--member K/W`) consumes the partitions b with b mod W == K, so each
 * device's events reach exactly one worker and rules grouped by device see all of them.
 *
 * Positions: one source stream per partition (`nats:<stream>:p<bucket>`), the offset is the
 * JetStream stream sequence, `end` is sequence + 1. The checkpoint keeps, per partition, where a
 * replay must start (`keep`: the oldest event still in the watcher's window) and where reading
 * had got to (`read`). Messages are acknowledged in `release`, i.e. only after the checkpoint
 * that covers them is durable; unacknowledged ones come back (ack wait, or the next start) and
 * are told apart by sequence, so none is counted twice. On a restart the window is rebuilt by
 * replaying [keep, read) of each partition straight from the stream (an ordered consumer), which
 * is why the stream must retain messages at least as long as the longest rule window
 * (limits retention, max_age >= queryPeriod + lateness), not a work-queue.
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type Consumer, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { facts } from '../../diagnostics/facts.js';
import { coerce } from '../../engine/values/index.js';
import { parseLine, type LineProblem } from '../lines.js';
import type { KeepFrom, WatchEvent, WatchSource } from '../source.js';
import { TimeOrderMerge, WAIT_MS } from './merge.js';
import { DEFAULT_PARTITIONS, durableName, ownedBuckets, parseSubject, partitionFilter, partitionsOfDescription } from './subjects.js';

export interface NatsSourceOptions {
  /** Server URL(s), comma-separated: nats://host:4222. */
  url: string;
  stream: string;
  /** The consumer group: durable consumers are named `<group>-p<bucket>`. */
  group: string;
  /** This worker's share: index K of W workers (default 0 of 1: every partition). */
  member?: { index: number; of: number };
  /** Partitions, when the stream's description does not say (`exfilwatch partitions=N`). */
  partitions?: number;
  /** Messages per batch handed to the watcher. Default 1000. */
  batch?: number;
  /** How long JetStream waits for an ack before redelivering (ms). Default 60 s: longer than a checkpoint interval. */
  ackWaitMs?: number;
  /** Messages a partition may have delivered and unacknowledged. Default 1,000,000. */
  maxAckPending?: number;
  /** Malformed messages (not JSON, not an object) are reported here and skipped. */
  onProblem?: (p: LineProblem & { stream: string }) => void;
}

interface PartitionState {
  bucket: number;
  stream: string;
  consumer?: Consumer;
  /** Where reading continues: one past the highest sequence handed to the watcher. */
  handedTo: number;
  /** Restored checkpoint: replay [keep, read) before reading live. */
  replay?: { keep: number; read: number };
  /** One past the highest sequence received from the durable consumer (older ones are redeliveries). */
  receivedTo: number;
  /** Received, not yet handed to the watcher, in sequence order; `ts` is the record's Timestamp (ticks). */
  buffer: { msg: JsMsg; events: WatchEvent[]; ts: number }[];
  /** Handed to the watcher and not yet acknowledged, in delivery order. */
  unacked: { seq: number; msg: JsMsg }[];
  /** Messages the consumer still has for us after the last one delivered (from its delivery info). */
  pending: number;
  /** `read` as of the last checkpoint(): release() acks up to it. */
  checkpointed: number;
}

export interface NatsCheckpoint {
  kind: 'nats';
  stream: string;
  group: string;
  partitions: number;
  parts: Record<string, { keep: number; read: number }>;
}


export class NatsSource implements WatchSource {
  readonly name: string;
  private nc?: NatsConnection;
  private js?: JetStreamClient;
  private jsm?: JetStreamManager;
  private parts: PartitionState[] = [];
  private partitions = 0;
  private closed = false;
  private restored?: NatsCheckpoint;
  private replaying = false;
  private readonly merge = new TimeOrderMerge();
  private wakeReader?: () => void;
  private wakePullers: (() => void)[] = [];
  private pullers: Promise<void>[] = [];
  private stopPulls: (() => void)[] = [];
  readonly problems: (LineProblem & { stream: string })[] = [];

  constructor(private readonly o: NatsSourceOptions) {
    const m = o.member ?? { index: 0, of: 1 };
    this.name = `nats:${o.stream}/${o.group}[${m.index}/${m.of}]`;
  }

  /** Connects, reads the stream's partition count and makes (or binds) this member's durable consumers. */
  async open(): Promise<this> {
    const { o } = this;
    try {
      this.nc = await connect({ servers: o.url.split(',').map((s) => s.trim()), name: this.name, maxReconnectAttempts: -1 });
    } catch (e) {
      throw facts.input(`${o.url}: cannot connect to NATS (${(e as Error).message})`, o.url);
    }
    this.jsm = await jetstreamManager(this.nc);
    this.js = jetstream(this.nc);
    let description: string | undefined;
    try {
      description = (await this.jsm.streams.info(o.stream)).config.description;
    } catch (e) {
      throw facts.input(`${o.url}: no JetStream stream '${o.stream}' (${(e as Error).message}); create it with 'exfilwatch publish --nats ${o.url} --stream ${o.stream}'`, o.url);
    }
    const n = partitionsOfDescription(description) ?? o.partitions ?? DEFAULT_PARTITIONS;
    if (o.partitions !== undefined && o.partitions !== n) {
      throw facts.usage(`--partitions ${o.partitions} but stream '${o.stream}' was made with ${n} partitions`);
    }
    this.partitions = n;
    const m = o.member ?? { index: 0, of: 1 };
    for (const bucket of ownedBuckets(n, m.index, m.of)) {
      const durable = durableName(o.group, bucket);
      const config = {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: partitionFilter(bucket),
        ack_wait: (o.ackWaitMs ?? 60_000) * 1_000_000,
        max_ack_pending: o.maxAckPending ?? 1_000_000,
        max_deliver: -1,
      };
      try {
        await this.jsm.consumers.info(o.stream, durable);
      } catch {
        await this.jsm.consumers.add(o.stream, config);
      }
      const info = await this.jsm.consumers.info(o.stream, durable);
      this.parts.push({
        bucket,
        stream: `nats:${o.stream}:p${bucket}`,
        consumer: await this.js.consumers.get(o.stream, durable),
        handedTo: 0,
        receivedTo: 0,
        buffer: [],
        unacked: [],
        pending: info.num_pending,
        checkpointed: 0,
      });
    }
    return this;
  }

  /** The partitions this member reads, for messages. */
  buckets(): number[] {
    return this.parts.map((p) => p.bucket);
  }

  async restore(state: unknown): Promise<void> {
    if (state === undefined || state === null) return;
    const s = state as NatsCheckpoint;
    if (s.kind !== 'nats' || s.stream !== this.o.stream || s.group !== this.o.group) {
      throw facts.input(`the checkpoint is for another source (${JSON.stringify({ kind: s.kind, stream: s.stream, group: s.group })}), not stream '${this.o.stream}' group '${this.o.group}'`);
    }
    if (s.partitions !== this.partitions) {
      throw facts.input(`the checkpoint was made with ${s.partitions} partitions, the stream has ${this.partitions}`);
    }
    this.restored = s;
    for (const p of this.parts) {
      const r = s.parts[String(p.bucket)];
      if (!r) continue;
      p.handedTo = r.read;
      p.receivedTo = r.read;
      p.checkpointed = r.read;
      if (r.keep < r.read) p.replay = { keep: r.keep, read: r.read };
    }
  }

  async *read(): AsyncIterable<WatchEvent[]> {
    if (!this.js) throw new Error('NatsSource.open() first');
    // 1. Rebuild the window: what the last run had read and still kept.
    this.replaying = true;
    for (const p of this.parts) {
      if (!p.replay || this.closed) continue;
      yield* this.replay(p, p.replay.keep, p.replay.read);
      p.replay = undefined;
    }
    this.replaying = false;
    // 2. Live: one pull loop per partition into its own short buffer; batches go out merged by
    // Timestamp across the partitions (merge.ts).
    for (const p of this.parts) this.pullers.push(this.pull(p));
    const batch = this.o.batch ?? 1000;
    while (!this.closed) {
      const out: WatchEvent[] = [];
      for (;;) {
        const best = this.merge.next(this.parts);
        if (best === undefined || best === 'hold') break;
        const item = best.buffer.shift()!;
        best.unacked.push({ seq: item.msg.seq, msg: item.msg });
        if (item.msg.seq + 1 > best.handedTo) best.handedTo = item.msg.seq + 1;
        out.push(...item.events);
        if (out.length >= batch) break;
      }
      if (out.length) {
        for (const w of this.wakePullers.splice(0)) w();
        yield out;
        continue;
      }
      const waitStart = Date.now();
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { this.wakeReader = undefined; resolve(); }, WAIT_MS);
        this.wakeReader = () => { clearTimeout(t); this.wakeReader = undefined; resolve(); };
      });
      this.merge.waited(Date.now() - waitStart);
    }
  }

  /** [from, to) of one partition, straight from the stream. */
  private async *replay(p: PartitionState, from: number, to: number): AsyncGenerator<WatchEvent[]> {
    const oc = await this.js!.consumers.get(this.o.stream, { filter_subjects: partitionFilter(p.bucket), opt_start_seq: from });
    const batch = this.o.batch ?? 1000;
    try {
      for (;;) {
        const info = await oc.info(true);
        if (info.num_pending === 0) return;
        const it = await oc.fetch({ max_messages: batch, expires: 2000 });
        const out: WatchEvent[] = [];
        let done = false;
        for await (const msg of it) {
          if (msg.seq >= to) { done = true; continue; }
          this.decode(p, msg, out);
          if (msg.info.pending === 0) done = true;
        }
        if (out.length) yield out;
        if (done || this.closed) return;
      }
    } finally {
      await oc.delete().catch(() => undefined);
    }
  }

  private async pull(p: PartitionState): Promise<void> {
    const batch = this.o.batch ?? 1000;
    while (!this.closed) {
      const msgs = await p.consumer!.consume({ max_messages: batch, idle_heartbeat: 5000, expires: 30_000 });
      this.stopPulls.push(() => { void msgs.close(); });
      try {
        for await (const msg of msgs) {
          p.pending = msg.info.pending;
          if (msg.seq < p.receivedTo) {
            // Delivered again (ack wait passed, or a restart): already handed over or buffered.
            if (msg.seq < p.checkpointed) msg.ack();
            else {
              const u = p.unacked.find((x) => x.seq === msg.seq);
              if (u) u.msg = msg;
            }
            continue;
          }
          p.receivedTo = msg.seq + 1;
          const events: WatchEvent[] = [];
          this.decode(p, msg, events);
          let ts = Infinity;
          for (const e of events) {
            const t = coerce('datetime', e.record.Timestamp ?? e.record.TimeGenerated);
            if (t !== null && t !== undefined && Number(t) < ts) ts = Number(t);
          }
          p.buffer.push({ msg, events, ts });
          this.wakeReader?.();
          while (p.buffer.length >= batch && !this.closed) await new Promise<void>((r) => this.wakePullers.push(r));
          if (this.closed) break;
        }
      } catch (e) {
        if (this.closed) return;
        this.problems.push({ stream: p.stream, offset: 0, message: `pull failed (${(e as Error).message}); retrying` });
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private decode(p: PartitionState, msg: JsMsg, out: WatchEvent[]): void {
    const position = { stream: p.stream, offset: msg.seq, end: msg.seq + 1 };
    const problems: LineProblem[] = [];
    const table = msg.headers?.get('Exfilwatch-Table') || parseSubject(msg.subject)?.table;
    parseLine(msg.string(), position, table, out, problems);
    for (const pr of problems) {
      const q = { ...pr, stream: p.stream };
      this.problems.push(q);
      this.o.onProblem?.(q);
    }
  }

  checkpoint(keepFrom: KeepFrom): NatsCheckpoint {
    const parts: NatsCheckpoint['parts'] = {};
    for (const p of this.parts) {
      p.checkpointed = p.handedTo;
      const keep = Math.min(keepFrom.get(p.stream) ?? p.handedTo, p.handedTo);
      parts[String(p.bucket)] = { keep, read: p.handedTo };
    }
    // Partitions of the restored checkpoint this member no longer owns are kept as they were.
    for (const [b, r] of Object.entries(this.restored?.parts ?? {})) parts[b] ??= r;
    return { kind: 'nats', stream: this.o.stream, group: this.o.group, partitions: this.partitions, parts };
  }

  /** The checkpoint is durable: acknowledge every message it covers. */
  async release(_keepFrom: KeepFrom): Promise<void> {
    for (const p of this.parts) {
      const rest: PartitionState['unacked'] = [];
      for (const u of p.unacked) {
        if (u.seq < p.checkpointed) u.msg.ack();
        else rest.push(u);
      }
      p.unacked = rest;
    }
    await this.nc?.flush();
  }

  idle(): boolean {
    return !this.replaying && this.parts.every((p) => p.pending === 0 && p.buffer.length === 0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stop of this.stopPulls) stop();
    // Received but never handed over: give them back now rather than after the ack wait.
    for (const p of this.parts) for (const b of p.buffer.splice(0)) b.msg.nak();
    this.wakeReader?.();
    for (const w of this.wakePullers.splice(0)) w();
    await Promise.allSettled(this.pullers);
    if (this.nc && !this.nc.isClosed()) await this.nc.drain().catch(() => this.nc!.close());
  }
}

/** Opens a source for `watch --nats URL --stream NAME --consumer GROUP [--member K/W]`. */
export async function openNatsSource(o: NatsSourceOptions): Promise<NatsSource> {
  return new NatsSource(o).open();
}
