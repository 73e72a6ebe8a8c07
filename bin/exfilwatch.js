#!/usr/bin/env node
import { statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

// `npm run build` bundles the modules (dist/src/bundle/), which load in half the time; a build of
// the modules alone after it leaves the bundle behind them, and then they run as they are.
const newer = (a, b) => {
  try {
    return statSync(new URL(a, import.meta.url)).mtimeMs >= statSync(new URL(b, import.meta.url)).mtimeMs;
  } catch {
    return false;
  }
};
const entry = newer('../dist/src/bundle/main.js', '../dist/src/cli/main.js') ? '../dist/src/bundle/main.js' : '../dist/src/cli/main.js';

// Before any of the program is compiled (src/cli/v8-flags.ts says why).
const { startupV8Flags } = await import('../dist/src/cli/v8-flags.js');
for (const flag of startupV8Flags(process.execArgv)) setFlagsFromString(flag);
const { main } = await import(entry);

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
