/**
 * One query over local data: bind against the Defender schemas (plus any other tables the
 * files bring), run, and return the result as one batch.
 */
import { compileQuery, type DeclaredFunction, type QueryPlan, schemaKeyOf } from '../kql/index.js';
import { defenderTables, findTable } from '../schema/index.js';
import type { TableDef } from '../schema/types.js';
import { type DataFile, type ReadStats, inferTable, newStats, tablesNamedByFiles, textBytes } from '../sources/index.js';
import { readTable } from './table-scan.js';
import { type Batch, collect, columnPicker } from './batch.js';
import type { TableSource } from './context.js';
import { createContext, run } from './run.js';
import type { I64 } from './values/int64.js';

/** Functions Defender and Sentinel add, declared so queries using them bind. */
export const DEFENDER_FUNCTIONS: DeclaredFunction[] = [
  { name: '_GetWatchlist', parameters: '(watchlistAlias:string)', body: '{ datatable(SearchKey:string, WatchlistItem:dynamic, _DTItemId:string, LastUpdatedTimeUTC:datetime)[] }' },
  { name: 'FileProfile', parameters: '(T:(*), x:string = "SHA1", y:long = 1000)', body: '{ T | extend GlobalPrevalence=long(null), GlobalFirstSeen=datetime(null), GlobalLastSeen=datetime(null), Signer=\'\', Issuer=\'\', SignerHash=\'\', IsCertificateValid=bool(null), IsRootSignerMicrosoft=bool(null), SignatureState=\'\', IsExecutable=bool(null), ThreatName=\'\', Publisher=\'\', SoftwareName=\'\' }' },
  { name: 'DeviceFromIP', parameters: '(T:(*), ip:string = "", ts:datetime = datetime(null))', body: '{ T | extend IP=\'\', DeviceId=\'\' }' },
  { name: 'AssignedIPAddresses', parameters: '(x:string = "", y:datetime = datetime(null))', body: '{ datatable(Timestamp:datetime, IPAddress:string, DeviceName:string, DeviceId:string)[] }' },
  { name: 'SeenBy', parameters: '(T:(*), x:string = "", y:datetime = datetime(null))', body: '{ T | extend SeenBy=dynamic(null) }' },
];

export interface QueryData {
  tables: TableDef[];
  sources: Map<string, TableSource>;
  stats: ReadStats;
  /** Declared functions that replace the defaults of the same name (e.g. `_GetWatchlist` with real columns). */
  functions?: DeclaredFunction[];
}

/** Table definitions and sources for a set of data files. */
export async function loadData(files: DataFile[], options: { strictSchema?: boolean; strictInput?: boolean } = {}): Promise<QueryData> {
  const base = defenderTables({ strict: options.strictSchema });
  const stats = newStats(options.strictInput);
  const tables = [...base];
  for (const name of tablesNamedByFiles(files)) {
    if (findTable(tables, name)) continue;
    tables.push(await inferTable(name, files, newStats()));
  }
  const sources = new Map<string, TableSource>();
  for (const def of tables) {
    if (!files.length) break;
    sources.set(def.name, {
      fields: def.columns.map((c) => ({ name: c.name, type: c.type })),
      open: (hints) => readTable(def, files, stats, hints),
    });
  }
  return { tables, sources, stats };
}

export function compileFor(text: string, data: Pick<QueryData, 'tables' | 'functions'>, strictSchema = false): QueryPlan {
  const extra = data.functions ?? [];
  const functions = [...DEFENDER_FUNCTIONS.filter((f) => !extra.some((e) => e.name === f.name)), ...extra];
  return compileQuery(text, { tables: data.tables, functions, schemaKey: schemaKeyFor(data.tables, functions, strictSchema) });
}

/** The binder's inputs as one key (memoised per table list: hunts compile many rules against one). */
const schemaKeys = new WeakMap<object, Map<string, string>>();
function schemaKeyFor(tables: TableDef[], functions: DeclaredFunction[], strict: boolean): string {
  let byFns = schemaKeys.get(tables);
  if (!byFns) { byFns = new Map(); schemaKeys.set(tables, byFns); }
  const fnText = (strict ? 'strict|' : 'ext|') + functions.map((f) => f.name + f.parameters + f.body).join('|');
  let key = byFns.get(fnText);
  if (!key) {
    key = schemaKeyOf({ tables, functions });
    byFns.set(fnText, key);
  }
  return key;
}

/** Runs a plan; `scanHints: false` turns off column and record skipping (to check it changes nothing). */
export async function runPlan(plan: QueryPlan, data: Pick<QueryData, 'sources'>, now: I64, options: { scanHints?: boolean } = {}): Promise<Batch> {
  const ctx = createContext({ now, table: (name) => data.sources.get(name), root: options.scanHints === false ? undefined : plan.result, plan: plan.result });
  return collect(run(plan.result, ctx), plan.schema);
}

/** Inputs up to this size (as text) are kept in memory across the queries run over them. */
export const SHARE_LIMIT = 64 * 1024 * 1024;

/** The data with its rows kept across queries (sharedSources) when its files are small; as it is otherwise. */
export async function keptIfSmall(data: QueryData, files: DataFile[]): Promise<QueryData> {
  return (await textBytes(files)) <= SHARE_LIMIT ? sharedSources(data) : data;
}

/**
 * Sources that read their files once and keep the rows, for running many queries over the same
 * small data (a hunt runs every rule of a pack). Hints still narrow what each scan returns.
 */
export function sharedSources(data: QueryData): QueryData {
  const sources = new Map<string, TableSource>();
  for (const [name, source] of data.sources) {
    let rows: Promise<Batch> | undefined;
    sources.set(name, {
      fields: source.fields,
      async *open(hints) {
        rows ??= collect(source.open(), source.fields);
        const all = await rows;
        yield hints?.columns ? columnPicker(hints.columns)(all) : all;
      },
    });
  }
  return { ...data, sources };
}
