/**
 * Simulations and `exfilwatch test`: the shipped pack's simulations (Atomic Red Team tests, the
 * seed's tools, the five false-positive classes) all hold; every Atomic test is caught by some
 * rule; a broken expectation or a rule firing on benign activity makes the command exit 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PACK_RULES, PACK_WATCHLISTS } from '../src/content/index.js';
import { loadRules, loadWatchlists } from '../src/detect/index.js';
import { loadSimulations, PACK_SIMULATIONS, parseSimulation, runSimulations } from '../src/detect/simulate.js';
import { ExfilwatchError } from '../src/diagnostics/facts.js';
import { ROOT } from './conformance/oracle.js';

const run = promisify(execFile);
const BIN = path.join(ROOT, 'bin/exfilwatch.js');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const pack = await loadRules([PACK_RULES]);
const watchlists = await loadWatchlists(PACK_WATCHLISTS);
const sims = await loadSimulations(PACK_SIMULATIONS);

test('the simulations load, and cover the Atomic tests, the seed\'s tools and FP1-FP5', () => {
  assert.deepEqual(sims.errors, []);
  const atomics = sims.simulations.filter((s) => s.atomic).map((s) => s.atomic!.split(' (')[0]);
  for (const a of ['T1048.002 #1', 'T1048.002 #2', 'T1048.002 #3', 'T1048.002 #4', 'T1567.002 #1', 'T1567.002 #2', 'T1048.003 rclone to FTP', 'T1048.003 SMTP', 'T1048.003 HTTP', 'T1048 #2']) {
    assert.ok(atomics.includes(a), `a simulation of Atomic ${a}`);
  }
  const tools = new Set(sims.simulations.map((s) => s.tool?.toLowerCase()));
  for (const t of ['rclone', 'winscp', 'pscp', 'psftp', 'filezilla', 'sftp', 'scp', 'curl', 'wget']) assert.ok(tools.has(t), `a simulation of ${t}`);
  const classes = sims.simulations.filter((s) => s.benign).map((s) => s.fpClass).sort();
  assert.deepEqual(classes, ['FP1', 'FP2', 'FP3', 'FP4', 'FP5']);
  for (const s of sims.simulations) {
    const rows = readFileSync(path.join(s.dir, 'DeviceProcessEvents.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // The parent chain is there: the tool's row names its parent, and the parent has its own row.
    const pids = new Set(rows.map((r) => r.ProcessId));
    assert.ok(rows.some((r) => pids.has(r.InitiatingProcessId)), `${s.id}: a process row whose parent is also in the data`);
    const net = readFileSync(path.join(s.dir, 'DeviceNetworkEvents.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(net.every((r) => typeof r.RemotePort === 'number' && typeof r.SentBytes === 'number' && r.RemoteIP), `${s.id}: network rows carry ports, IPs and bytes`);
  }
});

test('the shipped pack passes its simulations; every Atomic test is caught by at least one rule', async () => {
  const report = await runSimulations(pack.rules, sims.simulations, watchlists);
  const failures = report.results.filter((r) => !r.passed).map((r) => `${r.simulation.id}: missing ${r.missing.join(',')} fp ${r.falsePositives.join(',')} errors ${r.errors.map((e) => e.message).join(';')}`);
  assert.deepEqual(failures, []);
  assert.deepEqual(report.uncaught, []);
  for (const r of report.results.filter((x) => x.simulation.atomic)) assert.ok(r.fired.size > 0, `${r.simulation.id} caught`);
  assert.ok(report.passed);
  // The improved rules stay quiet on all five false-positive classes, where the seed fires.
  const seed = report.coverage.find((c) => c.ruleId === 'T1048.002-seed')!;
  assert.equal(seed.benignFired, 5);
  for (const c of report.coverage.filter((x) => x.ruleId !== 'T1048.002-seed')) assert.equal(c.benignFired, 0, `${c.ruleId} on benign`);
  // ... and between them they catch the attacks the seed misses (Linux tools, renamed paths, T1048.003).
  assert.ok(seed.caught < seed.attacks, 'the seed misses some attacks');
});

test('exfilwatch test prints the coverage matrix with the seed beside the improved rules, exit 0', async () => {
  const table = await cli(['test']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /A\s+T1048\.002-seed\s+\(the published seed, verbatim\)/);
  assert.match(table.stdout, /atomic-t1048\.002-1-windows-curl-file-io\s+●/);
  assert.match(table.stdout, /seed alone: +\d+\/19 attacks, 5\/5 benign/);
  assert.match(table.stdout, /improved rules: +19\/19 attacks, 0\/5 benign/);
  assert.match(table.stdout, /all expectations hold/);
});

test('a broken expectation, or a rule firing on benign activity, exits 1 and says which', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'exfilwatch-sim-'));
  try {
    // An attack simulation that expects a rule which does not fire on it.
    cpSync(path.join(PACK_SIMULATIONS, 'atomic-t1048.002-3-wget-post-file'), path.join(dir, 'broken'), { recursive: true });
    const yaml = path.join(dir, 'broken/simulation.yaml');
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace(/^expected: \[(.*)\]$/m, 'expected: [$1, T1048.002-smtps-non-mail-client]'));
    const missed = await cli(['test', '--simulations', dir, '--format', 'json']);
    assert.equal(missed.code, 1);
    const json = JSON.parse(missed.stdout) as { passed: boolean; simulations: { id: string; missing: string[] }[] };
    assert.equal(json.passed, false);
    assert.deepEqual(json.simulations[0]!.missing, ['T1048.002-smtps-non-mail-client']);

    // A benign simulation whose tolerated list is gone: the seed's false positive fails it.
    rmSync(path.join(dir, 'broken'), { recursive: true });
    cpSync(path.join(PACK_SIMULATIONS, 'benign-fp4-forensics'), path.join(dir, 'fp'), { recursive: true });
    const fpYaml = path.join(dir, 'fp/simulation.yaml');
    writeFileSync(fpYaml, readFileSync(fpYaml, 'utf8').replace(/^tolerated: .*$/m, ''));
    const fp = await cli(['test', '--simulations', dir]);
    assert.equal(fp.code, 1);
    assert.match(fp.stdout, /benign-fp4-forensics\s+FP\s.*FAIL: false positive seed/);

    // A broken simulation file is named at its line.
    writeFileSync(fpYaml, readFileSync(fpYaml, 'utf8').replace(/^benign: true$/m, 'benign: maybe'));
    const bad = await cli(['test', '--simulations', dir]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /simulation\.yaml:\d+: 'benign' is true or false \(EW301\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('simulation.yaml: unknown fields and impossible expectations are refused', () => {
  const base = 'id: x\ntitle: t\ntechnique: T1048.002\nplatform: linux\ncommand: c\nnow: "2026-11-06T00:00:00Z"\n';
  assert.throws(() => parseSimulation(base + 'benign: false\nexpected: [a]\nexpect: [b]\n', '/s/simulation.yaml'),
    (e: unknown) => e instanceof ExfilwatchError && e.diagnostic.line === 9 && /unknown field 'expect'/.test(e.message));
  assert.throws(() => parseSimulation(base + 'benign: false\nexpected: []\n', '/s/simulation.yaml'), /at least one rule/);
  assert.throws(() => parseSimulation(base + 'benign: true\nexpected: [a]\n', '/s/simulation.yaml'), /expects no rule/);
  assert.equal(parseSimulation(base + 'benign: true\nexpected: []\ntolerated: [T1048.002-seed]\n', '/s/simulation.yaml').tolerated[0], 'T1048.002-seed');
});
