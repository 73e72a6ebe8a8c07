/**
 * Local files into tables: JSON lines, JSON arrays and CSV, optionally gzip-compressed. A file
 * loads into the table whose name starts its file name (`DeviceProcessEvents-2026-11-01.jsonl.gz`)
 * unless `--table NAME=PATH` says otherwise; directories are walked. Rows stream in batches;
 * a malformed line is skipped with a warning naming file and line, and counted.
 */
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { facts } from '../diagnostics/facts.js';
import type { Field } from '../kql/plan.js';
import type { ColumnDef, ScalarType, TableDef } from '../schema/types.js';
import { findTable } from '../schema/index.js';
import { type Batch, BATCH_ROWS } from '../engine/batch.js';
import { coerce } from '../engine/values/index.js';

export type Format = 'jsonl' | 'json' | 'csv' | 'tsv';

export interface DataFile {
  path: string;
  table: string;
  format: Format;
  gzip: boolean;
}

export interface ReadWarning {
  file: string;
  line?: number;
  message: string;
}

export interface ReadStats {
  rows: number;
  skipped: number;
  warnings: ReadWarning[];
  /** Values that did not fit their column's type and became null, by table.column. */
  coercedToNull: Map<string, number>;
}

export function newStats(): ReadStats {
  return { rows: 0, skipped: 0, warnings: [], coercedToNull: new Map() };
}

const EXTENSIONS: [string, Format][] = [
  ['.jsonl', 'jsonl'], ['.ndjson', 'jsonl'], ['.json', 'json'], ['.csv', 'csv'], ['.tsv', 'tsv'],
];

/** The format and gzip flag a file name says, or undefined for a file we do not read. */
export function formatOf(file: string): { format: Format; gzip: boolean } | undefined {
  let name = file.toLowerCase();
  let gzip = false;
  if (name.endsWith('.gz')) { gzip = true; name = name.slice(0, -3); }
  for (const [ext, format] of EXTENSIONS) if (name.endsWith(ext)) return { format, gzip };
  return undefined;
}

/** The table a file name names: the leading identifier (`DeviceNetworkEvents-2026.csv` → DeviceNetworkEvents). */
export function tableOfFile(file: string): string {
  const base = path.basename(file);
  const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(base);
  return m ? m[0] : base;
}

/** Resolves paths (files and directories) and `NAME=PATH` overrides into data files. */
export async function discoverFiles(paths: string[], overrides: string[] = []): Promise<DataFile[]> {
  const out: DataFile[] = [];
  const add = async (p: string, table?: string): Promise<void> => {
    let st;
    try {
      st = await fs.stat(p);
    } catch {
      throw facts.input(`no such file or directory: ${p}`, p);
    }
    if (st.isDirectory()) {
      const entries = (await fs.readdir(p)).sort();
      for (const e of entries) {
        const full = path.join(p, e);
        const s = await fs.stat(full);
        if (s.isDirectory() || formatOf(e)) await add(full, table);
      }
      return;
    }
    const f = formatOf(p);
    if (!f) throw facts.input(`cannot tell the format of ${p}: expected .jsonl, .json, .csv or .tsv (optionally .gz)`, p);
    out.push({ path: p, table: table ?? tableOfFile(p), ...f });
  };
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw facts.usage(`--table expects NAME=PATH, got '${o}'`);
    await add(o.slice(eq + 1), o.slice(0, eq));
  }
  for (const p of paths) await add(p);
  return out;
}

function openText(file: DataFile): Readable {
  const raw = createReadStream(file.path);
  if (!file.gzip) return raw;
  const gunzip = createGunzip();
  raw.on('error', (e) => gunzip.destroy(e));
  return raw.pipe(gunzip);
}

