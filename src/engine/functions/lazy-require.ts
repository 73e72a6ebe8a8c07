/**
 * CommonJS libraries loaded on first use. The geo libraries (h3-js, s2js, GeographicLib) take
 * about 0.1 s to load and re2js about 12 ms, which every run would pay at start-up though few
 * queries call a geo_* or regex function; behind this proxy they load when a function first
 * touches them.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

export function lazyRequire<T extends object>(id: string, pick: (m: any) => T = (m) => m as T): T { // eslint-disable-line @typescript-eslint/no-explicit-any
  let mod: T | undefined;
  return new Proxy({} as T, {
    get: (_t, key) => Reflect.get((mod ??= pick(load(id))), key),
    has: (_t, key) => Reflect.has((mod ??= pick(load(id))), key),
  });
}
