/**
 * The glue `exfilwatch watch` needs for `--nats URL --stream NAME --consumer GROUP [--member K/W]
 * [--partitions N]`: the flags, the source, and one warning line per rule that is not exact under
 * device partitioning (partitioning.ts) when this worker sees only part of the stream.
 */
import { ExfilwatchError } from '../../diagnostics/facts.js';
import { facts } from '../../diagnostics/facts.js';
import type { Rule, Watchlist } from '../../detect/index.js';
import { withWatchlists } from '../../detect/index.js';
import { compileFor } from '../../engine/query.js';
import { defenderTables } from '../../schema/index.js';
import { newStats } from '../../sources/index.js';
import { partitionExactness, partitionWarning } from '../partitioning.js';
import { NatsSource } from './source.js';
import { parseMember } from './subjects.js';

export const NATS_WATCH_FLAGS = {
  nats: { type: 'string' }, stream: { type: 'string' }, consumer: { type: 'string' }, member: { type: 'string' }, partitions: { type: 'string' },
} as const;

export const NATS_WATCH_USAGE = `  broker    --nats URL --stream NAME --consumer GROUP [--member K/W] [--partitions N]
                                 one member of a JetStream consumer group, by device partition (docs/scaling.md)
`;

/** The rules' warnings: one line per rule that is not exact when the stream is split by device. */
export function partitionWarnings(rules: Rule[], watchlists: Watchlist[], strictSchema = false): string[] {
  const data = withWatchlists({ tables: defenderTables({ strict: strictSchema }), sources: new Map(), stats: newStats() }, watchlists);
  const out: string[] = [];
  for (const r of rules) {
    try {
      const w = partitionWarning(r.id, partitionExactness(compileFor(r.query, data, strictSchema)));
      if (w) out.push(w);
    } catch (e) {
      if (!(e instanceof ExfilwatchError)) throw e;
    }
  }
  return out;
}

/** The source for `--nats`, or undefined when the flag is not given; warns on stderr when this member sees part of the stream. */
export async function natsSourceFromFlags(v: { nats?: string; stream?: string; consumer?: string; member?: string; partitions?: string }, rules: Rule[], watchlists: Watchlist[]): Promise<NatsSource | undefined> {
  if (v.nats === undefined) return undefined;
  if (!v.stream || !v.consumer) throw facts.usage('--nats needs --stream NAME and --consumer GROUP');
  const member = parseMember(v.member ?? '0/1');
  if (!member) throw facts.usage(`--member expects K/W with 0 <= K < W, got '${v.member}'`);
  const partitions = v.partitions === undefined ? undefined : Number(v.partitions);
  if (partitions !== undefined && (!Number.isInteger(partitions) || partitions < 1)) throw facts.usage(`--partitions expects a whole number, got '${v.partitions}'`);
  const source = await new NatsSource({ url: v.nats, stream: v.stream, group: v.consumer, member, partitions }).open();
  if (member.of > 1) for (const w of partitionWarnings(rules, watchlists)) process.stderr.write(w + '\n');
  return source;
}
