/**
 * Graphs: make-graph builds one from an edge table (and node tables), graph-mark-components
 * adds a component id to every node, graph-to-table reads nodes or edges back as a table.
 * Node ids here are positions (nodes from the node tables first, then edge endpoints in order of
 * appearance); Kusto's own ids are opaque, so only their equality carries meaning.
 */
import { facts } from '../../diagnostics/facts.js';
import type { Field, Tab } from '../../kql/plan.js';
import { type Batch, type BatchStream, collect, fieldIndex } from '../batch.js';
import type { ExecContext } from '../context.js';
import { castValue } from '../cast.js';
import { ExprCache, prepareAll, run } from '../run.js';
import { keyOf } from '../values/index.js';

interface Graph {
  nodeFields: Field[];
  /** Per node, its properties in nodeFields order. */
  nodes: unknown[][];
  edgeFields: Field[];
  edges: { source: number; target: number; row: unknown[] }[];
}

type GraphTab = Tab & { op: 'make-graph' | 'graph-mark-components' };

export async function* graphToTableOp(tab: Tab & { op: 'graph-to-table' }, ctx: ExecContext): BatchStream {
  if (tab.input.op !== 'make-graph' && tab.input.op !== 'graph-mark-components') throw facts.unsupportedSyntax('graph-to-table over this input', tab.span);
  const g = await buildGraph(tab.input, ctx);
  if (tab.entity === 'nodes') {
    const fields: Field[] = tab.nodeId ? [{ name: tab.nodeId, type: 'long' }, ...g.nodeFields] : g.nodeFields;
    const columns = fields.map((f, c) => {
      if (tab.nodeId && c === 0) return g.nodes.map((_, i) => i);
      const k = fieldIndex(g.nodeFields, f.name);
      return g.nodes.map((n) => n[k]);
    });
    yield conform({ fields, columns, length: g.nodes.length }, tab.schema);
    return;
  }
  const ids: Field[] = [];
  if (tab.sourceId) ids.push({ name: tab.sourceId, type: 'long' });
  if (tab.targetId) ids.push({ name: tab.targetId, type: 'long' });
  const fields = [...ids, ...g.edgeFields];
  const columns = fields.map((_, c) => {
    if (c < ids.length) return g.edges.map((e) => (ids[c]!.name === tab.sourceId && c === 0 ? e.source : e.target));
    return g.edges.map((e) => e.row[c - ids.length]);
  });
  yield conform({ fields, columns, length: g.edges.length }, tab.schema);
}

/** The binder's column order and types, when it knows them. */
function conform(b: Batch, schema: Field[]): Batch {
  if (schema.length !== b.fields.length) return b;
  const columns = schema.map((f) => {
    const k = b.fields.findIndex((x) => x.name === f.name);
    if (k < 0) return new Array(b.length).fill(null);
    const from = b.fields[k]!.type;
    return from === f.type ? b.columns[k]! : b.columns[k]!.map((v) => castValue(from, f.type, v));
  });
  return { fields: schema, columns, length: b.length };
}

