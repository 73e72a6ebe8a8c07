/**
 * Defender's `LocalIPType` / `RemoteIPType` for an address a source gives without one (Zeek's
 * conn.log, Sysmon's network events). Defender documents the values "Public, Private, Reserved,
 * Loopback, Teredo, FourToSixMapping, and Broadcast", and only those are given; the ranges behind
 * each are ours (IANA special-purpose registries): private and link-local ranges are Private;
 * documentation, shared (CGNAT), benchmarking, multicast and "this network" ranges are Reserved.
 */
import { parseIpv4, parseIpv6 } from './values/ip.js';

export type IpType = 'Public' | 'Private' | 'Reserved' | 'Loopback' | 'Teredo' | 'FourToSixMapping' | 'Broadcast';

/**
 * The type of an address, or null when the text is not one address (a network such as
 * `10.0.0.0/8` is not). Surrounding whitespace is ignored, and so is an IPv6 zone (`fe80::1%eth0`).
 */
export function ipType(text: string): IpType | null {
  const s = text.trim();
  const zone = s.indexOf('%');
  const addr = zone < 0 ? s : s.slice(0, zone);
  if (!/^[0-9a-fA-F:.]+$/.test(addr)) return null;
  if (!addr.includes(':')) {
    const v4 = zone < 0 ? parseIpv4(addr) : null;
    return v4 ? v4Type(v4.addr) : null;
  }
  const v6 = parseIpv6(addr);
  return v6 ? v6Type(v6.words) : null;
}

function v4Type(addr: number): IpType {
  const a = addr >>> 24, b = (addr >>> 16) & 255, c = (addr >>> 8) & 255;
  if (addr === 0xffffffff) return 'Broadcast';
  if (a === 127) return 'Loopback';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254)) return 'Private';
  if (
    a === 0 || a >= 224 || // this network; multicast and 240/4
    (a === 100 && b >= 64 && b <= 127) || // shared address space
    (a === 192 && b === 0 && (c === 0 || c === 2)) || // IETF protocol assignments, TEST-NET-1
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113) // TEST-NET-2, -3
  ) return 'Reserved';
  return 'Public';
}

function v6Type(g: number[]): IpType {
  if (g.every((x) => x === 0)) return 'Reserved'; // ::
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return 'Loopback';
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return 'FourToSixMapping';
  const g0 = g[0]!;
  if (g0 === 0x2001 && g[1] === 0) return 'Teredo';
  if (g0 === 0x2001 && g[1] === 0xdb8) return 'Reserved'; // documentation
  if ((g0 & 0xfe00) === 0xfc00 || (g0 & 0xffc0) === 0xfe80) return 'Private'; // ULA, link-local
  if ((g0 & 0xff00) === 0xff00) return 'Reserved'; // multicast
  if ((g0 & 0xe000) === 0x2000) return 'Public'; // global unicast 2000::/3
  return 'Reserved';
}
