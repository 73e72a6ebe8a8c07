/**
 * V8 settings the command line starts with (bin/exfilwatch.js applies them before the program
 * loads; V8's flags are the process's, so worker threads share them).
 *
 * V8 optimises a function once it has run a fixed amount of bytecode (its interrupt budget). A
 * scan keeps every core busy for well under a second, and with the default budget the optimising
 * compiler's background threads compile a hundred lukewarm functions of the engine, some of them
 * several times as new branches deoptimise them: on a two-core machine that work takes the cores
 * from the scan threads (the seed rule over 1 GB of JSON lines: 0.42 s, against 0.34 s with the
 * budget below; 10 GB: 1.61 against 1.53 s). Code that stays hot is still optimised, a little
 * later: a long `hunt` runs as fast either way (docs/performance.md).
 */
export const INTERRUPT_BUDGET = 600_000;

/**
 * The flags to set, given how node was started: none the user chose already (on node's command
 * line or in NODE_OPTIONS), which stay theirs.
 */
export function startupV8Flags(execArgv: readonly string[], nodeOptions = ''): string[] {
  const given = `${execArgv.join(' ')} ${nodeOptions}`;
  return /--interrupt[-_]budget(?![-_\w])/.test(given) ? [] : [`--interrupt-budget=${INTERRUPT_BUDGET}`];
}
