/**
 * Loads rule files. Every problem is collected with the file's own line and column (bad YAML,
 * unknown or invalid fields, a query that does not bind), so one broken rule never hides the
 * others: the caller runs the rules that loaded and reports the rest.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { type Document, LineCounter, parseDocument, isMap, isScalar, type Node } from 'yaml';
import { type Diagnostic, ExfilwatchError, facts, lineColumn } from '../diagnostics/facts.js';
import { CONFIDENCES, type Confidence, type EntityMapping, type Leg, RULE_FIELDS, type Rule, SEVERITIES, type Severity } from './rule.js';

export interface LoadResult {
  rules: Rule[];
  errors: Diagnostic[];
}

/** Rule files under the given paths (files or directories, walked), sorted by path. */
export async function ruleFiles(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string): Promise<void> => {
    const st = await fs.stat(p).catch(() => undefined);
    if (!st) throw facts.input(`no such rule file or directory: ${p}`, p);
    if (st.isDirectory()) {
      for (const e of (await fs.readdir(p)).sort()) await walk(path.join(p, e));
    } else if (/\.ya?ml$/i.test(p)) out.push(p);
  };
  for (const p of paths) await walk(p);
  return out;
}

export async function loadRules(paths: string[]): Promise<LoadResult> {
  const result: LoadResult = { rules: [], errors: [] };
  const seen = new Map<string, string>();
  for (const file of await ruleFiles(paths)) {
    const text = await fs.readFile(file, 'utf8');
    try {
      const rule = parseRule(text, file);
      const other = seen.get(rule.id);
      if (other) throw facts.ruleInvalid(`rule id '${rule.id}' is also used by ${other}`, file, 1, 1);
      seen.set(rule.id, file);
      result.rules.push(rule);
    } catch (e) {
      if (e instanceof ExfilwatchError) result.errors.push(e.diagnostic);
      else throw e;
    }
  }
  return result;
}

