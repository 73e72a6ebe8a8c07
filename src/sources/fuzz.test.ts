/**
 * Fuzz every reader in READERS: truncation, bit flips, overwritten and inserted garbage, and pure
 * noise, from a seeded PRNG (set EXFILWATCH_FUZZ_SEED to replay another run). Each reader runs in
 * a worker with a memory cap and a watchdog, so a hang or a runaway allocation is a failure, not
 * a stuck test. What must hold:
 *
 * - no crash: the only error is an ExfilwatchError naming the file; warnings name the file;
 * - no hang: every case answers within the watchdog's time;
 * - line formats: every row whose line ends before the first damaged byte comes out, first and
 *   unchanged; a truncated file gives at most one row more than that;
 * - nothing lost silently: fewer rows than the clean file means a warning or an error.
 *
 * A reader with no sample here (a new one) still gets the noise cases under a name it claims.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { ExfilwatchError } from '../diagnostics/facts.js';
import { READERS } from './index.js';
import { PARQUET_LIMITS } from './parquet/parquet.js';
import { type DataFile, type Reader, newStats } from './reader.js';
import { mulberry32 } from './seeded-random.js';

const SEED = Number(process.env.EXFILWATCH_FUZZ_SEED ?? 20261101);
const CASES_PER_SAMPLE = 30;
const NOISE_CASES = 12;
const WATCHDOG_MS = 4000;

interface Sample {
  name: string;
  body: Buffer;
  /** One record per line, so damage at a line leaves every earlier line's row intact. */
  lines: boolean;
  /** False where lines that are not records are skipped by design (syslog): a cut line may vanish. */
  everyLine?: boolean;
}

type Msg = { type: 'case'; id: string } | { type: 'done'; failures: string[]; cases: number };

if (isMainThread) {
  describe('fuzz', { concurrency: 2 }, () => {
    for (const reader of READERS) {
      test(`the ${reader.name} reader survives truncation, bit flips and garbage`, async () => {
        const { failures, cases } = await inWorker(reader.name);
        assert.ok(cases > 0, 'no cases ran');
        assert.deepEqual(failures, []);
      });
    }
  });
} else {
  await runCases(workerData as { reader: string; seed: number });
}

