/** Checkpoints: one JSON file in the state directory, replaced atomically (write a temporary file, fsync it, rename, fsync the directory). */
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { OpenIncident } from '../detect/index.js';

export interface Checkpoint {
  version: 1;
  /** Per source name, what its `checkpoint()` returned. */
  sources: Record<string, unknown>;
  /** Per rule id, the next tick (ticks since 2020-01-01) that has not run yet. */
  nextTick: Record<string, number>;
  /** Alert ids emitted, with the tick after which they can no longer come again. */
  emitted: [string, number][];
  /** Suppression: per rule and entity key, the last alert time (ticks). */
  suppression: [string, number][];
  /** Open incidents by device and account: id and latest alert time (ticks); absent in older checkpoints. */
  incidents?: [string, OpenIncident][];
  /** Alerts decided and recorded but not yet handed to every sink (the outbox). */
  outbox: Record<string, unknown>[];
  /** Largest event Timestamp seen (ticks), the event clock. */
  maxTs: number;
}

export const STATE_FILE = 'checkpoint.json';

export function loadCheckpoint(dir: string): Checkpoint | undefined {
  try {
    const c = JSON.parse(readFileSync(path.join(dir, STATE_FILE), 'utf8')) as Checkpoint;
    return c.version === 1 ? c : undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the checkpoint ${path.join(dir, STATE_FILE)}: ${(e as Error).message}`);
  }
}

/** Writes `data` to `dir/name` so that a crash leaves either the old file or the new one, whole. */
export async function writeAtomic(dir: string, name: string, data: string): Promise<void> {
  const tmp = path.join(dir, `.${name}.${process.pid}.tmp`);
  const fh = await fs.open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, path.join(dir, name));
  const d = await fs.open(dir, 'r');
  try {
    await d.sync();
  } catch {
    // some file systems cannot fsync a directory
  } finally {
    await d.close();
  }
}

export async function saveCheckpoint(dir: string, c: Checkpoint): Promise<void> {
  await writeAtomic(dir, STATE_FILE, JSON.stringify(c));
}
