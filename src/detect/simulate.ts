/**
 * Simulations: the telemetry an attack (an Atomic Red Team test, one of the seed's tools) or a
 * benign look-alike (the seed's false-positive classes) leaves, each in its own folder with a
 * simulation.yaml saying what it is, the `now` to run at and which rules must fire. Every
 * simulation runs through every rule, on its own data; the result is a coverage matrix and a
 * verdict: an expected rule that did not fire, or a rule firing on benign activity that the
 * simulation does not list as tolerated, fails.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import { type Diagnostic, ExfilwatchError, facts, lineColumn } from '../diagnostics/facts.js';
import { loadData, sharedSources } from '../engine/query.js';
import { parseDatetime } from '../engine/values/datetime.js';
import { discoverFiles } from '../sources/index.js';
import { PACK_DIR } from '../content/index.js';
import type { Alert } from './alerts.js';
import { hunt, withWatchlists } from './hunt.js';
import type { Rule } from './rule.js';
import type { Watchlist } from './watchlists.js';

/** The pack's simulations: one folder each. */
export const PACK_SIMULATIONS = path.join(PACK_DIR, 'simulations');

export interface Simulation {
  id: string;
  title: string;
  technique: string;
  platform: string;
  /** The Atomic Red Team test it reproduces ("T1048.002 #1 (url)"), if any. */
  atomic?: string;
  /** The seed's tool it exercises, if any. */
  tool?: string;
  /** The seed's false-positive class (FP1..FP5), for benign simulations. */
  fpClass?: string;
  command: string;
  /** ISO time the rules run at (their ago() windows end here). */
  now: string;
  benign: boolean;
  /** Rule ids that must raise at least one alert. */
  expected: string[];
  /** Rule ids allowed to fire on a benign simulation (shown, not failed): the seed's known false positives. */
  tolerated: string[];
  notes?: string;
  /** The simulation's folder (its data set) and its simulation.yaml. */
  dir: string;
  file: string;
}

const FIELDS = new Set(['id', 'title', 'technique', 'platform', 'atomic', 'tool', 'fpClass', 'command', 'now', 'benign', 'expected', 'tolerated', 'notes']);
const REQUIRED = ['id', 'title', 'technique', 'platform', 'command', 'now', 'benign', 'expected'];

/** Parses one simulation.yaml; errors name the file and line. */
export function parseSimulation(text: string, file: string): Simulation {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const lineOf = (node: unknown): number | undefined => {
    const off = (node as Node | null | undefined)?.range?.[0];
    return off === undefined ? undefined : counter.linePos(off).line;
  };
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const { line, column } = lineColumn(text, e.pos[0]);
    throw new ExfilwatchError({ code: 'EW301', message: e.message.split('\n')[0]!, file, line, column });
  }
  const root = doc.contents;
  if (!isMap(root)) throw facts.input('a simulation.yaml is a mapping of fields', file, 1);
  const out: Record<string, unknown> = {};
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!FIELDS.has(key)) throw facts.input(`unknown field '${key}' (fields: ${[...FIELDS].join(', ')})`, file, lineOf(pair.key));
    out[key] = (pair.value as Node | null)?.toJSON?.() ?? (isScalar(pair.value) ? pair.value.value : pair.value);
  }
  for (const k of REQUIRED) if (out[k] === undefined || out[k] === null) throw facts.input(`missing field '${k}'`, file, 1);
  const line = (k: string) => {
    const pair = root.items.find((p) => isScalar(p.key) && p.key.value === k);
    return lineOf(pair?.value);
  };
  const list = (k: string): string[] => {
    const v = out[k] ?? [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw facts.input(`'${k}' is a list of rule ids`, file, line(k));
    return v as string[];
  };
  if (typeof out.benign !== 'boolean') throw facts.input(`'benign' is true or false`, file, line('benign'));
  const now = String(out.now);
  if (parseDatetime(now) === null) throw facts.input(`'now' is an ISO 8601 time, got '${now}'`, file, line('now'));
  const str = (k: string) => (out[k] === undefined ? undefined : String(out[k]));
  const sim: Simulation = {
    id: String(out.id), title: String(out.title), technique: String(out.technique), platform: String(out.platform),
    atomic: str('atomic'), tool: str('tool'), fpClass: str('fpClass'), command: String(out.command), now,
    benign: out.benign, expected: list('expected'), tolerated: list('tolerated'), notes: str('notes'),
    dir: path.dirname(file), file,
  };
  if (sim.benign && sim.expected.length) throw facts.input('a benign simulation expects no rule to fire (expected: [])', file, line('expected'));
  if (!sim.benign && !sim.expected.length) throw facts.input('an attack simulation names at least one rule that must fire', file, line('expected'));
  return sim;
}

