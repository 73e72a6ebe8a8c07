/**
 * `exfilwatch rules export --to sentinel|arm|defender [--rules PATH] [--out DIR]`: the rules as
 * Sentinel analytic rule YAML, an ARM template of Sentinel alert rules, or Defender XDR custom
 * detections. Without --out, one document on stdout (YAML documents separated by `---`, one ARM
 * template with every rule, a JSON array of Defender rules); with --out, one file per rule:
 * DIR/<rule id>.yaml, DIR/<rule id>.arm.json, DIR/<rule id>.defender.json.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { PACK_RULES } from '../content/index.js';
import { armTemplate, defenderRule, EXPORT_TARGETS, type ExportTarget, exportWarnings, sentinelYaml } from '../detect/export.js';
import { loadRules, type Rule } from '../detect/index.js';
import { formatDiagnostic, reportError } from './main.js';

const USAGE = 'usage: exfilwatch rules export --to sentinel|arm|defender [--rules PATH] [--out DIR]\n';

/** One rule in the target's form, and the file name it goes to under --out. */
export function exportFile(rule: Rule, to: ExportTarget): { name: string; text: string } {
  switch (to) {
    case 'sentinel': return { name: `${rule.id}.yaml`, text: sentinelYaml(rule) };
    case 'arm': return { name: `${rule.id}.arm.json`, text: JSON.stringify(armTemplate([rule]), null, 2) + '\n' };
    case 'defender': return { name: `${rule.id}.defender.json`, text: JSON.stringify(defenderRule(rule), null, 2) + '\n' };
  }
}

/** All rules in the target's form, as one document for stdout. */
export function exportAll(rules: Rule[], to: ExportTarget): string {
  switch (to) {
    case 'sentinel': return rules.map((r) => sentinelYaml(r)).join('---\n');
    case 'arm': return JSON.stringify(armTemplate(rules), null, 2) + '\n';
    case 'defender': return JSON.stringify(rules.map(defenderRule), null, 2) + '\n';
  }
}

export async function exportCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      options: { to: { type: 'string' }, rules: { type: 'string', multiple: true }, out: { type: 'string' }, quiet: { type: 'boolean' } },
    });
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values } = parsed;
  const to = values.to as ExportTarget | undefined;
  if (!to || !EXPORT_TARGETS.includes(to)) {
    process.stderr.write(`error: --to must be ${EXPORT_TARGETS.join(', ')}\n${USAGE}`);
    return 2;
  }
  try {
    const loaded = await loadRules(values.rules?.length ? values.rules : [PACK_RULES]);
    for (const d of loaded.errors) process.stderr.write(formatDiagnostic(d, '') + '\n');
    if (!values.quiet) {
      // One line per kind of problem, naming the rules that have it.
      const warnings = new Map<string, string[]>();
      for (const r of loaded.rules) for (const w of exportWarnings(r, to)) warnings.set(w, [...(warnings.get(w) ?? []), r.id]);
      for (const [w, ids] of warnings) process.stderr.write(`warning: ${w}: ${ids.join(', ')}\n`);
    }
    if (values.out) {
      await fs.mkdir(values.out, { recursive: true });
      for (const r of loaded.rules) {
        const f = exportFile(r, to);
        await fs.writeFile(path.join(values.out, f.name), f.text);
      }
      if (!values.quiet) process.stderr.write(`${loaded.rules.length} rule(s) exported to ${values.out}${loaded.errors.length ? `, ${loaded.errors.length} rule file(s) with errors` : ''}\n`);
    } else {
      process.stdout.write(exportAll(loaded.rules, to));
    }
    return loaded.errors.length ? 1 : 0;
  } catch (e) {
    return reportError(e, '');
  }
}