/** Parses one rule file's text; throws an EW2xx diagnostic at the file's line and column. */
export function parseRule(text: string, file: string): Rule {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    throw facts.ruleSyntax(`not valid YAML: ${e.message.split('\n')[0]}`, file, pos?.line, pos?.col);
  }
  if (!isMap(doc.contents)) throw facts.ruleSyntax('a rule file must be a YAML mapping of fields', file, 1, 1);
  const at = (node: Node | null | undefined): { line?: number; column?: number } => {
    const off = node?.range?.[0];
    if (off === undefined) return {};
    const p = lines.linePos(off);
    return { line: p.line, column: p.col };
  };
  const nodes = new Map<string, Node>();
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const where = at(pair.key as Node);
    if (!RULE_FIELDS.has(key)) throw facts.ruleUnknownField(key, file, where.line, where.column);
    nodes.set(key, (pair.value ?? null) as Node);
  }
  const json = doc.toJS() as Record<string, unknown>;
  const fieldAt = (k: string) => at(nodes.get(k));
  const invalid = (k: string, why: string) => {
    const w = fieldAt(k);
    return facts.ruleInvalid(`${k}: ${why}`, file, w.line ?? 1, w.column ?? 1);
  };
  const str = (k: string, required = false): string | undefined => {
    const v = json[k];
    if (v === undefined || v === null) {
      if (required) throw facts.ruleInvalid(`missing required field '${k}'`, file, 1, 1);
      return undefined;
    }
    if (typeof v !== 'string' && typeof v !== 'number') throw invalid(k, 'expected text');
    return String(v);
  };
  const list = (k: string): string[] => {
    const v = json[k];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalid(k, 'expected a list of text');
    return v as string[];
  };
  const id = str('id', true)!;
  const query = str('query', true)!;
  const severity = capitalise(str('severity') ?? 'Medium') as Severity;
  if (!SEVERITIES.includes(severity)) throw invalid('severity', `expected one of ${SEVERITIES.join(', ')}`);
  const confidence = capitalise(str('confidence') ?? 'Medium') as Confidence;
  if (!CONFIDENCES.includes(confidence)) throw invalid('confidence', `expected one of ${CONFIDENCES.join(', ')}`);
  const triggerOperator = normaliseOperator(str('triggerOperator') ?? 'gt');
  if (!triggerOperator) throw invalid('triggerOperator', 'expected gt, lt, eq or ne');
  const threshold = json.triggerThreshold === undefined ? 0 : Number(json.triggerThreshold);
  if (!Number.isFinite(threshold)) throw invalid('triggerThreshold', 'expected a number');
  const entityMappings = (json.entityMappings ?? []) as EntityMapping[];
  if (!Array.isArray(entityMappings) || entityMappings.some((m) => !m || typeof m.entityType !== 'string' || !Array.isArray(m.fieldMappings))) {
    throw invalid('entityMappings', 'expected a list of {entityType, fieldMappings: [{identifier, columnName}]}');
  }
  const legs = (json.legs ?? []) as Leg[];
  if (!Array.isArray(legs) || legs.some((l) => !l || typeof l.id !== 'string' || typeof l.column !== 'string')) {
    throw invalid('legs', 'expected a list of {id, name, column, reason}');
  }
  const customDetails = (json.customDetails ?? {}) as Record<string, string>;
  if (typeof customDetails !== 'object' || Array.isArray(customDetails)) throw invalid('customDetails', 'expected a mapping of name: Column');
  const suppression = json.suppression as { enabled?: boolean; duration?: string } | undefined;
  const qNode = nodes.get('query') as Node & { type?: string };
  const qPos = at(qNode);
  const block = qNode && isScalar(qNode) && (qNode.type === 'BLOCK_LITERAL' || qNode.type === 'BLOCK_FOLDED');
  return {
    id,
    name: str('name') ?? id,
    description: str('description') ?? '',
    severity,
    confidence,
    tactics: list('tactics'),
    relevantTechniques: json.relevantTechniques !== undefined ? list('relevantTechniques') : list('techniques'),
    query,
    queryFrequency: str('queryFrequency') ?? '1h',
    queryPeriod: str('queryPeriod') ?? '1h',
    triggerOperator,
    triggerThreshold: threshold,
    entityMappings,
    customDetails,
    suppressionEnabled: Boolean(json.suppressionEnabled ?? suppression?.enabled ?? false),
    suppressionDuration: str('suppressionDuration') ?? suppression?.duration ?? '5h',
    falsePositives: list('falsePositives'),
    references: list('references'),
    dataSources: list('dataSources'),
    requiredTables: list('requiredTables'),
    legs: legs.map((l) => ({ ...l, name: l.name ?? l.id })),
    reason: str('reason'),
    version: str('version'),
    kind: str('kind') ?? 'Scheduled',
    source: {
      file,
      queryLine: block ? (qPos.line ?? 1) + 1 : qPos.line ?? 1,
      queryColumn: qPos.column ?? 1,
      queryIndent: block ? blockIndent(text, qNode.range![0]) : 0,
      queryBlock: !!block,
    },
  };
}

/** The indentation of a block scalar's content (the first non-empty line after its header). */
function blockIndent(text: string, headerOffset: number): number {
  const after = text.slice(text.indexOf('\n', headerOffset) + 1);
  const m = /^( *)\S/m.exec(after);
  return m ? m[1]!.length : 0;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
}

function normaliseOperator(s: string): Rule['triggerOperator'] | undefined {
  const m: Record<string, Rule['triggerOperator']> = {
    gt: 'gt', greaterthan: 'gt', lt: 'lt', lessthan: 'lt', eq: 'eq', equal: 'eq', ne: 'ne', notequal: 'ne',
  };
  return m[s.toLowerCase()];
}

/** Moves a diagnostic on a rule's query to the rule file's own line and column. */
export function placeInRule(rule: Rule, d: Diagnostic): Diagnostic {
  if (!d.span) return { ...d, file: rule.source.file };
  const { line, column } = lineColumn(rule.query, d.span.start);
  const s = rule.source;
  if (s.queryBlock) return { ...d, span: undefined, file: s.file, line: s.queryLine + line - 1, column: s.queryIndent + column };
  return { ...d, span: undefined, file: s.file, line: s.queryLine + line - 1, column: line === 1 ? s.queryColumn + column - 1 : column };
}

export type { Document };
