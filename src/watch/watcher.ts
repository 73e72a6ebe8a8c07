/**
 * Continuous detection: events from the sources go into the retained window; each rule runs on
 * its own queryFrequency over (tick - queryPeriod, tick], with `now()`/`ago()` at the tick; a tick
 * runs once the clock (wall time, or the newest event time with --clock event) is `lateness`
 * past it, so events up to that late are still seen. Alerts are new only once: their ids (stable:
 * rule, leg, time, entities) are remembered until no window can produce them again, across
 * restarts. Decided alerts are checkpointed (with the source positions that rebuild the window)
 * before the sinks get them; after a crash the outbox is handed over again, and the window is
 * rebuilt by replaying from the checkpointed positions.
 */
import { ExfilwatchError } from '../diagnostics/facts.js';
import { type Alert, alertRecord, buildAlerts, INCIDENT_GAP, IncidentGrouper, type Rule, type Watchlist, withWatchlists } from '../detect/index.js';
import type { TableSource } from '../engine/context.js';
import { compileFor, type QueryData, runPlan } from '../engine/query.js';
import { fromUnixMs, parseTimespan } from '../engine/values/datetime.js';
import { jsonText } from '../engine/values/index.js';
import type { QueryPlan } from '../kql/index.js';
import { defenderTables } from '../schema/index.js';
import { newStats } from '../sources/index.js';
import type { Logger } from './log.js';
import type { AlertRecord, Sink } from './sinks.js';
import type { WatchEvent, WatchSource } from './source.js';
import { type Checkpoint, loadCheckpoint, saveCheckpoint } from './state.js';
import { Window } from './window.js';

export interface WatchOptions {
  rules: Rule[];
  watchlists: Watchlist[];
  stateDir: string;
  sources: WatchSource[];
  sinks: Sink[];
  clock: 'wall' | 'event';
  /** How late an event may arrive and still be seen by the tick covering it (ticks). */
  lateness: number;
  checkpointMs?: number;
  /** Stop once every source has nothing new and the queue is empty for this long. */
  exitOnIdleMs?: number;
  strictSchema?: boolean;
  log: Logger;
  /** Events the pumps may hold ahead of the window before the sources wait. */
  maxQueued?: number;
}

interface Scheduled {
  rule: Rule;
  plan?: QueryPlan;
  freq: number;
  period: number;
  next?: number;
  runs: number;
  runSeconds: number;
  lastRunSeconds: number;
  alerts: number;
  errors: number;
}

const SECOND = 10_000_000;

function ceilTo(t: number, step: number): number {
  return Math.ceil(t / step) * step;
}

function suppressionKey(a: Alert): string {
  return [a.ruleId, a.legId, a.entities.host, a.entities.account, a.entities.process, a.entities.remoteIp].join('\u0000');
}

export class Watcher {
  readonly window = new Window(defenderTables());
  private scheduled: Scheduled[] = [];
  private data!: QueryData;
  private emitted = new Map<string, number>();
  private suppression = new Map<string, number>();
  private incidents = new IncidentGrouper();
  private outbox: AlertRecord[] = [];
  private maxTs = -Infinity;
  private queue: WatchEvent[][] = [];
  private queued = 0;
  private wake: (() => void) | undefined;
  private spaceWaiters: (() => void)[] = [];
  private stopping = false;
  private lastCheckpoint = 0;
  private dirty = false;
  private idleSince = 0;
  private lastLoop = Date.now();
  private pumps: Promise<void>[] = [];
  readonly counters = {
    eventsIn: new Map<string, number>(), unknownTable: 0, untimed: 0, tooLate: 0, dropped: 0, malformed: 0,
    alertsOut: new Map<string, number>(), duplicatesSuppressed: 0, checkpoints: 0, sinkErrors: 0, tickLagSeconds: 0,
    http: new Map<string, number>(),
  };
  readonly started = Date.now();

  constructor(private readonly o: WatchOptions) {}

  private now(): number {
    return this.o.clock === 'event' ? this.maxTs : Number(fromUnixMs(Date.now()));
  }

  private get maxPeriod(): number {
    return Math.max(0, ...this.scheduled.map((s) => s.period));
  }

