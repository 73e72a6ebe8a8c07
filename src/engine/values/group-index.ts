/**
 * Groups of rows by several key columns, without building a key string per row. Each key
 * column numbers its distinct values (as `keyOf` tells them apart: 5 and 5n are one value, "" and
 * null two), and a row's group is found through one map per key column, keyed by those numbers.
 * The per-row string a `keyOf` join would build (a rope of every key, flattened by the lookup) is
 * most of what a many-key summarize allocates.
 */
import { keyOf } from './index.js';

/** The distinct values of one key column, numbered in the order they come. */
class ValueIds {
  private readonly strings = new Map<string, number>();
  private readonly numbers = new Map<number, number>();
  /** Everything else, by its keyOf text (booleans, unsafe integers, dynamic values). */
  private readonly others = new Map<string, number>();
  private nullId = -1;
  private next = 0;

  id(v: unknown): number {
    let m: Map<string, number> | Map<number, number>;
    let k: string | number;
    if (typeof v === 'string') {
      m = this.strings;
      k = v;
    } else if (typeof v === 'number' && (Number.isSafeInteger(v) || !Number.isInteger(v))) {
      m = this.numbers;
      k = v; // a map key: -0 is 0, NaN is NaN
    } else if (typeof v === 'bigint' && v >= -9007199254740991n && v <= 9007199254740991n) {
      m = this.numbers;
      k = Number(v);
    } else if (v === null || v === undefined) {
      if (this.nullId < 0) this.nullId = this.next++;
      return this.nullId;
    } else {
      m = this.others;
      k = keyOf(v);
    }
    let id = (m as Map<string | number, number>).get(k);
    if (id === undefined) {
      id = this.next++;
      (m as Map<string | number, number>).set(k, id);
    }
    return id;
  }
}

type Level = Map<number, Level | number>;

export class GroupIndex {
  private readonly ids: ValueIds[];
  private readonly root: Level = new Map();
  /** Groups so far; a new group gets the next number. */
  size = 0;
  /** Whether the last `group` call opened its group. */
  isNew = false;

  constructor(private readonly keys: number) {
    this.ids = Array.from({ length: keys }, () => new ValueIds());
  }

  /** The group of row `i` of the key columns, numbered from 0 in the order groups first come. */
  group(columns: unknown[][], i: number): number {
    const n = this.keys;
    if (n === 0) {
      this.isNew = this.size === 0;
      if (this.isNew) this.size = 1;
      return 0;
    }
    let level = this.root;
    for (let k = 0; k < n - 1; k++) {
      const id = this.ids[k]!.id(columns[k]![i]);
      let next = level.get(id) as Level | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(id, next);
      }
      level = next;
    }
    const id = this.ids[n - 1]!.id(columns[n - 1]![i]);
    const g = level.get(id) as number | undefined;
    if (g !== undefined) {
      this.isNew = false;
      return g;
    }
    this.isNew = true;
    level.set(id, this.size);
    return this.size++;
  }
}
