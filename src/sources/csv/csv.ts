/** CSV and TSV with a header row (portal and Log Analytics exports). RFC 4180 quoting, newlines inside quotes. */
import { createInterface } from 'node:readline';
import { type DataFile, type Reader, type ReadHints, type ReadStats, type SourceRecord, openBytes, readFailed, skip } from '../reader.js';
import { sharedCsvRecords } from './fast.js';
import { csvScanOptions, prewarmCsvWorkers } from './parallel.js';

export const csvReader: Reader = {
  name: 'csv',
  claims: (name) => name.endsWith('.csv') || name.endsWith('.tsv'),
  // A file large enough to be cut on every core: start the worker threads during discovery.
  prepare: (bytes, gzip) => {
    if (!gzip && bytes >= csvScanOptions.minBlocksForWorkers * csvScanOptions.blockBytes) prewarmCsvWorkers();
  },
  read: readCsv,
};

async function* readCsv(file: DataFile, stats: ReadStats, hints?: ReadHints): AsyncGenerator<SourceRecord> {
  const sep = /\.tsv(\.gz)?$/i.test(file.path) ? '\t' : ',';
  if (!file.gzip) {
    // A plain file: cut on the bytes, only the scan's columns decoded, one read for the query's
    // scans of the table (fast.ts).
    try {
      for await (const batch of sharedCsvRecords(file, stats, sep.charCodeAt(0), hints)) yield* batch;
    } catch (e) {
      readFailed(file, e);
    }
    return;
  }
  const lines = createInterface({ input: openBytes(file), crlfDelay: Infinity });
  try {
    yield* csvRecords(lines, file, stats, sep);
  } catch (e) {
    readFailed(file, e);
  }
}

export async function* csvRecords(lines: AsyncIterable<string>, file: DataFile, stats: ReadStats, sep: string): AsyncGenerator<SourceRecord> {
  let header: string[] | undefined;
  let n = 0;
  let pending: string[] = [];
  let field = '';
  let inQuotes = false;
  let startLine = 0;
  for await (const line of lines) {
    n++;
    if (!inQuotes) {
      startLine = n;
      if (line === '') continue;
    }
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (inQuotes) {
        if (ch === '"') {
          if (line[i + 1] === '"') { field += '"'; i++; } else inQuotes = false;
        } else field += ch;
      } else if (ch === '"' && field === '') {
        inQuotes = true;
      } else if (ch === sep) {
        pending.push(field);
        field = '';
      } else field += ch;
    }
    if (inQuotes) { field += '\n'; continue; }
    pending.push(field);
    field = '';
    const row = pending;
    pending = [];
    if (!header) {
      header = row.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h).trim());
      continue;
    }
    if (row.length !== header.length) {
      skip(stats, file.path, startLine, `expected ${header.length} fields, found ${row.length}`);
      continue;
    }
    const rec: Record<string, unknown> = {};
    for (let i = 0; i < header.length; i++) rec[header[i]!] = row[i];
    yield { rec, line: startLine };
  }
  if (inQuotes) skip(stats, file.path, startLine, 'unterminated quoted field at end of file');
}
