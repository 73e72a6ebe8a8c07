/**
 * Watchlists as Sentinel has them, backed by CSV files: `_GetWatchlist('alias')` reads
 * `<dir>/<alias>.csv`. Rows come back with the CSV's columns plus Sentinel's own:
 * SearchKey (the first column's value, or a column named SearchKey), WatchlistItem (the row as
 * a bag), _DTItemId and LastUpdatedTimeUTC.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { TableDef } from '../schema/types.js';
import { newStats, readerOf, type DataFile } from '../sources/index.js';

export interface Watchlist {
  alias: string;
  file: string;
  columns: string[];
  rows: Record<string, string>[];
}

export async function loadWatchlists(dir: string | undefined): Promise<Watchlist[]> {
  if (!dir) return [];
  const entries = await fs.readdir(dir).catch(() => [] as string[]);
  const out: Watchlist[] = [];
  for (const e of entries.sort()) {
    if (!/\.csv$/i.test(e)) continue;
    const file = path.join(dir, e);
    const df: DataFile = { path: file, reader: 'csv', gzip: false, table: e.replace(/\.csv$/i, ''), routed: false };
    const rows: Record<string, string>[] = [];
    const stats = newStats(true);
    for await (const r of readerOf(df).read(df, stats)) rows.push(r.rec as Record<string, string>);
    const header = (await fs.readFile(file, 'utf8')).split(/\r?\n/, 1)[0] ?? '';
    const columns = header.replace(/^\uFEFF/, '').split(',').map((c) => c.trim().replace(/^"|"$/g, '')).filter(Boolean);
    out.push({ alias: df.table, file, columns, rows });
  }
  return out;
}

const SENTINEL_COLUMNS = ['_DTItemId', 'LastUpdatedTimeUTC', 'SearchKey', 'WatchlistItem'];

/** One schema for `_GetWatchlist` that binds every watchlist's columns (the binder cannot vary it by alias). */
export function watchlistSchema(lists: Watchlist[]): TableDef['columns'] {
  const cols = new Map<string, TableDef['columns'][number]>();
  cols.set('_DTItemId', { name: '_DTItemId', type: 'string' });
  cols.set('LastUpdatedTimeUTC', { name: 'LastUpdatedTimeUTC', type: 'datetime' });
  cols.set('SearchKey', { name: 'SearchKey', type: 'string' });
  cols.set('WatchlistItem', { name: 'WatchlistItem', type: 'dynamic' });
  for (const l of lists) for (const c of l.columns) if (!cols.has(c)) cols.set(c, { name: c, type: 'string' });
  return [...cols.values()];
}

/** A watchlist's rows in the `_GetWatchlist` schema. */
export function watchlistRecords(list: Watchlist): Record<string, unknown>[] {
  const keyColumn = list.columns.includes('SearchKey') ? 'SearchKey' : list.columns[0];
  return list.rows.map((r, i) => ({
    ...r,
    _DTItemId: `${list.alias}-${i + 1}`,
    LastUpdatedTimeUTC: null,
    SearchKey: keyColumn ? r[keyColumn] ?? '' : '',
    WatchlistItem: { ...r },
  }));
}

export { SENTINEL_COLUMNS };
