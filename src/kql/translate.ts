/**
 * Turns the Kusto binder's syntax tree into our typed plan (plan.ts). Names are resolved here:
 * scalar `let`s and function parameters are substituted by their expressions, user functions by
 * the binder's expansion of their body at the call site, and tabular `let`s by their plan (one
 * shared object, so the engine can run a `materialize` once).
 */
import { facts } from '../diagnostics/facts.js';
import { parseScalarType, type ScalarType } from '../schema/types.js';
import { type KNode, kustoLanguage, syntaxKindName, toArray } from './kusto.js';
import type { Expr, Field, JoinKind, Named, ParseSegment, QueryPlan, ScanStep, SortKey, Span, Tab, TopNestedLevel } from './plan.js';
import { SEARCH_ANY, scanStateColumn } from './plan.js';

const MAX_DEPTH = 200;

/** What a name refers to while translating. */
type Binding = { expr: Expr } | { tab: Tab } | { fn: KNode };

interface Scope {
  /** Let declarations and parameters, by the binder's symbol object. */
  bySymbol: Map<KNode, Binding>;
  /** Function parameters inside an expansion, by name (their symbols are re-created there). */
  byName: Map<string, Binding>;
  parent?: Scope;
}

export class Translator {
  private depth = 0;
  private materializeIds = 0;
  private readonly K = kustoLanguage();

  constructor(private readonly text: string) {}

  span(node: KNode): Span {
    if (!node) return { start: 0, length: 0 };
    let start: number = node.TextStart;
    // Inside an expansion, positions are relative to the function body: point at the call site instead.
    if (this.expansionSite) return this.expansionSite;
    return { start, length: Math.max(1, node.Width ?? 1) };
  }

  /** While translating an expansion, errors point at the call that expanded it. */
  private expansionSite: Span | undefined;

  query(root: KNode): QueryPlan {
    const scope: Scope = { bySymbol: new Map(), byName: new Map() };
    const result = this.statements(toArray(root.Statements).map((e: KNode) => e.Element), scope, root);
    if (!result || 'expr' in result) throw facts.unsupportedSyntax('a query that returns no table', this.span(root));
    return { result: result.tab, schema: result.tab.schema };
  }

  /** Runs let statements into the scope; returns the value of the last expression statement. */
  private statements(list: KNode[], scope: Scope, where: KNode): { tab: Tab } | { expr: Expr } | undefined {
    let last: { tab: Tab } | { expr: Expr } | undefined;
    for (const st of list) {
      const cls = className(st);
      if (cls === 'LetStatement') {
        const sym = st.Name.ReferencedSymbol;
        const value = st.Expression;
        const vcls = className(value);
        if (vcls === 'FunctionDeclaration') {
          scope.bySymbol.set(sym, { fn: value });
        } else if (isTabular(value)) {
          scope.bySymbol.set(sym, { tab: this.tab(value, scope) });
        } else {
          scope.bySymbol.set(sym, { expr: this.expr(value, scope) });
        }
      } else if (cls === 'ExpressionStatement') {
        const e = st.Expression;
        // With several result statements, the first is the query's result (Kusto's primary result).
        const value = isTabular(e) ? { tab: this.tab(e, scope) } : { expr: this.expr(e, scope) };
        last ??= value;
      } else if (cls === 'QueryParametersStatement' || cls === 'SetOptionStatement' || cls === 'RestrictStatement') {
        continue; // declarations that change nothing when running locally
      } else {
        throw facts.unsupportedSyntax(`the '${syntaxKindName(st.Kind)}' statement`, this.span(st));
      }
    }
    if (!last && where) return undefined;
    return last;
  }

