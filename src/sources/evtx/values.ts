/**
 * BinXml substitution values: decoding each value type from its bytes and rendering it as text
 * the way Windows' EvtRender writes it in event XML (the text a Sigma rule or an analyst sees):
 * GUIDs braced and lower case, FILETIME/SYSTEMTIME as ISO 8601 UTC with 7 fractional digits,
 * HexInt32/HexInt64/SizeT as `0x` + lower-case hex without padding (`0x3e7`), SIDs as `S-1-5-18`,
 * binary as upper-case hex, booleans as `true`/`false`.
 */

/** Value type codes (MS-EVEN6 / libevtx); `| 0x80` makes an array of the type. */
export const VT = {
  Null: 0x00,
  String: 0x01,
  AnsiString: 0x02,
  Int8: 0x03,
  UInt8: 0x04,
  Int16: 0x05,
  UInt16: 0x06,
  Int32: 0x07,
  UInt32: 0x08,
  Int64: 0x09,
  UInt64: 0x0a,
  Real32: 0x0b,
  Real64: 0x0c,
  Bool: 0x0d,
  Binary: 0x0e,
  Guid: 0x0f,
  SizeT: 0x10,
  FileTime: 0x11,
  SysTime: 0x12,
  Sid: 0x13,
  HexInt32: 0x14,
  HexInt64: 0x15,
  EvtHandle: 0x20,
  BinXml: 0x21,
  EvtXml: 0x23,
} as const;

const FIXED_SIZE: Record<number, number> = {
  [VT.Int8]: 1, [VT.UInt8]: 1, [VT.Int16]: 2, [VT.UInt16]: 2, [VT.Int32]: 4, [VT.UInt32]: 4,
  [VT.Int64]: 8, [VT.UInt64]: 8, [VT.Real32]: 4, [VT.Real64]: 8, [VT.Bool]: 4, [VT.Guid]: 16,
  [VT.FileTime]: 8, [VT.SysTime]: 16, [VT.HexInt32]: 4, [VT.HexInt64]: 8,
};

export class ValueError extends Error {}

const HEX = '0123456789abcdef';

/** Renders one value of a scalar type; `bytes` holds exactly the value. */
export function renderScalar(type: number, b: Buffer): string {
  switch (type) {
    case VT.Null: return '';
    case VT.String: return utf16(b);
    case VT.AnsiString: return ansi(b);
    case VT.Int8: need(b, 1, type); return String(b.readInt8(0));
    case VT.UInt8: need(b, 1, type); return String(b.readUInt8(0));
    case VT.Int16: need(b, 2, type); return String(b.readInt16LE(0));
    case VT.UInt16: need(b, 2, type); return String(b.readUInt16LE(0));
    case VT.Int32: need(b, 4, type); return String(b.readInt32LE(0));
    case VT.UInt32: need(b, 4, type); return String(b.readUInt32LE(0));
    case VT.Int64: need(b, 8, type); return b.readBigInt64LE(0).toString();
    case VT.UInt64: need(b, 8, type); return b.readBigUInt64LE(0).toString();
    case VT.Real32: need(b, 4, type); return String(Math.fround(b.readFloatLE(0)));
    case VT.Real64: need(b, 8, type); return String(b.readDoubleLE(0));
    case VT.Bool: {
      // Written as a 32-bit value; some writers use fewer bytes. Any non-zero byte is true.
      if (b.length === 0) throw new ValueError('empty Bool value');
      return b.some((x) => x !== 0) ? 'true' : 'false';
    }
    case VT.Binary: case VT.EvtHandle: case VT.EvtXml: return b.toString('hex').toUpperCase();
    case VT.Guid: need(b, 16, type); return guid(b, 0);
    case VT.SizeT:
      if (b.length === 4) return '0x' + b.readUInt32LE(0).toString(16);
      if (b.length === 8) return '0x' + b.readBigUInt64LE(0).toString(16);
      throw new ValueError(`SizeT value of ${b.length} bytes (expected 4 or 8)`);
    case VT.FileTime: need(b, 8, type); return filetime(b.readBigUInt64LE(0));
    case VT.SysTime: need(b, 16, type); return systemtime(b);
    case VT.Sid: return sid(b);
    case VT.HexInt32: need(b, 4, type); return '0x' + b.readUInt32LE(0).toString(16);
    case VT.HexInt64: need(b, 8, type); return '0x' + b.readBigUInt64LE(0).toString(16);
    default: throw new ValueError(`unknown value type 0x${type.toString(16)}`);
  }
}

