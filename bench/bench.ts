/**
 * `npm run bench`: the seed rule over a fleet's telemetry, exfilwatch against DuckDB on the same
 * files, in the same run.
 *
 *   npm run bench -- [--size 1GB[,2GB,...]] [--format jsonl,csv,parquet] [--runs 3]
 *                    [--engines exfilwatch,duckdb] [--in-process] [--seed N] [--days 2] [--dir DIR]
 *                    [--json FILE]
 *
 * 1. Data: `generateFleet` (bench/generate-sample.ts: Defender column sets, everyday noise, the
 *    false-positive classes and injected exfiltration) for enough devices × `--days` days to make
 *    about `--size` of JSON lines, written as JSON lines, CSV (header row, RFC 4180) and Parquet
 *    (snappy, row groups of 64k rows, timestamps as TIMESTAMP(MICROS, UTC)), one file per table.
 *    Records come one device-day at a time, so each file is in day order (time order across
 *    days, device by device within a day). Kept in `--dir` (default $TMPDIR/exfilwatch-bench) and
 *    reused while the size, seed, days and generator are the same.
 * 2. Each run, per format: exfilwatch as a child process (`node bin/exfilwatch.js query <seed>
 *    <the two tables' files> --now <capture time> --format jsonl`, so start-up counts) and, with --in-process,
 *    loadData/compileFor/runPlan inside a child that times only the query; DuckDB
 *    (`@duckdb/node-api`, its default of one thread per core) in a child running bench/seed.sql.
 *    Wall time from spawn to exit; CPU seconds and peak RSS from the child's own resourceUsage
 *    (bench/rusage.ts, preloaded). Medians over --runs.
 * 3. Both engines' alert rows are normalised (columns by name, timestamps to 100 ns ISO, sets
 *    sorted, MBSent to 2 decimals, make_set(RemoteIP, 10) compared as a set when it holds fewer
 *    than 10 — which 10 of more it keeps is unspecified — else by size) and compared; a
 *    difference is printed and makes the exit code 1.
 *
 * MB/s counts the bytes of the files the rule reads (DeviceProcessEvents, DeviceNetworkEvents);
 * rows/s their rows. Not a test: it takes minutes and gigabytes of disk.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { cpus, tmpdir, totalmem } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ParquetWriter, fileWriter } from 'hyparquet-writer';
import { parse as parseYaml } from 'yaml';
import { DEFENDER_TABLES } from '../src/schema/defender-tables.js';
import { EXTENSION_COLUMNS } from '../src/schema/index.js';
import { generateFleet, recordToJson, SAMPLE_TABLES, type SampleTable } from './generate-sample.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, HERE.split(path.sep).includes('dist') ? '../..' : '..');
const BIN = path.join(ROOT, 'bin/exfilwatch.js');
const RUSAGE = path.join(ROOT, 'dist/bench/rusage.js');
const SEED_RULE = path.join(ROOT, 'src/content/t1048.002/rules/seed.yaml');
const SEED_SQL = path.join(ROOT, 'bench/seed.sql');

/** Bump when the generated files change shape, so cached data sets are not reused. */
const DATA_VERSION = 1;
const FORMATS = ['jsonl', 'csv', 'parquet'] as const;
type Format = (typeof FORMATS)[number];
const READ_TABLES = ['DeviceProcessEvents', 'DeviceNetworkEvents'] as const;
const EXT: Record<Format, string> = { jsonl: 'jsonl', csv: 'csv', parquet: 'parquet' };
const DAY_MS = 86_400_000;
const START = '2026-11-01T00:00:00Z';

// ---------------------------------------------------------------------------------------------
// Sizes and arguments

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB)?$/i.exec(text.trim());
  if (!m) throw new Error(`--size expects e.g. 500MB or 2GB, got '${text}'`);
  const unit = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9 }[(m[2] ?? 'B').toUpperCase() as 'B' | 'KB' | 'MB' | 'GB'];
  return Math.round(Number(m[1]) * unit);
}

const mb = (n: number): number => n / 1e6;
const fmt = (n: number, d = 2): string => (Number.isFinite(n) ? n.toFixed(d) : '-');

