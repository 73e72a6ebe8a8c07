/**
 * Running a subquery once per row (mv-apply) or per partition: a child context binds the
 * subquery's input by name, and keeps its own results for the plan nodes that read that input,
 * while results that do not depend on it (a materialize() of the outer query) stay shared.
 */
import type { Tab } from '../../kql/plan.js';
import type { Batch } from '../batch.js';
import type { ExecContext } from '../context.js';
import { run } from '../run.js';

/** The plan nodes (tabular and scalar) under `root` that read `ref refName`. */
export function dependentNodes(root: Tab, refName: string): Set<object> {
  const seen = new Map<object, boolean>();
  const out = new Set<object>();
  const visit = (v: unknown): boolean => {
    if (v === null || typeof v !== 'object') return false;
    const known = seen.get(v);
    if (known !== undefined) return known;
    seen.set(v, false);
    let dep = false;
    if (Array.isArray(v)) {
      for (const x of v) if (visit(x)) dep = true;
    } else {
      const o = v as Record<string, unknown>;
      if (o.op === 'ref' && o.name === refName) dep = true;
      for (const [k, x] of Object.entries(o)) if (k !== 'schema' && k !== 'span' && visit(x)) dep = true;
    }
    seen.set(v, dep);
    if (dep) out.add(v);
    return dep;
  };
  visit(root);
  return out;
}

/** Memo entries for `local` nodes live here; all others go to the parent's memo. */
class ScopedMemo extends Map<object, Promise<Batch>> {
  private parent!: Map<object, Promise<Batch>>;
  private local!: Set<object>;
  static of(parent: Map<object, Promise<Batch>>, local: Set<object>): ScopedMemo {
    const m = new ScopedMemo();
    m.parent = parent;
    m.local = local;
    return m;
  }
  override get(k: object): Promise<Batch> | undefined {
    return this.local.has(k) ? super.get(k) : this.parent.get(k);
  }
  override has(k: object): boolean {
    return this.local.has(k) ? super.has(k) : this.parent.has(k);
  }
  override set(k: object, v: Promise<Batch>): this {
    if (this.local.has(k)) super.set(k, v);
    else this.parent.set(k, v);
    return this;
  }
}

export function childContext(ctx: ExecContext, local: Set<object>, name: string, input: Batch): ExecContext {
  const named = new Map(ctx.named);
  named.set(name, input);
  // The subquery's own nodes read this input: what they give is not the same from one input to
  // the next, so they are not replayed (nodes outside it still are).
  const replay = ctx.replay && new Map([...ctx.replay].filter(([t]) => !local.has(t)));
  const child: ExecContext = { ...ctx, memo: ScopedMemo.of(ctx.memo, local), named, replay, run: (t) => run(t, child) };
  return child;
}
