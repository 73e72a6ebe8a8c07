/**
 * Is a rule exact when the stream is split by device (docs/scaling.md)? Each worker sees every
 * event of its own devices and none of the others', plus every watchlist and literal table. A
 * rule gives the same alerts there as on one machine when every step that combines rows
 * (summarize, distinct, join, lookup, make-series, partition, scan, top-nested) keeps rows of one
 * device together — it groups or joins by a device key (DeviceId or DeviceName, possibly renamed) —
 * or when the rule is row-local (where, extend, project, parse, mv-expand...). Combining fleet
 * rows (`summarize ... by RemoteUrl`, `count`, `top`, `take`, `toscalar(<telemetry>)`,
 * `in (<telemetry>)` on a column that is not a device key) is not exact: each worker sees a part
 * of the fleet. Joins and lookups against watchlists or datatables are exact (every worker has
 * them whole). A pure function over the plan `compileFor` gives.
 */
import type { Expr, Named, QueryPlan, Tab } from '../kql/plan.js';

export const DEVICE_KEYS: readonly string[] = ['DeviceId', 'DeviceName'];

export interface PartitionVerdict {
  exact: boolean;
  /** Why not, one short phrase per offending step (empty when exact). */
  reasons: string[];
}

/** What flows out of a plan node. */
interface Flow {
  /** Rows are whole on every worker (watchlists, datatable, print, range) — not split by device. */
  replicated: boolean;
  /** Output columns that hold the device key of the row's source event. */
  device: Set<string>;
}

const REPLICATED: Flow = { replicated: true, device: new Set() };

