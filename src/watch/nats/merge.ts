/**
 * Merging a member's partitions by Timestamp. Each partition is in time order as published; the
 * merge hands out the earliest head first so the watcher's event clock does not run ahead on one
 * partition while another still holds earlier events. A partition with messages still to deliver
 * (pending) but none received holds the others back, but not for long: MAX_HOLD_MS of waiting.
 *
 * The hold is counted in time the reader spent waiting for the partition, each wait capped at
 * WAIT_CAP_MS. When the process is busy elsewhere (a long rule run, a loaded machine) no partition
 * can deliver, and that time must not count against the one being waited for.
 */

export const MAX_HOLD_MS = 1000;
/** How long the reader sleeps between looks when nothing can be handed out. */
export const WAIT_MS = 50;
export const WAIT_CAP_MS = 2 * WAIT_MS;

export interface MergedPartition {
  /** Received and not handed out, in order; `ts` is the record's Timestamp (ticks). */
  buffer: { ts: number }[];
  /** Messages the server still has for this partition after the last one received. */
  pending: number;
}

export class TimeOrderMerge {
  private heldFor = 0;
  private holding = false;

  /** The partition whose head goes next; 'hold' while a partition is awaited; undefined when none has anything. */
  next<P extends MergedPartition>(parts: readonly P[]): P | 'hold' | undefined {
    let best: P | undefined;
    let blocked = false;
    for (const p of parts) {
      const head = p.buffer[0];
      if (!head) { if (p.pending !== 0) blocked = true; continue; }
      if (!best || head.ts < best.buffer[0]!.ts) best = p;
    }
    this.holding = blocked && this.heldFor < MAX_HOLD_MS;
    if (this.holding) return 'hold';
    if (!blocked) this.heldFor = 0;
    return best;
  }

  /** The reader waited `ms` (wall clock) after a look; only waiting on a hold counts toward it. */
  waited(ms: number): void {
    if (this.holding) this.heldFor += Math.min(ms, WAIT_CAP_MS);
  }
}
