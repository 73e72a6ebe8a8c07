/**
 * Frequent patterns of column values, shared by autocluster, basket and diffpatterns. A pattern
 * fixes the values of some columns (at most one value per column); its rows are those holding
 * all of them. Patterns are mined level by level (Apriori) over per-value row lists; null values
 * never enter a pattern, since null is how a row shows "any value".
 */
import type { Expr, Field } from '../../../kql/plan.js';
import type { ScalarType } from '../../../schema/types.js';
import type { Batch } from '../../batch.js';
import type { ExecContext } from '../../context.js';
import { keyOf } from '../../values/index.js';
import { constant, isDefault, typeOf } from './common.js';

/** Mining stops here so that wide, varied inputs cannot exhaust memory. */
const MAX_PATTERNS = 200_000;

export interface Pattern {
  /** The fixed (column, value) pairs, by column index, ascending. */
  items: { col: number; value: unknown }[];
  /** The matching rows, ascending. */
  rows: Int32Array;
}

/** Sum of the weights of some rows. */
export function weightOf(rows: Int32Array, weights: Float64Array | null): number {
  if (!weights) return rows.length;
  let w = 0;
  for (const r of rows) w += weights[r]!;
  return w;
}

function intersect(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(Math.min(a.length, b.length));
  let i = 0, j = 0, n = 0;
  while (i < a.length && j < b.length) {
    if (a[i]! < b[j]!) i++;
    else if (a[i]! > b[j]!) j++;
    else { out[n++] = a[i]!; i++; j++; }
  }
  return out.subarray(0, n);
}

/**
 * Every pattern of up to `maxItems` columns whose rows pass `frequent` (given the rows), over the
 * columns `cols` of `b`.
 */
export function minePatterns(b: Batch, columns: number[], maxItems: number, frequent: (rows: Int32Array) => boolean): Pattern[] {
  const cols = [...columns].sort((x, y) => x - y);
  // Level 1: one pattern per distinct non-null value of each column.
  let level: Pattern[] = [];
  for (const col of cols) {
    const byValue = new Map<string, { value: unknown; rows: number[] }>();
    const values = b.columns[col]!;
    for (let r = 0; r < b.length; r++) {
      const v = values[r];
      if (v === null || v === undefined) continue;
      const k = keyOf(v);
      const e = byValue.get(k);
      if (e) e.rows.push(r); else byValue.set(k, { value: v, rows: [r] });
    }
    for (const e of byValue.values()) {
      const rows = Int32Array.from(e.rows);
      if (frequent(rows)) level.push({ items: [{ col, value: e.value }], rows });
    }
  }
  const all: Pattern[] = [...level];
  for (let size = 2; size <= maxItems && level.length > 1 && all.length < MAX_PATTERNS; size++) {
    const next: Pattern[] = [];
    // Join patterns that agree on all but their last item (whose columns differ).
    for (let i = 0; i < level.length && all.length + next.length < MAX_PATTERNS; i++) {
      const p = level[i]!;
      for (let j = i + 1; j < level.length; j++) {
        const q = level[j]!;
        if (!samePrefix(p, q)) break;
        // Sorted order puts q's last column after p's; a column holds one value at a time.
        const last = q.items[size - 2]!;
        if (p.items[size - 2]!.col === last.col) continue;
        const rows = intersect(p.rows, q.rows);
        if (rows.length === 0 || !frequent(rows)) continue;
        next.push({ items: [...p.items, last], rows });
      }
    }
    // Keep joinable neighbours adjacent: sort by the items' columns and values.
    next.sort(comparePatterns);
    all.push(...next);
    level = next;
  }
  return all;
}

function samePrefix(p: Pattern, q: Pattern): boolean {
  for (let k = 0; k < p.items.length - 1; k++) {
    if (p.items[k]!.col !== q.items[k]!.col || keyOf(p.items[k]!.value) !== keyOf(q.items[k]!.value)) return false;
  }
  return true;
}

function comparePatterns(p: Pattern, q: Pattern): number {
  for (let k = 0; k < p.items.length; k++) {
    const a = p.items[k]!, b = q.items[k]!;
    if (a.col !== b.col) return a.col - b.col;
    const x = keyOf(a.value), y = keyOf(b.value);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Whether every item of `p` is in `q`. */
export function isSubPattern(p: Pattern, q: Pattern): boolean {
  return p.items.every((a) => q.items.some((b) => b.col === a.col && keyOf(b.value) === keyOf(a.value)));
}

/** The patterns no pattern with one more item matches the same rows as (closed patterns). */
export function closedPatterns(patterns: Pattern[]): Pattern[] {
  const bySize = new Map<number, Pattern[]>();
  for (const p of patterns) {
    const list = bySize.get(p.items.length);
    if (list) list.push(p); else bySize.set(p.items.length, [p]);
  }
  return patterns.filter((p) => !(bySize.get(p.items.length + 1) ?? []).some((q) => q.rows.length === p.rows.length && isSubPattern(p, q)));
}

// ---------------------------------------------------------------- arguments and output

/** Wildcards by column type: null, '' for strings, or the custom wildcards the query gives. */
export function wildcards(args: Expr[], ctx: ExecContext): Map<ScalarType, unknown> {
  const out = new Map<ScalarType, unknown>();
  for (const e of args) {
    if (isDefault(e, ctx)) continue;
    const t = typeOf(e);
    out.set(t === 'int' ? 'int' : t, constant(e, ctx));
  }
  return out;
}

export function wildcardFor(type: ScalarType, custom: Map<ScalarType, unknown>): unknown {
  if (custom.has(type)) return custom.get(type);
  return type === 'string' ? '' : null;
}

/** Row weights from a weight column (null when none); non-positive or null weights count 0. */
export function weightsOf(b: Batch, col: number): Float64Array | null {
  if (col < 0) return null;
  const w = new Float64Array(b.length);
  const values = b.columns[col]!;
  for (let r = 0; r < b.length; r++) {
    const n = Number(values[r] ?? 0);
    w[r] = Number.isFinite(n) && n > 0 ? n : 0;
  }
  return w;
}

/** One output row per pattern: the leading values, then each dimension's value or wildcard. */
export function patternColumns(b: Batch, dims: number[], patterns: Pattern[], custom: Map<ScalarType, unknown>): { fields: Field[]; columns: unknown[][] } {
  const fields = dims.map((c) => b.fields[c]!);
  const columns = dims.map((c) => {
    const wild = wildcardFor(b.fields[c]!.type, custom);
    return patterns.map((p) => {
      const item = p.items.find((i) => i.col === c);
      return item ? item.value : wild;
    });
  });
  return { fields, columns };
}
