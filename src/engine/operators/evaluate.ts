/**
 * evaluate: runs a plugin from plugins/registry.ts. A plugin's output schema often depends on
 * the data (bag_unpack, pivot), so each plugin computes its own fields. Arguments arrive as plan
 * expressions; a named option (columnsConflict='keep_source') is a call of `=` on its name and
 * value, and a table argument is a subquery, computed here before the plugin runs.
 */
import { facts } from '../../diagnostics/facts.js';
import type { BatchStream } from '../batch.js';
import type { ExecContext } from '../context.js';
import { prepareAll } from '../run.js';
import { splitArgs } from './plugins/common.js';
import { plugin } from './plugins/registry.js';
import type { Evaluate } from './plugins/types.js';

export async function* evaluateOp(tab: Evaluate, ctx: ExecContext): BatchStream {
  const p = plugin(tab.plugin);
  if (!p) throw facts.unsupportedPlugin(tab.plugin, tab.span);
  await prepareAll(tab.args, ctx);
  const { positional, named } = splitArgs(tab.args);
  yield await p.run({ tab, ctx, positional, named });
}
