/**
 * IP address parsing, shared by the KQL ip functions and by the sources that classify addresses
 * (`schema/ip-type.ts`). IPv4 is a dotted quad with an optional /prefix; IPv6 takes `::`
 * compression, an embedded dotted IPv4 tail (`::ffff:a.b.c.d`) and an optional /prefix, and
 * accepts plain IPv4 as `::ffff:a.b.c.d`. Text that does not parse gives null.
 */

export interface Ipv4 {
  /** The address as an unsigned 32-bit number. */
  addr: number;
  prefix: number;
}

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/;

/** Dotted-quad IPv4 with an optional /prefix (0-32); null when invalid. */
export function parseIpv4(text: string): Ipv4 | null {
  const m = IPV4_RE.exec(text.trim());
  if (!m) return null;
  let addr = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return null;
    addr = addr * 256 + o;
  }
  const prefix = m[5] === undefined ? 32 : Number(m[5]);
  if (prefix > 32) return null;
  return { addr, prefix };
}

export interface Ipv6 {
  /** Eight 16-bit groups. */
  words: number[];
  prefix: number;
  /** Written with an embedded dotted IPv4 part (or as plain IPv4). */
  v4: boolean;
}

const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

/** Parses the groups of an IPv6 address (no prefix); null when invalid. */
function ipv6Words(s: string): { words: number[]; v4: boolean } | null {
  let v4 = false;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (lastColon < 0) return null;
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    const ip = parseIpv4(last);
    if (!ip || last.includes('/')) return null;
    tail = [ip.addr >>> 16, ip.addr & 0xffff];
    v4 = true;
    // Keep a "::" that ends right before the IPv4 part; drop a single separating colon.
    s = s[lastColon - 1] === ':' ? s.slice(0, lastColon + 1) : s.slice(0, lastColon);
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!HEX_GROUP.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0]!);
  if (!head) return null;
  const want = 8 - tail.length;
  if (halves.length === 1) {
    if (head.length !== want) return null;
    return { words: [...head, ...tail], v4 };
  }
  const rest = parse(halves[1]!);
  if (!rest) return null;
  const zeros = want - head.length - rest.length;
  if (zeros < 1) return null;
  return { words: [...head, ...new Array<number>(zeros).fill(0), ...rest, ...tail], v4 };
}

/**
 * IPv6 (or IPv4, as ::ffff:a.b.c.d) with an optional /prefix. A prefix on an address written
 * with a dotted IPv4 part counts IPv4 bits (so /24 covers 96 + 24 bits).
 */
export function parseIpv6(text: string): Ipv6 | null {
  const s = text.trim();
  const slash = s.indexOf('/');
  const addrText = slash < 0 ? s : s.slice(0, slash);
  let prefixBits: number | undefined;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return null;
    prefixBits = Number(p);
  }
  let words: number[];
  let v4: boolean;
  if (!addrText.includes(':')) {
    const ip = parseIpv4(addrText);
    if (!ip) return null;
    words = [0, 0, 0, 0, 0, 0xffff, ip.addr >>> 16, ip.addr & 0xffff];
    v4 = true;
  } else {
    const parsed = ipv6Words(addrText);
    if (!parsed) return null;
    ({ words, v4 } = parsed);
  }
  let prefix = 128;
  if (prefixBits !== undefined) {
    if (v4) {
      if (prefixBits > 32) return null;
      prefix = 96 + prefixBits;
    } else {
      if (prefixBits > 128) return null;
      prefix = prefixBits;
    }
  }
  return { words, prefix, v4 };
}