/** The items of an array value (type with 0x80 set). */
export function arrayItems(type: number, b: Buffer): string[] {
  const base = type & 0x7f;
  if (base === VT.String) {
    // NUL-terminated UTF-16 strings, one after another.
    const out: string[] = [];
    let start = 0;
    for (let i = 0; i + 1 < b.length; i += 2) {
      if (b[i] === 0 && b[i + 1] === 0) {
        out.push(utf16(b.subarray(start, i)));
        start = i + 2;
      }
    }
    if (start + 1 < b.length) out.push(utf16(b.subarray(start, b.length - ((b.length - start) % 2))));
    return out;
  }
  if (base === VT.AnsiString) {
    return b.length === 0 ? [] : ansi(b).split('\0');
  }
  if (base === VT.Sid) {
    const out: string[] = [];
    let p = 0;
    while (p + 8 <= b.length) {
      const n = 8 + 4 * b[p + 1]!;
      out.push(sid(b.subarray(p, p + n)));
      p += n;
    }
    return out;
  }
  let size = FIXED_SIZE[base];
  if (base === VT.SizeT) size = b.length % 8 === 0 ? 8 : 4;
  if (!size) throw new ValueError(`array of value type 0x${base.toString(16)} is not supported`);
  if (b.length % size !== 0) throw new ValueError(`array of ${b.length} bytes is not a whole number of ${size}-byte items`);
  const out: string[] = [];
  for (let p = 0; p < b.length; p += size) out.push(renderScalar(base, b.subarray(p, p + size)));
  return out;
}

function need(b: Buffer, n: number, type: number): void {
  if (b.length < n) throw new ValueError(`value of type 0x${type.toString(16)} needs ${n} bytes, has ${b.length}`);
}

/** UTF-16LE without trailing NULs; unpaired surrogates (corrupt text) become U+FFFD. */
export function utf16(b: Buffer): string {
  let end = b.length & ~1;
  while (end >= 2 && b[end - 1] === 0 && b[end - 2] === 0) end -= 2;
  const s = b.toString('utf16le', 0, end);
  return wellFormed(s);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function wellFormed(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return s.replace(LONE_SURROGATE, '\uFFFD');
  }
  return s;
}

let cp1252: { decode(b: Uint8Array): string } | undefined | null;

/** Windows "ANSI" text (code page 1252 for the logs we meet); never fails on odd bytes. */
function ansi(b: Buffer): string {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  if (cp1252 === undefined) {
    try {
      cp1252 = new TextDecoder('windows-1252');
    } catch {
      cp1252 = null;
    }
  }
  return cp1252 ? cp1252.decode(b.subarray(0, end)) : b.toString('latin1', 0, end);
}

export function guid(b: Buffer, p: number): string {
  const h = (x: number) => HEX[x >> 4]! + HEX[x & 15]!;
  let s = '{';
  for (const i of [3, 2, 1, 0]) s += h(b[p + i]!);
  s += '-' + h(b[p + 5]!) + h(b[p + 4]!) + '-' + h(b[p + 7]!) + h(b[p + 6]!) + '-' + h(b[p + 8]!) + h(b[p + 9]!) + '-';
  for (let i = 10; i < 16; i++) s += h(b[p + i]!);
  return s + '}';
}

function sid(b: Buffer): string {
  if (b.length < 8) throw new ValueError(`SID of ${b.length} bytes is too short`);
  const count = b[1]!;
  if (b.length < 8 + 4 * count) throw new ValueError(`SID with ${count} sub-authorities needs ${8 + 4 * count} bytes, has ${b.length}`);
  let authority = 0;
  for (let i = 2; i < 8; i++) authority = authority * 256 + b[i]!;
  let s = `S-${b[0]}-${authority}`;
  for (let i = 0; i < count; i++) s += '-' + b.readUInt32LE(8 + 4 * i);
  return s;
}

const EPOCH_DIFF_TICKS = 116444736000000000n; // 1601-01-01 to 1970-01-01 in 100 ns ticks

/** A FILETIME (100 ns ticks since 1601) as ISO 8601 UTC with 7 fractional digits. */
export function filetime(ticks: bigint): string {
  const unixTicks = ticks - EPOCH_DIFF_TICKS;
  let secs = unixTicks / 10000000n;
  let frac = unixTicks % 10000000n;
  if (frac < 0n) { frac += 10000000n; secs -= 1n; }
  const d = new Date(Number(secs) * 1000);
  if (Number.isNaN(d.getTime())) throw new ValueError(`FILETIME ${ticks} is out of range`);
  return isoSeconds(d) + '.' + frac.toString().padStart(7, '0') + 'Z';
}

function systemtime(b: Buffer): string {
  const y = b.readUInt16LE(0), mo = b.readUInt16LE(2), d = b.readUInt16LE(6);
  const h = b.readUInt16LE(8), mi = b.readUInt16LE(10), s = b.readUInt16LE(12), ms = b.readUInt16LE(14);
  if (y === 0 && mo === 0 && d === 0) return '';
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || ms > 999) {
    throw new ValueError(`SYSTEMTIME ${y}-${mo}-${d} ${h}:${mi}:${s}.${ms} is not a valid time`);
  }
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${String(y).padStart(4, '0')}-${p2(mo)}-${p2(d)}T${p2(h)}:${p2(mi)}:${p2(s)}.${String(ms).padStart(3, '0')}0000Z`;
}

function isoSeconds(d: Date): string {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ, or ±YYYYYY-... far out
  return iso.slice(0, iso.indexOf('.'));
}
