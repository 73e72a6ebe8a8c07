/** Result writers: aligned table, JSON lines, CSV, JSON. */
import type { Batch } from '../engine/batch.js';
import { jsonOutput, textOutput } from '../engine/values/index.js';

export type OutputFormat = 'table' | 'jsonl' | 'csv' | 'json';

export function formatResult(b: Batch, format: OutputFormat): string {
  switch (format) {
    case 'jsonl': return jsonl(b);
    case 'csv': return csv(b);
    case 'json': return json(b);
    case 'table': return table(b);
  }
}

function jsonl(b: Batch): string {
  const keys = b.fields.map((f) => JSON.stringify(f.name) + ':');
  let out = '';
  for (let i = 0; i < b.length; i++) {
    out += '{' + b.fields.map((f, c) => keys[c] + jsonOutput(f.type, b.columns[c]![i])).join(',') + '}\n';
  }
  return out;
}

function json(b: Batch): string {
  const rows: string[] = [];
  for (let i = 0; i < b.length; i++) rows.push('[' + b.fields.map((f, c) => jsonOutput(f.type, b.columns[c]![i])).join(',') + ']');
  return `{"columns":${JSON.stringify(b.fields.map((f) => ({ name: f.name, type: f.type })))},"rows":[${rows.join(',')}]}\n`;
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

function csv(b: Batch): string {
  let out = b.fields.map((f) => csvField(f.name)).join(',') + '\n';
  for (let i = 0; i < b.length; i++) {
    out += b.fields.map((f, c) => csvField(textOutput(f.type, b.columns[c]![i]))).join(',') + '\n';
  }
  return out;
}

const MAX_WIDTH = 60;

function table(b: Batch): string {
  const cell = (s: string) => {
    const one = s.replace(/\s+/g, ' ');
    return one.length > MAX_WIDTH ? one.slice(0, MAX_WIDTH - 1) + '…' : one;
  };
  const header = b.fields.map((f) => f.name);
  const rows: string[][] = [];
  for (let i = 0; i < b.length; i++) rows.push(b.fields.map((f, c) => cell(textOutput(f.type, b.columns[c]![i]))));
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((v, c) => v.padEnd(widths[c]!)).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  return out.join('\n') + `\n(${b.length} row${b.length === 1 ? '' : 's'})\n`;
}
