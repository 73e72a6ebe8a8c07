/**
 * Every scalar function and operator the engine runs, by KQL name. Each family file exports a
 * list; this file chains them into one map. Aliases (old names such as `extractjson`) resolve here.
 */
import { OPERATORS } from './operators.js';
import type { ScalarFunction } from './types.js';
import { STRING_FUNCTIONS } from './string.js';
import { CONVERSION_FUNCTIONS } from './conversion.js';
import { DATETIME_FUNCTIONS } from './datetime.js';
import { DYNAMIC_FUNCTIONS } from './dynamic.js';
import { MATH_FUNCTIONS } from './math.js';
import { CONDITIONAL_FUNCTIONS } from './conditional.js';
import { PARSING_FUNCTIONS } from './parsing.js';
import { IP_FUNCTIONS } from './ip.js';
import { HASH_FUNCTIONS } from './hash.js';
import { SKETCH_FUNCTIONS } from './sketch.js';
import { METADATA_FUNCTIONS } from './metadata.js';
import { GEO_FUNCTIONS } from './geo.js';
import { SERIES_FUNCTIONS } from './series.js';

const FAMILIES: ScalarFunction[][] = [
  OPERATORS, STRING_FUNCTIONS, CONVERSION_FUNCTIONS, DATETIME_FUNCTIONS, DYNAMIC_FUNCTIONS,
  MATH_FUNCTIONS, CONDITIONAL_FUNCTIONS, PARSING_FUNCTIONS, IP_FUNCTIONS, HASH_FUNCTIONS,
  SKETCH_FUNCTIONS, METADATA_FUNCTIONS, SERIES_FUNCTIONS, GEO_FUNCTIONS,
];

const registry = new Map<string, ScalarFunction>();
for (const family of FAMILIES) {
  for (const f of family) {
    for (const name of [f.name, ...(f.aliases ?? [])]) {
      if (registry.has(name)) throw new Error(`scalar function '${name}' is declared twice`);
      registry.set(name, f);
    }
  }
}

export function scalarFunction(name: string): ScalarFunction | undefined {
  return registry.get(name);
}

export function scalarFunctionNames(): string[] {
  return [...registry.keys()];
}
