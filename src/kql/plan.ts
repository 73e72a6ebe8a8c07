/**
 * The typed plan: what the front end hands the engine. Every name is resolved and every
 * expression carries the type the Kusto binder gave it. Nothing here refers to the parser's
 * objects, so the engine never sees them.
 */
import type { ScalarType } from '../schema/types.js';

/** A place in the query text: offset and length (the CLI turns it into line:column). */
export interface Span { start: number; length: number }

export interface Field { name: string; type: ScalarType }

export type Expr =
  | { kind: 'literal'; type: ScalarType; value: unknown; span: Span }
  | { kind: 'column'; name: string; type: ScalarType; span: Span; side?: 'left' | 'right' }
  /** A scalar `let` or a function parameter, resolved at run time from the environment. */
  | { kind: 'var'; name: string; type: ScalarType; span: Span }
  /** Operators and functions alike: `fn` is the KQL spelling (`==`, `!has`, `strlen`, `count`). */
  | { kind: 'call'; fn: string; args: Expr[]; type: ScalarType; span: Span }
  /** `*` inside a call such as `arg_max(T, *)` or `count(*)`. */
  | { kind: 'star'; span: Span }
  /** A tabular argument: `x in (T | project c)`, `toscalar(...)`. */
  | { kind: 'subquery'; query: Tab; span: Span }
  /** `typeof(long)` as used by `to typeof(...)` and some functions. */
  | { kind: 'type'; type: ScalarType; span: Span };

export interface Named { name: string; expr: Expr }

export interface SortKey { expr: Expr; desc: boolean; nullsFirst: boolean }

export type ParseSegment =
  | { kind: 'literal'; text: string }
  | { kind: 'column'; name: string; type: ScalarType }
  | { kind: 'wildcard' };

/** Tabular plan nodes. `schema` is the node's output, as the binder computed it. */
export type Tab = { schema: Field[]; span: Span } & (
  | { op: 'table'; name: string }
  | { op: 'ref'; name: string }
  | { op: 'materialize'; id: number; input: Tab }
  | { op: 'datatable'; rows: Expr[][] }
  | { op: 'print'; items: Named[] }
  | { op: 'range'; column: string; from: Expr; to: Expr; step: Expr }
  | { op: 'where'; input: Tab; predicate: Expr }
  | { op: 'extend'; input: Tab; items: Named[] }
  | { op: 'project'; input: Tab; items: Named[] }
  /** project-away/-keep/-rename/-reorder all become a column selection with renames. */
  | { op: 'select'; input: Tab; columns: { from: string; to: string }[] }
  | { op: 'summarize'; input: Tab; by: Named[]; aggregates: Named[] }
  | { op: 'sort'; input: Tab; keys: SortKey[] }
  | { op: 'top'; input: Tab; count: Expr; keys: SortKey[] }
  | { op: 'take'; input: Tab; count: Expr }
  | { op: 'distinct'; input: Tab; items: Named[] }
  | { op: 'count'; input: Tab; column: string }
  | { op: 'union'; inputs: Tab[]; withSource?: string; sourceNames: string[]; kind: 'outer' | 'inner' }
  | { op: 'join'; left: Tab; right: Tab; kind: JoinKind; on: { left: Expr; right: Expr }[]; rightRenames: { from: string; to: string }[] }
  | { op: 'lookup'; left: Tab; right: Tab; kind: 'leftouter' | 'inner'; on: { left: Expr; right: Expr }[] }
  | { op: 'mv-expand'; input: Tab; items: { name: string; expr: Expr; type: ScalarType }[]; kind: 'bag' | 'array'; withItemIndex?: string; limit?: Expr }
  | { op: 'parse'; input: Tab; source: Expr; mode: 'simple' | 'regex' | 'relaxed'; segments: ParseSegment[]; flags: string; where: boolean }
  | { op: 'serialize'; input: Tab; items: Named[] }
  | { op: 'make-series'; input: Tab; aggregates: { name: string; expr: Expr; default: Expr | null }[]; on: Named; from: Expr | null; to: Expr | null; step: Expr; by: Named[]; nonEmpty?: boolean }
  | { op: 'top-nested'; input: Tab; levels: TopNestedLevel[] }
  | { op: 'evaluate'; input: Tab | null; plugin: string; args: Expr[] }
  | { op: 'as'; input: Tab; name: string }
  | { op: 'sample'; input: Tab; count: Expr }
  | { op: 'getschema'; input: Tab }
  /** Per input row: `expand` (an mv-expand over the row, read as `ref rowName`) piped into `subquery`. */
  | { op: 'mv-apply'; input: Tab; rowName: string; expand: Tab; subquery: Tab }
  | { op: 'scan'; input: Tab; matchId?: string; declare: ScanDeclare[]; steps: ScanStep[]; orderBy: SortKey[]; partitionBy: Expr[] }
  /**
   * Per distinct key: `subquery` runs with `ref refName` bound to the partition's rows, or (the
   * `{ ... }` form, `scalarKey`) to one row holding the key, read through toscalar().
   */
  | { op: 'partition'; input: Tab; key: Expr; refName: string; subquery: Tab; scalarKey: boolean }
  | { op: 'reduce'; input: Tab; by: Expr; threshold: Expr | null; characters: Expr | null; source: boolean }
  /**
   * search: `predicate` over each input, tagged with its name in `$table`. Calls of
   * SEARCH_ANY (`"term"`, `* has "x"`) stand for "any column", resolved per input's columns.
   * `database`: no `in (...)` clause, so every loaded table is searched as well.
   */
  | { op: 'search'; inputs: Tab[]; names: string[]; predicate: Expr; caseSensitive: boolean; database: boolean }
  /**
   * Graphs: make-graph and graph-mark-components give a graph, which only graph-to-table
   * turns back into a table. `nodeIdColumn` (with_node_id) makes each edge endpoint a node
   * whose one property is its id; otherwise the node tables give the nodes' properties.
   */
  | { op: 'make-graph'; input: Tab; source: Expr; target: Expr; nodes: { table: Tab; key: Expr }[]; nodeIdColumn?: string }
  | { op: 'graph-mark-components'; input: Tab; column: string; kind: 'weak' | 'strong' }
  | { op: 'graph-to-table'; input: Tab; entity: 'nodes' | 'edges'; nodeId?: string; sourceId?: string; targetId?: string }
  | { op: 'unsupported'; what: string }
);

