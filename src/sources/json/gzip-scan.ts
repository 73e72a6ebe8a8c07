/**
 * A gzipped JSON-lines file scanned like a plain one (parallel.ts), on the bytes: the stream is
 * decompressed (on libuv's threads) and cut after a newline into blocks of about BLOCK_BYTES,
 * which the block scanner tests line by line, so lines no test may pass are never decoded. One
 * thread: a gzip stream cannot be entered in the middle.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { FieldTest } from '../field-filter.js';
import { BLOCK_BYTES, BlockScanner, MAX_LINE_BYTES } from './lines.js';
import type { LineBlock } from './parallel.js';

/** Block size and longest line (tests make them small to exercise the cuts). */
export const gzipScanOptions = { blockBytes: BLOCK_BYTES, maxLineBytes: MAX_LINE_BYTES };

export async function* scanGzipFile(path: string, tests: (FieldTest | undefined)[]): AsyncGenerator<LineBlock> {
  const { blockBytes, maxLineBytes } = gzipScanOptions;
  const raw = createReadStream(path);
  // Large output chunks: each is a round trip to the thread that inflates (16 KiB by default).
  const input = raw.pipe(createGunzip({ chunkSize: 1 << 20 }));
  raw.on('error', (e) => input.destroy(e));
  const scanner = new BlockScanner(Buffer.alloc(0), 0, tests);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let line = 1; // the number of the first line not yet given
  let index = 0;
  let reported = 0; // compressed bytes accounted for
  /** A line past maxLineBytes is being passed over, up to its newline. */
  let skipping = false;
  const block = (bytes: Buffer | undefined, overlong: number[]): LineBlock => {
    const r = bytes ? scanner.scanBytes(bytes, index++, maxLineBytes) : undefined;
    const numbers = r ? r.rel.map((x) => line + x) : [];
    const long = [...overlong, ...(r ? r.overlong.map((x) => line + x) : [])];
    line += r ? r.count : 0;
    const read = raw.bytesRead - reported;
    reported = raw.bytesRead;
    return { lines: r?.lines ?? [], numbers, masks: r?.masks ?? [], overlong: long, bytes: read };
  };
  /** Bytes at the end of `pending` after its last newline: the line being read. */
  let partial = 0;
  const take = (): Buffer => {
    const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    return all;
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let c = chunk;
      const overlong: number[] = [];
      if (skipping) {
        const nl = c.indexOf(10);
        if (nl < 0) continue;
        skipping = false;
        overlong.push(line++);
        c = c.subarray(nl + 1);
      }
      const last = c.lastIndexOf(10);
      pending.push(c);
      pendingBytes += c.length;
      partial = last < 0 ? partial + c.length : c.length - last - 1;
      if (partial > maxLineBytes) {
        // The line being read is too long: give the whole lines before it, pass over the rest of it.
        const all = take();
        const cut = all.length - partial;
        partial = 0;
        skipping = true;
        yield block(cut > 0 ? all.subarray(0, cut) : undefined, overlong);
        continue;
      }
      if (pendingBytes - partial < blockBytes && overlong.length === 0) continue;
      const all = take();
      const cut = all.length - partial; // just past the last newline
      // The line being read is copied: `all` may be a large concatenation, or the stream's chunk.
      if (partial > 0) {
        pending = [Buffer.from(all.subarray(cut))];
        pendingBytes = partial;
      }
      yield block(cut > 0 ? all.subarray(0, cut) : undefined, overlong);
    }
    if (skipping) yield block(undefined, [line++]);
    else if (pendingBytes > 0) yield block(take(), []);
    else if (raw.bytesRead > reported) yield block(undefined, []);
  } finally {
    scanner.dispose();
    input.destroy();
  }
}
