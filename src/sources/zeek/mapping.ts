/**
 * A Zeek conn.log record as a DeviceNetworkEvents row, as data: each entry fills one Defender
 * column (`to`) from a Zeek field (`from`, the first present of a list) through an optional pure
 * transform (`via`), or with a constant (`value`). Zeek fields no entry reads go, unchanged, into
 * `AdditionalFields`. docs/zeek.md explains the choices.
 */
import { ipType } from '../../schema/ip-type.js';
import type { ZeekRecord } from './read.js';

/** Our ActionType for a Zeek flow (Defender has none like it; documented in docs/zeek.md). */
export const FLOW_ACTION_TYPE = 'ConnectionFlow';

const VIA = {
  /** Zeek's `proto` enum as Defender spells `Protocol`. */
  protocol: (v: unknown): unknown => {
    if (typeof v !== 'string') return v;
    return ({ tcp: 'Tcp', udp: 'Udp', icmp: 'Icmp' } as Record<string, string>)[v.toLowerCase()] ?? v;
  },
  /** Defender's LocalIPType/RemoteIPType; '' when the field is not an address. */
  ipType: (v: unknown): unknown => (typeof v === 'string' ? (ipType(v) ?? '') : ''),
} satisfies Record<string, (v: unknown) => unknown>;

export interface ColumnRule {
  to: string;
  from?: string | readonly string[];
  via?: keyof typeof VIA;
  value?: unknown;
}

export const CONN_TO_NETWORK_EVENTS: readonly ColumnRule[] = [
  { to: 'Timestamp', from: 'ts' },
  { to: 'DeviceName', value: '' }, // a flow names no host; left empty rather than guessed
  { to: 'ActionType', value: FLOW_ACTION_TYPE },
  { to: 'LocalIP', from: 'id.orig_h' },
  { to: 'LocalPort', from: 'id.orig_p' },
  { to: 'LocalIPType', from: 'id.orig_h', via: 'ipType' },
  { to: 'RemoteIP', from: 'id.resp_h' },
  { to: 'RemotePort', from: 'id.resp_p' },
  { to: 'RemoteIPType', from: 'id.resp_h', via: 'ipType' },
  { to: 'Protocol', from: 'proto', via: 'protocol' },
  // conn.log has no names; records merged with ssl/http/dns fields (or enriched by a pipeline) do.
  { to: 'RemoteUrl', from: ['server_name', 'host', 'query'] },
  { to: 'SentBytes', from: 'orig_bytes' },
  { to: 'ReceivedBytes', from: 'resp_bytes' },
];

const CONSUMED = new Set(CONN_TO_NETWORK_EVENTS.flatMap((r) => (r.from === undefined ? [] : typeof r.from === 'string' ? [r.from] : [...r.from])));

export function toNetworkEvent(z: ZeekRecord): Record<string, unknown> {
  const rec: Record<string, unknown> = {};
  for (const rule of CONN_TO_NETWORK_EVENTS) {
    let v: unknown = rule.value;
    if (rule.from !== undefined) {
      const names = typeof rule.from === 'string' ? [rule.from] : rule.from;
      const name = names.find((f) => z[f] !== undefined && z[f] !== null && z[f] !== '');
      v = name === undefined ? undefined : z[name];
    }
    if (rule.via) v = VIA[rule.via](v);
    if (v !== undefined) rec[rule.to] = v;
  }
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(z)) if (!CONSUMED.has(k)) extra[k] = v;
  rec.AdditionalFields = extra;
  return rec;
}