  async start(): Promise<void> {
    const base: QueryData = { tables: defenderTables({ strict: this.o.strictSchema }), sources: new Map(), stats: newStats() };
    this.data = withWatchlists(base, this.o.watchlists);
    for (const rule of this.o.rules) {
      const freq = Number(parseTimespan(rule.queryFrequency) ?? 0);
      const period = Number(parseTimespan(rule.queryPeriod) ?? 0);
      const s: Scheduled = { rule, freq: freq > 0 ? freq : 3600 * SECOND, period: period > 0 ? period : 86400 * SECOND, runs: 0, runSeconds: 0, lastRunSeconds: 0, alerts: 0, errors: 0 };
      try {
        s.plan = compileFor(rule.query, this.data, this.o.strictSchema);
      } catch (e) {
        if (!(e instanceof ExfilwatchError)) throw e;
        this.o.log('error', 'rule does not compile: it will not run', { rule: rule.id, file: rule.source.file, error: e.message, code: e.diagnostic.code });
      }
      this.scheduled.push(s);
    }
    const cp = loadCheckpoint(this.o.stateDir);
    for (const src of this.o.sources) await src.restore(cp?.sources[src.name]);
    if (cp) {
      for (const s of this.scheduled) s.next = cp.nextTick[s.rule.id];
      for (const [id, exp] of cp.emitted) this.emitted.set(id, exp);
      for (const [k, t] of cp.suppression) this.suppression.set(k, t);
      this.incidents = new IncidentGrouper(INCIDENT_GAP, cp.incidents ?? []);
      this.outbox = cp.outbox as AlertRecord[];
      this.maxTs = cp.maxTs ?? -Infinity;
      this.o.log('info', 'resumed from checkpoint', { emitted: this.emitted.size, outbox: this.outbox.length });
    }
    // The window starts where the earliest pending tick looks.
    const pending = this.scheduled.filter((s) => s.next !== undefined).map((s) => s.next! - s.period);
    if (pending.length) this.window.trim(Math.min(...pending));
    await this.deliver();
    for (const src of this.o.sources) this.pumps.push(this.pump(src));
  }

  private async pump(src: WatchSource): Promise<void> {
    try {
      for await (const batch of src.read()) {
        while (this.queued >= (this.o.maxQueued ?? 100_000) && !this.stopping) await new Promise<void>((r) => this.spaceWaiters.push(r));
        this.queue.push(batch);
        this.queued += batch.length;
        this.wake?.();
      }
    } catch (e) {
      this.o.log('error', 'source failed', { source: src.name, error: (e as Error).message });
    }
  }

