/**
 * Defender's `LocalIPType` / `RemoteIPType` for an address a source gives without one. Defender
 * documents the values "Public, Private, Reserved, Loopback, Teredo, FourToSixMapping, and
 * Broadcast"; the ranges behind each are ours (IANA special-purpose registries): private and
 * link-local ranges are Private, documentation, shared (CGNAT), benchmarking, multicast and
 * "this network" ranges are Reserved.
 */
export type IpType = 'Public' | 'Private' | 'Reserved' | 'Loopback' | 'Teredo' | 'FourToSixMapping' | 'Broadcast';

/** The type of an address, or '' when the text is not an IP address. */
export function ipType(text: string): IpType | '' {
  const ip = text.trim();
  const v4 = parseV4(ip);
  if (v4) return v4Type(v4);
  const v6 = parseV6(ip);
  if (!v6) return '';
  if (v6.every((g) => g === 0)) return 'Reserved'; // ::
  if (v6.slice(0, 7).every((g) => g === 0) && v6[7] === 1) return 'Loopback';
  if (v6.slice(0, 5).every((g) => g === 0) && v6[5] === 0xffff) return 'FourToSixMapping';
  const g0 = v6[0]!;
  if (g0 === 0x2001 && v6[1] === 0) return 'Teredo';
  if (g0 === 0x2001 && v6[1] === 0xdb8) return 'Reserved'; // documentation
  if ((g0 & 0xfe00) === 0xfc00 || (g0 & 0xffc0) === 0xfe80) return 'Private'; // ULA, link-local
  if ((g0 & 0xff00) === 0xff00) return 'Reserved'; // multicast
  if ((g0 & 0xe000) === 0x2000) return 'Public'; // global unicast 2000::/3
  return 'Reserved';
}

function v4Type([a, b, c, d]: number[]): IpType {
  if (a === 255 && b === 255 && c === 255 && d === 255) return 'Broadcast';
  if (a === 127) return 'Loopback';
  if (a === 10 || (a === 172 && b! >= 16 && b! <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254)) return 'Private';
  if (
    a === 0 || a! >= 224 || // this network; multicast and 240/4
    (a === 100 && b! >= 64 && b! <= 127) || // shared address space
    (a === 192 && b === 0 && (c === 0 || c === 2)) || // IETF protocol assignments, TEST-NET-1
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113) // TEST-NET-2, -3
  ) return 'Reserved';
  return 'Public';
}

function parseV4(s: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : undefined;
}

/** Eight 16-bit groups, or undefined. Accepts `::` compression, a zone (`%eth0`) and a dotted IPv4 tail. */
function parseV6(text: string): number[] | undefined {
  let s = text.replace(/%.*$/, '');
  if (!s.includes(':')) return undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    const v4 = parseV4(s.slice(lastColon + 1));
    if (!v4) return undefined;
    s = s.slice(0, lastColon + 1) + ((v4[0]! << 8) | v4[1]!).toString(16) + ':' + ((v4[2]! << 8) | v4[3]!).toString(16);
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !rest) return undefined;
  const have = head.length + rest.length;
  if (halves.length === 2 ? have > 7 : have !== 8) return undefined;
  return [...head, ...new Array<number>(8 - have).fill(0), ...rest];
}
