/**
 * The `via` transforms a Sysmon mapping may name: pure functions from a source value (text) to
 * a column value, or to several columns' values when the rule's `to` is a list. One registry,
 * looked up by name (pySigma's transformation registry, in small).
 */

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

function parseIPv4(s: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const o = m.slice(1).map(Number);
  return o.every((x) => x <= 255) ? o : null;
}

/** The 8 16-bit groups of an IPv6 address (an embedded IPv4 tail allowed), or null. */
function parseIPv6(s: string): number[] | null {
  let t = s.toLowerCase();
  const pct = t.indexOf('%');
  if (pct >= 0) t = t.slice(0, pct); // zone index: fe80::1%12
  if (!/^[0-9a-f:.]+$/.test(t) || !t.includes(':')) return null;
  let tail: number[] = [];
  const lastColon = t.lastIndexOf(':');
  const last = t.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parseIPv4(last);
    if (!v4) return null;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    t = t.slice(0, lastColon + 1);
    if (!t.endsWith('::')) t = t.slice(0, -1);
  }
  const halves = t.split('::');
  if (halves.length > 2) return null;
  const parse = (h: string) => (h === '' ? [] : h.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const want = 8 - tail.length;
  let groups: number[];
  if (halves.length === 2) {
    const fill = want - head.length - rest.length;
    if (fill < 0) return null;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest, ...tail];
  } else {
    groups = [...head, ...tail];
  }
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g))) return null;
  return groups;
}

function ipv4Type(o: number[]): string {
  const [a, b] = [o[0]!, o[1]!];
  if (a === 127) return 'Loopback';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'Private';
  if (a === 169 && b === 254) return 'LinkLocal';
  if (a >= 224 && a <= 239) return 'Multicast';
  if (o.every((x) => x === 255)) return 'Broadcast';
  if (a === 0 || a >= 240 || (a === 100 && b >= 64 && b <= 127)) return 'Reserved';
  return 'Public';
}

/**
 * What kind of address an IP is, in Defender's LocalIPType/RemoteIPType vocabulary: Public,
 * Private, Loopback, LinkLocal, Multicast, Broadcast, Reserved, FourToSixMapping, Teredo.
 * Null for text that is not an IP address.
 */
export function ipType(v: string): string | null {
  const s = v.trim();
  const v4 = parseIPv4(s);
  if (v4) return ipv4Type(v4);
  const g = parseIPv6(s);
  if (!g) return null;
  if (g.every((x) => x === 0)) return 'Reserved';
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return 'Loopback';
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return 'FourToSixMapping';
  if (g[0] === 0x2001 && g[1] === 0) return 'Teredo';
  if ((g[0]! & 0xffc0) === 0xfe80) return 'LinkLocal';
  if ((g[0]! & 0xfe00) === 0xfc00) return 'Private';
  if ((g[0]! & 0xff00) === 0xff00) return 'Multicast';
  if (g[0] === 0x2001 && g[1] === 0xdb8) return 'Reserved';
  return 'Public';
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
  ip_type: ipType,
};

/** How many values a transform gives (for rules whose `to` is a list). */
export const TRANSFORM_ARITY: Record<string, number> = { split_account: 2, hashes: 3 };
