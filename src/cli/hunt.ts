/** `exfilwatch hunt` and `exfilwatch rules`: run the pack (or --rules) over telemetry and print alerts. */
import { parseArgs } from 'node:util';
import { PACK_HUNTING, PACK_RULES, PACK_WATCHLISTS, SAMPLE_DIR, sampleCaptureTime } from '../content/index.js';
import { hunt, loadRules, loadWatchlists, withWatchlists } from '../detect/index.js';
import { keptIfSmall, loadData } from '../engine/query.js';
import { discoverFiles } from '../sources/index.js';
import { type AlertFormat, DEFAULT_ALERT_FORMAT, formatAlerts, summary, useColor } from './alerts-output.js';
import { exportCommand } from './export.js';
import { renderHtmlReport, reportSeries } from './html-report.js';
import { formatDiagnostic, parseNow, reportError } from './main.js';

export async function huntCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        rules: { type: 'string', multiple: true }, watchlists: { type: 'string' }, now: { type: 'string' },
        format: { type: 'string' }, table: { type: 'string', multiple: true }, 'strict-schema': { type: 'boolean' },
        strict: { type: 'boolean' }, quiet: { type: 'boolean' }, pack: { type: 'string' },
      },
    });
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const format = (values.format ?? DEFAULT_ALERT_FORMAT) as AlertFormat | 'html';
  if (!['table', 'jsonl', 'csv', 'ocsf', 'html'].includes(format)) {
    process.stderr.write('error: --format must be table, jsonl, csv, ocsf or html\n');
    return 2;
  }
  // --pack picks the pack's folder: its rules (default) or its hunting queries (Informational).
  const pack = values.pack ?? 'rules';
  if (!['rules', 'hunting'].includes(pack)) {
    process.stderr.write('error: --pack must be rules or hunting\n');
    return 2;
  }
  const started = performance.now();
  try {
    // With no data given, the bundled sample, with `now` pinned to its capture time.
    const sample = positionals.length === 0 && !(values.table?.length);
    const now = parseNow(values.now ?? (sample ? sampleCaptureTime() : undefined));
    const loaded = await loadRules(values.rules?.length ? values.rules : [pack === 'hunting' ? PACK_HUNTING : PACK_RULES]);
    for (const d of loaded.errors) process.stderr.write(formatDiagnostic(d, '') + '\n');
    const files = await discoverFiles(sample ? [SAMPLE_DIR] : positionals, values.table ?? []);
    const strictSchema = values['strict-schema'] ?? false;
    const base = await loadData(files, { strictSchema, strictInput: values.strict ?? false });
    // Small inputs are read once for all rules; large ones stream through each rule.
    const shared = await keptIfSmall(base, files);
    const data = withWatchlists(shared, await loadWatchlists(values.watchlists ?? PACK_WATCHLISTS));
    const result = await hunt(loaded.rules, data, now, { strictSchema });
    for (const d of result.errors) process.stderr.write(formatDiagnostic(d, '') + '\n');
    if (format === 'html') {
      const source = sample ? 'the bundled sample' : [...positionals, ...(values.table ?? [])].join(', ');
      process.stdout.write(renderHtmlReport(result, { now: values.now ?? (sample ? sampleCaptureTime() : undefined), source, ...(await reportSeries(data, now)) }));
    } else process.stdout.write(formatAlerts(result, format, useColor(format)));
    if (!values.quiet && (format === 'table' || process.stderr.isTTY)) {
      process.stderr.write(summary(result, base.stats.rows, (performance.now() - started) / 1000));
    }
    if (base.stats.skipped) process.stderr.write(`warning: skipped ${base.stats.skipped} malformed record(s)\n`);
    return loaded.errors.length || result.errors.length ? 1 : 0;
  } catch (e) {
    return reportError(e, '');
  }
}

export async function rulesCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'export') return exportCommand(rest);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, options: { rules: { type: 'string', multiple: true }, watchlists: { type: 'string' } } });
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 2;
  }
  const { values } = parsed;
  try {
    const loaded = await loadRules(values.rules?.length ? values.rules : [PACK_RULES]);
    if (sub === 'list') {
      for (const r of loaded.rules) process.stdout.write(`${r.id}\t${r.severity}\t${r.confidence}\t${r.relevantTechniques.join(',')}\t${r.name}\n`);
      for (const d of loaded.errors) process.stderr.write(formatDiagnostic(d, '') + '\n');
      return loaded.errors.length ? 1 : 0;
    }
    if (sub === 'validate') {
      // Binding is the check: every query against the Defender schemas and the watchlists.
      const data = withWatchlists(await loadData([]), await loadWatchlists(values.watchlists ?? PACK_WATCHLISTS));
      const result = await hunt(loaded.rules, data, 0);
      const errors = [...loaded.errors, ...result.errors];
      for (const d of errors) process.stderr.write(formatDiagnostic(d, '') + '\n');
      process.stdout.write(`${loaded.rules.length + loaded.errors.length} rule file(s): ${loaded.rules.length - result.errors.length} valid, ${errors.length} with errors\n`);
      return errors.length ? 1 : 0;
    }
    process.stderr.write('usage: exfilwatch rules list|validate [--rules PATH]\n       exfilwatch rules export --to sentinel|arm|defender [--rules PATH] [--out DIR]\n');
    return 2;
  } catch (e) {
    return reportError(e, '');
  }
}
