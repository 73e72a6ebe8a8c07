/**
 * Compiled plans on disk, so a run whose queries and schemas are unchanged never loads the
 * parser (its start-up costs more than a small hunt). Keyed by a hash of the query text, the
 * schema and this version; written atomically (temporary file, then rename); any unreadable
 * entry is ignored and recompiled. Shared plan nodes (a `let` used twice, a materialize) stay
 * shared through a round trip, so they still run once.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import type { QueryPlan } from './plan.js';
import { modulePath } from '../paths.js';

/** Bump when the plan's shape changes, so old entries are not read. */
const PLAN_FORMAT = 3;

export function planCacheDir(): string | undefined {
  if (process.env.EXFILWATCH_PLAN_CACHE === 'off') return undefined;
  if (process.env.EXFILWATCH_PLAN_CACHE) return process.env.EXFILWATCH_PLAN_CACHE;
  const base = process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache');
  return path.join(base, 'exfilwatch', 'plans');
}

/** The translator's own code is part of the key: a changed translator never reads old plans. */
let codeVersion: string | undefined;
function translatorVersion(): string {
  if (codeVersion === undefined) {
    const h = createHash('sha256').update(String(PLAN_FORMAT));
    for (const f of ['translate.js', 'index.js', 'kusto.js', 'plan-cache.js']) {
      try { h.update(readFileSync(modulePath(`kql/${f}`))); } catch { h.update(f); }
    }
    codeVersion = h.digest('hex');
  }
  return codeVersion;
}

export function planKey(text: string, schemaKey: string): string {
  return createHash('sha256').update(`${translatorVersion()}\u0000${schemaKey}\u0000${text}`).digest('hex');
}

export function readPlan(dir: string, key: string): QueryPlan | undefined {
  try {
    return decode(JSON.parse(readFileSync(path.join(dir, key + '.json'), 'utf8'))) as QueryPlan;
  } catch {
    return undefined;
  }
}

export function writePlan(dir: string, key: string, plan: QueryPlan): void {
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = path.join(dir, `${key}.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(encode(plan)));
    renameSync(tmp, path.join(dir, key + '.json'));
  } catch {
    // A cache that cannot be written only costs speed.
  }
}

/** JSON form with bigints as {"$big"} and objects seen twice as {"$id"} then {"$ref"}. */
function encode(root: unknown): unknown {
  const seen = new Map<object, number>();
  const shared = new Set<object>();
  const count = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    if (seen.has(v)) { shared.add(v); return; }
    seen.set(v, seen.size);
    for (const x of Array.isArray(v) ? v : Object.values(v)) count(x);
  };
  count(root);
  const written = new Set<object>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'bigint') return { $big: v.toString() };
    if (!v || typeof v !== 'object') return v;
    if (shared.has(v)) {
      const id = seen.get(v)!;
      if (written.has(v)) return { $ref: id };
      written.add(v);
      return Array.isArray(v) ? { $id: id, $array: v.map(walk) } : { $id: id, ...mapValues(v, walk) };
    }
    return Array.isArray(v) ? v.map(walk) : mapValues(v, walk);
  };
  return walk(root);
}

function decode(root: unknown): unknown {
  const byId = new Map<number, unknown>();
  const walk = (v: unknown): unknown => {
    if (!v || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(walk);
    const o = v as Record<string, unknown>;
    if ('$big' in o) return BigInt(o.$big as string);
    if ('$ref' in o) return byId.get(o.$ref as number);
    if ('$id' in o) {
      const id = o.$id as number;
      if ('$array' in o) {
        const arr: unknown[] = [];
        byId.set(id, arr);
        for (const x of o.$array as unknown[]) arr.push(walk(x));
        return arr;
      }
      const obj: Record<string, unknown> = {};
      byId.set(id, obj);
      for (const [k, x] of Object.entries(o)) if (k !== '$id') obj[k] = walk(x);
      return obj;
    }
    return mapValues(o, walk);
  };
  return walk(root);
}

function mapValues(o: object, f: (v: unknown) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = f(v);
  return out;
}