// ---------------------------------------------------------------------------------------------
// Data

interface DataSet {
  dir: string;
  now: string;
  devices: number;
  days: number;
  seed: number;
  /** Per format: bytes and path of each table's file. */
  files: Record<string, Record<string, { path: string; bytes: number }>>;
  rows: Record<string, number>;
}

interface Column { name: string; type: string }

function columnsOf(table: SampleTable): Column[] {
  const def = DEFENDER_TABLES.find((t) => t.name === table)!;
  const cols = def.columns.map((c) => ({ name: c.name, type: c.type as string }));
  // generate-sample writes SentBytes/ReceivedBytes (not AccountName, which falls back).
  if (table === 'DeviceNetworkEvents') {
    for (const c of EXTENSION_COLUMNS.DeviceNetworkEvents!) if (!c.fallback) cols.push({ name: c.name, type: c.type });
  }
  return cols;
}

/** Bytes of JSON lines per device-day, from a small fleet (the named devices are typical enough). */
function bytesPerDeviceDay(seed: number): number {
  let bytes = 0;
  const devices = 40, days = 1;
  for (const { record } of generateFleet({ seed, devices, days, start: START })) bytes += recordToJson(record).length + 1;
  return bytes / (devices * days);
}

async function ensureData(size: number, seed: number, days: number, formats: Format[], base: string): Promise<DataSet> {
  const label = size >= 1e9 ? `${+(size / 1e9).toFixed(3)}GB` : `${+(size / 1e6).toFixed(1)}MB`;
  const dir = path.join(base, `seed${seed}-days${days}-${label}-v${DATA_VERSION}`);
  const metaFile = path.join(dir, 'meta.json');
  let meta: DataSet | undefined = existsSync(metaFile) ? JSON.parse(readFileSync(metaFile, 'utf8')) : undefined;
  const missing = formats.filter((f) => !meta?.files[f]);
  if (meta && missing.length === 0) return meta;
  mkdirSync(dir, { recursive: true });
  const devices = meta?.devices ?? Math.max(14, Math.round(size / (bytesPerDeviceDay(seed) * days)));
  const now = new Date(Date.parse(START) + days * DAY_MS).toISOString().replace('.000Z', 'Z');
  process.stdout.write(`generating ${label} (${devices} devices × ${days} days, seed ${seed}) as ${missing.join(', ')} in ${dir} ...\n`);
  const t0 = performance.now();
  const writers = new Map<Format, TableWriters>();
  for (const f of missing) {
    mkdirSync(path.join(dir, f), { recursive: true });
    writers.set(f, f === 'jsonl' ? new JsonlWriters(path.join(dir, f)) : f === 'csv' ? new CsvWriters(path.join(dir, f)) : new ParquetWriters(path.join(dir, f)));
  }
  const rows: Record<string, number> = {};
  for (const { table, record } of generateFleet({ seed, devices, days, start: START })) {
    rows[table] = (rows[table] ?? 0) + 1;
    for (const w of writers.values()) await w.add(table, record);
  }
  const files: DataSet['files'] = { ...(meta?.files ?? {}) };
  for (const [f, w] of writers) {
    await w.close();
    files[f] = {};
    for (const t of SAMPLE_TABLES) {
      const p = path.join(dir, f, `${t}.${EXT[f]}`);
      if (existsSync(p)) files[f]![t] = { path: p, bytes: statSync(p).size };
    }
  }
  meta = { dir, now, devices, days, seed, files, rows: meta?.rows ?? rows };
  writeFileSync(metaFile, JSON.stringify(meta, null, 2));
  const total = (f: Format): number => Object.values(files[f] ?? {}).reduce((a, x) => a + x.bytes, 0);
  process.stdout.write(`  done in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${missing.map((f) => `${f} ${fmt(mb(total(f)), 0)} MB`).join(', ')}\n`);
  return meta;
}

