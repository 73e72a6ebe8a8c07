/**
 * search: the predicate over each input, matching rows tagged with the input's name in
 * `$table`. A bare term ("abc", "ab*c") or a `*` comparison applies to every column of the
 * input: a term matches as `has`, with a leading or trailing `*` as hassuffix/hasprefix, with
 * both as contains, with one inside as a wildcard match. kind=case_sensitive uses the _cs forms.
 */
import { SEARCH_ANY, type Expr, type Field, type Tab } from '../../kql/plan.js';
import { type Batch, type BatchStream, emptyBatch, fieldIndex } from '../batch.js';
import type { ExecContext } from '../context.js';
import { type Compiled, compileExpr } from '../expr.js';
import { evalColumn, prepareAll, run } from '../run.js';

type Search = Tab & { op: 'search' };

interface Source { name: string; fields: Field[]; open(): BatchStream }

export async function* searchOp(tab: Search, ctx: ExecContext): BatchStream {
  await prepareAll([tab.predicate], ctx);
  const sources: Source[] = tab.inputs.map((t, i) => ({ name: tab.names[i]!, fields: t.schema, open: () => run(t, ctx) }));
  if (tab.database) {
    // Tables with data in this run, when the context can list them.
    const names = (ctx as { tableNames?: () => string[] }).tableNames?.() ?? [];
    for (const name of names) {
      const src = ctx.table(name);
      if (src && !sources.some((s) => s.name === name)) sources.push({ name, fields: src.fields, open: () => src.open() });
    }
  }
  const fields = outputFields(tab.schema, sources);
  const compiled = new WeakMap<Field[], Compiled>();
  let any = false;
  for (const s of sources) {
    for await (const b of s.open()) {
      let c = compiled.get(b.fields);
      if (!c) {
        c = compileExpr(resolveAny(tab.predicate, b.fields, tab.caseSensitive), b.fields, ctx);
        compiled.set(b.fields, c);
      }
      if (b.length === 0) continue;
      const mask = evalColumn(c, b);
      const rows: number[] = [];
      for (let i = 0; i < b.length; i++) if (mask[i] === true) rows.push(i);
      if (rows.length === 0) continue;
      any = true;
      yield tagged(b, rows, s.name, fields);
    }
  }
  if (!any) yield emptyBatch(fields);
}

/** `$table`, then the searched inputs' columns: in the binder's order, then any it did not know. */
function outputFields(schema: Field[], sources: Source[]): Field[] {
  const have = new Map<string, Field>();
  for (const s of sources) for (const f of s.fields) if (!have.has(f.name)) have.set(f.name, f);
  const out: Field[] = [{ name: '$table', type: 'string' }];
  for (const f of schema) if (f.name !== '$table' && have.has(f.name)) { out.push(f); have.delete(f.name); }
  out.push(...have.values());
  return out;
}

function tagged(b: Batch, rows: number[], name: string, fields: Field[]): Batch {
  const columns = fields.map((f, c) => {
    if (c === 0) return rows.map(() => name);
    const k = fieldIndex(b.fields, f.name);
    if (k < 0) return rows.map(() => (f.type === 'string' ? '' : null));
    const src = b.columns[k]!;
    return rows.map((r) => src[r]);
  });
  return { fields, columns, length: rows.length };
}

/** Replaces the "any column" calls by an `or` over the batch's columns. */
function resolveAny(e: Expr, fields: Field[], caseSensitive: boolean): Expr {
  if (e.kind !== 'call') return e;
  if (e.fn !== SEARCH_ANY) return { ...e, args: e.args.map((a) => resolveAny(a, fields, caseSensitive)) };
  const [opArg, pattern, column] = e.args;
  const op = opArg?.kind === 'literal' ? String(opArg.value) : 'has';
  const columns: Expr[] = column ? [column] : fields.map((f) => ({ kind: 'column', name: f.name, type: f.type, span: e.span }));
  const tests = columns.map((col) => (op === 'term' ? termTest(col, pattern!, caseSensitive) : call(op, [col, pattern!], e)));
  if (tests.length === 0) return { kind: 'literal', type: 'bool', value: false, span: e.span };
  return tests.reduce((a, b) => call('or', [a, b], e));
}

function call(fn: string, args: Expr[], at: Expr): Expr {
  return { kind: 'call', fn, args, type: 'bool', span: at.span };
}

function termTest(col: Expr, pattern: Expr, cs: boolean): Expr {
  const text = pattern.kind === 'literal' ? String(pattern.value ?? '') : '';
  const lit = (value: string): Expr => ({ kind: 'literal', type: 'string', value, span: pattern.span });
  const suffix = cs ? '_cs' : '';
  if (!text.includes('*')) return call('has' + suffix, [col, lit(text)], pattern);
  const inner = text.replace(/^\*+|\*+$/g, '');
  if (inner === '') return { kind: 'literal', type: 'bool', value: true, span: pattern.span };
  if (!inner.includes('*')) {
    const lead = text.startsWith('*'), trail = text.endsWith('*');
    const fn = lead && trail ? 'contains' : lead ? 'hassuffix' : 'hasprefix';
    return call(fn + suffix, [col, lit(inner)], pattern);
  }
  const re = text.split('*').map((p) => p.replace(/[\\^$.|?+()[\]{}]/g, '\\$&')).join('.*');
  return call('matches regex', [col, lit((cs ? '' : '(?i)') + re)], pattern);
}
