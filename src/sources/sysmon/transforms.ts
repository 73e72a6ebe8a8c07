/**
 * The `via` transforms a Sysmon mapping may name: pure functions from a source value (text) to
 * a column value, or to several columns' values when the rule's `to` is a list. One registry,
 * looked up by name (pySigma's transformation registry, in small).
 */
import { ipType } from '../../schema/ip-type.js';

export type Transform = (value: string) => unknown;

function basename(v: string): string {
  const i = Math.max(v.lastIndexOf('\\'), v.lastIndexOf('/'));
  return i < 0 ? v : v.slice(i + 1);
}

function dirname(v: string): string {
  const i = Math.max(v.lastIndexOf('\\'), v.lastIndexOf('/'));
  return i < 0 ? '' : v.slice(0, i);
}

/**
 * `DOMAIN\user` → [domain, user], lower case as Defender reports accounts (`nt authority`,
 * `system`); `user@domain` → [domain, user]; a bare `root` (Sysmon for Linux) → [null, root].
 */
function splitAccount(v: string): [string | null, string | null] {
  const s = v.trim();
  if (s === '' || s === '-') return [null, null];
  const bs = s.indexOf('\\');
  if (bs >= 0) return [s.slice(0, bs).toLowerCase() || null, s.slice(bs + 1).toLowerCase() || null];
  const at = s.lastIndexOf('@');
  if (at > 0) return [s.slice(at + 1).toLowerCase(), s.slice(0, at).toLowerCase()];
  return [null, s.toLowerCase()];
}

/** `SHA1=..,MD5=..,SHA256=..,IMPHASH=..` → [sha1, md5, sha256], lower-case hex as Defender writes them. */
function hashes(v: string): [string | null, string | null, string | null] {
  const found: Record<string, string> = {};
  for (const part of v.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) found[part.slice(0, eq).trim().toUpperCase()] = part.slice(eq + 1).trim().toLowerCase();
  }
  return [found.SHA1 ?? null, found.MD5 ?? null, found.SHA256 ?? null];
}

/** Sysmon's `2017-12-26 13:10:29.134` (UTC, no zone) → `2017-12-26T13:10:29.1340000Z`. */
function utcDatetime(v: string): string | null {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,7}))?Z?$/.exec(v.trim());
  if (!m) return v.trim() === '' ? null : v;
  return `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(7, '0')}Z`;
}

/** `0x3e7` → `999` (exact, as text, two's complement past 2^63 as Kusto's long would hold it). */
function hexLong(v: string): string | null {
  const s = v.trim();
  if (!/^0x[0-9a-f]{1,16}$/i.test(s)) return /^-?\d+$/.test(s) ? s : null;
  return BigInt.asIntN(64, BigInt(s)).toString();
}

const PROTOCOLS: Record<string, string> = { tcp: 'Tcp', udp: 'Udp', icmp: 'Icmp', icmpv6: 'IcmpV6' };

function protocol(v: string): string {
  return PROTOCOLS[v.trim().toLowerCase()] ?? v;
}

/** Sysmon EID 3's `Initiated`: true → the local process connected out, false → it accepted. */
function connectionAction(v: string): string {
  return v.trim().toLowerCase() === 'false' ? 'InboundConnectionAccepted' : 'ConnectionSuccess';
}

export const TRANSFORMS: Record<string, Transform> = {
  basename,
  dirname,
  split_account: splitAccount,
  hashes,
  utc_datetime: utcDatetime,
  lowercase: (v) => v.toLowerCase(),
  hex_long: hexLong,
  protocol,
  connection_action: connectionAction,
  /** Defender's LocalIPType/RemoteIPType (schema/ip-type.ts); null when the value is not an address. */
  ip_type: ipType,
};

/** How many values a transform gives (for rules whose `to` is a list). */
export const TRANSFORM_ARITY: Record<string, number> = { split_account: 2, hashes: 3 };