/** Every <dir>/<id>/simulation.yaml (or dir itself when it is one simulation), sorted by folder. */
export async function loadSimulations(dir: string): Promise<{ simulations: Simulation[]; errors: Diagnostic[] }> {
  const simulations: Simulation[] = [];
  const errors: Diagnostic[] = [];
  let folders: string[];
  try {
    const own = path.join(dir, 'simulation.yaml');
    const single = await fs.stat(own).then(() => true, () => false);
    folders = single ? [dir] : (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name)).sort();
  } catch {
    throw facts.input(`no simulations folder '${dir}'`, dir);
  }
  const ids = new Map<string, string>();
  for (const folder of folders) {
    const file = path.join(folder, 'simulation.yaml');
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      errors.push({ code: 'EW301', message: `no simulation.yaml in ${folder}`, file: folder });
      continue;
    }
    try {
      const sim = parseSimulation(text, file);
      const seen = ids.get(sim.id);
      if (seen) { errors.push({ code: 'EW301', message: `simulation id '${sim.id}' is also used by ${seen}`, file, line: 1 }); continue; }
      ids.set(sim.id, file);
      simulations.push(sim);
    } catch (e) {
      if (e instanceof ExfilwatchError) errors.push(e.diagnostic);
      else throw e;
    }
  }
  return { simulations, errors };
}

export interface SimulationResult {
  simulation: Simulation;
  /** Alerts per rule id (rules that raised none are absent). */
  fired: Map<string, Alert[]>;
  /** Expected rules that raised no alert. */
  missing: string[];
  /** Rules that fired on benign activity and are not tolerated. */
  falsePositives: string[];
  /** Expected or tolerated rule ids that are not among the rules run. */
  unknownRules: string[];
  /** Rule failures and data problems on this simulation. */
  errors: Diagnostic[];
  passed: boolean;
}

export interface RuleCoverage {
  ruleId: string;
  /** Attack simulations this rule caught, of all attack simulations. */
  caught: number;
  attacks: number;
  /** Benign simulations this rule fired on. */
  benignFired: number;
  benign: number;
}

export interface CoverageReport {
  rules: Rule[];
  results: SimulationResult[];
  coverage: RuleCoverage[];
  /** Attack simulations no rule caught. */
  uncaught: string[];
  passed: boolean;
}

/** Runs every simulation (its folder is its data set, `now` its own) through every rule. */
export async function runSimulations(rules: Rule[], simulations: Simulation[], watchlists: Watchlist[]): Promise<CoverageReport> {
  const ids = new Set(rules.map((r) => r.id));
  const results: SimulationResult[] = [];
  for (const sim of simulations) {
    const errors: Diagnostic[] = [];
    const fired = new Map<string, Alert[]>();
    try {
      const files = (await discoverFiles([sim.dir])).filter((f) => !f.path.endsWith('.yaml'));
      const base = await loadData(files);
      const data = withWatchlists(sharedSources(base), watchlists);
      const result = await hunt(rules, data, parseDatetime(sim.now)!);
      errors.push(...result.errors);
      for (const a of result.alerts) fired.set(a.ruleId, [...(fired.get(a.ruleId) ?? []), a]);
    } catch (e) {
      if (e instanceof ExfilwatchError) errors.push({ ...e.diagnostic, file: e.diagnostic.file ?? sim.dir });
      else throw e;
    }
    const unknownRules = [...sim.expected, ...sim.tolerated].filter((id) => !ids.has(id));
    const missing = sim.expected.filter((id) => ids.has(id) && !fired.has(id));
    const falsePositives = sim.benign ? [...fired.keys()].filter((id) => !sim.tolerated.includes(id)) : [];
    results.push({ simulation: sim, fired, missing, falsePositives, unknownRules, errors,
      passed: !missing.length && !falsePositives.length && !unknownRules.length && !errors.length });
  }
  const attacks = results.filter((r) => !r.simulation.benign);
  const benign = results.filter((r) => r.simulation.benign);
  const coverage = rules.map((r) => ({
    ruleId: r.id,
    caught: attacks.filter((x) => x.fired.has(r.id)).length, attacks: attacks.length,
    benignFired: benign.filter((x) => x.fired.has(r.id)).length, benign: benign.length,
  }));
  const uncaught = attacks.filter((x) => x.fired.size === 0).map((x) => x.simulation.id);
  return { rules, results, coverage, uncaught, passed: results.every((r) => r.passed) && !uncaught.length };
}
