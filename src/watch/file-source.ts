/**
 * Follows files and directories of JSON lines: new lines as they are appended, new files in a
 * directory, rotation (the old file is read to its end, then the new one from its start) and
 * truncation (read again from the start). fs.watch wakes the poll early; a stat poll is the
 * fallback. A file is a stream named by its device and inode, so a rotated file keeps its
 * position under its new name.
 */
import { promises as fs, watch as fsWatch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import { DEFENDER_TABLE_NAMES } from '../schema/defender-tables.js';
import { tableOfFile } from '../sources/index.js';
import { type LineProblem, MAX_LINE_BYTES, parseLines } from './lines.js';
import type { KeepFrom, WatchEvent, WatchSource } from './source.js';

const DATA_FILE = /\.(jsonl|ndjson|json|log)$/i;
const READ_BYTES = 1 << 20;

interface Tracked {
  stream: string;
  path: string;
  fh: fs.FileHandle;
  ino: number;
  offset: number;
  table?: string;
  /** Still the file at its path (false once rotated away: drained then closed). */
  current: boolean;
}

interface FileState { stream: string; path: string; offset: number }

export interface FileSourceOptions {
  pollMs?: number;
  /** Files without a checkpointed position: read from their start (default) or only what is appended. */
  from?: 'start' | 'end';
  onProblem?: (file: string, p: LineProblem) => void;
  onNotice?: (message: string, fields: Record<string, unknown>) => void;
}

const KNOWN = new Set(DEFENDER_TABLE_NAMES.map((t) => t.toLowerCase()));

export class FileSource implements WatchSource {
  readonly name: string;
  private tracked = new Map<string, Tracked>();
  private restored = new Map<string, FileState>();
  private closed = false;
  private wake: (() => void) | undefined;
  private watchers: FSWatcher[] = [];
  private caughtUp = false;

  constructor(private readonly paths: string[], private readonly options: FileSourceOptions = {}) {
    this.name = `files:${paths.join(',')}`;
  }

  async restore(state: unknown): Promise<void> {
    const files = (state as { files?: FileState[] } | undefined)?.files ?? [];
    for (const f of files) this.restored.set(f.stream, f);
  }

  checkpoint(keepFrom: KeepFrom): unknown {
    const files: FileState[] = [];
    for (const t of this.tracked.values()) files.push({ stream: t.stream, path: t.path, offset: keepFrom.get(t.stream) ?? t.offset });
    // Streams not open now (a rotated file already drained) keep their restored place until trimmed away.
    for (const f of this.restored.values()) if (!this.tracked.has(f.stream) && keepFrom.has(f.stream)) files.push({ ...f, offset: keepFrom.get(f.stream)! });
    return { files };
  }

  idle(): boolean {
    return this.caughtUp;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    for (const w of this.watchers) w.close();
    for (const t of this.tracked.values()) await t.fh.close().catch(() => undefined);
    this.tracked.clear();
  }

  /** The files the paths name now: a file itself, or a directory's data files (sorted). */
  private async candidates(): Promise<string[]> {
    const out: string[] = [];
    for (const p of this.paths) {
      const st = await fs.stat(p).catch(() => undefined);
      if (!st) continue;
      if (st.isDirectory()) {
        for (const e of (await fs.readdir(p)).sort()) if (!e.startsWith('.') && DATA_FILE.test(e)) out.push(path.join(p, e));
      } else out.push(p);
    }
    return out;
  }

  private async scan(): Promise<void> {
    const seen = new Set<string>();
    for (const p of await this.candidates()) {
      const st = await fs.stat(p, { bigint: false }).catch(() => undefined);
      if (!st || !st.isFile()) continue;
      const stream = `file:${st.dev}:${st.ino}`;
      seen.add(stream);
      const t = this.tracked.get(stream);
      if (t) { t.path = p; t.current = true; continue; }
      // A path now naming another file: the old one was rotated; it is drained, then dropped.
      for (const o of this.tracked.values()) if (o.path === p && o.stream !== stream) o.current = false;
      const prior = this.restored.get(stream);
      const fh = await fs.open(p, 'r').catch(() => undefined);
      if (!fh) continue;
      const name = tableOfFile(p);
      const offset = prior ? prior.offset : this.options.from === 'end' ? st.size : 0;
      this.tracked.set(stream, { stream, path: p, fh, ino: st.ino, offset, table: KNOWN.has(name.toLowerCase()) ? name : undefined, current: true });
      if (prior) this.restored.delete(stream);
    }
    for (const t of this.tracked.values()) if (!seen.has(t.stream)) t.current = false;
  }

  private startWatching(): void {
    for (const p of this.paths) {
      try {
        const w = fsWatch(p, { persistent: false }, () => this.wake?.());
        w.on('error', () => undefined);
        this.watchers.push(w);
      } catch {
        // not watchable (or not there yet): the poll still sees it
      }
    }
  }

  async *read(): AsyncGenerator<WatchEvent[]> {
    this.startWatching();
    const pollMs = this.options.pollMs ?? 250;
    let lastScan = 0;
    while (!this.closed) {
      if (Date.now() - lastScan >= pollMs) { await this.scan(); lastScan = Date.now(); }
      let any = false;
      for (const t of [...this.tracked.values()]) {
        if (this.closed) return;
        const st = await t.fh.stat().catch(() => undefined);
        if (!st) continue;
        if (st.size < t.offset) {
          this.options.onNotice?.('file truncated: reading it again from the start', { file: t.path });
          t.offset = 0;
        }
        while (st.size > t.offset && !this.closed) {
          const want = Math.min(READ_BYTES, st.size - t.offset);
          const buf = Buffer.alloc(want);
          const { bytesRead } = await t.fh.read(buf, 0, want, t.offset);
          if (bytesRead === 0) break;
          const events: WatchEvent[] = [];
          const problems: LineProblem[] = [];
          let used = parseLines(buf.subarray(0, bytesRead), t.offset, t.stream, t.table, events, problems);
          if (used === 0) {
            if (bytesRead < want) break; // a partial line at the end: wait for the rest
            if (want >= READ_BYTES) {
              // one line longer than a read: find its end, skip it if too long
              const skipTo = await this.lineEnd(t, t.offset + bytesRead, st.size);
              if (skipTo < 0) break;
              if (skipTo - t.offset > MAX_LINE_BYTES) {
                this.options.onProblem?.(t.path, { offset: t.offset, message: `line longer than ${MAX_LINE_BYTES} bytes` });
                t.offset = skipTo;
                continue;
              }
              const whole = Buffer.alloc(skipTo - t.offset);
              await t.fh.read(whole, 0, whole.length, t.offset);
              used = parseLines(whole, t.offset, t.stream, t.table, events, problems);
            }
          }
          for (const p of problems) this.options.onProblem?.(t.path, p);
          t.offset += used;
          any = true;
          if (events.length) yield events;
          if (used === 0) break;
        }
        if (!t.current && st.size <= t.offset) {
          await t.fh.close().catch(() => undefined);
          this.tracked.delete(t.stream);
          this.restored.set(t.stream, { stream: t.stream, path: t.path, offset: t.offset });
        }
      }
      this.caughtUp = !any;
      if (!any) await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { this.wake = undefined; resolve(); }, pollMs);
        this.wake = () => { clearTimeout(timer); this.wake = undefined; resolve(); };
      });
    }
  }

  /** The offset just past the next newline at or after `from`, or -1 when there is none yet. */
  private async lineEnd(t: Tracked, from: number, size: number): Promise<number> {
    const buf = Buffer.alloc(READ_BYTES);
    for (let at = from; at < size;) {
      const { bytesRead } = await t.fh.read(buf, 0, Math.min(buf.length, size - at), at);
      if (bytesRead === 0) return -1;
      const nl = buf.subarray(0, bytesRead).indexOf(10);
      if (nl >= 0) return at + nl + 1;
      at += bytesRead;
    }
    return -1;
  }
}
