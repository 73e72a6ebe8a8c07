/**
 * The spool: what arrives over HTTP or standard input is appended to segment files in the state
 * directory (write, then fsync, for many requests at once) before it is acknowledged, and goes to
 * the window from memory. After a crash the segments are replayed from the checkpointed
 * positions, so an acknowledged event is never lost. Segments no replay needs are deleted.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { type LineProblem, parseLines } from './lines.js';
import type { KeepFrom, WatchEvent, WatchSource } from './source.js';

const SEGMENT_BYTES = 64 * 1024 * 1024;

interface Pending { text: string; groups: WatchEvent[][]; lines: number[]; done: (e?: Error) => void }

export interface SpoolOptions {
  /** Events held in memory, not yet taken by the watcher; past it `offer` refuses (HTTP 429). */
  maxQueued?: number;
  onProblem?: (file: string, p: LineProblem) => void;
}

function segName(n: number): string {
  return `spool-${String(n).padStart(8, '0')}.jsonl`;
}

export class Spool implements WatchSource {
  readonly name = 'spool';
  private seg = 0;
  private fh: fs.FileHandle | undefined;
  private size = 0;
  private pending: Pending[] = [];
  private writing = false;
  private queue: WatchEvent[][] = [];
  queued = 0;
  private wake: (() => void) | undefined;
  private closed = false;
  private restored = new Map<string, number>();
  private replayed = false;
  readonly maxQueued: number;

  constructor(private readonly dir: string, private readonly options: SpoolOptions = {}) {
    this.maxQueued = options.maxQueued ?? 200_000;
  }

  private async segments(): Promise<number[]> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    return names.map((n) => /^spool-(\d+)\.jsonl$/.exec(n)).filter((m): m is RegExpExecArray => !!m).map((m) => Number(m[1])).sort((a, b) => a - b);
  }

  async restore(state: unknown): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    const s = (state as { segments?: Record<string, number> } | undefined)?.segments ?? {};
    for (const [k, v] of Object.entries(s)) this.restored.set(k, v);
    const segs = await this.segments();
    // A new segment for this run: replay reads the old ones, appends never race it.
    this.seg = (segs[segs.length - 1] ?? 0) + 1;
    this.fh = await fs.open(path.join(this.dir, segName(this.seg)), 'a');
    this.size = 0;
  }

  checkpoint(keepFrom: KeepFrom): unknown {
    const segments: Record<string, number> = {};
    for (const [k, v] of this.restored) segments[k] = keepFrom.get(k) ?? v;
    segments[`spool:${this.seg}`] = keepFrom.get(`spool:${this.seg}`) ?? this.size;
    for (const [k, v] of keepFrom) if (k.startsWith('spool:')) segments[k] = v;
    return { segments };
  }

  async release(keepFrom: KeepFrom): Promise<void> {
    for (const n of await this.segments()) {
      if (n >= this.seg) continue;
      const stream = `spool:${n}`;
      const from = keepFrom.get(stream) ?? this.restored.get(stream);
      const st = await fs.stat(path.join(this.dir, segName(n))).catch(() => undefined);
      if (!st) continue;
      if (from === undefined || from >= st.size) {
        await fs.rm(path.join(this.dir, segName(n)), { force: true });
        this.restored.delete(stream);
      }
    }
  }

  idle(): boolean {
    return this.replayed && this.queue.length === 0 && this.pending.length === 0 && !this.writing;
  }

  /** Room for `n` more events? */
  hasRoom(n: number): boolean {
    return this.queued + n <= this.maxQueued || this.queued === 0;
  }

  /**
   * Appends lines (each a JSON value, already checked) and their events (`groups[k]` are line
   * k's); resolves once they are on disk. Positions are set when the write's offset is known.
   */
  append(lines: string[], groups: WatchEvent[][]): Promise<void> {
    return new Promise((resolve, reject) => {
      let text = '';
      const lens: number[] = [];
      for (const line of lines) {
        text += line + '\n';
        lens.push(Buffer.byteLength(line) + 1);
      }
      this.pending.push({ text, groups, lines: lens, done: (e) => (e ? reject(e) : resolve()) });
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.pending.length && this.fh) {
        const batch = this.pending.splice(0, this.pending.length);
        if (this.size >= SEGMENT_BYTES) {
          await this.fh.close();
          this.restored.set(`spool:${this.seg}`, this.size);
          this.seg++;
          this.fh = await fs.open(path.join(this.dir, segName(this.seg)), 'a');
          this.size = 0;
        }
        const stream = `spool:${this.seg}`;
        let at = this.size;
        const chunks: string[] = [];
        const ready: WatchEvent[] = [];
        for (const p of batch) {
          const groups = p.groups;
          for (let k = 0; k < p.lines.length; k++) {
            const end = at + p.lines[k]!;
            for (const e of groups[k] ?? []) { e.position = { stream, offset: at, end }; ready.push(e); }
            at = end;
          }
          chunks.push(p.text);
        }
        try {
          const buf = Buffer.from(chunks.join(''));
          await this.fh.write(buf, 0, buf.length);
          await this.fh.datasync();
          this.size = at;
        } catch (e) {
          for (const p of batch) p.done(e as Error);
          continue;
        }
        if (ready.length) { this.queue.push(ready); this.queued += ready.length; this.wake?.(); }
        for (const p of batch) p.done();
      }
    } finally {
      this.writing = false;
    }
  }

  async *read(): AsyncGenerator<WatchEvent[]> {
    // First what earlier runs spooled and a replay still needs.
    for (const n of await this.segments()) {
      if (n >= this.seg || this.closed) continue;
      const stream = `spool:${n}`;
      const from = this.restored.get(stream) ?? 0;
      const file = path.join(this.dir, segName(n));
      const data = await fs.readFile(file).catch(() => undefined);
      if (!data || from >= data.length) continue;
      const problems: LineProblem[] = [];
      for (let at = from; at < data.length;) {
        const events: WatchEvent[] = [];
        const slice = data.subarray(at, Math.min(data.length, at + (1 << 20)));
        let used = parseLines(slice, at, stream, undefined, events, problems);
        if (used === 0) {
          // a line longer than the slice, or a torn last line (a crash mid-write: never acknowledged)
          const nl = data.indexOf(10, at);
          if (nl < 0) break;
          used = parseLines(data.subarray(at, nl + 1), at, stream, undefined, events, problems);
        }
        at += used;
        if (events.length) yield events;
      }
      for (const p of problems) this.options.onProblem?.(file, p);
    }
    this.replayed = true;
    while (!this.closed || this.queue.length) {
      const next = this.queue.shift();
      if (next) {
        this.queued -= next.length;
        yield next;
        continue;
      }
      if (this.closed) break;
      await new Promise<void>((resolve) => { this.wake = () => { this.wake = undefined; resolve(); }; });
    }
  }

  /** Stops taking input; what is queued is still read. */
  async close(): Promise<void> {
    while (this.writing || this.pending.length) await new Promise((r) => setTimeout(r, 5));
    this.closed = true;
    this.wake?.();
    await this.fh?.close().catch(() => undefined);
    this.fh = undefined;
  }
}
