/** Every aggregate function the engine runs, by KQL name (aliases such as `makeset` included). */
import type { AggregateFunction } from './types.js';
import { AGGREGATES } from './all.js';

const registry = new Map<string, AggregateFunction>();
for (const f of AGGREGATES) {
  for (const name of [f.name, ...(f.aliases ?? [])]) {
    if (registry.has(name)) throw new Error(`aggregate '${name}' is declared twice`);
    registry.set(name, f);
  }
}

export function aggregateFunction(name: string): AggregateFunction | undefined {
  return registry.get(name);
}

export function isAggregate(name: string): boolean {
  return registry.has(name);
}

export function aggregateNames(): string[] {
  return [...registry.keys()];
}
