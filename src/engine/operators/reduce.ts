/**
 * reduce: groups strings by similarity, after Vaarandi's SLCT ("A Data Clustering Algorithm for
 * Mining Patterns From Event Logs"), which the Kusto docs name as its basis. Each value is split
 * into words at the separator characters (by default every character that is not an ASCII
 * letter or digit). A word at a position is frequent when it occurs there in more than
 * threshold × N values; values with the same frequent (position, word) set form a cluster when
 * there are more than threshold × N of them. Its pattern is the first value with each run of
 * other words replaced by `*`. Values in no cluster are counted in the row "others".
 */
import type { Field, Tab } from '../../kql/plan.js';
import { type BatchStream, collect, fieldIndex } from '../batch.js';
import type { ExecContext } from '../context.js';
import { compileExpr } from '../expr.js';
import { stringifier } from '../functions/operators.js';
import { ExprCache, prepareAll, run } from '../run.js';

type Reduce = Tab & { op: 'reduce' };

const OTHERS = 'others';

export async function* reduceOp(tab: Reduce, ctx: ExecContext): BatchStream {
  const options = [tab.threshold, tab.characters].filter((e) => e !== null);
  await prepareAll([tab.by, ...options], ctx);
  const constant = (e: typeof tab.threshold): unknown => {
    if (!e) return null;
    const c = compileExpr(e, [], ctx);
    return c.constant ? c.value : null;
  };
  const threshold = Number(constant(tab.threshold) ?? 0.1);
  const characters = constant(tab.characters);
  const b = await collect(run(tab.input, ctx), tab.input.schema);
  const cache = new ExprCache(tab.by, ctx);
  const text = stringifier(cache.compiled(b.fields).type);
  const values = cache.column(b).map((v) => text(v));
  const { cluster, clusters, othersCount } = reduceValues(values, threshold, typeof characters === 'string' && characters !== '' ? characters : null);

  const names = tab.schema.length >= 3 ? tab.schema.slice(-3).map((f) => f.name) : ['Pattern', 'Count', 'Representative'];
  const added: Field[] = [{ name: names[0]!, type: 'string' }, { name: names[1]!, type: 'long' }, { name: names[2]!, type: 'string' }];
  if (tab.source) {
    const fields = [...b.fields.filter((f) => fieldIndex(added, f.name) < 0), ...added];
    const pattern: unknown[] = [], count: unknown[] = [], rep: unknown[] = [];
    for (let i = 0; i < b.length; i++) {
      const c = cluster[i]! >= 0 ? clusters[cluster[i]!]! : null;
      pattern.push(c ? c.pattern : OTHERS);
      count.push(c ? c.count : othersCount);
      rep.push(c ? c.representative : '');
    }
    const kept = b.fields.map((_, k) => k).filter((k) => fieldIndex(added, b.fields[k]!.name) < 0);
    yield { fields, columns: [...kept.map((k) => b.columns[k]!), pattern, count, rep], length: b.length };
    return;
  }
  const rows = [...clusters].sort((x, y) => y.count - x.count);
  if (othersCount > 0) rows.push({ pattern: OTHERS, count: othersCount, representative: '' });
  yield {
    fields: added,
    columns: [rows.map((r) => r.pattern), rows.map((r) => r.count), rows.map((r) => r.representative)],
    length: rows.length,
  };
}

export interface Cluster { pattern: string; count: number; representative: string }

/** Clusters values; `cluster[i]` is value i's index in `clusters`, or -1 for the others. */
export function reduceValues(values: string[], threshold: number, characters: string | null): { cluster: number[]; clusters: Cluster[]; othersCount: number } {
  const isSep = characters ? (ch: string) => characters.includes(ch) : (ch: string) => !/[A-Za-z0-9]/.test(ch);
  const split = values.map((v) => splitWords(v, isSep));
  const support = threshold * values.length;
  const wordCount = new Map<string, number>();
  for (const parts of split) {
    for (let w = 0; w * 2 + 1 < parts.length; w++) {
      const key = `${w}\u0001${parts[w * 2 + 1]}`;
      wordCount.set(key, (wordCount.get(key) ?? 0) + 1);
    }
  }
  const frequent = (parts: string[], w: number) => (wordCount.get(`${w}\u0001${parts[w * 2 + 1]}`) ?? 0) > support;
  const candidates = new Map<string, number[]>();
  split.forEach((parts, i) => {
    let key = '';
    for (let w = 0; w * 2 + 1 < parts.length; w++) if (frequent(parts, w)) key += `${w}\u0001${parts[w * 2 + 1]}\u0002`;
    if (key === '') return;
    let rows = candidates.get(key);
    if (!rows) candidates.set(key, (rows = []));
    rows.push(i);
  });
  const cluster = new Array<number>(values.length).fill(-1);
  const clusters: Cluster[] = [];
  for (const rows of candidates.values()) {
    if (rows.length <= support) continue;
    const first = rows[0]!;
    const parts = split[first]!;
    for (const r of rows) cluster[r] = clusters.length;
    clusters.push({ pattern: patternOf(parts, (w) => frequent(parts, w)), count: rows.length, representative: values[first]! });
  }
  const othersCount = cluster.filter((c) => c < 0).length;
  return { cluster, clusters, othersCount };
}

/** [sep, word, sep, word, ..., sep]: words at odd indexes, separators (maybe empty) around them. */
function splitWords(v: string, isSep: (ch: string) => boolean): string[] {
  const parts: string[] = [];
  let cur = '';
  let inWord = false;
  for (const ch of v) {
    const sep = isSep(ch);
    if (sep === inWord) {
      parts.push(cur);
      cur = '';
      inWord = !inWord;
    }
    cur += ch;
  }
  parts.push(cur);
  if (inWord) parts.push('');
  return parts;
}

/** The value with each run of non-frequent words (and the separators inside it) as one `*`. */
function patternOf(parts: string[], keep: (w: number) => boolean): string {
  let out = parts[0]!;
  let inWild = false;
  for (let w = 0; w * 2 + 1 < parts.length; w++) {
    const sepAfter = parts[w * 2 + 2]!;
    if (keep(w)) {
      out += parts[w * 2 + 1]! + sepAfter;
      inWild = false;
      continue;
    }
    if (!inWild) out += '*';
    inWild = true;
    // A separator between two wildcards is dropped with them.
    const nextWild = w * 2 + 3 < parts.length && !keep(w + 1);
    if (!nextWild) out += sepAfter;
  }
  return out;
}