/** Records of a file as plain objects (JSON) or header-keyed string maps (CSV), with line numbers. */
async function* records(file: DataFile, stats: ReadStats): AsyncGenerator<{ rec: Record<string, unknown>; line: number }> {
  const input = openText(file);
  const wrapErr = (e: unknown): never => {
    const msg = (e as Error).message;
    throw facts.input(`${file.path}: ${file.gzip ? 'not a valid gzip file or truncated' : 'read failed'} (${msg})`, file.path);
  };
  if (file.format === 'json') {
    let text = '';
    try {
      for await (const chunk of input) text += chunk;
    } catch (e) { wrapErr(e); }
    if (text.trim() === '') return;
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      // Not one JSON document: perhaps JSON lines under a .json name.
      yield* jsonLines(text.split('\n'), file, stats);
      return;
    }
    yield* jsonDocument(doc, file);
    return;
  }
  const rl = createInterface({ input, crlfDelay: Infinity });
  try {
    if (file.format === 'jsonl') {
      yield* jsonLines(rl, file, stats);
    } else {
      yield* csvRecords(rl, file, stats, file.format === 'tsv' ? '\t' : ',');
    }
  } catch (e) {
    if ((e as { diagnostic?: unknown }).diagnostic) throw e;
    wrapErr(e);
  }
}

async function* jsonLines(lines: AsyncIterable<string> | Iterable<string>, file: DataFile, stats: ReadStats): AsyncGenerator<{ rec: Record<string, unknown>; line: number }> {
  let n = 0;
  for await (const line of lines) {
    n++;
    const t = line.trim();
    if (t === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch (e) {
      stats.skipped++;
      stats.warnings.push({ file: file.path, line: n, message: `not valid JSON (${(e as Error).message})` });
      continue;
    }
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (Array.isArray(o.records)) {
        for (const r of o.records) yield { rec: unwrapStreaming(r), line: n };
      } else {
        yield { rec: unwrapStreaming(o), line: n };
      }
    } else {
      stats.skipped++;
      stats.warnings.push({ file: file.path, line: n, message: 'expected a JSON object' });
    }
  }
}

/** Streaming-API records carry their columns under `properties`. */
function unwrapStreaming(r: unknown): Record<string, unknown> {
  const o = (r ?? {}) as Record<string, unknown>;
  if (o.properties && typeof o.properties === 'object' && typeof o.category === 'string') {
    return o.properties as Record<string, unknown>;
  }
  return o;
}

async function* jsonDocument(doc: unknown, file: DataFile): AsyncGenerator<{ rec: Record<string, unknown>; line: number }> {
  let rows: unknown[];
  if (Array.isArray(doc)) rows = doc;
  else if (doc && typeof doc === 'object' && Array.isArray((doc as { Results?: unknown }).Results)) rows = (doc as { Results: unknown[] }).Results;
  else if (doc && typeof doc === 'object' && Array.isArray((doc as { records?: unknown }).records)) rows = (doc as { records: unknown[] }).records;
  else if (doc && typeof doc === 'object') rows = [doc];
  else throw facts.input(`${file.path}: expected a JSON array of objects`, file.path);
  let i = 0;
  for (const r of rows) yield { rec: unwrapStreaming(r), line: ++i };
}

/** RFC 4180 CSV: quoted fields may hold separators, quotes ("") and newlines. */
async function* csvRecords(lines: AsyncIterable<string>, file: DataFile, stats: ReadStats, sep: string): AsyncGenerator<{ rec: Record<string, unknown>; line: number }> {
  let header: string[] | undefined;
  let n = 0;
  let pending: string[] = [];
  let field = '';
  let inQuotes = false;
  let startLine = 0;
  for await (const line of lines) {
    n++;
    if (!inQuotes) { startLine = n; if (line === '' ) continue; }
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (inQuotes) {
        if (ch === '"') {
          if (line[i + 1] === '"') { field += '"'; i++; } else inQuotes = false;
        } else field += ch;
      } else if (ch === '"' && field === '') {
        inQuotes = true;
      } else if (ch === sep) {
        pending.push(field); field = '';
      } else field += ch;
    }
    if (inQuotes) { field += '\n'; continue; }
    pending.push(field); field = '';
    const row = pending;
    pending = [];
    if (!header) {
      header = row.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h).trim());
      continue;
    }
    if (row.length !== header.length) {
      stats.skipped++;
      stats.warnings.push({ file: file.path, line: startLine, message: `expected ${header.length} fields, found ${row.length}` });
      continue;
    }
    const rec: Record<string, unknown> = {};
    header.forEach((h, i) => { rec[h] = row[i]; });
    yield { rec, line: startLine };
  }
  if (inQuotes) {
    stats.skipped++;
    stats.warnings.push({ file: file.path, line: startLine, message: 'unterminated quoted field at end of file' });
  }
}

