/**
 * V8 settings the command line starts with (bin/exfilwatch.js applies them before the program
 * loads; V8's flags are the process's, so worker threads share them).
 *
 * V8 optimises a function once it has run a fixed amount of bytecode (its interrupt budget). A
 * scan keeps every core busy for well under a second, and with the default budget the optimising
 * compiler's background threads compile a hundred lukewarm functions of the engine, some of them
 * several times as new branches deoptimise them: on a two-core machine that work takes the cores
 * from the scan threads (the seed rule over 1 GB of JSON lines: 0.46 s, against 0.385 s with the
 * budget below, in alternating runs; 10 GB: 1.61 against 1.53 s). Code that stays hot is still optimised, a little
 * later: a long `hunt` runs as fast either way (docs/performance.md).
 */
export const INTERRUPT_BUDGET = 600_000;

/**
 * The flags to set, given node's own command line: none the user chose there already, which stay
 * theirs. (Node refuses this flag in NODE_OPTIONS, so the command line is the only place.)
 */
export function startupV8Flags(execArgv: readonly string[]): string[] {
  return execArgv.some((a) => /^--interrupt[-_]budget(?![-_\w])/.test(a)) ? [] : [`--interrupt-budget=${INTERRUPT_BUDGET}`];
}
