/**
 * Where the compiled modules and the project are, for the paths a module resolves from its own
 * place: worker scripts, the content pack, the translator's sources (the plan cache's key). The
 * command line runs from a bundle of the modules when there is one (`dist/src/bundle/`, made by
 * `npm run build`: one file to load instead of a hundred and fifty), whose chunks all sit one
 * folder below `dist/src`; going through here, both layouts find the same files.
 */
import { fileURLToPath } from 'node:url';

const here = new URL('./', import.meta.url);

/** The folder of the compiled modules (`dist/src/`), as a URL ending in a slash. */
export const MODULES: URL = here.pathname.endsWith('/bundle/') ? new URL('../', here) : here;

/** The project root: above `dist/src/` (compiled) or `src/` (the sources). */
export const ROOT = fileURLToPath(new URL(MODULES.pathname.endsWith('/dist/src/') ? '../../' : '../', MODULES));

/** A compiled module's URL from its path under `src/`, e.g. `sources/json/line-worker.js`. */
export function moduleUrl(rel: string): URL {
  return new URL(rel, MODULES);
}

/**
 * A worker thread's script, from its path under `src/`: from the bundle, the worker's own entry
 * there (`dist/src/bundle/<name>.js`, bundled with the command line: one file to load, sharing its
 * chunks), else the module.
 */
export function workerUrl(rel: string): URL {
  return here.href === MODULES.href ? moduleUrl(rel) : new URL(rel.slice(rel.lastIndexOf('/') + 1), here);
}

/** The same as a file path. */
export function modulePath(rel: string): string {
  return fileURLToPath(moduleUrl(rel));
}