/** Infers column types for a table we have no definition of, from its first records. */
export async function inferTable(name: string, files: DataFile[], stats: ReadStats): Promise<TableDef> {
  const types = new Map<string, ScalarType | undefined>();
  for (const f of files) {
    let seen = 0;
    for await (const { rec } of records(f, stats)) {
      for (const [k, v] of Object.entries(rec)) {
        const t = f.format === 'csv' || f.format === 'tsv' ? inferText(v as string) : inferJson(v);
        const prev = types.get(k);
        types.set(k, unify(prev, t));
      }
      if (++seen >= 1000) break;
    }
  }
  return { name, columns: [...types.entries()].map(([n, t]) => ({ name: n, type: t ?? 'string' })) };
}

function inferJson(v: unknown): ScalarType | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'long' : 'real';
  if (typeof v === 'object') return 'dynamic';
  if (typeof v === 'string') return inferText(v);
  return 'string';
}

const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

function inferText(v: string): ScalarType | undefined {
  if (v === '') return undefined;
  if (ISO_DATETIME.test(v)) return 'datetime';
  if (/^-?\d{1,18}$/.test(v)) return 'long';
  if (/^-?\d+\.\d+(e[+-]?\d+)?$/i.test(v)) return 'real';
  if (v === 'true' || v === 'false' || v === 'True' || v === 'False') return 'bool';
  return 'string';
}

function unify(a: ScalarType | undefined, b: ScalarType | undefined): ScalarType | undefined {
  if (!a) return b;
  if (!b || a === b) return a;
  if ((a === 'long' && b === 'real') || (a === 'real' && b === 'long')) return 'real';
  return a === 'dynamic' || b === 'dynamic' ? 'dynamic' : 'string';
}

/** A table's rows from its files, as batches with the table's columns. */
export async function* readTable(def: TableDef, files: DataFile[], stats: ReadStats): AsyncGenerator<Batch> {
  const fields: Field[] = def.columns.map((c) => ({ name: c.name, type: c.type }));
  const cols = def.columns;
  const lookup = caseInsensitiveLookup(cols);
  for (const f of files) {
    let columns = fields.map(() => [] as unknown[]);
    let length = 0;
    for await (const { rec } of records(f, stats)) {
      const keyed = lookup(rec);
      for (let c = 0; c < cols.length; c++) {
        const col = cols[c]!;
        let raw = keyed(col.name);
        if ((raw === undefined || raw === null || raw === '') && col.fallback) raw = keyed(col.fallback);
        const v = coerce(col.type, raw);
        if (v === null && raw !== null && raw !== undefined && raw !== '' && col.type !== 'string') {
          const k = `${def.name}.${col.name}`;
          stats.coercedToNull.set(k, (stats.coercedToNull.get(k) ?? 0) + 1);
        }
        columns[c]!.push(v);
      }
      length++;
      stats.rows++;
      if (length === BATCH_ROWS) {
        yield { fields, columns, length };
        columns = fields.map(() => [] as unknown[]);
        length = 0;
      }
    }
    if (length > 0) yield { fields, columns, length };
  }
}

/** Column values by name. */
function caseInsensitiveLookup(cols: ColumnDef[]): (rec: Record<string, unknown>) => (name: string) => unknown {
  void cols;
  return (rec) => (name) => rec[name];
}

export { findTable };
