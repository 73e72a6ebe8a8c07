/**
 * A progress bar on stderr while files are read: bytes read of the total, drawn only when
 * stderr is a terminal and only once reading has taken more than a moment (1 s).
 *
 * Readers report what they read through `trackBytes(path, source)`: a source is anything with a
 * growing `bytesRead` (a file ReadStream, as `openBytes` opens, or a counter of its own). A file
 * read again (it feeds two tables, or a stage reads it in two passes) shows the pass under way:
 * its progress is that of its latest source. With no bar running, tracking costs nothing.
 */
import { statSync } from 'node:fs';

export interface ByteSource {
  readonly bytesRead: number;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Draw nothing before this many milliseconds. */
  delayMs?: number;
  intervalMs?: number;
}

export interface Progress {
  stop(): void;
}

class Meter {
  /** The latest source of each file. */
  readonly sources = new Map<string, ByteSource>();
  constructor(readonly sizes: Map<string, number>) {}
  done(): number {
    let done = 0;
    for (const [p, s] of this.sources) done += Math.min(s.bytesRead, this.sizes.get(p) ?? s.bytesRead);
    return done;
  }
}

let meter: Meter | undefined;

/** Counts a source's bytes toward the running bar, if there is one. */
export function trackBytes(path: string, source: ByteSource): void {
  meter?.sources.set(path, source);
}

/** Starts a bar over these files; a no-op unless the stream is a terminal. */
export function startProgress(paths: string[], options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (!stream.isTTY || paths.length === 0) return { stop() {} };
  const sizes = new Map<string, number>();
  for (const p of paths) {
    try {
      sizes.set(p, statSync(p).size);
    } catch {
      // a file that vanished fails in its reader, with its name
    }
  }
  const total = [...sizes.values()].reduce((a, b) => a + b, 0);
  const m = new Meter(sizes);
  meter = m;
  const started = Date.now();
  let drawn = false;
  let interval: NodeJS.Timeout | undefined;
  const draw = (): void => {
    stream.write('\r' + renderProgress(m.done(), total, stream.columns || 80, Date.now() - started) + '\x1b[K');
    drawn = true;
  };
  const delay = setTimeout(() => {
    draw();
    interval = setInterval(draw, options.intervalMs ?? 200);
    interval.unref();
  }, options.delayMs ?? 1000);
  delay.unref();
  return {
    stop() {
      clearTimeout(delay);
      if (interval) clearInterval(interval);
      if (meter === m) meter = undefined;
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}

/** One line, at most `width` characters: `reading [#####-----]  48%  1.2 GB of 2.5 GB  0:42`. */
export function renderProgress(done: number, total: number, width: number, elapsedMs: number): string {
  const frac = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const pct = `${Math.floor(frac * 100)}%`.padStart(4);
  const tail = `${pct}  ${formatBytes(done)} of ${formatBytes(total)}  ${formatElapsed(elapsedMs)}`;
  const label = 'reading ';
  const barWidth = Math.min(40, width - 1 - label.length - 3 - tail.length);
  if (barWidth < 5) return (label + tail).slice(0, Math.max(0, width - 1));
  const filled = Math.round(frac * barWidth);
  return `${label}[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${tail}`;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let u = 0;
  let v = n;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
