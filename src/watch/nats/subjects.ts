/**
 * The partitioning scheme shared by the publisher and the workers (docs/scaling.md):
 *
 *   subject  exfilwatch.events.<Table>.<bucket>
 *   bucket   FNV-1a (32 bit) of the lower-cased DeviceId, else DeviceName, modulo N partitions
 *
 * N is fixed when the stream is created and written into the stream's description
 * (`exfilwatch partitions=N`) so every worker finds the same N. Each partition has one durable
 * pull consumer `<group>-p<bucket>` filtered on `exfilwatch.events.*.<bucket>`, and each worker
 * owns a fixed share of the partitions (`--member K/W` owns the buckets b with b mod W == K), so
 * every event of a device reaches exactly one worker. Records naming no device go to bucket 0.
 */

export const SUBJECT_PREFIX = 'exfilwatch.events';
export const DEFAULT_PARTITIONS = 16;
const DESCRIPTION_RE = /\bexfilwatch partitions=(\d+)\b/;

/** FNV-1a, 32 bit, over the UTF-16 code units of `text`. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The device a record belongs to: its DeviceId, else its DeviceName, lower-cased; '' if neither. */
export function deviceKey(record: Record<string, unknown>): string {
  for (const k of ['DeviceId', 'DeviceName'] as const) {
    const v = record[k];
    if (typeof v === 'string' && v.trim() !== '') return v.trim().toLowerCase();
  }
  return '';
}

export function bucketOf(record: Record<string, unknown>, partitions: number): number {
  const key = deviceKey(record);
  return key === '' ? 0 : fnv1a(key) % partitions;
}

/** A subject token must not hold '.', '*', '>' or white space. */
export function subjectToken(table: string): string {
  const t = table.replace(/[^A-Za-z0-9_-]/g, '_');
  return t === '' ? '_' : t;
}

export function eventSubject(table: string, bucket: number): string {
  return `${SUBJECT_PREFIX}.${subjectToken(table)}.${bucket}`;
}

/** The filter of one partition's consumer: every table, one bucket. */
export function partitionFilter(bucket: number): string {
  return `${SUBJECT_PREFIX}.*.${bucket}`;
}

/** The table and bucket a subject names, or undefined when it is not one of ours. */
export function parseSubject(subject: string): { table: string; bucket: number } | undefined {
  const parts = subject.split('.');
  if (parts.length !== 4 || `${parts[0]}.${parts[1]}` !== SUBJECT_PREFIX) return undefined;
  const bucket = Number(parts[3]);
  if (!Number.isInteger(bucket) || bucket < 0) return undefined;
  return { table: parts[2]!, bucket };
}

export function streamDescription(partitions: number): string {
  return `exfilwatch partitions=${partitions}`;
}

export function partitionsOfDescription(description: string | undefined): number | undefined {
  const m = DESCRIPTION_RE.exec(description ?? '');
  return m ? Number(m[1]) : undefined;
}

/** The buckets worker `index` of `of` owns. */
export function ownedBuckets(partitions: number, index: number, of: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < partitions; b++) if (b % of === index) out.push(b);
  return out;
}

/** `K/W` (0 <= K < W), as `--member` takes it. */
export function parseMember(text: string): { index: number; of: number } | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  const index = Number(m[1]);
  const of = Number(m[2]);
  return of >= 1 && index < of ? { index, of } : undefined;
}

export function durableName(group: string, bucket: number): string {
  return `${group}-p${bucket}`;
}
