/** Every `evaluate` plugin the engine runs, by name. */
import { ACTIVE_USERS_COUNT } from './active-users-count.js';
import { ACTIVITY_COUNTS_METRICS } from './activity-counts-metrics.js';
import { ACTIVITY_ENGAGEMENT } from './activity-engagement.js';
import { ACTIVITY_METRICS } from './activity-metrics.js';
import { AUTOCLUSTER } from './autocluster.js';
import { BAG_UNPACK } from './bag-unpack.js';
import { BASKET } from './basket.js';
import { DCOUNT_INTERSECT } from './dcount-intersect.js';
import { DIFFPATTERNS } from './diffpatterns.js';
import { FUNNEL_SEQUENCE } from './funnel-sequence.js';
import { FUNNEL_SEQUENCE_COMPLETION } from './funnel-sequence-completion.js';
import { GEO_LINE_LOOKUP, GEO_POLYGON_LOOKUP } from './geo-lookup.js';
import { IPV4_LOOKUP, IPV6_LOOKUP } from './ip-lookup.js';
import { NARROW } from './narrow.js';
import { NETWORK_PLUGINS } from './network.js';
import { NEW_ACTIVITY_METRICS } from './new-activity-metrics.js';
import { PIVOT } from './pivot.js';
import { PREVIEW } from './preview.js';
import { ROLLING_PERCENTILE } from './rolling-percentile.js';
import { ROWS_NEAR } from './rows-near.js';
import { SCHEMA_MERGE } from './schema-merge.js';
import { SEQUENCE_DETECT } from './sequence-detect.js';
import { SESSION_COUNT } from './session-count.js';
import { SLIDING_WINDOW_COUNTS } from './sliding-window-counts.js';
import type { Plugin } from './types.js';

const PLUGINS: Plugin[] = [
  ACTIVE_USERS_COUNT, ACTIVITY_COUNTS_METRICS, ACTIVITY_ENGAGEMENT, ACTIVITY_METRICS, AUTOCLUSTER,
  BAG_UNPACK, BASKET, DCOUNT_INTERSECT, DIFFPATTERNS, FUNNEL_SEQUENCE, FUNNEL_SEQUENCE_COMPLETION, GEO_LINE_LOOKUP, GEO_POLYGON_LOOKUP,
  IPV4_LOOKUP, IPV6_LOOKUP, NARROW, NEW_ACTIVITY_METRICS, PIVOT, PREVIEW, ROLLING_PERCENTILE,
  ROWS_NEAR, SCHEMA_MERGE, SEQUENCE_DETECT, SESSION_COUNT, SLIDING_WINDOW_COUNTS,
  ...NETWORK_PLUGINS,
];

const registry = new Map<string, Plugin>();
for (const p of PLUGINS) {
  if (registry.has(p.name)) throw new Error(`plugin '${p.name}' is declared twice`);
  registry.set(p.name, p);
}

export function plugin(name: string): Plugin | undefined {
  return registry.get(name.toLowerCase());
}

export function pluginNames(): string[] {
  return [...registry.keys()];
}
