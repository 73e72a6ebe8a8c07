/**
 * Preloaded (`node --import`) into a process the benchmark measures: at exit, writes the
 * process's own resource usage (CPU of every thread, peak RSS) to $EXFILWATCH_BENCH_RUSAGE,
 * since Node gives a parent no rusage of its children.
 */
import { writeFileSync } from 'node:fs';

const out = process.env.EXFILWATCH_BENCH_RUSAGE;
if (out) {
  process.on('exit', () => {
    const r = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ userCpuUs: r.userCPUTime, systemCpuUs: r.systemCPUTime, maxRssKb: r.maxRSS }));
  });
}
