/**
 * What a `watch` source is: an async iterator of batches of events, each `{table, record,
 * position}`, plus the hooks the watcher calls around its checkpoints. Files, the spool behind
 * stdin and the HTTP endpoint implement it here; a broker consumer (NATS JetStream, Kafka) plugs
 * in the same way: its stream is a partition or consumer, its offset the broker's sequence,
 * `checkpoint` says where a replay must start, and `release` acknowledges what is no longer needed.
 */

/** Where an event is in its stream; offsets only grow within a stream. */
export interface Position {
  /** A stable name for the stream (a file by device and inode, a spool segment, a broker partition). */
  stream: string;
  /** Where a replay that must see this event starts (a line's first byte, a broker sequence). */
  offset: number;
  /** Where reading continues after this event (the next line's first byte, sequence + 1). */
  end: number;
}

export interface WatchEvent {
  /** The table the record names (`category: AdvancedHunting-<Table>`) or its file's table; undefined if neither. */
  table?: string;
  record: Record<string, unknown>;
  position: Position;
}

/** Per stream, the offset a restart must replay from so that no retained event is lost. */
export type KeepFrom = Map<string, number>;

export interface WatchSource {
  readonly name: string;
  /**
   * Events from the checkpointed positions on (`restore` is called first), in batches, until
   * `close()` (or the input ends: stdin at EOF). The consumer's pace is the backpressure: a source
   * reads no further while a batch is not taken.
   */
  read(): AsyncIterable<WatchEvent[]>;
  /** Restores the state `checkpoint` returned in an earlier run (undefined on a first start). */
  restore(state: unknown): Promise<void>;
  /** JSON-able state for the checkpoint: replay from `keepFrom` for the streams it names, else from where reading is. */
  checkpoint(keepFrom: KeepFrom): unknown;
  /** After a checkpoint is durable: events before `keepFrom` will never be replayed (a broker acks, the spool deletes segments). */
  release?(keepFrom: KeepFrom): Promise<void>;
  /** True when the source has read everything there is for now (used by --exit-on-idle). */
  idle(): boolean;
  close(): Promise<void>;
}