interface TableWriters {
  add(table: SampleTable, record: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

class Streams {
  private readonly out = new Map<string, WriteStream>();
  constructor(private readonly dir: string, private readonly ext: string) {}
  async write(table: string, text: string, header?: () => string): Promise<void> {
    let s = this.out.get(table);
    if (!s) {
      s = createWriteStream(path.join(this.dir, `${table}.${this.ext}`), { highWaterMark: 1 << 20 });
      this.out.set(table, s);
      if (header) s.write(header());
    }
    if (!s.write(text)) await once(s, 'drain');
  }
  async close(): Promise<void> {
    for (const s of this.out.values()) {
      s.end();
      await once(s, 'finish');
    }
  }
}

class JsonlWriters implements TableWriters {
  private readonly s: Streams;
  constructor(dir: string) { this.s = new Streams(dir, 'jsonl'); }
  add(table: SampleTable, record: Record<string, unknown>): Promise<void> { return this.s.write(table, recordToJson(record) + '\n'); }
  close(): Promise<void> { return this.s.close(); }
}

function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

class CsvWriters implements TableWriters {
  private readonly s: Streams;
  constructor(dir: string) { this.s = new Streams(dir, 'csv'); }
  add(table: SampleTable, record: Record<string, unknown>): Promise<void> {
    const cols = columnsOf(table);
    return this.s.write(table, cols.map((c) => csvField(record[c.name])).join(',') + '\n', () => cols.map((c) => c.name).join(',') + '\n');
  }
  close(): Promise<void> { return this.s.close(); }
}

const GROUP_ROWS = 65_536;

/** Microseconds since 1970 of an ISO text with up to 7 fractional digits. */
function isoMicros(s: string): bigint | null {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,7}))?Z$/.exec(s);
  if (!m) return null;
  const frac = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return BigInt(Date.parse(m[1]! + 'Z')) * 1000n + BigInt(frac);
}

class ParquetWriters implements TableWriters {
  private readonly open = new Map<string, { writer: ParquetWriter; cols: Column[]; data: unknown[][] }>();
  constructor(private readonly dir: string) {}
  async add(table: SampleTable, record: Record<string, unknown>): Promise<void> {
    let t = this.open.get(table);
    if (!t) {
      const cols = columnsOf(table);
      const schema = [{ name: 'root', num_children: cols.length }, ...cols.map((c) => parquetElement(c))];
      t = { writer: new ParquetWriter({ writer: fileWriter(path.join(this.dir, `${table}.parquet`)), schema: schema as never }), cols, data: cols.map(() => []) };
      this.open.set(table, t);
    }
    for (let i = 0; i < t.cols.length; i++) t.data[i]!.push(parquetValue(t.cols[i]!, record[t.cols[i]!.name]));
    if (t.data[0]!.length >= GROUP_ROWS) this.flush(t);
  }
  private flush(t: { writer: ParquetWriter; cols: Column[]; data: unknown[][] }): void {
    if (t.data[0]!.length === 0) return;
    t.writer.write({ columnData: t.cols.map((c, i) => ({ name: c.name, data: t.data[i]! })), rowGroupSize: t.data[0]!.length } as never);
    t.data = t.cols.map(() => []);
  }
  async close(): Promise<void> {
    for (const t of this.open.values()) {
      this.flush(t);
      await t.writer.finish();
    }
  }
}

