/**
 * parse / parse-where: the pattern becomes one RE2 regex anchored at the start of the text.
 *   simple, relaxed: literals match as text; `*` skips lazily; a string column takes the
 *     shortest text up to the next literal (the last one takes the rest); long/int/real columns
 *     take a number. simple is strict: a value that does not convert to its column's type fails
 *     the whole match. relaxed keeps the match and nulls only that column.
 *   regex: literals are regexes; columns are greedy (flag U makes them lazy); `*` is lazy.
 * A row that does not match gets null columns (parse) or is dropped (parse-where).
 */
import { facts } from '../../diagnostics/facts.js';
import type { Field, ParseSegment, Tab } from '../../kql/plan.js';
import type { ScalarType } from '../../schema/types.js';
import { type Batch, type BatchStream, fieldIndex, takeRows } from '../batch.js';
import type { ExecContext } from '../context.js';
import { parseDatetimeText } from '../functions/datetime.js';
import { type Regex, compileRegex, regexExec, regexGroupCount } from '../functions/regex.js';
import { ExprCache, prepareAll, run } from '../run.js';
import { coerce, textOutput } from '../values/index.js';

type Parse = Tab & { op: 'parse' };

const NUMBER_RE: Partial<Record<ScalarType, string>> = {
  long: '-?\\d+',
  int: '-?\\d+',
  real: '-?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?',
  decimal: '-?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?',
};

/** Escapes text so RE2 matches it literally. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

export interface ParsePattern {
  regex: Regex;
  /** The output columns, with the regex group that captures each. */
  columns: { name: string; type: ScalarType; group: number }[];
}

/** Builds the regex of a parse pattern. */
export function buildPattern(mode: 'simple' | 'regex' | 'relaxed', segments: ParseSegment[], flags: string): ParsePattern {
  let re = '^';
  let group = 1;
  const columns: ParsePattern['columns'] = [];
  const lastColumn = segments.reduce((last, s, i) => (s.kind === 'column' ? i : last), -1);
  const trailingText = segments.slice(lastColumn + 1).some((s) => s.kind === 'literal' && s.text !== '');
  segments.forEach((s, i) => {
    if (s.kind === 'wildcard') {
      re += '.*?';
    } else if (s.kind === 'literal') {
      if (mode === 'regex') {
        re += '(?:' + s.text + ')';
        group += literalGroups(s.text, flags);
      } else {
        re += escapeRegex(s.text);
      }
    } else {
      const num = NUMBER_RE[s.type];
      let body: string;
      if (mode === 'regex') body = num ?? '.*';
      else if (i === lastColumn && !trailingText) body = num && mode === 'simple' ? num : '.*';
      else if (mode === 'relaxed') body = num ? `${num}|.*?` : '.*?';
      else body = num ?? '.*?';
      re += `(${body})`;
      columns.push({ name: s.name, type: s.type, group });
      group++;
    }
  });
  // Simple and relaxed patterns are plain text: let them span lines.
  const f = mode === 'regex' ? flags : 's';
  return { regex: compileRegex(re, f), columns };
}

function literalGroups(text: string, flags: string): number {
  try {
    return regexGroupCount(compileRegex(text, flags));
  } catch {
    // A group opened in one literal and closed in another: count it from the text instead.
    return (text.match(/\((?!\?)/g) ?? []).length;
  }
}

/** Converts captured text to the column's type; undefined when it does not convert. */
function convert(type: ScalarType, text: string): unknown {
  if (type === 'string') return text;
  const s = text.trim();
  if (s === '') return undefined;
  const v = type === 'datetime' ? parseDatetimeText(s) : coerce(type, s);
  return v === null ? undefined : v;
}

export async function* parseOp(tab: Parse, ctx: ExecContext): BatchStream {
  await prepareAll([tab.source], ctx);
  let pattern: ParsePattern;
  try {
    pattern = buildPattern(tab.mode, tab.segments, tab.flags);
  } catch (e) {
    throw facts.runtime(`parse: invalid pattern: ${(e as Error).message}`, tab.span);
  }
  const source = new ExprCache(tab.source, ctx);
  const layouts = new WeakMap<Field[], { fields: Field[]; sources: number[] }>();
  for await (const b of run(tab.input, ctx)) {
    let l = layouts.get(b.fields);
    if (!l) { l = layout(tab, pattern, b.fields); layouts.set(b.fields, l); }
    yield parseBatch(tab, pattern, b, source, l);
  }
}

/** Output columns: >= 0 an input column, -1 - k the k-th parsed column. */
function layout(tab: Parse, pattern: ParsePattern, input: Field[]): { fields: Field[]; sources: number[] } {
  let fields = tab.schema;
  if (fields.length === 0 || input.some((f) => fieldIndex(tab.input.schema, f.name) < 0)) {
    // The input schema was not (fully) known to the binder: derive the output from the batch.
    fields = input.filter((f) => !pattern.columns.some((c) => c.name === f.name));
    fields = [...fields, ...pattern.columns.map((c) => ({ name: c.name, type: c.type }))];
  }
  const sources = fields.map((f) => {
    const k = pattern.columns.findIndex((c) => c.name === f.name);
    return k >= 0 ? -1 - k : fieldIndex(input, f.name);
  });
  return { fields, sources };
}

function parseBatch(tab: Parse, pattern: ParsePattern, b: Batch, source: ExprCache, l: { fields: Field[]; sources: number[] }): Batch {
  const c = source.compiled(b.fields);
  const texts = source.column(b);
  const cols = pattern.columns;
  const parsed = cols.map(() => new Array(b.length));
  const keep: number[] = [];
  for (let i = 0; i < b.length; i++) {
    const v = texts[i];
    const text = typeof v === 'string' ? v : textOutput(c.type, v);
    const values = matchRow(tab.mode, pattern, text);
    if (values) keep.push(i);
    for (let k = 0; k < cols.length; k++) {
      const x = values ? values[k] : undefined;
      parsed[k]![i] = x === undefined ? (cols[k]!.type === 'string' ? '' : null) : x;
    }
  }
  const columns = l.fields.map((f, j) => {
    const s = l.sources[j]!;
    if (s < 0) return parsed[-1 - s]!;
    if (s >= b.columns.length) return new Array(b.length).fill(f.type === 'string' ? '' : null);
    return b.columns[s]!;
  });
  const out: Batch = { fields: l.fields, columns, length: b.length };
  return tab.where && keep.length !== b.length ? takeRows(out, keep) : out;
}

/** The converted column values of one text, or null when it does not match. */
function matchRow(mode: Parse['mode'], pattern: ParsePattern, text: string): unknown[] | null {
  const m = regexExec(pattern.regex, text);
  if (!m) return null;
  const out = new Array(pattern.columns.length);
  for (let k = 0; k < pattern.columns.length; k++) {
    const col = pattern.columns[k]!;
    const v = convert(col.type, m.groups[col.group] ?? '');
    if (v === undefined && mode !== 'relaxed') return null;
    out[k] = v;
  }
  return out;
}
