/**
 * The native addon (native/*.c, built by `npm install` through node-gyp): the line pre-test
 * (json/native-scan.ts) and record cutting (json/native-record.ts) for JSON lines, and CSV record
 * cutting (csv/cutter.ts). Optional: where it was
 * not built (no compiler at install) or `EXFILWATCH_NATIVE=0`, the JavaScript scanner does all
 * the work, with the same results.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Addon {
  compile(code: Int32Array, pool: Uint8Array): object;
  scan(program: object, buf: Uint8Array, state: Float64Array, out: Int32Array): void;
  columns(code: Int32Array, pool: Uint8Array): object;
  extract(columns: object, buf: Uint8Array, start: number, end: number, out: Int32Array): boolean;
  csvCut(buf: Uint8Array, state: Float64Array, recs: Int32Array, fields: Int32Array, program?: object): void;
  csvFields(program: object, fields: Int32Array): void;
}

const ADDON = 'build/Release/line_scan.node';

/** The addon, found above this module (from dist/src/sources or the bundle's dist/src/bundle). */
function loadAddon(): Addon | undefined {
  if (process.env.EXFILWATCH_NATIVE === '0') return undefined;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const path = join(dir, ADDON);
    if (existsSync(path)) {
      try {
        const a = createRequire(import.meta.url)(path) as Partial<Addon>;
        // One built from other sources (not rebuilt since) is not used.
        const complete = ['compile', 'scan', 'columns', 'extract', 'csvCut', 'csvFields'].every((f) => typeof a[f as keyof Addon] === 'function');
        return complete ? (a as Addon) : undefined;
      } catch {
        return undefined; // built for another machine: the JavaScript scanner stands in
      }
    }
    dir = dirname(dir);
  }
  return undefined;
}

const loaded = loadAddon();
let enabled = loaded !== undefined;

/** The addon, when built and not turned off. */
export let addon: Addon | undefined = loaded;

/** Whether the native addon is built and in use (not turned off). */
export function nativeEnabled(): boolean {
  return enabled;
}

/** Turns the addon off or back on in this thread (tests compare the two). */
export function setNativeEnabled(on: boolean): void {
  enabled = on && loaded !== undefined;
  addon = enabled ? loaded : undefined;
}
