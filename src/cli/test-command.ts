/**
 * `exfilwatch test [--rules PATH] [--simulations DIR] [--watchlists DIR] [--format table|json]`:
 * every simulation through every rule, a coverage matrix (simulation × rule), the seed's coverage
 * beside the improved rules'. Exit 0 when every expectation holds, 1 when an expected rule did not
 * fire, a rule fired on benign activity, an attack went uncaught or a file is broken; 2 bad usage.
 */
import { parseArgs } from 'node:util';
import { PACK_RULES, PACK_WATCHLISTS } from '../content/index.js';
import { loadRules, loadWatchlists } from '../detect/index.js';
import { type CoverageReport, loadSimulations, PACK_SIMULATIONS, runSimulations } from '../detect/simulate.js';
import { jsonText } from '../engine/values/index.js';
import { formatDiagnostic, reportError } from './main.js';

const USAGE = 'usage: exfilwatch test [--rules PATH] [--simulations DIR] [--watchlists DIR] [--format table|json]\n';
/** The verbatim published rule: its column is the baseline the improved rules are measured against. */
const SEED = 'T1048.002-seed';

export async function testCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        rules: { type: 'string', multiple: true }, simulations: { type: 'string' }, watchlists: { type: 'string' }, format: { type: 'string' },
      },
    });
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values } = parsed;
  const format = values.format ?? 'table';
  if (format !== 'table' && format !== 'json') {
    process.stderr.write(`error: --format must be table or json\n${USAGE}`);
    return 2;
  }
  try {
    const loaded = await loadRules(values.rules?.length ? values.rules : [PACK_RULES]);
    const sims = await loadSimulations(values.simulations ?? PACK_SIMULATIONS);
    const broken = [...loaded.errors, ...sims.errors];
    for (const d of broken) process.stderr.write(formatDiagnostic(d, '') + '\n');
    const report = await runSimulations(loaded.rules, sims.simulations, await loadWatchlists(values.watchlists ?? PACK_WATCHLISTS));
    for (const r of report.results) for (const d of r.errors) process.stderr.write(formatDiagnostic(d, '') + '\n');
    process.stdout.write(format === 'json' ? jsonText(coverageJson(report)) + '\n' : coverageTable(report));
    return report.passed && !broken.length ? 0 : 1;
  } catch (e) {
    return reportError(e, '');
  }
}

/** The report as one JSON document (for CI and dashboards). */
export function coverageJson(report: CoverageReport): Record<string, unknown> {
  return {
    passed: report.passed,
    rules: report.rules.map((r) => r.id),
    simulations: report.results.map((r) => ({
      id: r.simulation.id, title: r.simulation.title, technique: r.simulation.technique, platform: r.simulation.platform,
      atomic: r.simulation.atomic ?? null, tool: r.simulation.tool ?? null, fpClass: r.simulation.fpClass ?? null, benign: r.simulation.benign,
      expected: r.simulation.expected, tolerated: r.simulation.tolerated,
      fired: Object.fromEntries([...r.fired].map(([id, alerts]) => [id, alerts.length])),
      missing: r.missing, falsePositives: r.falsePositives, unknownRules: r.unknownRules,
      errors: r.errors.map((d) => formatDiagnostic(d, '')), passed: r.passed,
    })),
    coverage: report.coverage,
    uncaught: report.uncaught,
  };
}

/** A short column name for a rule: its id without the technique prefix. */
function shortName(id: string): string {
  const m = /^T\d{4}(?:\.\d{3})?-(.+)$/.exec(id);
  return m ? m[1]! : id;
}

/**
 * The matrix: one row per simulation, one column per rule (seed first). A cell is `●` (fired and
 * expected, or fired on an attack), `MISS` (expected, did not fire), `FP` (fired on benign activity,
 * fails), `fp` (fired on benign activity, tolerated), `·` (did not fire). Then per-rule coverage.
 */
export function coverageTable(report: CoverageReport): string {
  const rules = [...report.rules].sort((a, b) => (a.id === SEED ? -1 : b.id === SEED ? 1 : 0));
  const cols = rules.map((r, i) => ({ id: r.id, key: String.fromCharCode(65 + (i % 26)) + (i >= 26 ? String(Math.floor(i / 26)) : '') }));
  const out: string[] = [];
  out.push('rules:');
  for (const c of cols) out.push(`  ${c.key.padEnd(3)} ${c.id}${c.id === SEED ? '  (the published seed, verbatim)' : ''}`);
  out.push('');
  const simWidth = Math.max(10, ...report.results.map((r) => r.simulation.id.length));
  const cellWidth = 4;
  const header = 'simulation'.padEnd(simWidth) + '  ' + cols.map((c) => c.key.padEnd(cellWidth)).join('') + ' result';
  out.push(header, '-'.repeat(header.length + 6));
  for (const r of report.results) {
    const cells = cols.map((c) => {
      const fired = r.fired.has(c.id);
      if (r.simulation.benign) return fired ? (r.simulation.tolerated.includes(c.id) ? 'fp' : 'FP') : '·';
      if (r.simulation.expected.includes(c.id)) return fired ? '●' : 'MISS';
      return fired ? '●' : '·';
    });
    const why = [
      ...r.missing.map((id) => `missed ${shortName(id)}`),
      ...r.falsePositives.map((id) => `false positive ${shortName(id)}`),
      ...r.unknownRules.map((id) => `unknown rule ${id}`),
      ...(r.errors.length ? [`${r.errors.length} error(s)`] : []),
      ...(!r.simulation.benign && r.fired.size === 0 ? ['caught by no rule'] : []),
    ];
    out.push(r.simulation.id.padEnd(simWidth) + '  ' + cells.map((c) => c.padEnd(cellWidth)).join('') + ' ' + (r.passed && !why.length ? 'ok' : 'FAIL: ' + why.join(', ')));
  }
  out.push('', '● fired   · silent   MISS expected but silent   FP fired on benign activity   fp known false positive of the seed (tolerated)', '');
  const attacks = report.results.filter((r) => !r.simulation.benign);
  const benign = report.results.filter((r) => r.simulation.benign);
  const improved = rules.filter((r) => r.id !== SEED).map((r) => r.id);
  const caughtByImproved = attacks.filter((r) => improved.some((id) => r.fired.has(id))).length;
  const benignByImproved = benign.filter((r) => improved.some((id) => r.fired.has(id))).length;
  out.push('coverage:');
  for (const c of cols) {
    const cov = report.coverage.find((x) => x.ruleId === c.id)!;
    out.push(`  ${c.key.padEnd(3)} ${c.id.padEnd(40)} catches ${String(cov.caught).padStart(2)}/${cov.attacks} attack(s), fires on ${cov.benignFired}/${cov.benign} benign`);
  }
  const seedCov = report.coverage.find((x) => x.ruleId === SEED);
  if (seedCov) out.push(`  seed alone:      ${seedCov.caught}/${seedCov.attacks} attacks, ${seedCov.benignFired}/${seedCov.benign} benign classes fire it`);
  if (improved.length) out.push(`  improved rules:  ${caughtByImproved}/${attacks.length} attacks, ${benignByImproved}/${benign.length} benign classes fire them`);
  if (report.uncaught.length) out.push(`  uncaught: ${report.uncaught.join(', ')}`);
  const failed = report.results.filter((r) => !r.passed).length + (report.uncaught.length && report.results.every((r) => r.passed) ? 1 : 0);
  out.push('', report.passed ? `${report.results.length} simulation(s): all expectations hold` : `${report.results.length} simulation(s): ${failed} failed`);
  return out.join('\n') + '\n';
}
