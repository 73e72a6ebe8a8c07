/**
 * Zeek conn.log (ASCII with `#` headers, zeek-cut TSV, JSON lines; optionally gzip) into
 * DeviceNetworkEvents rows with ActionType "ConnectionFlow" (mapping.ts, docs/zeek.md). The
 * byte-crediting stage (sources/bytes/) then joins these flows to the endpoint's process rows.
 * The reader takes no raw pre-filter: a flow names no process, yet its bytes may be credited to
 * one the query looks for.
 */
import { createInterface } from 'node:readline';
import { type DataFile, type Reader, type ReadStats, type SourceRecord, openBytes, readFailed, skip } from '../reader.js';
import { claimsZeekConn } from './detect.js';
import { toNetworkEvent } from './mapping.js';
import { zeekRecords } from './read.js';

export const zeekReader: Reader = {
  name: 'zeek',
  claims: claimsZeekConn,
  tables: ['DeviceNetworkEvents'],
  read: readZeek,
};

async function* readZeek(file: DataFile, stats: ReadStats): AsyncGenerator<SourceRecord> {
  const lines = createInterface({ input: openBytes(file), crlfDelay: Infinity });
  try {
    for await (const { z, line, path } of zeekRecords(lines, file.path, stats)) {
      if (path !== undefined && path !== 'conn') {
        skip(stats, file.path, line, `a record of a Zeek '${path}' log, not conn.log: not a flow`);
        continue;
      }
      if (typeof z['id.orig_h'] !== 'string' || typeof z['id.resp_h'] !== 'string') {
        skip(stats, file.path, line, 'not a conn.log record: no id.orig_h / id.resp_h');
        continue;
      }
      yield { table: 'DeviceNetworkEvents', rec: toNetworkEvent(z), line };
    }
  } catch (e) {
    readFailed(file, e);
  }
}