function inWorker(reader: string): Promise<{ failures: string[]; cases: number }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: { reader, seed: SEED }, resourceLimits: { maxOldGenerationSizeMb: 384 } });
    let last = '(start)';
    let timer: NodeJS.Timeout;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        void w.terminate();
        reject(new Error(`${reader}: no answer for ${WATCHDOG_MS} ms in case ${last} (a hang?)`));
      }, WATCHDOG_MS);
    };
    arm();
    w.on('message', (m: Msg) => {
      if (m.type === 'case') { last = m.id; arm(); return; }
      clearTimeout(timer);
      resolve(m);
    });
    w.on('error', (e) => { clearTimeout(timer); reject(new Error(`${reader}: worker died in case ${last}: ${e.message}`)); });
    // Settling after `done` is a no-op; an exit before it is a crash, or a read that stopped with nothing pending.
    w.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${reader}: worker exited (${code}) in case ${last} before it finished${code === 0 ? ': a read awaited something that never came' : ''}`)); });
  });
}

/** Seeded integers in [0, n), to pick places and bytes. */
function prng(seed: number): (n: number) => number {
  const next = mulberry32(seed);
  return (n: number) => Math.floor(next() * n);
}

async function runCases({ reader: name, seed }: { reader: string; seed: number }): Promise<void> {
  const reader = READERS.find((r) => r.name === name)!;
  // Small files: a row group that takes half a second or 256 MB to decode has run away.
  PARQUET_LIMITS.timeoutMs = () => 500;
  PARQUET_LIMITS.heapMb = () => 256;
  const rand = prng(seed ^ hash(name));
  const dir = mkdtempSync(path.join(tmpdir(), `exfilwatch-fuzz-${name}-`));
  const failures: string[] = [];
  let cases = 0;
  const post = (m: Msg): void => parentPort!.postMessage(m);
  try {
    const samples = await samplesFor(reader);
    for (const s of samples) {
      const clean = await readAll(reader, dir, s.name, s.body);
      if (clean.error || clean.stats.skipped || clean.rows.length === 0) {
        failures.push(`${s.name}: the clean sample does not read cleanly (${clean.error ?? clean.stats.warnings[0]?.message ?? 'no rows'})`);
        continue;
      }
      for (let i = 0; i < CASES_PER_SAMPLE; i++) {
        const { kind, body, merged } = damage(s.body, rand);
        const id = `${s.name} #${i} ${kind}`;
        post({ type: 'case', id });
        cases++;
        const got = await readAll(reader, dir, s.name, body);
        const found = check(s, kind, body, clean, got, merged);
        for (const f of found) failures.push(`${id}: ${f} [${where(s.body, body)}]`);
        if (found.length && process.env.EXFILWATCH_FUZZ_DUMP) writeFileSync(path.join(process.env.EXFILWATCH_FUZZ_DUMP, `${i}-${s.name}`), body);
      }
    }
    // Noise under a name the reader claims, whatever samples it has.
    const claimed = samples[0]?.name ?? ['DeviceProcessEvents.jsonl', 'DeviceProcessEvents.csv', 'x.parquet', 'conn.log', 'sysmon.xml', 'Security.evtx', 'x.log', 'x.xml']
      .find((n) => reader.claims(n, Buffer.alloc(0))) ?? 'fuzz.dat';
    {
      for (let i = 0; i < NOISE_CASES; i++) {
        const body = Buffer.from(Array.from({ length: rand(i === 0 ? 1 : 3000) }, () => rand(256)));
        const id = `${claimed} noise #${i}`;
        post({ type: 'case', id });
        cases++;
        const got = await readAll(reader, dir, claimed, body);
        for (const f of check({ name: claimed, body, lines: false }, 'noise', body, undefined, got)) failures.push(`${id}: ${f}`);
      }
    }
  } catch (e) {
    failures.push(`harness: ${(e as Error).stack}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  post({ type: 'done', failures, cases });
}

/** The first damaged byte and the text around it, to replay a failure by eye. */
function where(orig: Buffer, body: Buffer): string {
  let i = 0;
  while (i < orig.length && i < body.length && orig[i] === body[i]) i++;
  return `byte ${i}: ${JSON.stringify(orig.subarray(Math.max(0, i - 20), i + 40).toString('latin1'))} -> ${JSON.stringify(body.subarray(Math.max(0, i - 20), i + 40).toString('latin1'))}`;
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

type Kind = 'truncate' | 'flip' | 'flips' | 'overwrite' | 'insert' | 'noise';

/** A damaged copy; `merged` counts the original line ends overwritten (records that may fuse unseen). */
function damage(orig: Buffer, rand: (n: number) => number): { kind: Kind; body: Buffer; merged: number } {
  const kinds: Kind[] = ['truncate', 'flip', 'flips', 'overwrite', 'insert'];
  const kind = kinds[rand(kinds.length)]!;
  const body = Buffer.from(orig);
  const at = rand(orig.length);
  switch (kind) {
    case 'truncate':
      return { kind, body: body.subarray(0, at), merged: 0 };
    case 'flip':
      body[at]! ^= 1 << rand(8);
      return { kind, body, merged: 0 };
    case 'flips':
      for (let k = 2 + rand(7); k > 0; k--) body[rand(body.length)]! ^= 1 << rand(8);
      return { kind, body, merged: 0 };
    case 'overwrite': {
      // Garbage over a line end can fuse two records into one well-formed record: no reader can tell.
      const end = Math.min(body.length, at + 1 + rand(64));
      for (let k = at; k < end; k++) body[k] = rand(256);
      return { kind, body, merged: orig.subarray(at, end).filter((b) => b === 10).length };
    }
    default:
      return { kind, body: Buffer.concat([orig.subarray(0, at), Buffer.from(Array.from({ length: 1 + rand(64) }, () => rand(256))), orig.subarray(at)]), merged: 0 };
  }
}

interface Read {
  rows: { table?: string; rec: Record<string, unknown>; line?: number }[];
  stats: ReturnType<typeof newStats>;
  error?: string;
  file: string;
}

async function readAll(reader: Reader, dir: string, name: string, body: Buffer): Promise<Read> {
  const p = path.join(dir, name);
  writeFileSync(p, body);
  const file: DataFile = { path: p, reader: reader.name, gzip: name.endsWith('.gz'), table: 'DeviceProcessEvents', routed: false };
  const stats = newStats();
  const rows: Read['rows'] = [];
  try {
    for await (const r of reader.read(file, stats)) {
      rows.push(r);
      if (rows.length > 1_000_000) throw new Error('more than a million rows from a small file');
    }
  } catch (e) {
    if (!(e instanceof ExfilwatchError)) return { rows, stats, file: p, error: `crash: ${(e as Error)?.stack ?? String(e)}` };
    if (e.diagnostic.file !== p && !e.message.includes(p)) return { rows, stats, file: p, error: `error does not name the file: ${e.message}` };
    return { rows, stats, file: p, error: `error: ${e.message}` };
  }
  return { rows, stats, file: p };
}

function check(s: Sample, kind: Kind, body: Buffer, clean: Read | undefined, got: Read, merged = 0): string[] {
  const out: string[] = [];
  if (got.error?.startsWith('crash') || got.error?.startsWith('error does not')) out.push(got.error);
  for (const w of got.stats.warnings) if (w.file !== got.file) out.push(`a warning names another file: ${w.file}`);
  if (!clean) return out;
  if (s.lines && !s.name.endsWith('.gz')) {
    let first = 0;
    while (first < body.length && first < s.body.length && body[first] === s.body[first]) first++;
    let line = 1;
    for (let i = 0; i < first; i++) if (s.body[i] === 10) line++;
    const before = clean.rows.filter((r) => (r.line ?? Infinity) < line);
    const strip = (r: Read['rows'][number]) => ({ table: r.table, rec: r.rec });
    try {
      assert.deepEqual(got.rows.slice(0, before.length).map(strip), before.map(strip));
    } catch {
      out.push(`the ${before.length} rows before line ${line} did not all come out unchanged (got ${got.rows.length})`);
    }
    if (kind === 'truncate' && got.rows.length > before.length + 1) out.push(`truncated before line ${line} yet ${got.rows.length} rows (at most ${before.length + 1})`);
  }
  // A warning: an error, a skipped record, or any note the clean file did not get (such as "N events of other providers not loaded").
  const notes = (r: Read) => JSON.stringify(r.stats.warnings.map((w) => [w.line, w.message]));
  const warned = got.error !== undefined || got.stats.skipped > 0 || notes(got) !== notes(clean);
  if (kind !== 'truncate') {
    if (got.rows.length < clean.rows.length - merged && !warned) out.push(`${clean.rows.length - got.rows.length} rows lost with no warning`);
  } else if (s.lines && s.everyLine !== false && !s.name.endsWith('.gz')) {
    // A line cut in the middle, past the header, is either still a row or a warning.
    const lastNl = body.lastIndexOf(10);
    const partial = body.subarray(lastNl + 1).toString('latin1').trim() !== '';
    let cutLine = 1;
    for (let i = 0; i < body.length; i++) if (body[i] === 10) cutLine++;
    const before = clean.rows.filter((r) => (r.line ?? Infinity) < cutLine).length;
    if (partial && cutLine >= (clean.rows[0]!.line ?? 1) && got.rows.length < before + 1 && !warned) out.push(`the cut line ${cutLine} was dropped with no warning`);
  }
  return out;
}

// ---- samples: realistic rows for each reader we know, in each shape it reads ----

function rows(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    Timestamp: `2026-11-01T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String(i * 7919 % 10_000_000).padStart(7, '0')}Z`,
    DeviceName: `ws-${i % 7}.corp.example`,
    FileName: ['rclone.exe', 'curl.exe', 'WinSCP.exe', 'pscp.exe'][i % 4]!,
    ProcessCommandLine: `"tool.exe" copy C:\\data\\q${i}.zip remote:bucket/${i} --transfers=4, "x"`,
    ReportId: String(9007199254740000n + BigInt(i * 97)),
  }));
}

async function samplesFor(reader: Reader): Promise<Sample[]> {
  const r = rows(120);
  switch (reader.name) {
    case 'json': {
      const jsonl = r.map((x) => JSON.stringify(x)).join('\n') + '\n';
      return [
        { name: 'DeviceProcessEvents.jsonl', body: Buffer.from(jsonl), lines: true },
        { name: 'DeviceProcessEvents.json', body: Buffer.from('[\n' + r.map((x) => JSON.stringify(x)).join(',\n') + '\n]\n'), lines: true },
        { name: 'DeviceProcessEvents-api.json', body: Buffer.from(JSON.stringify({ Schema: [{ Name: 'Timestamp', Type: 'DateTime' }], Results: r }, null, 2)), lines: false },
        { name: 'DeviceProcessEvents.jsonl.gz', body: gzipSync(jsonl), lines: false },
      ];
    }
    case 'csv': {
      const cols = Object.keys(r[0]!);
      const q = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
      const csv = cols.join(',') + '\n' + r.map((x) => cols.map((c) => q((x as Record<string, string>)[c]!)).join(',')).join('\n') + '\n';
      const tsv = cols.join('\t') + '\n' + r.map((x) => cols.map((c) => (x as Record<string, string>)[c]!.replace(/"/g, '')).join('\t')).join('\n') + '\n';
      const multi = 'FileName,ProcessCommandLine\n' + r.slice(0, 30).map((x) => `${x.FileName},"line one\nline ""two"", ${x.ReportId}"`).join('\n') + '\n';
      return [
        { name: 'DeviceProcessEvents.csv', body: Buffer.from(csv), lines: true },
        { name: 'DeviceProcessEvents.tsv', body: Buffer.from(tsv), lines: true },
        { name: 'DeviceProcessEvents-multiline.csv', body: Buffer.from(multi), lines: false },
        { name: 'DeviceProcessEvents.csv.gz', body: gzipSync(csv), lines: false },
      ];
    }
    case 'parquet': {
      const { parquetWriteBuffer } = await import('hyparquet-writer');
      const parquet = (codec: 'SNAPPY' | 'UNCOMPRESSED') => Buffer.from(parquetWriteBuffer({
        codec,
        rowGroupSize: 40,
        columnData: [
          { name: 'Timestamp', data: r.map((x) => x.Timestamp), type: 'STRING' },
          { name: 'FileName', data: r.map((x) => x.FileName), type: 'STRING' },
          { name: 'ProcessCommandLine', data: r.map((x) => x.ProcessCommandLine), type: 'STRING' },
          { name: 'ReportId', data: r.map((x) => BigInt(x.ReportId)), type: 'INT64' },
          { name: 'AdditionalFields', data: r.map((x, i) => ({ n: i, host: x.DeviceName })), type: 'JSON' },
        ],
      }));
      return [
        { name: 'DeviceProcessEvents.parquet', body: parquet('SNAPPY'), lines: false },
        { name: 'DeviceProcessEvents-plain.parquet', body: parquet('UNCOMPRESSED'), lines: false },
      ];
    }
    case 'zeek': {
      const head = [
        '#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tconn', '#open\t2026-11-01-10-00-00',
        '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\thistory',
        '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tstring',
      ];
      const body = r.map((_, i) => [1793527200 + i + '.123456', `C${i}x`, `10.0.0.${i % 250 + 1}`, 50000 + i, `198.51.100.${i % 200 + 1}`, [443, 22, 990][i % 3], 'tcp', ['ssl', 'ssh', '-'][i % 3], '1.5', 1000 * i, 20 * i, 'SF', 'ShADadFf'].join('\t'));
      const log = [...head, ...body].join('\n') + '\n';
      return [{ name: 'conn.log', body: Buffer.from(log), lines: true }, { name: 'conn.log.gz', body: gzipSync(log), lines: false }];
    }
    case 'sysmon':
    case 'evtx': {
      // Sysmon for Linux in syslog (the reader's own fixture, repeated), and the header and
      // first chunk of a Windows Sysmon .evtx from the shared corpus, where they are present.
      const out: Sample[] = [];
      const syslog = fileURLToPath(new URL('../../../src/sources/sysmon/fixtures/linux-syslog.txt', import.meta.url));
      if (reader.name === 'sysmon' && existsSync(syslog)) out.push({ name: 'syslog.log', body: Buffer.from(readFileSync(syslog, 'utf8').repeat(5)), lines: true, everyLine: false });
      const evtx = fileURLToPath(new URL('../../../../shared/corpus/formats/evtx/sysmon.evtx', import.meta.url));
      if (existsSync(evtx)) out.push({ name: 'Sysmon.evtx', body: readFileSync(evtx).subarray(0, 4096 + 65536), lines: false });
      return out;
    }
    default:
      return [];
  }
}