  /** The main loop: take events in, run due ticks, checkpoint; until stop(). */
  async run(): Promise<void> {
    const interval = this.o.checkpointMs ?? 1000;
    for (;;) {
      this.lastLoop = Date.now();
      const batch = this.queue.shift();
      if (batch) {
        this.queued -= batch.length;
        for (const w of this.spaceWaiters.splice(0)) w();
        this.ingest(batch);
      }
      if (!this.queue.length) await this.tick();
      if (Date.now() - this.lastCheckpoint >= interval && this.dirty) await this.checkpoint();
      if (this.queue.length) continue;
      if (this.stopping) {
        await Promise.all(this.pumps);
        if (this.queue.length) continue;
        break;
      }
      if (this.o.exitOnIdleMs !== undefined) {
        if (this.o.sources.every((s) => s.idle())) {
          this.idleSince ||= Date.now();
          if (Date.now() - this.idleSince >= this.o.exitOnIdleMs) { this.o.log('info', 'sources idle: stopping'); break; }
        } else this.idleSince = 0;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { this.wake = undefined; resolve(); }, this.o.exitOnIdleMs !== undefined ? 50 : 500);
        this.wake = () => { clearTimeout(t); this.wake = undefined; resolve(); };
      });
    }
    await this.tick();
    await this.checkpoint();
    for (const s of this.o.sources) await s.close();
    for (const s of this.o.sinks) await s.close().catch(() => undefined);
  }

  private ingest(batch: WatchEvent[]): void {
    // The first events set each new rule's first tick (event clock).
    const r = this.window.ingest(batch);
    const c = this.counters;
    const src = batch[0]?.position.stream.split(':')[0] ?? 'unknown';
    c.eventsIn.set(src, (c.eventsIn.get(src) ?? 0) + batch.length);
    c.unknownTable += r.unknownTable;
    c.untimed += r.untimed;
    c.tooLate += r.tooLate;
    if (r.tooLate) this.o.log('warn', 'events later than the lateness allows were not kept', { count: r.tooLate });
    if (r.maxTs > this.maxTs) {
      if (this.maxTs === -Infinity && this.o.clock === 'event') {
        const first = Number(this.window.firstTs ?? r.maxTs);
        for (const s of this.scheduled) s.next ??= ceilTo(first, s.freq);
      }
      this.maxTs = r.maxTs;
    }
    this.dirty = true;
  }

  /** Runs every due tick, oldest first, then trims the window and checkpoints when alerts came out. */
  async tick(): Promise<void> {
    const now = this.now();
    if (!Number.isFinite(now)) return;
    if (this.o.clock === 'wall') for (const s of this.scheduled) s.next ??= ceilTo(now, s.freq);
    let ran = false;
    for (;;) {
      let due: Scheduled | undefined;
      for (const s of this.scheduled) {
        if (s.next === undefined || s.next + this.o.lateness > now) continue;
        if (!due || s.next < due.next!) due = s;
      }
      if (!due) break;
      await this.runRule(due, due.next!);
      this.counters.tickLagSeconds = (now - (due.next! + this.o.lateness)) / SECOND;
      due.next! += due.freq;
      ran = true;
    }
    if (!ran) return;
    const cut = Math.min(...this.scheduled.filter((s) => s.next !== undefined).map((s) => s.next! - s.period));
    if (Number.isFinite(cut)) this.window.trim(cut);
    for (const [id, exp] of this.emitted) if (exp < cut) this.emitted.delete(id);
    for (const [k, t] of this.suppression) if (t < cut - this.maxPeriod) this.suppression.delete(k);
    this.incidents.trim(cut);
    this.dirty = true;
    if (this.outbox.length) {
      await this.checkpoint();
      await this.deliver();
    }
  }

  private async runRule(s: Scheduled, at: number): Promise<void> {
    if (!s.plan) return;
    const started = performance.now();
    const sources = new Map<string, TableSource>(this.data.sources);
    for (const [name, src] of this.window.sources(at - s.period, at)) sources.set(name, src);
    let alerts: Alert[] = [];
    try {
      const result = await runPlan(s.plan, { sources }, at);
      alerts = buildAlerts(s.rule, result);
    } catch (e) {
      s.errors++;
      this.o.log('error', 'rule run failed', { rule: s.rule.id, tick: at, error: (e as Error).message });
    }
    const window = parseTimespan(s.rule.suppressionDuration) ?? 0;
    alerts.sort((a, b) => Number(a.ticks ?? 0) - Number(b.ticks ?? 0));
    for (const a of alerts) {
      if (this.emitted.has(a.id)) { this.counters.duplicatesSuppressed++; continue; }
      const t = a.ticks === null ? at : Number(a.ticks);
      // Kept until no later window can hold the rows that made it.
      this.emitted.set(a.id, Math.max(t, at) + this.maxPeriod + s.freq + this.o.lateness);
      if (s.rule.suppressionEnabled) {
        const key = suppressionKey(a);
        const prev = this.suppression.get(key);
        if (prev !== undefined && t - prev < Number(window) && t >= prev) continue;
        this.suppression.set(key, t);
      }
      a.incidentId = this.incidents.assign(a).id;
      this.outbox.push(alertRecord(a) as AlertRecord);
      s.alerts++;
      this.counters.alertsOut.set(s.rule.id, (this.counters.alertsOut.get(s.rule.id) ?? 0) + 1);
    }
    const secs = (performance.now() - started) / 1000;
    s.runs++;
    s.runSeconds += secs;
    s.lastRunSeconds = secs;
    this.o.log('debug', 'rule ran', { rule: s.rule.id, tick: at, alerts: alerts.length, seconds: secs });
  }

  private async deliver(): Promise<void> {
    if (!this.outbox.length) return;
    for (const sink of this.o.sinks) {
      try {
        await sink.deliver(this.outbox);
      } catch (e) {
        this.counters.sinkErrors++;
        this.o.log('error', 'sink failed; the alerts stay in the outbox', { sink: sink.name, error: (e as Error).message });
        return;
      }
    }
    this.outbox = [];
    this.dirty = true;
    await this.checkpoint();
  }

  async checkpoint(): Promise<void> {
    const keep = this.window.keepFrom();
    const cp: Checkpoint = {
      version: 1,
      sources: Object.fromEntries(this.o.sources.map((s) => [s.name, s.checkpoint(keep)])),
      nextTick: Object.fromEntries(this.scheduled.filter((s) => s.next !== undefined).map((s) => [s.rule.id, s.next!])),
      emitted: [...this.emitted],
      suppression: [...this.suppression],
      incidents: this.incidents.state(),
      outbox: this.outbox,
      maxTs: this.maxTs,
    };
    await saveCheckpoint(this.o.stateDir, JSON.parse(jsonText(cp)) as Checkpoint);
    this.lastCheckpoint = Date.now();
    this.dirty = false;
    this.counters.checkpoints++;
    for (const s of this.o.sources) await s.release?.(keep);
  }

  /** Graceful stop: sources stop reading, what is queued is taken in, due ticks run, state is written. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const s of this.o.sources) await s.close();
    for (const w of this.spaceWaiters.splice(0)) w();
    this.wake?.();
  }

  health(): { ok: boolean; detail: Record<string, unknown> } {
    const stalled = Date.now() - this.lastLoop > 30_000;
    return { ok: !stalled, detail: { queued: this.queued, rules: this.scheduled.length, uptimeSeconds: Math.round((Date.now() - this.started) / 1000) } };
  }

  metrics(extra: string[] = []): string {
    const c = this.counters;
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string, rows: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of rows) lines.push(`${name}${labels} ${Number.isFinite(v) ? v : 0}`);
    };
    const esc = (s: string) => s.replace(/[\\"\n]/g, (x) => (x === '\n' ? '\\n' : '\\' + x));
    metric('exfilwatch_events_in_total', 'counter', 'Events taken into the window, by source kind.', [...c.eventsIn].map(([k, v]) => [`{source="${esc(k)}"}`, v]));
    metric('exfilwatch_events_dropped_total', 'counter', 'Accepted events lost for lack of room (stays 0: full buffers refuse or wait instead).', [['', c.dropped]]);
    metric('exfilwatch_events_late_total', 'counter', 'Events older than any pending rule window (later than --lateness allows).', [['', c.tooLate]]);
    metric('exfilwatch_events_unknown_table_total', 'counter', 'Events whose table is not a known table.', [['', c.unknownTable]]);
    metric('exfilwatch_events_untimed_total', 'counter', 'Events without a Timestamp.', [['', c.untimed]]);
    metric('exfilwatch_records_malformed_total', 'counter', 'Input lines that are not JSON records.', [['', c.malformed]]);
    metric('exfilwatch_window_rows', 'gauge', 'Rows held in the retained window, by table.', [...this.window.rowsByTable()].map(([k, v]) => [`{table="${esc(k)}"}`, v]));
    metric('exfilwatch_queue_events', 'gauge', 'Events read but not yet in the window.', [['', this.queued]]);
    metric('exfilwatch_alerts_out_total', 'counter', 'Alerts emitted, by rule.', [...c.alertsOut].map(([k, v]) => [`{rule="${esc(k)}"}`, v]));
    metric('exfilwatch_alerts_repeated_total', 'counter', 'Alerts found again by an overlapping window and not emitted again.', [['', c.duplicatesSuppressed]]);
    metric('exfilwatch_outbox_alerts', 'gauge', 'Alerts decided but not yet handed to every sink.', [['', this.outbox.length]]);
    metric('exfilwatch_sink_errors_total', 'counter', 'Failed sink deliveries (retried).', [['', c.sinkErrors]]);
    const nowTicks = Number(fromUnixMs(Date.now()));
    metric('exfilwatch_event_lag_seconds', 'gauge', 'Wall clock minus the newest event Timestamp.', [['', Number.isFinite(this.maxTs) ? (nowTicks - this.maxTs) / SECOND : 0]]);
    metric('exfilwatch_tick_lag_seconds', 'gauge', 'How late the last rule tick ran after it was due.', [['', c.tickLagSeconds]]);
    metric('exfilwatch_rule_run_seconds_sum', 'counter', 'Time spent running each rule.', this.scheduled.map((s) => [`{rule="${esc(s.rule.id)}"}`, s.runSeconds]));
    metric('exfilwatch_rule_run_seconds_count', 'counter', 'Rule runs.', this.scheduled.map((s) => [`{rule="${esc(s.rule.id)}"}`, s.runs]));
    metric('exfilwatch_rule_last_run_seconds', 'gauge', 'Duration of each rule\'s last run.', this.scheduled.map((s) => [`{rule="${esc(s.rule.id)}"}`, s.lastRunSeconds]));
    metric('exfilwatch_rule_errors_total', 'counter', 'Failed rule runs.', this.scheduled.map((s) => [`{rule="${esc(s.rule.id)}"}`, s.errors]));
    metric('exfilwatch_checkpoints_total', 'counter', 'Checkpoints written.', [['', c.checkpoints]]);
    metric('exfilwatch_http_requests_total', 'counter', 'HTTP requests by status.', [...c.http].map(([k, v]) => [`{code="${esc(k)}"}`, v]));
    const mem = process.memoryUsage();
    metric('process_resident_memory_bytes', 'gauge', 'Resident memory.', [['', mem.rss]]);
    metric('nodejs_heap_used_bytes', 'gauge', 'V8 heap in use.', [['', mem.heapUsed]]);
    return lines.concat(extra).join('\n') + '\n';
  }
}
