/**
 * The one place that loads Microsoft's parser and binder (@kusto/language-service-next).
 * It is a Bridge.NET bundle: loading it defines the globals `Bridge`, `System` and `Kusto`
 * and exports nothing, so it is loaded once, lazily, and its objects never leave `kql/`.
 */
import { createRequire } from 'node:module';
import type { TableDef, ScalarType } from '../schema/types.js';

// The bundle's typings are global namespaces that do not type-check under our settings;
// the translator reads its objects through this loose alias instead.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KNode = any;

let kusto: KNode | undefined;

export function kustoLanguage(): KNode {
  if (!kusto) {
    const require = createRequire(import.meta.url);
    require('@kusto/language-service-next/bridge.min.js');
    require('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
    kusto = (globalThis as KNode).Kusto.Language;
  }
  return kusto;
}

/** A function Defender or Sentinel adds that the stock parser does not know. */
export interface DeclaredFunction {
  name: string;
  /** Kusto parameter list, e.g. `(watchlistAlias:string)`. */
  parameters: string;
  /** A body that gives the binder the result schema, e.g. `{ datatable(SearchKey:string)[] }`. */
  body: string;
}

function schemaText(columns: { name: string; type: ScalarType }[]): string {
  return '(' + columns.map((c) => `['${c.name}']:${c.type}`).join(', ') + ')';
}

const globalsCache = new Map<string, KNode>();

/** The binder's global state for a set of tables and declared functions (cached). */
export function globalsFor(key: string, tables: readonly TableDef[], functions: readonly DeclaredFunction[]): KNode {
  let g = globalsCache.get(key);
  if (g) return g;
  const K = kustoLanguage();
  const members: KNode[] = [];
  for (const t of tables) {
    members.push(K.Symbols.TableSymbol.From(schemaText(t.columns)).WithName(t.name));
  }
  for (const f of functions) {
    members.push(new K.Symbols.FunctionSymbol.$ctor16(f.name, f.parameters, f.body, null));
  }
  const db = new K.Symbols.DatabaseSymbol.ctor('exfilwatch', members);
  // schema_merge runs here, but is not among the binder's default plug-ins.
  const all = K.PlugIns.All;
  const plugins = [...(Array.isArray(all) ? all : toArray(all)), K.PlugIns.SchemaMerge].filter(Boolean);
  g = K.GlobalState.Default.WithDatabase(db).WithPlugIns(plugins);
  globalsCache.set(key, g);
  return g;
}

/** Bridge lists are not iterable; this turns one into an array. */
export function toArray(list: KNode): KNode[] {
  if (!list) return [];
  const n: number = typeof list.Count === 'number' ? list.Count : list.getCount();
  const out: KNode[] = [];
  for (let i = 0; i < n; i++) out.push(list.getItem(i));
  return out;
}

let kindNames: Map<number, string> | undefined;

/** The SyntaxKind's name (enums are plain numbers in the bundle). */
export function syntaxKindName(kind: number): string {
  if (!kindNames) {
    kindNames = new Map();
    for (const [name, value] of Object.entries(kustoLanguage().Syntax.SyntaxKind)) {
      if (typeof value === 'number') kindNames.set(value, name);
    }
  }
  return kindNames.get(kind) ?? String(kind);
}