  private lookup(scope: Scope, node: KNode): Binding | undefined {
    const sym = node.ReferencedSymbol;
    const name: string | undefined = sym?.Name ?? node.SimpleName;
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const b = sym ? s.bySymbol.get(sym) : undefined;
      if (b) return b;
    }
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const b = name !== undefined ? s.byName.get(name) : undefined;
      if (b) return b;
    }
    return undefined;
  }

  private enter(node: KNode): void {
    if (++this.depth > MAX_DEPTH) throw facts.queryTooDeep(this.span(node));
  }

  // ---------------------------------------------------------------- tabular expressions

  tab(node: KNode, scope: Scope): Tab {
    this.enter(node);
    try {
      return this.tabInner(node, scope);
    } finally {
      this.depth--;
    }
  }

  private schema(node: KNode): Field[] {
    return schemaOf(node.ResultType);
  }

  private tabInner(node: KNode, scope: Scope): Tab {
    const cls = className(node);
    const span = this.span(node);
    const schema = this.schema(node);
    switch (cls) {
      case 'ParenthesizedExpression':
        return this.tab(node.Expression, scope);
      case 'PipeExpression':
        return this.operator(node.Operator, this.tab(node.Expression, scope), scope);
      case 'NameReference':
      case 'BracketedExpression': {
        const b = this.lookup(scope, node);
        if (b && 'tab' in b) return b.tab;
        if (b && 'fn' in b) return this.callUserFunction(node, b.fn, [], scope) as Tab;
        const sym = node.ReferencedSymbol;
        if (sym && sym.Kind === 10 /* Table */) return { op: 'table', name: sym.Name, schema, span };
        if (sym && sym.Kind === 3 /* Function */) return this.callFunctionSymbol(node, scope, []) as Tab;
        if (sym && sym.Kind === 15 /* Group: a wildcard such as View* */) return this.wildcard(node, sym, scope);
        throw facts.unsupportedSyntax(`the name '${node.SimpleName ?? sym?.Name}'`, span);
      }
      case 'FunctionCallExpression':
        return this.tabularCall(node, scope);
      case 'DataTableExpression': {
        const cols = toArray(node.Schema.Columns).map((e: KNode) => e.Element);
        const values = toArray(node.Values).map((e: KNode) => this.expr(e.Element, scope));
        const n = cols.length;
        const rows: Expr[][] = [];
        for (let i = 0; i < values.length; i += n) rows.push(values.slice(i, i + n));
        return { op: 'datatable', rows, schema, span };
      }
      case 'MaterializeExpression':
        return { op: 'materialize', id: ++this.materializeIds, input: this.tab(node.Expression, scope), schema, span };
      case 'PrintOperator': {
        const items = this.namedList(node.Expressions, scope, schema);
        return { op: 'print', items, schema: retype(schema, items), span };
      }
      case 'RangeOperator':
        return {
          op: 'range', column: node.Name.SimpleName,
          from: this.expr(node.From, scope), to: this.expr(node.To, scope), step: this.expr(node.Step, scope),
          schema, span,
        };
      case 'UnionOperator':
        return this.union(node, [], scope);
      case 'ExternalDataExpression':
        throw facts.networkRefused('externaldata', span);
      case 'ToTableExpression':
        return this.tab(node.Expression, scope);
      case 'PathExpression':
        if (/\b(cluster|database)\s*\(/i.test(this.text.slice(node.TextStart, node.End))) throw facts.networkRefused('cluster()/database()', span);
        throw facts.unsupportedSyntax('this table reference', span);
      case 'SearchOperator':
        return this.search(node, null, scope);
      case 'FindOperator':
        throw facts.unsupportedOperator(cls === 'FindOperator' ? 'find' : 'search', span);
      case 'EvaluateOperator':
        return this.evaluate(node, null, scope);
      default:
        if (cls.endsWith('Operator')) return this.operator(node, null, scope);
        throw facts.unsupportedSyntax(`'${syntaxKindName(node.Kind)}' as a table`, span);
    }
  }

  /** `union View*`: the tables and parameterless views (let functions) the wildcard names. */
  private wildcard(node: KNode, group: KNode, scope: Scope): Tab {
    const span = this.span(node);
    const inputs: Tab[] = [];
    const names: string[] = [];
    for (const m of toArray(group.Members)) {
      if (m.Kind === 10) {
        inputs.push({ op: 'table', name: m.Name, schema: schemaOf(m), span });
      } else {
        let decl: KNode;
        for (let s: Scope | undefined = scope; s && !decl; s = s.parent) {
          const b = s.bySymbol.get(m);
          if (b && 'fn' in b) decl = b.fn;
        }
        const body = decl?.Body;
        if (!body || toArray(decl.Parameters?.Parameters).length) throw facts.unsupportedSyntax(`the wildcard member '${m.Name}'`, span);
        const inner: Scope = { bySymbol: new Map(), byName: new Map(), parent: scope };
        this.statements(toArray(body.Statements).map((e: KNode) => e.Element), inner, null);
        inputs.push(this.tab(body.Expression, inner));
      }
      names.push(String(m.Name));
    }
    const schema = unionSchema(inputs);
    return { op: 'union', inputs, sourceNames: names, kind: 'outer', schema, span };
  }

  private tabularCall(node: KNode, scope: Scope): Tab {
    const name: string = node.Name?.SimpleName ?? '';
    const span = this.span(node);
    const lname = name.toLowerCase();
    if (lname === 'cluster' || lname === 'database' || lname === 'external_table') throw facts.networkRefused(`${name}()`, span);
    const b = this.lookup(scope, node);
    if (b && 'fn' in b) return this.callUserFunction(node, b.fn, this.args(node), scope) as Tab;
    if (b && 'tab' in b) return b.tab;
    if (lname === '_getwatchlist') {
      // Watchlists are tables named after their alias; the engine finds the CSV behind it.
      const arg = this.args(node)[0];
      const alias = arg ? this.expr(arg, scope) : undefined;
      if (!alias || alias.kind !== 'literal' || typeof alias.value !== 'string') throw facts.unsupportedSyntax('_GetWatchlist with a computed name', span);
      return { op: 'table', name: `${WATCHLIST_PREFIX}${alias.value}`, schema: this.schema(node), span };
    }
    if (lname === 'table') {
      const arg = this.args(node)[0];
      const t = arg ? this.expr(arg, scope) : undefined;
      if (t && t.kind === 'literal' && typeof t.value === 'string') {
        return { op: 'table', name: t.value, schema: this.schema(node), span };
      }
    }
    return this.callFunctionSymbol(node, scope, this.args(node)) as Tab;
  }

  /** A function known to the binder by symbol: a database function we declared, or a built-in. */
  private callFunctionSymbol(node: KNode, scope: Scope, args: KNode[]): Tab | Expr {
    const sym = node.ReferencedSymbol;
    const name: string = sym?.Name ?? node.Name?.SimpleName ?? '?';
    const expansion = node.GetExpansion?.();
    if (expansion && DEFENDER_SERVICE_FUNCTIONS.has(name)) throw facts.defenderOnly(name, this.span(node));
    if (expansion) return this.expand(node, expansion, sym, args, scope);
    throw facts.unsupportedFunction(name, this.span(node));
  }

  private callUserFunction(node: KNode, decl: KNode, args: KNode[], scope: Scope): Tab | Expr {
    const expansion = node.GetExpansion?.();
    const params = toArray(decl.Parameters?.Parameters).map((e: KNode) => e.Element);
    if (!expansion && params.length === 0 && decl.Body) {
      // A parameterless view named without a call (union View*): its body as declared.
      return this.expandWith(node, decl.Body, [], [], scope);
    }
    if (!expansion) throw facts.unsupportedSyntax(`calling '${node.SimpleName ?? node.Name?.SimpleName}' here`, this.span(node));
    return this.expandWith(node, expansion, params.map((p: KNode) => p.NameAndType?.Name?.SimpleName ?? p.Name?.SimpleName), args, scope);
  }

  private expand(node: KNode, expansion: KNode, sym: KNode, args: KNode[], scope: Scope): Tab | Expr {
    const sig = node.ReferencedSignature ?? toArray(sym.Signatures)[0];
    const names = toArray(sig?.Parameters).map((p: KNode) => p.Name);
    return this.expandWith(node, expansion, names, args, scope);
  }

  private expandWith(node: KNode, expansion: KNode, paramNames: string[], args: KNode[], scope: Scope): Tab | Expr {
    const inner: Scope = { bySymbol: new Map(), byName: new Map(), parent: scope };
    paramNames.forEach((name, i) => {
      const a = args[i];
      if (!a || !name) return;
      const value = a.Element ?? a;
      inner.byName.set(name, isTabular(value) ? { tab: this.tab(value, scope) } : { expr: this.expr(value, scope) });
    });
    const saved = this.expansionSite;
    this.expansionSite ??= this.span(node);
    this.enter(node);
    try {
      const body = className(expansion) === 'FunctionBody' ? expansion : expansion;
      const stmts = body.Statements ? toArray(body.Statements).map((e: KNode) => e.Element) : [];
      this.statements(stmts, inner, null);
      const e = body.Expression ?? body;
      return isTabular(e) ? this.tab(e, inner) : this.expr(e, inner);
    } finally {
      this.depth--;
      this.expansionSite = saved;
    }
  }

  private args(node: KNode): KNode[] {
    return toArray(node.ArgumentList?.Expressions).map((e: KNode) => e.Element);
  }

  private union(node: KNode, first: Tab[], scope: Scope): Tab {
    const params = this.params(node.Parameters);
    const inputs = [...first];
    const sourceNames: string[] = first.map((t) => tableName(t));
    const fuzzy = String(params.get('isfuzzy')?.name ?? '').toLowerCase() === 'true';
    for (const e of toArray(node.Expressions).map((x: KNode) => x.Element)) {
      // isfuzzy: a wildcard that names nothing is left out.
      if (fuzzy && !e.ReferencedSymbol && String(this.text.slice(e.TextStart, e.End)).includes('*')) continue;
      const t = this.tab(e, scope);
      inputs.push(t);
      sourceNames.push(tableName(t, e));
    }
    const withSource = params.get('withsource') ?? params.get('withsource_name');
    const kind = (params.get('kind')?.name ?? 'outer').toLowerCase() === 'inner' ? 'inner' : 'outer';
    return {
      op: 'union', inputs, sourceNames, kind,
      withSource: withSource?.name, schema: this.schema(node), span: this.span(node),
    };
  }

  /** Named parameters (`kind=leftouter`, `withsource=T`) as lowercase name to value text. */
  private params(list: KNode): Map<string, { name: string; expr: KNode }> {
    const out = new Map<string, { name: string; expr: KNode }>();
    for (const p of toArray(list)) {
      const key = String(p.Name?.SimpleName ?? '').toLowerCase();
      const e = p.Expression;
      const text = e?.SimpleName ?? e?.Name?.SimpleName ?? (e?.Token ? e.Token.ValueText ?? e.Token.Text : undefined) ?? String(e?.LiteralValue ?? '');
      out.set(key, { name: String(text), expr: e });
    }
    return out;
  }

  private operator(op: KNode, input: Tab | null, scope: Scope): Tab {
    this.enter(op);
    try {
      return this.operatorInner(op, input, scope);
    } finally {
      this.depth--;
    }
  }

  private operatorInner(op: KNode, input: Tab | null, scope: Scope): Tab {
    const cls = className(op);
    const span = this.span(op);
    const schema = this.schema(op);
    const need = (): Tab => {
      if (!input) throw facts.unsupportedSyntax(`'${cls}' without an input`, span);
      return input;
    };
    switch (cls) {
      case 'FilterOperator':
        return { op: 'where', input: need(), predicate: this.expr(op.Condition, scope), schema, span };
      case 'ExtendOperator': {
        const items = this.extendItems(op.Expressions, need(), schema, scope);
        return { op: 'extend', input: need(), items, schema: retype(schema, items), span };
      }
      case 'ProjectOperator': {
        const items = this.namedList(op.Expressions, scope, schema);
        return { op: 'project', input: need(), items, schema: retype(schema, items), span };
      }
      case 'ProjectAwayOperator':
      case 'ProjectKeepOperator':
      case 'ProjectReorderOperator':
      case 'ProjectRenameOperator':
        return this.select(op, need(), schema, scope);
      case 'SummarizeOperator':
        return this.summarize(op, need(), schema, scope);
      case 'SortOperator':
        return { op: 'sort', input: need(), keys: this.sortKeys(op.Expressions, scope), schema, span };
      case 'TopOperator':
        return {
          op: 'top', input: need(), count: this.expr(op.Expression, scope),
          keys: this.sortKeys([op.ByExpression], scope), schema, span,
        };
      case 'TakeOperator':
        return { op: 'take', input: need(), count: this.expr(op.Expression, scope), schema, span };
      case 'SampleOperator':
        return { op: 'sample', input: need(), count: this.expr(op.Expression, scope), schema, span };
      case 'DistinctOperator':
        return { op: 'distinct', input: need(), items: this.namedList(op.Expressions, scope, schema), schema, span };
      case 'CountOperator':
        return { op: 'count', input: need(), column: schema[0]?.name ?? 'Count', schema, span };
      case 'UnionOperator':
        return this.union(op, input ? [input] : [], scope);
      case 'JoinOperator':
        return this.join(op, need(), schema, scope);
      case 'LookupOperator':
        return this.lookupOp(op, need(), schema, scope);
      case 'MvExpandOperator':
        return this.mvExpand(op, need(), schema, scope);
      case 'ParseOperator':
      case 'ParseWhereOperator':
        return this.parse(op, need(), schema, scope, cls === 'ParseWhereOperator');
      case 'AsOperator': {
        // Later references to the name read the result the `as` stored while running.
        const name: string = op.Name.SimpleName;
        if (op.Name.ReferencedSymbol) scope.bySymbol.set(op.Name.ReferencedSymbol, { tab: { op: 'ref', name, schema, span } });
        return { op: 'as', input: need(), name, schema, span };
      }
      case 'SerializeOperator':
        return { op: 'serialize', input: need(), items: this.extendItems(op.Expressions, need(), schema, scope), schema, span };
      case 'InvokeOperator': {
        const call = op.Function;
        const b = this.lookup(scope, call);
        const args = this.args(call);
        const inner: Scope = { bySymbol: new Map(), byName: new Map(), parent: scope };
        // The invoked function's first parameter is the piped-in table.
        const expansion = call.GetExpansion?.();
        const name = call.Name?.SimpleName ?? call.ReferencedSymbol?.Name;
        if (DEFENDER_SERVICE_FUNCTIONS.has(name)) throw facts.defenderOnly(name, span);
        if (!expansion) throw facts.unsupportedFunction(name ?? 'invoke', span);
        let names: string[];
        if (b && 'fn' in b) {
          names = toArray(b.fn.Parameters?.Parameters).map((e: KNode) => e.Element.NameAndType?.Name?.SimpleName);
        } else {
          const sig = call.ReferencedSignature ?? toArray(call.ReferencedSymbol?.Signatures)[0];
          names = toArray(sig?.Parameters).map((p: KNode) => p.Name);
        }
        if (names[0]) inner.byName.set(names[0], { tab: need() });
        return this.expandWith(call, expansion, names.slice(1), args, inner) as Tab;
      }
      case 'MakeSeriesOperator':
        return this.makeSeries(op, need(), schema, scope);
      case 'TopNestedOperator':
        return this.topNested(op, need(), schema, scope);
      case 'EvaluateOperator':
        return this.evaluate(op, input, scope);
      case 'RenderOperator':
        return need(); // accepted, and ignored in text output
      case 'GetSchemaOperator':
        // The engine types ColumnOrdinal as int; the binder says long.
        return { op: 'getschema', input: need(), schema: schema.map((f) => (f.name === 'ColumnOrdinal' ? { ...f, type: 'int' } : f)), span };
      case 'ExecuteAndCacheOperator':
        return need();
      case 'PrintOperator':
      case 'RangeOperator':
        return this.tabInner(op, scope);
      case 'MvApplyOperator':
        return this.mvApply(op, need(), schema, scope);
      case 'ScanOperator':
        return this.scan(op, need(), schema, scope);
      case 'PartitionOperator':
        return this.partition(op, need(), schema, scope);
      case 'ReduceByOperator':
        return this.reduce(op, need(), schema, scope);
      case 'SearchOperator':
        return this.search(op, input, scope);
      case 'MakeGraphOperator':
        return this.makeGraph(op, need(), scope);
      case 'GraphMarkComponentsOperator':
        return this.graphMarkComponents(op, need());
      case 'GraphToTableOperator':
        return this.graphToTable(op, need(), schema);
      default:
        throw facts.unsupportedOperator(operatorName(op), span);
    }
  }

  private evaluate(op: KNode, input: Tab | null, scope: Scope): Tab {
    const call = op.FunctionCall;
    const plugin = String(call.Name?.SimpleName ?? '').toLowerCase();
    const args = this.args(call).map((a): Expr => {
      if (className(a) === 'StarExpression') return { kind: 'star', span: this.span(a) };
      if (className(a) === 'SimpleNamedExpression') {
        // A named plugin option (columnsConflict='keep_source'): a call of `=` on its name and value.
        const value = this.expr(a.Expression, scope);
        const span = this.span(a);
        const name: Expr = { kind: 'literal', type: 'string', value: String(a.Name.SimpleName), span };
        return { kind: 'call', fn: '=', args: [name, value], type: (value as { type?: ScalarType }).type ?? 'dynamic', span };
      }
      return this.expr(a, scope);
    });
    return { op: 'evaluate', input, plugin, args, schema: this.schema(op), span: this.span(op) };
  }

  private select(op: KNode, input: Tab, schema: Field[], scope: Scope): Tab {
    const cls = className(op);
    const span = this.span(op);
    const inNames = input.schema.map((f) => f.name);
    const exprs = toArray(op.Expressions).map((e: KNode) => e.Element);
    let columns: { from: string; to: string }[];
    if (cls === 'ProjectRenameOperator') {
      const renames = new Map<string, string>();
      for (const e of exprs) {
        const target = this.expr(e.Expression, scope);
        if (target.kind !== 'column') throw facts.unsupportedSyntax('project-rename of an expression', this.span(e));
        renames.set(target.name, e.Name.SimpleName);
      }
      columns = inNames.map((n) => ({ from: n, to: renames.get(n) ?? n }));
    } else {
      // The binder already computed which columns remain and in what order.
      const byName = new Set(inNames);
      columns = schema.map((f) => ({ from: f.name, to: f.name }));
      if (cls === 'ProjectReorderOperator' || cls === 'ProjectKeepOperator' || cls === 'ProjectAwayOperator') {
        for (const c of columns) if (!byName.has(c.from)) throw facts.unsupportedSyntax(`column '${c.from}'`, span);
      }
      void scope;
    }
    return { op: 'select', input, columns, schema, span };
  }

  private summarize(op: KNode, input: Tab, schema: Field[], scope: Scope): Tab {
    const span = this.span(op);
    const byExprs = op.ByClause ? toArray(op.ByClause.Expressions).map((e: KNode) => e.Element) : [];
    const aggExprs = toArray(op.Aggregates).map((e: KNode) => e.Element);
    let col = 0;
    const by: Named[] = byExprs.map((e: KNode) => ({ name: schema[col++]?.name ?? `Column${col}`, expr: this.expr(unname(e), scope) }));
    const aggregates: Named[] = [];
    for (const e of aggExprs) {
      const inner = unname(e);
      const expr = this.expr(inner, scope);
      const width = this.resultWidth(e);
      if (width === 1) {
        aggregates.push({ name: engineAggregateName(e, expr) ?? schema[col++]?.name ?? `Column${col}`, expr });
        if (engineAggregateName(e, expr)) col++;
      } else {
        // arg_max(x, *) and friends: several output columns from one aggregate.
        const names = schema.slice(col, col + width).map((f) => f.name);
        col += width;
        aggregates.push({ name: names.join('\u0000'), expr });
      }
    }
    return { op: 'summarize', input, by, aggregates, schema, span };
  }

  /** How many columns an aggregate expression yields (tuples from arg_max, named tuples). */
  private resultWidth(e: KNode): number {
    const t = e.ResultType;
    if (t && t.Kind === 6 /* Tuple */) return toArray(t.Columns).length;
    if (className(e) === 'CompoundNamedExpression') return toArray(e.Names?.Names).length;
    return 1;
  }

  private sortKeys(list: KNode, scope: Scope): SortKey[] {
    const items = Array.isArray(list) ? list : toArray(list).map((e: KNode) => e.Element);
    return items.map((e: KNode) => {
      let expr = e;
      let desc = true;
      let nullsFirst: boolean | undefined;
      if (className(e) === 'OrderedExpression') {
        expr = e.Expression;
        const ord = e.Ordering;
        if (ord?.AscOrDescKeyword) desc = String(ord.AscOrDescKeyword.Text).toLowerCase() === 'desc';
        if (ord?.NullsClause) nullsFirst = String(ord.NullsClause.FirstOrLastKeyword.Text).toLowerCase() === 'first';
      }
      return { expr: this.expr(expr, scope), desc, nullsFirst: nullsFirst ?? !desc };
    });
  }

  private join(op: KNode, left: Tab, schema: Field[], scope: Scope): Tab {
    const span = this.span(op);
    const params = this.params(op.Parameters);
    const kind = (params.get('kind')?.name ?? 'innerunique').toLowerCase() as JoinKind;
    const known: JoinKind[] = ['innerunique', 'inner', 'leftouter', 'rightouter', 'fullouter', 'leftsemi', 'rightsemi', 'leftanti', 'rightanti'];
    const aliases: Record<string, JoinKind> = { leftantisemi: 'leftanti', rightantisemi: 'rightanti', anti: 'leftanti', semi: 'leftsemi', outer: 'leftouter' };
    const k = known.includes(kind) ? kind : aliases[kind];
    if (!k) throw facts.unsupportedSyntax(`join kind '${kind}'`, span);
    const right = this.tab(op.Expression, scope);
    const on = this.joinOn(op.ConditionClause, scope);
    // Right columns that clash with left ones are renamed by the binder (Timestamp1...).
    const rightRenames: { from: string; to: string }[] = [];
    if (k !== 'leftsemi' && k !== 'leftanti' && k !== 'rightsemi' && k !== 'rightanti') {
      const leftCount = left.schema.length;
      const rightOut = schema.slice(leftCount);
      const rightIn = right.schema;
      if (rightOut.length === rightIn.length) {
        rightIn.forEach((f, i) => rightRenames.push({ from: f.name, to: rightOut[i]!.name }));
      } else {
        rightIn.forEach((f) => rightRenames.push({ from: f.name, to: f.name }));
      }
    }
    return { op: 'join', left, right, kind: k, on, rightRenames, schema, span };
  }

  private joinOn(clause: KNode, scope: Scope): { left: Expr; right: Expr }[] {
    if (!clause) throw facts.unsupportedSyntax('join without on', undefined);
    if (className(clause) === 'JoinWhereClause') throw facts.unsupportedSyntax('join ... where', this.span(clause));
    const out: { left: Expr; right: Expr }[] = [];
    const visit = (e: KNode): void => {
      const cls = className(e);
      if (cls === 'NameReference' || cls === 'BracketedExpression') {
        const name = e.SimpleName ?? e.ReferencedSymbol?.Name;
        const type = scalarTypeOf(e.ResultType);
        out.push({ left: { kind: 'column', name, type, span: this.span(e), side: 'left' }, right: { kind: 'column', name, type, span: this.span(e), side: 'right' } });
        return;
      }
      if (cls === 'BinaryExpression' && syntaxKindName(e.Kind) === 'AndExpression') {
        visit(e.Left);
        visit(e.Right);
        return;
      }
      if (cls === 'BinaryExpression' && syntaxKindName(e.Kind) === 'EqualExpression') {
        const a = this.sided(e.Left, scope);
        const b = this.sided(e.Right, scope);
        if (a.side === 'right' && b.side !== 'right') out.push({ left: b.expr, right: a.expr });
        else out.push({ left: a.expr, right: b.expr });
        return;
      }
      throw facts.unsupportedSyntax('this join condition', this.span(e));
    };
    for (const e of toArray(clause.Expressions).map((x: KNode) => x.Element)) visit(e);
    return out;
  }

  private sided(e: KNode, scope: Scope): { side: 'left' | 'right' | undefined; expr: Expr } {
    if (className(e) === 'PathExpression') {
      const head = String(e.Expression?.SimpleName ?? '').toLowerCase();
      if (head === '$left' || head === '$right') {
        const side = head === '$left' ? 'left' : 'right';
        const name = e.Selector.SimpleName ?? e.Selector.ReferencedSymbol?.Name;
        return { side, expr: { kind: 'column', name, type: scalarTypeOf(e.ResultType), span: this.span(e), side } };
      }
    }
    return { side: undefined, expr: this.expr(e, scope) };
  }

  private lookupOp(op: KNode, left: Tab, schema: Field[], scope: Scope): Tab {
    const params = this.params(op.Parameters);
    const kind = (params.get('kind')?.name ?? 'leftouter').toLowerCase() === 'inner' ? 'inner' : 'leftouter';
    const right = this.tab(op.Expression, scope);
    const on = this.joinOn(op.LookupClause, scope);
    return { op: 'lookup', left, right, kind, on, schema, span: this.span(op) };
  }

  private mvExpand(op: KNode, input: Tab, schema: Field[], scope: Scope): Tab {
    const params = this.params(op.Parameters);
    const kind = (params.get('kind')?.name ?? params.get('bagexpansion')?.name ?? 'bag').toLowerCase() === 'array' ? 'array' : 'bag';
    const withItemIndex = params.get('with_itemindex')?.name;
    // Unnamed expressions take the result's new columns in order, as in extend.
    const fresh = schema.filter((f) => f.name !== withItemIndex && !input.schema.some((g) => g.name === f.name)).map((f) => f.name);
    let next = 0;
    const items = toArray(op.Expressions).map((x: KNode) => x.Element).map((m: KNode) => {
      const e = m.Expression;
      const inner = unname(e);
      const expr = this.expr(inner, scope);
      let name: string;
      if (className(e) === 'SimpleNamedExpression') {
        name = e.Name.SimpleName;
        if (fresh[next] === name) next++;
      } else if (expr.kind === 'column') {
        name = expr.name;
      } else {
        name = fresh[next++] ?? `Column${next}`;
      }
      const type = m.ToTypeOf ? parseScalarType(m.ToTypeOf.Type?.Types ? String(toArray(m.ToTypeOf.Type.Types)[0]?.Element?.Type?.Text ?? 'dynamic') : String(m.ToTypeOf.Type?.ReferencedSymbol?.Name ?? 'dynamic')) ?? 'dynamic' : 'dynamic';
      const outType = schema.find((f) => f.name === name)?.type ?? type;
      return { name, expr, type: outType };
    });
    const limit = op.RowLimitClause ? this.expr(op.RowLimitClause.RowLimit, scope) : undefined;
    return { op: 'mv-expand', input, items, kind, withItemIndex, limit, schema, span: this.span(op) };
  }

  private parse(op: KNode, input: Tab, schema: Field[], scope: Scope, where: boolean): Tab {
    const params = this.params(op.Parameters);
    const mode = (params.get('kind')?.name ?? 'simple').toLowerCase();
    const flags = params.get('flags')?.name ?? '';
    const segments: ParseSegment[] = [];
    for (const p of toArray(op.Patterns)) {
      const cls = className(p);
      if (cls === 'LiteralExpression' || cls === 'CompoundStringLiteralExpression') {
        segments.push({ kind: 'literal', text: String(p.LiteralValue ?? '') });
      } else if (cls === 'StarExpression') {
        segments.push({ kind: 'wildcard' });
      } else if (cls === 'NameAndTypeDeclaration') {
        const name = p.Name.SimpleName;
        segments.push({ kind: 'column', name, type: schema.find((f) => f.name === name)?.type ?? 'string' });
      } else if (cls === 'NameDeclaration') {
        const name = p.SimpleName;
        segments.push({ kind: 'column', name, type: schema.find((f) => f.name === name)?.type ?? 'string' });
      } else {
        throw facts.unsupportedSyntax('this parse pattern', this.span(p));
      }
    }
    const m = mode === 'regex' || mode === 'relaxed' ? mode : 'simple';
    return { op: 'parse', input, source: this.expr(op.Expression, scope), mode: m, segments, flags, where, schema, span: this.span(op) };
  }

  private makeSeries(op: KNode, input: Tab, schema: Field[], scope: Scope): Tab {
    const aggs = toArray(op.Aggregates).map((e: KNode) => e.Element);
    const byExprs = op.ByClause ? toArray(op.ByClause.Expressions).map((e: KNode) => e.Element) : [];
    // Result order: the by columns, the aggregates, then the axis.
    const nb = byExprs.length;
    const aggregates = aggs.map((a: KNode, i: number) => ({
      name: schema[nb + i]?.name ?? `Column${i + 1}`,
      expr: this.expr(unname(a.Expression ?? a), scope),
      default: a.DefaultExpression ? this.expr(a.DefaultExpression.Value ?? a.DefaultExpression.Expression, scope) : null,
    }));
    const onExpr = op.OnClause.Expression;
    const on: Named = { name: schema[nb + aggregates.length]?.name ?? 'Timestamp', expr: this.expr(unname(onExpr), scope) };
    const rc = op.RangeClause;
    let from: Expr | null = null, to: Expr | null = null, step: Expr;
    const rcls = className(rc);
    if (rcls === 'MakeSeriesFromToStepClause') {
      from = rc.MakeSeriesFromClause ? this.expr(rc.MakeSeriesFromClause.Expression, scope) : null;
      to = rc.MakeSeriesToClause ? this.expr(rc.MakeSeriesToClause.Expression, scope) : null;
      step = this.expr(rc.MakeSeriesStepClause.Expression, scope);
    } else if (rcls === 'MakeSeriesInRangeClause') {
      const args = toArray(rc.Arguments.Expressions).map((e: KNode) => this.expr(e.Element, scope));
      step = args[2]!;
      // in range(start, stop, step): bins by bin(), stop inclusive; the same series as
      // from bin(start, step) to bin(stop, step) + step.
      const binned = (e: Expr): Expr => ({ kind: 'call', fn: 'bin', args: [e, step], type: (e as { type: ScalarType }).type, span: e.span });
      if (args[0]) from = binned(args[0]);
      if (args[1]) {
        const b = binned(args[1]);
        to = { kind: 'call', fn: '+', args: [b, step], type: (b as { type: ScalarType }).type, span: b.span };
      }
    } else {
      throw facts.unsupportedSyntax('this make-series range', this.span(rc));
    }
    const by: Named[] = byExprs.map((e: KNode, i: number) => {
      const expr = this.expr(unname(e), scope);
      const name = schema[i]?.name ?? (className(e) === 'SimpleNamedExpression' ? e.Name.SimpleName : expr.kind === 'column' ? expr.name : 'Column1');
      return { name, expr };
    });
    // kind=nonempty: an empty input still gives one row of default values.
    const nonEmpty = this.params(op.Parameters).get('kind')?.name.toLowerCase() === 'nonempty';
    return { op: 'make-series', input, aggregates, on, from, to, step, by, nonEmpty, schema, span: this.span(op) };
  }

  private topNested(op: KNode, input: Tab, schema: Field[], scope: Scope): Tab {
    const levels: TopNestedLevel[] = [];
    let col = 0;
    for (const c of toArray(op.Clauses).map((e: KNode) => e.Element)) {
      const ofE = c.OfExpression;
      const ofExpr = this.expr(unname(ofE), scope);
      const ofName = schema[col++]?.name ?? 'Column1';
      const byE = c.ByExpression;
      const byExpr = this.expr(unname(byE), scope);
      const byName = schema[col++]?.name ?? 'aggregated';
      let desc = true;
      if (className(byE) === 'OrderedExpression') {
        // handled by unname
      }
      const ordering = c.ByExpression?.Ordering ?? c.Ordering;
      if (ordering?.AscOrDescKeyword) desc = String(ordering.AscOrDescKeyword.Text).toLowerCase() !== 'asc';
      levels.push({
        count: c.Expression ? this.expr(c.Expression, scope) : null,
        of: { name: ofName, expr: ofExpr },
        others: c.WithOthersClause ? this.expr(c.WithOthersClause.Expression, scope) : null,
        by: { name: byName, expr: byExpr },
        desc,
      });
    }
    return { op: 'top-nested', input, levels, schema, span: this.span(op) };
  }

  // ---------------------------------------------------------------- mv-apply, scan, partition, reduce, search

  /** Names for the per-row/per-partition inputs of subqueries, unique within one query. */
  private subqueryIds = 0;

  /** An operator chain with no source of its own (the subquery of mv-apply or partition), fed `input`. */
  private tabWithInput(node: KNode, input: Tab, scope: Scope): Tab {
    const cls = className(node);
    if (cls === 'ParenthesizedExpression' || cls === 'MvApplySubqueryExpression') return this.tabWithInput(node.Expression, input, scope);
    if (cls === 'PartitionSubquery') return this.tabWithInput(node.Subquery, input, scope);
    if (cls === 'PipeExpression') return this.operator(node.Operator, this.tabWithInput(node.Expression, input, scope), scope);
    if (cls.endsWith('Operator') && cls !== 'PrintOperator' && cls !== 'RangeOperator' && cls !== 'UnionOperator') return this.operator(node, input, scope);
    return this.tab(node, scope);
  }

  private mvApply(op: KNode, input: Tab, schema: Field[], scope: Scope): Tab {
    const span = this.span(op);
    if (op.ContextIdClause) throw facts.unsupportedSyntax('mv-apply with a context id', span);
    const rowName = `\u0001mv-apply#${++this.subqueryIds}`;
    const row: Tab = { op: 'ref', name: rowName, schema: input.schema, span };
    const expand = this.mvExpand(op, row, this.mvApplyExpanded(op, input), scope);
    const subquery = this.tabWithInput(op.Subquery, expand, scope);
    return { op: 'mv-apply', input, rowName, expand, subquery, schema, span };
  }

  /** The schema the mv-apply subquery sees: the row with its expanded columns, then the item index. */
  private mvApplyExpanded(op: KNode, input: Tab): Field[] {
    const withItemIndex = this.params(op.Parameters).get('with_itemindex')?.name;
    const fields = [...input.schema];
    let unnamed = 0;
    for (const m of toArray(op.Expressions).map((x: KNode) => x.Element)) {
      const e = m.Expression;
      const cls = className(e);
      const name: string = cls === 'SimpleNamedExpression' ? e.Name.SimpleName
        : (cls === 'NameReference' || cls === 'BracketedExpression') && e.ReferencedSymbol?.Kind === 9 ? e.ReferencedSymbol.Name
          : `Column${++unnamed}`;
      const typeName = m.ToTypeOf?.TypeOf?.ReferencedSymbol?.Name;
      const type = (typeName ? parseScalarType(String(typeName)) : undefined) ?? 'dynamic';
      const at = fields.findIndex((f) => f.name === name);
      if (at >= 0) fields[at] = { name, type };
      else fields.push({ name, type });
    }
    if (withItemIndex) fields.push({ name: withItemIndex, type: 'long' });
    return fields;
  }

  private scan(op: KNode, input: Tab, schema: Field[], scope: Scope): Tab {
    const span = this.span(op);
    const matchId = this.params(op.Parameters).get('with_match_id')?.name;
    const declare = op.DeclareClause
      ? toArray(op.DeclareClause.Declarations).map((e: KNode) => e.Element).map((p: KNode) => {
        const name = String(p.NameAndType.Name.SimpleName);
        const type = schema.find((f) => f.name === name)?.type ?? scalarTypeOf(p.NameAndType.Name.ResultType);
        return { name, type, default: p.DefaultValue ? this.declaredDefault(p.DefaultValue.Value, type, scope) : null };
      })
      : [];
    // A step's name reads its state: bind it to a marker column, then turn `step.col` into a state column.
    const inner: Scope = { bySymbol: new Map(), byName: new Map(), parent: scope };
    const stepNodes = toArray(op.Steps).map((s: KNode) => s.Element ?? s);
    for (const s of stepNodes) {
      const marker: Expr = { kind: 'column', name: SCAN_STEP_MARK + String(s.Name.SimpleName), type: 'dynamic', span };
      if (s.Name.ReferencedSymbol) inner.bySymbol.set(s.Name.ReferencedSymbol, { expr: marker });
      inner.byName.set(String(s.Name.SimpleName), { expr: marker });
    }
    const steps: ScanStep[] = stepNodes.map((s: KNode) => {
      const outNode = s.ScanStepOutput;
      const out = String(outNode ? outNode.GetChild(outNode.ChildCount - 1)?.Text : 'all').toLowerCase();
      const assignments = toArray(s.ComputationClause?.Assignments).map((e: KNode) => e.Element).map((a: KNode) => ({
        name: String(a.Name.SimpleName ?? a.Name.ReferencedSymbol?.Name),
        expr: scanStateRefs(this.expr(a.Expression, inner)),
      }));
      return {
        name: String(s.Name.SimpleName),
        output: out === 'none' || out === 'last' ? out : 'all',
        condition: scanStateRefs(this.expr(s.Condition, inner)),
        assignments,
      };
    });
    const orderBy = op.OrderByClause ? this.sortKeys(toArray(op.OrderByClause.Expressions).map((e: KNode) => e.Element), scope) : [];
    // `order by x` in scan is ascending unless said otherwise.
    for (const [i, k] of orderBy.entries()) {
      const e = toArray(op.OrderByClause.Expressions)[i]?.Element;
      if (!e?.Ordering?.AscOrDescKeyword) { k.desc = false; k.nullsFirst = true; }
    }
    const partitionBy = op.PartitionByClause ? toArray(op.PartitionByClause.Expressions).map((e: KNode) => this.expr(e.Element, scope)) : [];
    return { op: 'scan', input, matchId, declare, steps, orderBy, partitionBy, schema, span };
  }

  /** A scan `declare` default: the binder leaves its literal untyped, so it takes the declared type. */
  private declaredDefault(node: KNode, type: ScalarType, scope: Scope): Expr {
    const cls = className(node);
    if (cls === 'LiteralExpression' && !node.ResultType) return { kind: 'literal', type, value: literalValue(node, type), span: this.span(node) };
    if (cls === 'PrefixUnaryExpression' && className(node.Expression) === 'LiteralExpression' && !node.Expression.ResultType) {
      const v = literalValue(node.Expression, type);
      const neg = String(node.Operator.Text) === '-' && (typeof v === 'number' || typeof v === 'bigint');
      return { kind: 'literal', type, value: neg ? -(v as number) : v, span: this.span(node) };
    }
    return this.expr(node, scope);
  }

  private partition(op: KNode, input: Tab, schema: Field[], scope: Scope): Tab {
    const span = this.span(op);
    if (op.Scope) throw facts.unsupportedSyntax('partition ... in', span);
    const key = this.expr(op.ByExpression, scope);
    const refName = `\u0001partition#${++this.subqueryIds}`;
    const operand = op.Operand;
    if (className(operand) === 'PartitionQuery') {
      // `{ ... }`: the subquery has its own source and reads the key with toscalar(Column).
      const type = scalarTypeOf(op.ByExpression.ResultType);
      const keyRow: Tab = { op: 'ref', name: refName, schema: [{ name: 'key', type }], span };
      const value: Expr = { kind: 'call', fn: 'toscalar', args: [{ kind: 'subquery', query: keyRow, span }], type, span };
      const inner: Scope = { bySymbol: new Map(), byName: new Map(), parent: scope };
      const sym = op.ByExpression.ReferencedSymbol;
      if (sym) inner.bySymbol.set(sym, { expr: value });
      return { op: 'partition', input, key, refName, subquery: this.tab(operand.Query, inner), scalarKey: true, schema, span };
    }
    const rows: Tab = { op: 'ref', name: refName, schema: input.schema, span };
    return { op: 'partition', input, key, refName, subquery: this.tabWithInput(operand, rows, scope), scalarKey: false, schema, span };
  }

  private reduce(op: KNode, input: Tab, schema: Field[], scope: Scope): Tab {
    const params = this.params(op.Parameters);
    const source = params.get('kind')?.name.toLowerCase() === 'source';
    let threshold: Expr | null = null, characters: Expr | null = null;
    for (const p of toArray(op.With?.Parameters).map((e: KNode) => e.Element ?? e)) {
      const name = String(p.Name?.SimpleName ?? '').toLowerCase();
      if (name === 'threshold') threshold = this.expr(p.Expression, scope);
      else if (name === 'characters') characters = this.expr(p.Expression, scope);
    }
    return { op: 'reduce', input, by: this.expr(op.Expression, scope), threshold, characters, source, schema, span: this.span(op) };
  }

  private search(op: KNode, input: Tab | null, scope: Scope): Tab {
    const span = this.span(op);
    const caseSensitive = this.params(op.Parameters).get('kind')?.name.toLowerCase() === 'case_sensitive';
    const inputs: Tab[] = [];
    const names: string[] = [];
    if (input) {
      inputs.push(input);
      const source = className(op.Parent) === 'PipeExpression' ? op.Parent.Expression : undefined;
      names.push(tableName(input, source));
    } else if (op.InClause) {
      for (const e of toArray(op.InClause.Expressions).map((x: KNode) => x.Element)) {
        const t = this.tab(e, scope);
        inputs.push(t);
        names.push(tableName(t, e));
      }
    } else {
      // Unscoped: the views declared by `let` are searched along with the database.
      for (const [name, decl] of this.viewsInScope(scope)) {
        inputs.push(this.expandWith(decl, decl.Body, [], [], scope) as Tab);
        names.push(name);
      }
    }
    const predicate = this.searchPredicate(op.Condition, scope);
    return { op: 'search', inputs, names, predicate, caseSensitive, database: !input && !op.InClause, schema: this.schema(op), span };
  }

  private makeGraph(op: KNode, input: Tab, scope: Scope): Tab {
    const span = this.span(op);
    if (op.PartitionedByClause) throw facts.unsupportedSyntax('make-graph ... partitioned-by', span);
    const source = this.expr(op.SourceColumn, scope);
    const target = this.expr(op.TargetColumn, scope);
    const w = op.WithClause;
    let nodeIdColumn: string | undefined;
    const nodes: { table: Tab; key: Expr }[] = [];
    if (w && className(w) === 'MakeGraphWithImplicitIdClause') {
      nodeIdColumn = String(w.Name.SimpleName);
    } else if (w) {
      for (const c of toArray(w.TablesAndKeys).map((e: KNode) => e.Element)) {
        nodes.push({ table: this.tab(c.Table, scope), key: this.expr(c.Column, scope) });
      }
    }
    return { op: 'make-graph', input, source, target, nodes, nodeIdColumn, schema: [], span };
  }

  private graphMarkComponents(op: KNode, input: Tab): Tab {
    const params = this.params(op.Parameters);
    const kind = params.get('kind')?.name.toLowerCase() === 'strong' ? 'strong' : 'weak';
    const column = params.get('with_component_id')?.name ?? 'ComponentId';
    return { op: 'graph-mark-components', input, column, kind, schema: [], span: this.span(op) };
  }

  private graphToTable(op: KNode, input: Tab, schema: Field[]): Tab {
    const span = this.span(op);
    const clauses = toArray(op.OutputClause).map((e: KNode) => e.Element ?? e);
    if (clauses.length !== 1) throw facts.unsupportedSyntax('graph-to-table with several outputs', span);
    const c = clauses[0];
    if (c.AsClause) throw facts.unsupportedSyntax('graph-to-table ... as', span);
    const entity = String(c.EntityKeyword?.Text ?? '').toLowerCase() === 'edges' ? 'edges' : 'nodes';
    const params = this.params(c.Parameters);
    return {
      op: 'graph-to-table', input, entity, schema, span,
      nodeId: params.get('with_node_id')?.name, sourceId: params.get('with_source_id')?.name, targetId: params.get('with_target_id')?.name,
    };
  }

  /** `let V = view () {...}` declarations visible here, outermost first, by name. */
  private viewsInScope(scope: Scope): Map<string, KNode> {
    const chain: Scope[] = [];
    for (let s: Scope | undefined = scope; s; s = s.parent) chain.unshift(s);
    const out = new Map<string, KNode>();
    for (const s of chain) {
      for (const [sym, b] of s.bySymbol) {
        if (!('fn' in b) || !b.fn.ViewKeyword || toArray(b.fn.Parameters?.Parameters).length > 0) continue;
        out.delete(String(sym.Name));
        out.set(String(sym.Name), b.fn);
      }
    }
    return out;
  }

  /** A search predicate: bare terms and `*` comparisons apply to every column of each input. */
  private searchPredicate(node: KNode, scope: Scope): Expr {
    const cls = className(node);
    const span = this.span(node);
    const kind = syntaxKindName(node.Kind);
    const str = (value: string): Expr => ({ kind: 'literal', type: 'string', value, span });
    if (cls === 'ParenthesizedExpression') return this.searchPredicate(node.Expression, scope);
    if (cls === 'BinaryExpression' && (kind === 'AndExpression' || kind === 'OrExpression')) {
      const fn = kind === 'AndExpression' ? 'and' : 'or';
      return { kind: 'call', fn, args: [this.searchPredicate(node.Left, scope), this.searchPredicate(node.Right, scope)], type: 'bool', span };
    }
    if ((cls === 'LiteralExpression' || cls === 'CompoundStringLiteralExpression') && scalarTypeOf(node.ResultType) === 'bool' && typeof node.LiteralValue === 'string') {
      return { kind: 'call', fn: SEARCH_ANY, args: [str('term'), str(String(node.LiteralValue))], type: 'bool', span };
    }
    if (cls === 'BinaryExpression' && kind === 'SearchExpression') {
      const pattern = String(node.Right.LiteralValue ?? '');
      return { kind: 'call', fn: SEARCH_ANY, args: [str('term'), str(pattern), this.expr(node.Left, scope)], type: 'bool', span };
    }
    if (cls === 'BinaryExpression' && className(node.Left) === 'StarExpression') {
      const opText = String(node.Operator.Text).toLowerCase().replace(/\s+/g, ' ');
      return { kind: 'call', fn: SEARCH_ANY, args: [str(opText), this.expr(node.Right, scope)], type: 'bool', span };
    }
    if (cls === 'FunctionCallExpression' && String(node.Name?.SimpleName ?? '').toLowerCase() === 'not') {
      return { kind: 'call', fn: 'not', args: [this.searchPredicate(this.args(node)[0], scope)], type: 'bool', span };
    }
    return this.expr(node, scope);
  }

  /** Expressions of project/print/distinct: one named output column each, names from the binder. */
  private namedList(list: KNode, scope: Scope, schema: Field[]): Named[] {
    const items = toArray(list).map((e: KNode) => e.Element);
    const out: Named[] = [];
    let col = 0;
    for (const e of items) {
      if (className(e) === 'StarExpression') {
        throw facts.unsupportedSyntax('* here', this.span(e));
      }
      const width = this.resultWidth(e);
      const expr = this.expr(unname(e), scope);
      // `print y` for a let variable y names its column y (the binder says print_0).
      const bound = schema[col]?.name;
      const varName = className(e) === 'NameReference' && e.ReferencedSymbol?.Kind === 2 && bound && /^print_\d+$/.test(bound) ? e.SimpleName : undefined;
      if (width === 1) { out.push({ name: varName ?? schema[col++]?.name ?? `Column${col}`, expr }); if (varName) col++; }
      else {
        out.push({ name: schema.slice(col, col + width).map((f) => f.name).join('\u0000'), expr });
        col += width;
      }
    }
    return out;
  }

  /** extend: named items keep their name; unnamed ones take the next new column of the result. */
  private extendItems(list: KNode, input: Tab, schema: Field[], scope: Scope): Named[] {
    const items = toArray(list).map((e: KNode) => e.Element);
    const inNames = new Set(input.schema.map((f) => f.name));
    const fresh = schema.filter((f) => !inNames.has(f.name)).map((f) => f.name);
    let next = 0;
    const out: Named[] = [];
    for (const e of items) {
      const cls = className(e);
      const expr = this.expr(unname(e), scope);
      if (cls === 'SimpleNamedExpression') {
        out.push({ name: e.Name.SimpleName, expr });
        if (fresh[next] === e.Name.SimpleName) next++;
      } else if (cls === 'CompoundNamedExpression') {
        const names = toArray(e.Names.Names).map((n: KNode) => n.Element.SimpleName);
        out.push({ name: names.join('\u0000'), expr });
        next += names.filter((n: string) => fresh.includes(n)).length;
      } else if (expr.kind === 'column' && inNames.has(expr.name)) {
        out.push({ name: expr.name, expr });
      } else {
        // An unnamed tuple (series_decompose_anomalies(y)) takes as many new columns as it has parts.
        const width = this.resultWidth(e);
        if (width > 1) {
          out.push({ name: fresh.slice(next, next + width).join('\u0000'), expr });
          next += width;
        } else out.push({ name: fresh[next++] ?? `Column${next}`, expr });
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- scalar expressions

  expr(node: KNode, scope: Scope): Expr {
    this.enter(node);
    try {
      return this.exprInner(node, scope);
    } finally {
      this.depth--;
    }
  }

  private exprInner(node: KNode, scope: Scope): Expr {
    const cls = className(node);
    const span = this.span(node);
    const type = scalarTypeOf(node.ResultType);
    switch (cls) {
      case 'LiteralExpression':
        if ((type === 'long' || type === 'int') && /^\d+$/.test(String(node.Token?.Text ?? '')) && BigInt(node.Token.Text) > 9223372036854775807n) {
          throw facts.literalOutOfRange(String(node.Token.Text), span);
        }
        return { kind: 'literal', type, value: literalValue(node, type), span };
      case 'CompoundStringLiteralExpression':
        return { kind: 'literal', type: 'string', value: String(node.LiteralValue ?? ''), span };
      case 'DynamicExpression':
        return { kind: 'literal', type: 'dynamic', value: jsonValue(node.Expression), span };
      case 'ParenthesizedExpression':
        return this.expr(node.Expression, scope);
      case 'NameReference':
      case 'BracketedExpression': {
        if (cls === 'BracketedExpression' && !node.ReferencedSymbol) return this.expr(node.Expression, scope);
        const b = this.lookup(scope, node);
        if (b && 'expr' in b) return b.expr;
        if (b && 'tab' in b) return { kind: 'subquery', query: b.tab, span };
        if (b && 'fn' in b) return this.callUserFunction(node, b.fn, [], scope) as Expr;
        const sym = node.ReferencedSymbol;
        const name: string = sym?.Name ?? node.SimpleName;
        if (sym && sym.Kind === 9 /* Column */) return { kind: 'column', name, type, span };
        if (sym && sym.Kind === 10) return { kind: 'subquery', query: this.tab(node, scope), span };
        if (sym && sym.Kind === 3) return this.callFunctionSymbol(node, scope, []) as Expr;
        if (!sym) {
          // A name the binder left unresolved inside an open schema: read it as a column.
          return { kind: 'column', name, type, span };
        }
        throw facts.unsupportedSyntax(`the name '${name}'`, span);
      }
      case 'FunctionCallExpression':
        return this.call(node, scope, type, span);
      case 'BinaryExpression':
      case 'InExpression':
      case 'HasAnyExpression':
      case 'HasAllExpression': {
        const opText = String(node.Operator.Text).toLowerCase().replace(/\s+/g, ' ');
        const left = this.expr(node.Left, scope);
        if (cls === 'BinaryExpression') return { kind: 'call', fn: opText, args: [left, this.expr(node.Right, scope)], type, span };
        const items = toArray(node.Right.Expressions).map((e: KNode) => e.Element);
        const args = items.map((e: KNode) => (isTabular(e) ? { kind: 'subquery', query: this.tab(e, scope), span: this.span(e) } as Expr : this.expr(e, scope)));
        return { kind: 'call', fn: opText, args: [left, ...args], type, span };
      }
      case 'BetweenExpression': {
        const opText = String(node.Operator.Text).toLowerCase();
        return {
          kind: 'call', fn: opText,
          args: [this.expr(node.Left, scope), this.expr(node.Right.First, scope), this.expr(node.Right.Second, scope)],
          type, span,
        };
      }
      case 'PrefixUnaryExpression': {
        const opText = String(node.Operator.Text);
        const inner = this.expr(node.Expression, scope);
        if (opText === '+') return inner;
        if (inner.kind === 'literal' && (typeof inner.value === 'number' || typeof inner.value === 'bigint')) {
          return { ...inner, value: -inner.value as number | bigint, span };
        }
        return { kind: 'call', fn: 'neg', args: [inner], type, span };
      }
      case 'PathExpression': {
        const head = String(node.Expression?.SimpleName ?? '').toLowerCase();
        if (head === '$left' || head === '$right') return this.sided(node, scope).expr;
        const target = this.expr(node.Expression, scope);
        const sel = node.Selector;
        // x.[expr] is element access with a computed key.
        if (className(sel) === 'BracketedExpression' && !sel.ReferencedSymbol) {
          return { kind: 'call', fn: '[]', args: [target, this.expr(sel.Expression, scope)], type, span };
        }
        const key = sel.SimpleName ?? sel.Name?.SimpleName ?? String(sel.LiteralValue ?? '');
        if (target.kind === 'subquery' || (sel.ReferencedSymbol && sel.ReferencedSymbol.Kind === 9 && 'type' in target && target.type !== 'dynamic')) {
          return { kind: 'column', name: key, type, span };
        }
        return { kind: 'call', fn: '.', args: [target, { kind: 'literal', type: 'string', value: key, span }], type, span };
      }
      case 'ElementExpression': {
        const target = this.expr(node.Expression, scope);
        const sel = node.Selector;
        const index = this.expr(sel.Expression ?? sel, scope);
        return { kind: 'call', fn: '[]', args: [target, index], type, span };
      }
      case 'ToScalarExpression':
        if (!isTabular(node.Expression)) return this.expr(node.Expression, scope);
        return { kind: 'call', fn: 'toscalar', args: [{ kind: 'subquery', query: this.tab(node.Expression, scope), span }], type, span };
      case 'StarExpression':
        return { kind: 'star', span };
      case 'SimpleNamedExpression':
        return this.expr(node.Expression, scope);
      case 'TypeOfLiteralExpression': {
        const t = toArray(node.Types).map((e: KNode) => e.Element)[0];
        return { kind: 'type', type: parseScalarType(String(t?.Type?.Text ?? t?.ReferencedSymbol?.Name ?? 'dynamic')) ?? 'dynamic', span };
      }
      case 'MaterializeExpression':
      case 'PipeExpression':
      case 'DataTableExpression':
        return { kind: 'subquery', query: this.tab(node, scope), span };
      case 'ExternalDataExpression':
        throw facts.networkRefused('externaldata', span);
      default:
        throw facts.unsupportedSyntax(`the expression '${syntaxKindName(node.Kind)}'`, span);
    }
  }

  private call(node: KNode, scope: Scope, type: ScalarType, span: Span): Expr {
    const name: string = node.Name?.SimpleName ?? node.ReferencedSymbol?.Name ?? '';
    const lname = name.toLowerCase();
    const b = this.lookup(scope, node);
    if (b && 'fn' in b) return this.callUserFunction(node, b.fn, this.args(node), scope) as Expr;
    if (lname === 'cluster' || lname === 'database') throw facts.networkRefused(`${name}()`, span);
    const sym = node.ReferencedSymbol;
    const expansion = node.GetExpansion?.();
    if (expansion) {
      if (DEFENDER_SERVICE_FUNCTIONS.has(name)) throw facts.defenderOnly(name, span);
      return this.expand(node, expansion, sym, this.args(node), scope) as Expr;
    }
    const args = this.args(node).map((a) => (isTabular(a) ? { kind: 'subquery', query: this.tab(a, scope), span: this.span(a) } as Expr : this.expr(a, scope)));
    return { kind: 'call', fn: lname, args, type: ENGINE_RESULT_TYPES[lname] ?? type, span };
  }
}

/** Two-column aggregates the engine names after both columns (covariance_x_y; the binder says covariance_x). */
function engineAggregateName(e: KNode, expr: Expr): string | undefined {
  if (className(e) !== 'FunctionCallExpression' || expr.kind !== 'call' || !/^covariancep?$/.test(expr.fn)) return undefined;
  const cols = expr.args.map((a) => (a.kind === 'column' ? a.name : undefined));
  return cols.length === 2 && cols.every(Boolean) ? `${expr.fn}_${cols.join('_')}` : undefined;
}

/** Functions whose result the engine types differently from the binder (measured on the engine). */
const ENGINE_RESULT_TYPES: Record<string, ScalarType> = { datetime_part: 'long', monthofyear: 'long', jaccard_index: 'real' };

/** An output column takes the type of its expression where the engine and the binder disagree. */
function retype(schema: Field[], items: Named[]): Field[] {
  return schema.map((f) => {
    const item = items.find((i) => i.name === f.name);
    const t = item && item.expr.kind === 'call' ? ENGINE_RESULT_TYPES[item.expr.fn] : undefined;
    return t ? { ...f, type: t } : f;
  });
}

/** The outer-union schema of some inputs: every column in first-seen order. */
function unionSchema(inputs: Tab[]): Field[] {
  const out: Field[] = [];
  for (const t of inputs) for (const f of t.schema) if (!out.some((o) => o.name === f.name)) out.push(f);
  return out;
}

/** Plan table names of watchlists: `_GetWatchlist('admins')` reads the table `_GetWatchlist:admins`. */
export const WATCHLIST_PREFIX = '_GetWatchlist:';

/** Defender service functions we declare for binding but cannot run without Microsoft's data. */
const DEFENDER_SERVICE_FUNCTIONS = new Set(['FileProfile', 'DeviceFromIP', 'AssignedIPAddresses', 'SeenBy']);

function className(node: KNode): string {
  const n: string = node?.constructor?.$$name ?? '';
  return n.startsWith('Kusto.Language.Syntax.') ? n.slice('Kusto.Language.Syntax.'.length) : n;
}

function operatorName(op: KNode): string {
  const first = op.GetChild?.(0);
  return String(first?.Text ?? className(op)).toLowerCase();
}

function isTabular(node: KNode): boolean {
  const t = node?.ResultType;
  return !!t && t.Kind === 10 /* Table */;
}

function unname(e: KNode): KNode {
  const cls = className(e);
  if (cls === 'SimpleNamedExpression' || cls === 'CompoundNamedExpression') return e.Expression;
  if (cls === 'OrderedExpression') return e.Expression;
  return e;
}

/** The column a scan step's name stands for while translating; see scanStateRefs. */
const SCAN_STEP_MARK = '\u0002scan-step:';

/** `step.column` (a `.` on a step marker) becomes the state column of that step. */
function scanStateRefs(e: Expr): Expr {
  if (e.kind !== 'call') return e;
  const [target, key] = e.args;
  if (e.fn === '.' && target?.kind === 'column' && target.name.startsWith(SCAN_STEP_MARK) && key?.kind === 'literal') {
    return { kind: 'column', name: scanStateColumn(target.name.slice(SCAN_STEP_MARK.length), String(key.value)), type: e.type, span: e.span };
  }
  return { ...e, args: e.args.map(scanStateRefs) };
}

function tableName(t: Tab, node?: KNode): string {
  if (t.op === 'table' || t.op === 'as' || t.op === 'ref') return t.name;
  const n = node?.SimpleName ?? node?.ReferencedSymbol?.Name;
  return n ? String(n) : 'union_arg';
}

export function scalarTypeOf(t: KNode): ScalarType {
  if (!t) return 'dynamic';
  const name = String(t.Name ?? '');
  return parseScalarType(name) ?? 'dynamic';
}

export function schemaOf(t: KNode): Field[] {
  if (!t || t.Kind !== 10) return [];
  return toArray(t.Columns).map((c: KNode) => ({ name: String(c.Name), type: scalarTypeOf(c.Type) }));
}

/**
 * A literal's value in the plan's raw form: numbers and exact integers (bigint past 2^53),
 * strings, booleans, datetimes as the text inside `datetime(...)`, timespans as tick counts (or
 * their text, where the parser misreads the literal).
 */
function literalValue(node: KNode, type: ScalarType): unknown {
  const kind = syntaxKindName(node.Kind);
  const token = node.Token;
  const text: string = String(token?.Text ?? '');
  if (kind === 'NullLiteralExpression') return null;
  const inner = /^\w+\((.*)\)$/s.exec(text.trim());
  const body = inner ? inner[1]!.trim() : text.trim();
  if (inner && body.toLowerCase() === 'null') return null;
  switch (type) {
    case 'bool':
      return /^(true|1)$/i.test(body);
    case 'int':
    case 'long': {
      // The parser reads hex literals as 0: take them from the text.
      if (/^0x[0-9a-f]+$/i.test(body)) {
        const big = BigInt.asIntN(64, BigInt(body));
        return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
      }
      const v = node.LiteralValue;
      if (v == null) return null;
      const s = typeof v === 'object' && 'toString' in v ? v.toString() : String(v);
      const big = BigInt(s);
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    }
    case 'real':
    case 'decimal': {
      const v = node.LiteralValue;
      if (v == null) return null;
      if (typeof v === 'number') return v;
      const n = Number(String(v));
      return Number.isNaN(n) ? Number(body.replace(/^[a-z]+\(|\)$/gi, '')) : n;
    }
    case 'timespan': {
      const v = node.LiteralValue;
      if (v == null) return null;
      const ticks = BigInt((v.ticks ?? v.Ticks)?.toString?.() ?? '0');
      // The parser reads some forms (time(29.09:00:05.12345)) as zero: keep the text for the engine.
      if (ticks === 0n && /[1-9]/.test(body)) return body;
      return ticks;
    }
    case 'datetime':
      return body;
    case 'guid':
      return body.toLowerCase();
    case 'string':
      return String(node.LiteralValue ?? '');
    default:
      return node.LiteralValue ?? null;
  }
}

/** dynamic(...) literal contents as plain JSON (longs beyond 2^53 kept as bigint). */
function jsonValue(node: KNode): unknown {
  if (!node) return null;
  const cls = className(node);
  if (cls === 'JsonObjectExpression') {
    const out: Record<string, unknown> = {};
    for (const p of toArray(node.Pairs).map((e: KNode) => e.Element)) {
      out[String(p.Name.LiteralValue ?? p.Name.Text).replace(/^(['"])(.*)\1$/s, '$2')] = jsonValue(p.Value);
    }
    return out;
  }
  if (cls === 'JsonArrayExpression') return toArray(node.Values).map((e: KNode) => jsonValue(e.Element));
  if (cls === 'DynamicExpression') return jsonValue(node.Expression);
  if (cls === 'PrefixUnaryExpression') {
    const v = jsonValue(node.Expression);
    return typeof v === 'number' || typeof v === 'bigint' ? -v : v;
  }
  if (cls === 'LiteralExpression') {
    const type = scalarTypeOf(node.ResultType);
    const v = literalValue(node, type);
    if (type === 'datetime' || type === 'timespan' || type === 'guid') return { $kql: type, value: v };
    return v;
  }
  return null;
}
