import { facts } from '../../diagnostics/facts.js';
import type { Tab } from '../../kql/plan.js';
import type { BatchStream } from '../batch.js';
import type { ExecContext } from '../context.js';

// eslint-disable-next-line require-yield
export async function* evaluateOp(tab: Tab, ctx: ExecContext): BatchStream {
  void ctx;
  throw facts.unsupportedOperator('evaluate', tab.span);
}