/** A `declare` column of scan, with its default (null when none). */
export interface ScanDeclare { name: string; type: ScalarType; default: Expr | null }

/**
 * A scan step. References to `step.column` in its expressions are columns named
 * scanStateColumn(step, column).
 */
export interface ScanStep {
  name: string;
  output: 'all' | 'last' | 'none';
  condition: Expr;
  assignments: { name: string; expr: Expr }[];
}

export function scanStateColumn(step: string, column: string): string {
  return `\u0001${step}.${column}`;
}

/** The call name standing for "some column" in a search predicate: args are (operator, pattern). */
export const SEARCH_ANY = '\u0001search-any';

export type JoinKind =
  | 'innerunique' | 'inner' | 'leftouter' | 'rightouter' | 'fullouter'
  | 'leftsemi' | 'rightsemi' | 'leftanti' | 'rightanti';

export interface TopNestedLevel {
  count: Expr | null;
  of: Named;
  others: Expr | null;
  by: Named;
  desc: boolean;
}

/** A whole query; `let`s are already substituted into it. */
export interface QueryPlan {
  result: Tab;
  schema: Field[];
}

export type TabOp = Tab['op'];

/** Child plans of any node (inputs, sides, subqueries in expressions). */
export function children(t: Tab): Tab[] {
  const out: Tab[] = [];
  for (const v of Object.values(t)) {
    if (v && typeof v === 'object' && 'op' in (v as object) && 'schema' in (v as object)) out.push(v as Tab);
    if (Array.isArray(v)) for (const x of v) if (x && typeof x === 'object' && 'op' in x && 'schema' in x) out.push(x as Tab);
  }
  // Subqueries inside expressions (toscalar, in (...)) are plans too.
  const walkExpr = (e: unknown): void => {
    if (!e || typeof e !== 'object') return;
    const x = e as Expr;
    if (x.kind === 'subquery') out.push(x.query);
    else if (x.kind === 'call') x.args.forEach(walkExpr);
  };
  for (const v of Object.values(t)) {
    if (Array.isArray(v)) v.forEach((x) => { walkExpr(x); if (x && typeof x === 'object' && 'expr' in x) walkExpr((x as { expr: unknown }).expr); });
    else walkExpr(v);
  }
  return out;
}