function parquetElement(c: Column): Record<string, unknown> {
  const base = { name: c.name, repetition_type: 'OPTIONAL' };
  switch (c.type) {
    case 'datetime': return { ...base, type: 'INT64', converted_type: 'TIMESTAMP_MICROS', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' } };
    case 'long': return { ...base, type: 'INT64' };
    case 'int': return { ...base, type: 'INT32' };
    case 'bool': return { ...base, type: 'BOOLEAN' };
    case 'real': return { ...base, type: 'DOUBLE' };
    default: return { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8' };
  }
}

function parquetValue(c: Column, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (c.type) {
    case 'datetime': return typeof v === 'string' ? isoMicros(v) : null;
    case 'long': return typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(v) : null;
    case 'int': return typeof v === 'number' ? v : null;
    case 'bool': return typeof v === 'boolean' ? v : null;
    case 'real': return typeof v === 'number' ? v : null;
    default: return typeof v === 'string' ? v : JSON.stringify(v);
  }
}

// ---------------------------------------------------------------------------------------------
// The two engines

function seedQuery(): string {
  return (parseYaml(readFileSync(SEED_RULE, 'utf8')) as { query: string }).query;
}

/** DuckDB type of a column, and the reader call for a table's file in a format. */
function duckType(t: string): string {
  return { datetime: 'TIMESTAMP_NS', long: 'BIGINT', int: 'INTEGER', bool: 'BOOLEAN', real: 'DOUBLE' }[t] ?? 'VARCHAR';
}

const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

function duckSource(format: Format, table: SampleTable, file: string): string {
  const cols = columnsOf(table);
  let read: string;
  if (format === 'parquet') read = `read_parquet(${sqlString(file)})`;
  else if (format === 'csv') {
    const spec = cols.map((c) => `${sqlString(c.name)}: ${sqlString(duckType(c.type))}`).join(', ');
    const strings = cols.filter((c) => duckType(c.type) === 'VARCHAR').map((c) => sqlString(c.name)).join(', ');
    // force_not_null: an empty string field is "" (KQL strings are never null), as exfilwatch reads it.
    read = `read_csv(${sqlString(file)}, header = true, delim = ',', quote = '"', escape = '"', columns = {${spec}}, force_not_null = [${strings}])`;
  } else {
    // JSON lines: only the columns the rule reads, as a hand-written query would name them.
    const used = new Set(['Timestamp', 'DeviceName', 'AccountName', 'FileName', 'ProcessCommandLine', 'InitiatingProcessFileName',
      'InitiatingProcessCommandLine', 'InitiatingProcessAccountName', 'RemotePort', 'RemoteIPType', 'RemoteIP', 'SentBytes', 'ReceivedBytes']);
    const spec = cols.filter((c) => used.has(c.name)).map((c) => `${sqlString(c.name)}: ${sqlString(duckType(c.type))}`).join(', ');
    read = `read_json(${sqlString(file)}, format = 'newline_delimited', columns = {${spec}})`;
  }
  // The files hold no DeviceNetworkEvents.AccountName (exfilwatch's extension column): empty, so it falls back.
  return table === 'DeviceNetworkEvents' ? `(SELECT *, '' AS AccountName FROM ${read})` : read;
}

function seedSql(format: Format, data: DataSet): string {
  let sql = readFileSync(SEED_SQL, 'utf8');
  for (const t of READ_TABLES) sql = sql.replaceAll(`{{${t}}}`, duckSource(format, t, data.files[format]![t]!.path));
  return sql.replaceAll('{{now}}', `TIMESTAMP_NS ${sqlString(data.now.replace('T', ' ').replace('Z', ''))}`);
}

interface Measured {
  wall: number;
  cpu: number;
  rss: number;
  /** Time of the query alone, inside the process (in-process runs). */
  inner?: number;
  rows: Row[];
}

type Row = Record<string, unknown>;

async function spawnMeasured(args: string[], env: Record<string, string> = {}): Promise<{ wall: number; cpu: number; rss: number; stdout: string; stderr: string }> {
  const usage = path.join(tmpdir(), `exfilwatch-bench-rusage-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', pathToFileURL(RUSAGE).href, ...args], {
    env: { ...process.env, ...env, EXFILWATCH_BENCH_RUSAGE: usage },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const [code] = (await once(child, 'close')) as [number | null];
  const wall = (performance.now() - t0) / 1000;
  const stdout = Buffer.concat(out).toString('utf8');
  const stderr = Buffer.concat(err).toString('utf8');
  if (code !== 0) throw new Error(`${args.slice(0, 3).join(' ')} ... failed (exit ${code}):\n${stderr.slice(0, 2000)}`);
  const r = JSON.parse(readFileSync(usage, 'utf8')) as { userCpuUs: number; systemCpuUs: number; maxRssKb: number };
  rmSync(usage, { force: true });
  return { wall, cpu: (r.userCpuUs + r.systemCpuUs) / 1e6, rss: r.maxRssKb * 1024, stdout, stderr };
}

async function runExfilwatch(format: Format, data: DataSet): Promise<Measured> {
  const files = READ_TABLES.map((t) => data.files[format]![t]!.path);
  const r = await spawnMeasured([BIN, 'query', seedQuery(), ...files, '--now', data.now, '--format', 'jsonl']);
  return { wall: r.wall, cpu: r.cpu, rss: r.rss, rows: r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Row) };
}

async function runChild(kind: 'exfilwatch' | 'duckdb', format: Format, data: DataSet): Promise<Measured> {
  const r = await spawnMeasured([fileURLToPath(import.meta.url), '--child', kind, '--format', format, '--meta', path.join(data.dir, 'meta.json')]);
  const res = JSON.parse(r.stdout) as { seconds: number; rows: Row[] };
  return { wall: r.wall, cpu: r.cpu, rss: r.rss, inner: res.seconds, rows: res.rows };
}

/** Inside a child: run one engine once and print {seconds, rows}. */
async function child(kind: string, format: Format, metaFile: string): Promise<void> {
  const data = JSON.parse(readFileSync(metaFile, 'utf8')) as DataSet;
  if (kind === 'duckdb') {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const t0 = performance.now();
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const result = await conn.runAndReadAll(seedSql(format, data));
    const rows = result.getRowObjectsJson() as Row[];
    const seconds = (performance.now() - t0) / 1000;
    process.stdout.write(JSON.stringify({ seconds, rows }));
    return;
  }
  const { compileFor, loadData, runPlan } = await import('../src/engine/query.js');
  const { discoverFiles } = await import('../src/sources/index.js');
  const { parseDatetime } = await import('../src/engine/values/datetime.js');
  const { jsonOutput } = await import('../src/engine/values/index.js');
  const t0 = performance.now();
  const files = await discoverFiles(READ_TABLES.map((t) => data.files[format]![t]!.path));
  const loaded = await loadData(files);
  const result = await runPlan(compileFor(seedQuery(), loaded), loaded, parseDatetime(data.now)!);
  const seconds = (performance.now() - t0) / 1000;
  const rows: Row[] = [];
  for (let i = 0; i < result.length; i++) {
    rows.push(Object.fromEntries(result.fields.map((f, c) => [f.name, JSON.parse(jsonOutput(f.type, result.columns[c]![i]))])));
  }
  process.stdout.write(JSON.stringify({ seconds, rows }));
}

async function runDuckdb(format: Format, data: DataSet): Promise<Measured> {
  return runChild('duckdb', format, data);
}

// ---------------------------------------------------------------------------------------------
// Comparing alert rows

/** Alert columns; the string ones are "" where a leg of the union lacks them (KQL strings are never null). */
const STRING_COLUMNS = new Set(['DeviceName', 'AccountName', 'FileName', 'ProcessCommandLine', 'InitiatingProcessFileName', 'InitiatingProcessCommandLine', 'ToolName']);
const COLUMNS = ['Timestamp', 'DeviceName', 'AccountName', 'FileName', 'ProcessCommandLine', 'InitiatingProcessFileName',
  'InitiatingProcessCommandLine', 'ToolName', 'ConnectionCount', 'MBSent', 'UniqueRemoteIPs', 'Ports', 'RemoteIPs', 'HasCopy', 'HasRemote'];

/** "2026-11-02 10:00:00.12", "2026-11-02 10:00:00+00" or "2026-11-02T10:00:00.1234567Z" → "2026-11-02T10:00:00.1234567Z". */
function isoTicks(v: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(?:Z|\+00(?::?00)?)?$/.exec(v);
  if (!m) return v;
  return `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(7, '0').slice(0, 7)}Z`;
}

function normalise(row: Row): string {
  const out: unknown[] = [];
  for (const c of COLUMNS) {
    let v = row[c];
    if (v === undefined) v = null;
    if (v === null && STRING_COLUMNS.has(c)) v = '';
    if (c === 'Timestamp' && typeof v === 'string') v = isoTicks(v);
    else if (c === 'MBSent' && v !== null) v = Number(Number(v).toFixed(2));
    else if ((c === 'ConnectionCount' || c === 'UniqueRemoteIPs') && v !== null) v = Number(v);
    else if (c === 'Ports' && Array.isArray(v)) v = v.map(Number).sort((a, b) => a - b);
    else if (c === 'RemoteIPs' && Array.isArray(v)) v = v.length < 10 ? [...v].map(String).sort() : `${v.length} values`;
    out.push(v);
  }
  return JSON.stringify(out);
}

function compareRows(a: Row[], b: Row[]): { same: boolean; detail: string } {
  const na = a.map(normalise).sort();
  const nb = b.map(normalise).sort();
  const onlyA = na.filter((x) => !nb.includes(x));
  const onlyB = nb.filter((x) => !na.includes(x));
  if (na.length === nb.length && onlyA.length === 0 && onlyB.length === 0) return { same: true, detail: `${na.length} alert rows, identical` };
  return {
    same: false,
    detail: `exfilwatch ${na.length} rows, DuckDB ${nb.length}; only in exfilwatch: ${onlyA.slice(0, 3).join(' | ')}${onlyA.length > 3 ? ` (+${onlyA.length - 3})` : ''}; only in DuckDB: ${onlyB.slice(0, 3).join(' | ')}${onlyB.length > 3 ? ` (+${onlyB.length - 3})` : ''}`,
  };
}

// ---------------------------------------------------------------------------------------------
// The run

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Line {
  size: string;
  format: Format;
  engine: string;
  wall: number;
  inner?: number;
  cpu: number;
  rss: number;
  bytes: number;
  rows: number;
}

/**
 * How wall time grows with the input, per engine and format over three sizes or more: each
 * size's time over the smallest's against the input's ratio, and the straight line through the
 * points (least squares: a fixed part and seconds per GB) with the largest miss from it.
 */
function writeScaling(lines: Line[]): void {
  const groups = new Map<string, Line[]>();
  for (const l of lines) (groups.get(`${l.engine} ${l.format}`) ?? groups.set(`${l.engine} ${l.format}`, []).get(`${l.engine} ${l.format}`)!).push(l);
  const out: string[] = [];
  for (const [key, ls] of groups) {
    if (ls.length < 3) continue;
    ls.sort((a, b) => a.bytes - b.bytes);
    const x = ls.map((l) => l.bytes / 1e9), y = ls.map((l) => l.wall);
    const n = x.length, mx = x.reduce((a, b) => a + b) / n, my = y.reduce((a, b) => a + b) / n;
    const slope = x.reduce((a, xi, i) => a + (xi - mx) * (y[i]! - my), 0) / x.reduce((a, xi) => a + (xi - mx) ** 2, 0);
    const fixed = my - slope * mx;
    const miss = Math.max(...x.map((xi, i) => Math.abs(y[i]! - (fixed + slope * xi)) / y[i]!));
    const steps = ls.map((l) => `${fmt(l.bytes / ls[0]!.bytes, 1)}x input: ${fmt(l.wall / ls[0]!.wall, 2)}x time`).join(', ');
    out.push(`  ${key}: ${steps}; line: ${fmt(fixed)} s + ${fmt(slope)} s/GB, largest miss ${fmt(100 * miss, 1)}%`);
  }
  if (out.length) process.stdout.write(`\nscaling (wall time)\n${out.join('\n')}\n`);
}

function machine(): string {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) model = m[1]!.trim();
  } catch { /* not Linux */ }
  return `${cpus().length} CPUs (${model}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '1GB' },
      format: { type: 'string', default: 'jsonl,csv,parquet' },
      runs: { type: 'string', default: '3' },
      engines: { type: 'string', default: 'exfilwatch,duckdb' },
      'in-process': { type: 'boolean', default: false },
      seed: { type: 'string', default: '20261108' },
      days: { type: 'string', default: '2' },
      dir: { type: 'string', default: process.env.EXFILWATCH_BENCH_DIR ?? path.join(tmpdir(), 'exfilwatch-bench') },
      json: { type: 'string' },
      child: { type: 'string' },
      meta: { type: 'string' },
    },
  });
  if (values.child) return child(values.child, values.format as Format, values.meta!);
  const sizes = values.size.split(',').map(parseSize);
  for (const s of sizes) if (s < 1e6 || s > 2e10) throw new Error('--size is between 1MB and 20GB');
  const formats = values.format.split(',').map((f) => f.trim()) as Format[];
  for (const f of formats) if (!FORMATS.includes(f)) throw new Error(`--format takes ${FORMATS.join(',')}`);
  const engines = values.engines.split(',').map((e) => e.trim());
  const runs = Math.max(1, Number(values.runs));
  process.stdout.write(`machine: ${machine()}\n`);
  const lines: Line[] = [];
  let mismatches = 0;
  for (const size of sizes) {
    const data = await ensureData(size, Number(values.seed), Number(values.days), formats, values.dir);
    const rowsRead = READ_TABLES.reduce((a, t) => a + (data.rows[t] ?? 0), 0);
    for (const format of formats) {
      const bytes = READ_TABLES.reduce((a, t) => a + data.files[format]![t]!.bytes, 0);
      const label = `${fmt(mb(bytes), 0)} MB ${format}`;
      process.stdout.write(`\n== ${label}: ${rowsRead} rows (${data.devices} devices × ${data.days} days), now ${data.now}\n`);
      const kinds: { name: string; run: () => Promise<Measured> }[] = [];
      if (engines.includes('exfilwatch')) kinds.push({ name: 'exfilwatch', run: () => runExfilwatch(format, data) });
      if (engines.includes('exfilwatch') && values['in-process']) kinds.push({ name: 'exfilwatch (in-process)', run: () => runChild('exfilwatch', format, data) });
      if (engines.includes('duckdb')) kinds.push({ name: 'duckdb', run: () => runDuckdb(format, data) });
      const results = new Map<string, Measured[]>();
      // Interleave the engines run by run, so drift on a noisy machine hits both alike.
      for (let r = 0; r < runs; r++) {
        for (const k of kinds) {
          const m = await k.run();
          (results.get(k.name) ?? results.set(k.name, []).get(k.name)!).push(m);
          process.stdout.write(`  run ${r + 1} ${k.name.padEnd(24)} ${fmt(m.wall)} s wall${m.inner !== undefined ? ` (${fmt(m.inner)} s query)` : ''}, ${fmt(m.cpu)} s CPU, ${fmt(mb(m.rss), 0)} MB peak RSS, ${m.rows.length} alert rows\n`);
        }
      }
      const ours = results.get('exfilwatch')?.[0] ?? results.get('exfilwatch (in-process)')?.[0];
      const theirs = results.get('duckdb')?.[0];
      if (ours && theirs) {
        const c = compareRows(ours.rows, theirs.rows);
        if (!c.same) mismatches++;
        process.stdout.write(`  results: ${c.same ? 'same' : 'DIFFERENT'}: ${c.detail}\n`);
      }
      for (const [name, ms] of results) {
        lines.push({
          size: label, format, engine: name, bytes, rows: rowsRead,
          wall: median(ms.map((m) => m.wall)), cpu: median(ms.map((m) => m.cpu)), rss: median(ms.map((m) => m.rss)),
          inner: ms[0]!.inner === undefined ? undefined : median(ms.map((m) => m.inner!)),
        });
      }
    }
  }
  process.stdout.write(`\nmedians of ${runs} run(s); ratio = DuckDB wall / this wall (above 1: faster than DuckDB)\n`);
  const header = ['input', 'engine', 'wall s', 'query s', 'rows/s', 'MB/s', 'CPU s', 'peak RSS MB', 'ratio'];
  const table: string[][] = [header];
  for (const l of lines) {
    const duck = lines.find((x) => x.size === l.size && x.engine === 'duckdb');
    table.push([l.size, l.engine, fmt(l.wall), l.inner === undefined ? '-' : fmt(l.inner), fmt(l.rows / l.wall, 0), fmt(mb(l.bytes) / l.wall, 0),
      fmt(l.cpu), fmt(mb(l.rss), 0), duck ? fmt(duck.wall / l.wall) : '-']);
  }
  const widths = header.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  for (const r of table) process.stdout.write('  ' + r.map((v, c) => (c < 2 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ') + '\n');
  writeScaling(lines);
  if (values.json) writeFileSync(values.json, JSON.stringify({ machine: machine(), runs, lines }, null, 2));
  if (mismatches) {
    process.stdout.write(`\n${mismatches} input(s) where the engines' alert rows differ\n`);
    process.exitCode = 1;
  }
}

await main();
