/**
 * One read of a file for every scan of its table in a query. A query may scan a table more
 * than once (the seed rule reads DeviceProcessEvents for two of its legs; byte crediting reads
 * DeviceNetworkEvents for itself before the query does), each scan with its own field test.
 * The first scan to read a file tests each line for every scan at once (the tests share the
 * fields they locate) and keeps the lines some scan may pass; a later scan (or the same one
 * again: a `let` used twice) takes its lines from there instead of reading the file again.
 *
 * Memory: only lines that may pass some scan's filters are kept (a percent or two of a file
 * for a selective rule), and at most `budget` characters of them over all files, nor more than
 * half of a file (`keepsTooMuch`); past that the kept lines are dropped and the later scans read
 * for themselves. So is a file whose first read
 * stopped early, or one a second scan starts on while the first is still reading it. A table
 * scanned once, or by a scan with no field test (it takes every line), is not shared at all.
 */
import type { FieldTest } from './field-filter.js';
import type { SourceRecord } from './reader.js';

export interface SharedScan {
  /** Every scan's field test by member number (undefined: a scan with no test takes every line). */
  tests: (FieldTest | undefined)[];
  /** The columns each member reads (undefined: every column, or not known). */
  columns: (ReadonlySet<string> | undefined)[];
  /** What each file's read kept for the later scans. */
  files: Map<string, SharedFile>;
  /** Characters kept over all files, and the most to keep. */
  kept: number;
  budget: number;
}

export interface SharedFile {
  state: 'reading' | 'complete' | 'dropped';
  /** Members the read tested for (members added after it read for themselves). */
  members: number;
  lines: string[];
  numbers: number[];
  masks: number[];
  /**
   * Or, from a read whose scan threads parsed the lines (JSON lines), their records (with the
   * columns of every member) and the masks of their lines. Each member takes copies.
   */
  records?: SourceRecord[];
  /** Numbers of lines skipped for their length (every member is told). */
  overlong: number[];
  /** Characters of the lines kept (of `shared.kept`). */
  chars: number;
}

/** Kept lines or records a later scan takes this many at a time (not all at once: they would all outlive the young generation). */
export const KEPT_BATCH = 4096;

/** 192 MiB of kept lines at most (a character of a JSON line is a byte of a one-byte string). */
export const SHARED_BUDGET = 192 << 20;

/** Bytes of a file read before a shared read judges whether it keeps too much of it. */
const KEEP_JUDGED_AFTER = 16 << 20;

/**
 * Whether a read should stop keeping for the later scans: past the budget, or keeping most of
 * the file (`keptHere` characters of `bytesRead`): reading it again costs less than holding it.
 */
export function keepsTooMuch(shared: SharedScan, keptHere: number, bytesRead: number): boolean {
  return shared.kept > shared.budget || (bytesRead >= KEEP_JUDGED_AFTER && keptHere > bytesRead / 2);
}

export function newSharedScan(tests: (FieldTest | undefined)[] = [], budget = SHARED_BUDGET): SharedScan {
  return { tests, columns: tests.map(() => undefined), files: new Map(), kept: 0, budget };
}

/** The member number of a test, adding it when new (before any read, or it reads alone). */
export function memberOf(shared: SharedScan, test: FieldTest | undefined, columns?: ReadonlySet<string>): number {
  const i = shared.tests.indexOf(test);
  if (i >= 0) return i;
  shared.tests.push(test);
  shared.columns.push(columns);
  return shared.tests.length - 1;
}

/** The columns any member reads, when each member's are known. */
export function sharedColumns(shared: SharedScan): string[] | undefined {
  const out = new Set<string>();
  for (let i = 0; i < shared.tests.length; i++) {
    const c = shared.columns[i];
    if (!c) return undefined;
    for (const x of c) out.add(x);
  }
  return [...out];
}

/** A new entry for a file the first scan is about to read. */
export function newSharedFile(shared: SharedScan): SharedFile {
  return { state: 'reading', members: shared.tests.length, lines: [], numbers: [], masks: [], overlong: [], chars: 0 };
}

/** Counts characters of lines kept for a file, and drops what it kept when it keeps too much. */
export function keepChars(shared: SharedScan, entry: SharedFile, chars: number, bytesRead: number): void {
  entry.chars += chars;
  shared.kept += chars;
  if (keepsTooMuch(shared, entry.chars, bytesRead)) dropShared(shared, entry);
}

/** Frees what a file's read kept. */
export function dropShared(shared: SharedScan, entry: SharedFile): void {
  shared.kept -= entry.chars;
  entry.chars = 0;
  entry.state = 'dropped';
  entry.lines = [];
  entry.numbers = [];
  entry.masks = [];
  entry.records = undefined;
}

/**
 * Whether a read should keep records for later scans: there are several scans to serve (up to
 * 30: a bit each) and each has a field test (one that takes every record would keep the whole file).
 */
export function worthSharing(shared: SharedScan): boolean {
  return shared.tests.length > 1 && shared.tests.length <= 30 && shared.tests.every((t) => t !== undefined);
}