export function partitionExactness(plan: QueryPlan): PartitionVerdict {
  const reasons: string[] = [];
  const memo = new Map<Tab, Flow>();
  /** What `ref NAME` reads: an `as` name, a partition's or an mv-apply's row set. */
  const refs = new Map<string, Flow>();
  const flow = (t: Tab): Flow => {
    let f = memo.get(t);
    if (!f) {
      f = visit(t);
      memo.set(t, f);
    }
    return f;
  };
  const note = (r: string): void => { if (!reasons.includes(r)) reasons.push(r); };

  /** Subqueries inside expressions: `toscalar(T)` or `x in (T)` over telemetry see one worker's share. */
  const exprs = (es: (Expr | undefined | null)[], host: Flow): void => {
    for (const e of es) if (e) expr(e, host);
  };
  const expr = (e: Expr, host: Flow): void => {
    if (e.kind === 'subquery') {
      const f = flow(e.query);
      if (!f.replicated) note(`a subquery over telemetry (toscalar or in) sees one worker's devices`);
      return;
    }
    if (e.kind !== 'call') return;
    if ((e.fn === 'in' || e.fn === '!in' || e.fn === 'in~' || e.fn === '!in~') && e.args[1]?.kind === 'subquery') {
      const sub = flow(e.args[1].query);
      const left = e.args[0];
      const onDevice = left?.kind === 'column' && host.device.has(left.name) && sub.device.size > 0 && e.args[1].query.schema.length === 1;
      if (!sub.replicated && !onDevice) note(`'${e.fn} (<telemetry>)' on a column that is not the device key`);
      if (left) expr(left, host);
      return;
    }
    for (const a of e.args) expr(a, host);
  };

  /** Device columns after `items` (extend keeps the input's, project only what it names). */
  const named = (items: Named[], input: Flow, keep: boolean): Set<string> => {
    const out = new Set<string>(keep ? input.device : []);
    for (const it of items) {
      if (it.expr.kind === 'column' && input.device.has(it.expr.name)) out.add(it.name);
      else out.delete(it.name);
    }
    return out;
  };
  const groupsByDevice = (by: Named[], input: Flow): boolean => by.some((b) => b.expr.kind === 'column' && input.device.has(b.expr.name));

  function visit(t: Tab): Flow {
    switch (t.op) {
      case 'table': {
        if (t.name.startsWith('_GetWatchlist:')) return REPLICATED;
        return { replicated: false, device: new Set(t.schema.map((f) => f.name).filter((n) => DEVICE_KEYS.includes(n))) };
      }
      case 'datatable': case 'print': case 'range':
        return REPLICATED;
      case 'ref': {
        return refs.get(t.name) ?? { replicated: false, device: new Set() };
      }
      case 'materialize': case 'serialize': case 'sort': case 'as': case 'mv-expand': case 'parse': case 'getschema': {
        const f = flow(t.input);
        if (t.op === 'as') refs.set(t.name, f);
        if (t.op === 'serialize' && t.items.length && !f.replicated) note('serialize with row functions (row_number, prev, next) orders the whole fleet');
        if (t.op === 'serialize') exprs(t.items.map((i) => i.expr), f);
        if (t.op === 'mv-expand') exprs(t.items.map((i) => i.expr), f);
        if (t.op === 'parse') exprs([t.source], f);
        if (t.op === 'materialize' || t.op === 'as' || t.op === 'sort' || t.op === 'parse' || t.op === 'mv-expand') return f;
        return t.op === 'serialize' ? { replicated: f.replicated, device: named(t.items, f, true) } : { replicated: f.replicated, device: new Set() };
      }
      case 'where': {
        const f = flow(t.input);
        exprs([t.predicate], f);
        return f;
      }
      case 'extend': case 'project': {
        const f = flow(t.input);
        exprs(t.items.map((i) => i.expr), f);
        return { replicated: f.replicated, device: named(t.items, f, t.op === 'extend') };
      }
      case 'select': {
        const f = flow(t.input);
        return { replicated: f.replicated, device: new Set(t.columns.filter((c) => f.device.has(c.from)).map((c) => c.to)) };
      }
      case 'summarize': case 'distinct': {
        const f = flow(t.input);
        const by = t.op === 'summarize' ? t.by : t.items;
        exprs(by.map((b) => b.expr), f);
        if (t.op === 'summarize') exprs(t.aggregates.map((a) => a.expr), f);
        if (f.replicated) return f;
        if (!groupsByDevice(by, f)) {
          const keys = by.map((b) => b.name).join(', ');
          note(t.op === 'distinct' ? `distinct ${keys} has no device key` : `summarize ${keys ? `by ${keys}` : 'over everything'} has no device key`);
        }
        const device = named(by, f, false);
        // arg_max(x, *) / take_any(*) carry the input's columns through, the device key among them.
        if (t.op === 'summarize' && t.aggregates.some((a) => a.expr.kind === 'call' && a.expr.args.some((x) => x.kind === 'star'))) {
          for (const c of f.device) if (t.schema.some((s) => s.name === c)) device.add(c);
        }
        return { replicated: false, device };
      }
      case 'make-series': {
        const f = flow(t.input);
        if (!f.replicated && !groupsByDevice(t.by, f)) note('make-series has no device key in by');
        return { replicated: f.replicated, device: named(t.by, f, false) };
      }
      case 'count': {
        const f = flow(t.input);
        if (!f.replicated) note('count totals the whole fleet');
        return { replicated: f.replicated, device: new Set() };
      }
      case 'top': case 'take': case 'sample': {
        const f = flow(t.input);
        if (!f.replicated) note(`${t.op} picks rows from the whole fleet`);
        return f;
      }
      case 'top-nested': {
        const f = flow(t.input);
        const first = t.levels[0];
        if (!f.replicated && !(first && first.of.expr.kind === 'column' && f.device.has(first.of.expr.name))) note('top-nested does not start with the device key');
        return { replicated: f.replicated, device: new Set() };
      }
      case 'union': {
        const fs = t.inputs.map(flow);
        const device = new Set<string>(fs[0]?.device ?? []);
        for (const f of fs.slice(1)) for (const c of [...device]) if (!f.device.has(c) && !f.replicated) device.delete(c);
        return { replicated: fs.every((f) => f.replicated), device };
      }
      case 'join': case 'lookup': {
        const l = flow(t.left);
        const r = flow(t.right);
        const renames = t.op === 'join' ? t.rightRenames : [];
        const device = new Set<string>(l.device);
        for (const c of r.device) {
          const to = renames.find((x) => x.from === c)?.to ?? c;
          if (t.schema.some((s) => s.name === to)) device.add(to);
        }
        if (!l.replicated && !r.replicated) {
          const onDevice = t.on.some((k) => k.left.kind === 'column' && k.right.kind === 'column' && l.device.has(k.left.name) && r.device.has(k.right.name));
          if (!onDevice) note(`${t.op} of two telemetry sides is not on the device key`);
        }
        return { replicated: l.replicated && r.replicated, device };
      }
      case 'partition': {
        const f = flow(t.input);
        if (!f.replicated && !(t.key.kind === 'column' && f.device.has(t.key.name))) note('partition is not by the device key');
        // Each partition is one key's rows: what the subquery does inside it stays within them.
        refs.set(t.refName, { replicated: true, device: f.device });
        flow(t.subquery);
        return { replicated: f.replicated, device: new Set() };
      }
      case 'scan': {
        const f = flow(t.input);
        if (!f.replicated && !t.partitionBy.some((k) => k.kind === 'column' && f.device.has(k.name))) note('scan is not partitioned by the device key');
        return f;
      }
      case 'mv-apply': {
        const f = flow(t.input);
        // The subquery runs over one input row's expansion: row-local.
        refs.set(t.rowName, { replicated: true, device: f.device });
        flow(t.expand);
        flow(t.subquery);
        return f;
      }
      case 'reduce': case 'evaluate': case 'make-graph': case 'graph-mark-components': case 'graph-to-table': case 'search': case 'unsupported': {
        const inputs: Tab[] = t.op === 'search' ? t.inputs : 'input' in t && t.input ? [t.input] : [];
        const fs = inputs.map(flow);
        if (fs.every((f) => f.replicated) && fs.length) return REPLICATED;
        note(`${t.op === 'evaluate' ? `evaluate ${t.plugin}` : t.op} combines rows across the fleet`);
        return { replicated: false, device: new Set() };
      }
    }
  }

  flow(plan.result);
  return { exact: reasons.length === 0, reasons };
}

/** One line for stderr, or undefined when the rule is exact. */
export function partitionWarning(ruleId: string, verdict: PartitionVerdict): string | undefined {
  if (verdict.exact) return undefined;
  return `warning: rule ${ruleId} is not exact under device partitioning (${verdict.reasons.join('; ')}): with several workers it may miss or differ from a single worker's alerts`;
}
