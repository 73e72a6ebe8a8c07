/** How an `evaluate` plugin is declared and what it is handed. */
import type { Expr, Tab } from '../../../kql/plan.js';
import type { Batch } from '../../batch.js';
import type { ExecContext } from '../../context.js';

export type Evaluate = Tab & { op: 'evaluate' };

export interface PluginCall {
  tab: Evaluate;
  ctx: ExecContext;
  /** The arguments in order, named options (`columnsConflict='x'`) left out. */
  positional: Expr[];
  /** Named options by lower-cased name. */
  named: Map<string, Expr>;
}

export interface Plugin {
  name: string;
  /** Runs after every subquery among the arguments has been computed (see prepareAll). */
  run(call: PluginCall): Promise<Batch>;
}
