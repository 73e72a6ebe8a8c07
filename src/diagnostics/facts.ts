/**
 * Every error the tool reports, made in one place. A diagnostic has a stable code
 * (EW1xx query, EW2xx rules, EW3xx input; binder errors keep Kusto's KSxxx code), a message,
 * and where it happened: a span in a query, or a file and line.
 */
export interface Diagnostic {
  code: string;
  message: string;
  /** Offset and length in the query text. */
  span?: { start: number; length: number };
  file?: string;
  line?: number;
  column?: number;
}

export class ExfilwatchError extends Error {
  constructor(public readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
    this.name = 'ExfilwatchError';
  }
}

function fail(code: string, message: string, span?: { start: number; length: number }): ExfilwatchError {
  return new ExfilwatchError({ code, message, span });
}

type SpanLike = { start: number; length: number } | undefined;

export const facts = {
  binder: (code: string, message: string, span: SpanLike) => fail(code, message, span),
  unsupportedOperator: (name: string, span: SpanLike) =>
    fail('EW101', `the '${name}' operator is not supported yet`, span),
  unsupportedFunction: (name: string, span: SpanLike) =>
    fail('EW102', `the function '${name}' is not supported yet`, span),
  unsupportedPlugin: (name: string, span: SpanLike) =>
    fail('EW103', `the plugin 'evaluate ${name}' is not supported yet`, span),
  networkRefused: (what: string, span: SpanLike) =>
    fail('EW104', `'${what}' reaches outside this machine and is refused: exfilwatch runs on local files only`, span),
  unknownTable: (name: string, span: SpanLike) =>
    fail('EW105', `no data for table '${name}': give a file named ${name}.jsonl (or .csv, .json), or --table ${name}=PATH`, span),
  queryTooDeep: (span: SpanLike) =>
    fail('EW106', 'the query is nested too deeply to run', span),
  runtime: (message: string, span: SpanLike) => fail('EW107', message, span),
  unsupportedSyntax: (what: string, span: SpanLike) =>
    fail('EW108', `${what} is not supported yet`, span),
  notScalar: (span: SpanLike) => fail('EW109', 'toscalar() needs a query with at least one column', span),
  defenderOnly: (name: string, span: SpanLike) =>
    fail('EW110', `'${name}' is a Microsoft Defender service function and has no local data source yet`, span),
  literalOutOfRange: (text: string, span: SpanLike) =>
    fail('EW111', `the number ${text} does not fit in a 64-bit long`, span),
  /** Rule files (EW2xx), placed at a file's line and column. */
  ruleSyntax: (message: string, file: string, line?: number, column?: number) =>
    new ExfilwatchError({ code: 'EW201', message, file, line, column }),
  ruleUnknownField: (field: string, file: string, line?: number, column?: number) =>
    new ExfilwatchError({ code: 'EW202', message: `unknown field '${field}'`, file, line, column }),
  ruleInvalid: (message: string, file: string, line?: number, column?: number) =>
    new ExfilwatchError({ code: 'EW203', message, file, line, column }),
  ruleQuery: (code: string, message: string, file: string, line?: number, column?: number) =>
    new ExfilwatchError({ code, message, file, line, column }),
  missingWatchlist: (name: string, span: SpanLike) =>
    fail('EW205', `no watchlist '${name}': put ${name}.csv in the watchlists folder (--watchlists DIR)`, span),
  /** Input problems (EW3xx). */
  input: (message: string, file?: string, line?: number) =>
    new ExfilwatchError({ code: 'EW301', message, file, line }),
  usage: (message: string) => new ExfilwatchError({ code: 'EW001', message }),
};

/** line:column (1-based) of an offset in a text. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) { line++; last = i; }
  }
  return { line, column: offset - last };
}