export async function buildGraph(tab: GraphTab, ctx: ExecContext): Promise<Graph> {
  if (tab.op === 'graph-mark-components') {
    if (tab.input.op !== 'make-graph' && tab.input.op !== 'graph-mark-components') throw facts.unsupportedSyntax('graph-mark-components over this input', tab.span);
    const g = await buildGraph(tab.input, ctx);
    const ids = tab.kind === 'strong' ? strongComponents(g) : weakComponents(g);
    const at = fieldIndex(g.nodeFields, tab.column);
    if (at >= 0) return { ...g, nodes: g.nodes.map((n, i) => n.map((v, k) => (k === at ? ids[i] : v))) };
    return { ...g, nodeFields: [...g.nodeFields, { name: tab.column, type: 'long' }], nodes: g.nodes.map((n, i) => [...n, ids[i]]) };
  }
  await prepareAll([tab.source, tab.target, ...tab.nodes.map((n) => n.key)], ctx);
  const index = new Map<string, number>();
  const nodes: unknown[][] = [];
  let nodeFields: Field[] = [];
  for (const n of tab.nodes) {
    const b = await collect(run(n.table, ctx), n.table.schema);
    const keys = new ExprCache(n.key, ctx).column(b);
    const map = b.fields.map((f) => {
      let k = fieldIndex(nodeFields, f.name);
      if (k < 0) { nodeFields = [...nodeFields, f]; k = nodeFields.length - 1; }
      return k;
    });
    for (let i = 0; i < b.length; i++) {
      const key = keyOf(keys[i]);
      let id = index.get(key);
      if (id === undefined) { index.set(key, (id = nodes.length)); nodes.push([]); }
      // The same id in several node tables: one node, with the properties merged.
      map.forEach((k, c) => { nodes[id!]![k] = b.columns[c]![i]; });
    }
  }
  const e = await collect(run(tab.input, ctx), tab.input.schema);
  const src = new ExprCache(tab.source, ctx);
  const dst = new ExprCache(tab.target, ctx);
  const srcCol = src.column(e), dstCol = dst.column(e);
  if (tab.nodeIdColumn) nodeFields = [{ name: tab.nodeIdColumn, type: src.compiled(e.fields).type }];
  const nodeOf = (v: unknown): number => {
    const key = keyOf(v);
    let id = index.get(key);
    if (id === undefined) {
      index.set(key, (id = nodes.length));
      nodes.push(tab.nodeIdColumn ? [v] : []);
    }
    return id;
  };
  const edges: Graph['edges'] = [];
  for (let i = 0; i < e.length; i++) {
    edges.push({ source: nodeOf(srcCol[i]), target: nodeOf(dstCol[i]), row: e.columns.map((c) => c[i]) });
  }
  const width = nodeFields.length;
  const filled = nodes.map((n) => Array.from({ length: width }, (_, k) => n[k] ?? (nodeFields[k]!.type === 'string' ? '' : null)));
  return { nodeFields, nodes: filled, edgeFields: e.fields, edges };
}

/** Component ids numbered in order of each component's first node. */
function weakComponents(g: Graph): number[] {
  const parent = g.nodes.map((_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) { parent[x] = parent[parent[x]!]!; x = parent[x]!; }
    return x;
  };
  for (const e of g.edges) {
    const a = find(e.source), b = find(e.target);
    if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
  }
  return renumber(g.nodes.map((_, i) => find(i)));
}

/** Tarjan's strongly connected components, iteratively. */
function strongComponents(g: Graph): number[] {
  const n = g.nodes.length;
  const out: number[][] = Array.from({ length: n }, () => []);
  for (const e of g.edges) out[e.source]!.push(e.target);
  const index = new Array<number>(n).fill(-1), low = new Array<number>(n).fill(0), comp = new Array<number>(n).fill(-1);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  let next = 0, comps = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: [number, number][] = [[root, 0]];
    index[root] = low[root] = next++;
    stack.push(root); onStack[root] = true;
    while (work.length) {
      const top = work[work.length - 1]!;
      const [v, i] = top;
      if (i < out[v]!.length) {
        top[1]++;
        const w = out[v]![i]!;
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          stack.push(w); onStack[w] = true;
          work.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      work.pop();
      if (work.length) { const u = work[work.length - 1]![0]; low[u] = Math.min(low[u]!, low[v]!); }
      if (low[v] === index[v]) {
        let w: number;
        do { w = stack.pop()!; onStack[w] = false; comp[w] = comps; } while (w !== v);
        comps++;
      }
    }
  }
  return renumber(comp);
}

function renumber(labels: number[]): number[] {
  const ids = new Map<number, number>();
  return labels.map((l) => {
    let id = ids.get(l);
    if (id === undefined) ids.set(l, (id = ids.size));
    return id;
  });
}

export async function* graphAsTable(tab: Tab): BatchStream {
  throw facts.unsupportedSyntax('a graph where a table is expected (end it with graph-to-table)', tab.span);
}
