/**
 * Aggregates that collect values into dynamic arrays and bags. Typed values enter in their
 * dynamic form (a datetime becomes its ISO text). The empty result is [] (or {} for a bag).
 */
import type { AggregateBindContext, AggregateFunction } from './types.js';
import { keyOf, toDynamic } from '../values/index.js';
import { LEGACY_MAX_SIZE, MAX_SIZE, constArg, isBag, isNull, sizeLimit } from './common.js';
import { conditional } from './basic.js';

/** The maxSize argument (index 1 of the base form), fixed at bind time when constant. */
function limitOf(ctx: AggregateBindContext, dflt: number): (row: unknown) => number {
  if (ctx.args.length < 2) return () => dflt;
  const fixed = constArg(ctx, 1);
  if (fixed !== undefined) {
    const n = sizeLimit(fixed, dflt);
    return () => n;
  }
  return (row) => sizeLimit(row, dflt);
}

function makeList(name: string, dflt: number, withNulls = false): AggregateFunction {
  return {
    name,
    bind(ctx) {
      const t = ctx.args[0]!.type;
      const limit = limitOf(ctx, dflt);
      return {
        init: () => [] as unknown[],
        add(s: unknown[], v: unknown, max: unknown) {
          if (isNull(v) && !withNulls) return s;
          if (s.length < limit(max)) s.push(isNull(v) ? null : toDynamic(t, v));
          return s;
        },
        result: (s: unknown[]) => s,
      };
    },
  };
}

interface SetState { seen: Set<string>; items: unknown[] }

function makeSet(name: string, dflt: number): AggregateFunction {
  return {
    name,
    bind(ctx) {
      const t = ctx.args[0]!.type;
      const limit = limitOf(ctx, dflt);
      const put = (s: SetState, x: unknown, n: number) => {
        if (isNull(x) || s.items.length >= n) return;
        const k = keyOf(x);
        if (!s.seen.has(k)) { s.seen.add(k); s.items.push(x); }
      };
      return {
        init: (): SetState => ({ seen: new Set<string>(), items: [] }),
        add(s: SetState, v: unknown, max: unknown) {
          if (isNull(v)) return s;
          const n = limit(max);
          // A dynamic array contributes its elements, not itself.
          if (t === 'dynamic' && Array.isArray(v)) for (const x of v) put(s, x, n);
          else put(s, toDynamic(t, v), n);
          return s;
        },
        result: (s: SetState) => s.items,
      };
    },
  };
}

/** Merges property bags; other values are skipped. A key keeps the first value seen for it. */
function makeBag(name: string, dflt: number): AggregateFunction {
  return {
    name,
    bind(ctx) {
      const limit = limitOf(ctx, dflt);
      return {
        init: () => ({ bag: {} as Record<string, unknown>, size: 0 }),
        add(s: { bag: Record<string, unknown>; size: number }, v: unknown, max: unknown) {
          if (!isBag(v)) return s;
          const n = limit(max);
          for (const k of Object.keys(v)) {
            if (s.size >= n) break;
            if (Object.prototype.hasOwnProperty.call(s.bag, k)) continue;
            // defineProperty: a "__proto__" key must stay an ordinary key.
            Object.defineProperty(s.bag, k, { value: v[k], enumerable: true, writable: true, configurable: true });
            s.size++;
          }
          return s;
        },
        result: (s: { bag: Record<string, unknown> }) => s.bag,
      };
    },
  };
}

export const makeListAgg = makeList('make_list', MAX_SIZE);
export const makeListLegacy = makeList('makelist', LEGACY_MAX_SIZE);
export const makeListIf = conditional('make_list_if', makeListAgg, 1);
export const makeListWithNulls = makeList('make_list_with_nulls', MAX_SIZE, true);
export const makeSetAgg = makeSet('make_set', MAX_SIZE);
export const makeSetLegacy = makeSet('makeset', LEGACY_MAX_SIZE);
export const makeSetIf = conditional('make_set_if', makeSetAgg, 1);
export const makeBagAgg = makeBag('make_bag', MAX_SIZE);
export const makeDictionary = makeBag('make_dictionary', LEGACY_MAX_SIZE);
export const makeBagIf = conditional('make_bag_if', makeBagAgg, 1);

/** One position of a buildschema() schema: the kinds seen there, in first-seen order. */
type SchemaAlt =
  | { kind: 'scalar'; name: string }
  | { kind: 'bag'; props: Map<string, SchemaAlt[]> }
  | { kind: 'array'; items: SchemaAlt[] };

/** The type name buildschema() gives a scalar inside a dynamic value. */
function schemaTypeName(v: unknown): string {
  switch (typeof v) {
    case 'boolean': return 'bool';
    case 'bigint': return 'long';
    case 'number': return Number.isInteger(v) ? 'long' : 'double';
    default: return 'string';
  }
}

function admit(alts: SchemaAlt[], v: unknown): void {
  if (isNull(v)) return;
  if (Array.isArray(v)) {
    let a = alts.find((x) => x.kind === 'array') as { kind: 'array'; items: SchemaAlt[] } | undefined;
    if (!a) alts.push(a = { kind: 'array', items: [] });
    for (const item of v) admit(a.items, item);
  } else if (isBag(v)) {
    let b = alts.find((x) => x.kind === 'bag') as { kind: 'bag'; props: Map<string, SchemaAlt[]> } | undefined;
    if (!b) alts.push(b = { kind: 'bag', props: new Map() });
    for (const k of Object.keys(v)) {
      let p = b.props.get(k);
      if (!p) b.props.set(k, p = []);
      admit(p, v[k]);
    }
  } else {
    const name = schemaTypeName(v);
    if (!alts.some((x) => x.kind === 'scalar' && x.name === name)) alts.push({ kind: 'scalar', name });
  }
}

/** A position's schema: its one kind, or the array of its alternatives; null when nothing was seen. */
function renderSchema(alts: SchemaAlt[]): unknown {
  const one = (a: SchemaAlt): unknown => {
    if (a.kind === 'scalar') return a.name;
    const bag: Record<string, unknown> = {};
    const set = (k: string, x: unknown) => Object.defineProperty(bag, k, { value: x, enumerable: true, writable: true, configurable: true });
    if (a.kind === 'array') set('`indexer`', renderSchema(a.items));
    else for (const [k, p] of a.props) set(k, renderSchema(p));
    return bag;
  };
  if (alts.length === 0) return null;
  return alts.length === 1 ? one(alts[0]!) : alts.map(one);
}

/**
 * buildschema(value): the minimal schema admitting every value: a type name, a bag of property
 * schemas, {"`indexer`": element schema} for arrays, or an array of alternatives.
 */
export const buildschema: AggregateFunction = {
  name: 'buildschema',
  bind(ctx) {
    const t = ctx.args[0]!.type;
    return {
      init: (): SchemaAlt[] => [],
      add(s: SchemaAlt[], v: unknown) {
        admit(s, toDynamic(t, v));
        return s;
      },
      result: renderSchema,
    };
  },
};
