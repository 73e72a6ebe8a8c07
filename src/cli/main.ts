/**
 * The command line. Thin: parses arguments, calls the layers below, prints results to stdout
 * and one-line errors to stderr. Exit codes: 0 success, 1 query or input error, 2 bad usage.
 */
import { promises as fs } from 'node:fs';
import { parseArgs } from 'node:util';
import { ExfilwatchError, lineColumn, type Diagnostic } from '../diagnostics/facts.js';
import { compileFor, loadData, runPlan } from '../engine/query.js';
import { parseDatetime } from '../engine/values/datetime.js';
import { fromUnixMs } from '../engine/values/datetime.js';
import type { I64 } from '../engine/values/int64.js';
import { discoverFiles } from '../sources/index.js';
import { type Progress, startProgress } from '../sources/progress.js';
import { formatResult, type OutputFormat } from './output.js';

const USAGE = `usage:
  exfilwatch hunt [PATH...] [--pack rules|hunting] [--rules PATH] [--watchlists DIR] [--now ISO] [--format table|jsonl|csv|ocsf|html] [--strict-schema]
  exfilwatch rules list|validate [--rules PATH]
  exfilwatch watch [PATH...] [--stdin] [--listen HOST:PORT --token T] --state DIR [--out FILE] [--webhook URL] [--syslog HOST:PORT]
  exfilwatch test [--rules PATH] [--simulations DIR] [--watchlists DIR] [--format table|json]
  exfilwatch investigate <alert id> [PATH...] [--rules PATH] [--now ISO] [--format md|html|json]
  exfilwatch investigate --device NAME --at TIME [PATH...] [--format md|html|json]
  exfilwatch playbook <alert id> [PATH...] [--rules PATH] [--now ISO] [--format md|html]
  exfilwatch query '<KQL>' [PATH...] [--table NAME=PATH] [--now ISO] [--format table|jsonl|csv|json] [--strict-schema] [--strict]
  exfilwatch query --batch FILE [PATH...] [--now ISO]
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'query': return await queryCommand(rest);
      // Each command's modules load when it runs: start-up pays only for the one asked for.
      case 'hunt': return await (await import('./hunt.js')).huntCommand(rest);
      case 'rules': return await (await import('./hunt.js')).rulesCommand(rest);
      case 'publish': return await (await import('../watch/nats/publish.js')).publishCommand(rest);
      case 'watch': return await (await import('./watch.js')).watchCommand(rest);
      case 'test': return await (await import('./test-command.js')).testCommand(rest);
      case 'investigate': return await (await import('./investigate.js')).investigateCommand(rest);
      case 'playbook': return await (await import('./playbook.js')).playbookCommand(rest);
      case undefined: case '-h': case '--help': case 'help':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`error: unknown command '${command}'\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    return reportError(e, '');
  }
}

export function reportError(e: unknown, query: string): number {
  if (e instanceof ExfilwatchError) {
    process.stderr.write(formatDiagnostic(e.diagnostic, query) + '\n');
    return e.diagnostic.code === 'EW001' ? 2 : 1;
  }
  process.stderr.write(`error: internal: ${(e as Error)?.stack ?? String(e)}\n`);
  return 1;
}

/** error: <where>:<line>:<col>: <message> (<code>) */
export function formatDiagnostic(d: Diagnostic, query: string): string {
  if (d.span && query) {
    const { line, column } = lineColumn(query, d.span.start);
    return `error: query:${line}:${column}: ${d.message} (${d.code})`;
  }
  // Input errors often name their place already (`file:line: ...`): say it once.
  if (d.file && d.message.startsWith(d.file + ':')) return `error: ${d.message} (${d.code})`;
  if (d.file) return `error: ${d.file}${d.line ? ':' + d.line : ''}${d.line && d.column ? ':' + d.column : ''}: ${d.message} (${d.code})`;
  return `error: ${d.message} (${d.code})`;
}

export function parseNow(text: string | undefined): I64 {
  if (text === undefined) return fromUnixMs(Date.now());
  const t = parseDatetime(text);
  if (t === null) throw new ExfilwatchError({ code: 'EW001', message: `--now expects an ISO 8601 time, got '${text}'` });
  return t;
}

async function queryCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        table: { type: 'string', multiple: true },
        now: { type: 'string' },
        format: { type: 'string' },
        batch: { type: 'string' },
        'strict-schema': { type: 'boolean' },
        strict: { type: 'boolean' },
      },
    });
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const strictInput = values.strict ?? false;
  const format = (values.format ?? 'table') as OutputFormat;
  if (!['table', 'jsonl', 'csv', 'json'].includes(format)) {
    process.stderr.write(`error: --format must be table, jsonl, csv or json\n`);
    return 2;
  }
  const now = parseNow(values.now);
  const strict = values['strict-schema'] ?? false;
  if (values.batch !== undefined) {
    const files = await discoverFiles(positionals, values.table ?? []);
    const data = await loadData(files, { strictSchema: strict, strictInput });
    const { runBatch } = await import('./batch.js');
    return runBatch(await fs.readFile(values.batch, 'utf8'), data, now, strict, process.stdout);
  }
  const [query, ...paths] = positionals;
  if (query === undefined) {
    process.stderr.write(`error: query needs a KQL text\n${USAGE}`);
    return 2;
  }
  let progress: Progress | undefined;
  try {
    const files = await discoverFiles(paths, values.table ?? []);
    progress = startProgress(files.map((f) => f.path));
    const data = await loadData(files, { strictSchema: strict, strictInput });
    const plan = compileFor(query, data, strict);
    const result = await runPlan(plan, data, now);
    progress.stop();
    process.stdout.write(formatResult(result, format));
    reportStats(data.stats);
    return 0;
  } catch (e) {
    progress?.stop();
    return reportError(e, query);
  }
}

function reportStats(stats: { skipped: number; warnings: { file: string; line?: number; message: string }[]; coercedToNull: Map<string, number> }): void {
  const shown = stats.warnings.slice(0, 20);
  for (const w of shown) process.stderr.write(`warning: ${w.file}${w.line ? ':' + w.line : ''}: ${w.message}\n`);
  if (stats.warnings.length > shown.length) process.stderr.write(`warning: ... and ${stats.warnings.length - shown.length} more\n`);
  if (stats.skipped) process.stderr.write(`warning: skipped ${stats.skipped} malformed record(s)\n`);
  if (stats.coercedToNull.size) {
    const parts = [...stats.coercedToNull].map(([k, n]) => `${k} ${n}`);
    const total = [...stats.coercedToNull.values()].reduce((a, b) => a + b, 0);
    process.stderr.write(`warning: ${total === 1 ? "1 value did not fit its column's type" : `${total} values did not fit their column's type`} and became null: ${parts.join(', ')}\n`);
  }
}
