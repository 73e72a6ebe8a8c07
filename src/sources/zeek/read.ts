/**
 * Zeek logs, line by line, into plain records keyed by Zeek field names (`ts`, `id.orig_h`, ...)
 * with typed values. Two layouts, even mixed in one stream:
 *
 * - ASCII: `#separator \x09`, `#set_separator`, `#empty_field`, `#unset_field`, `#path`, `#open`,
 *   `#fields`, `#types`, `#close` directives, then one separated line per record. The unset value
 *   (`-`) leaves a field out, the empty value (`(empty)`) is an empty string or set, `\xHH` escapes
 *   are bytes (UTF-8 reassembled), set and vector members split on the set separator. A file with
 *   no `#` header whose first line names fields (zeek-cut's "TSV" output) works too.
 * - JSON lines (`LogAscii::use_json=T`): one object per line; unset fields are absent.
 *
 * `ts` always comes out as ISO 8601 UTC text with 7 fractional digits (exact: computed from the
 * decimal digits, not through a float); a `ts` that is not a time stays as its raw text, so the
 * table view turns it into a null Timestamp and counts it.
 */
import { type ReadStats, skip } from '../reader.js';

export type ZeekRecord = Record<string, unknown>;

/** Types of the conn.log fields (Zeek `Conn::Info`), for files whose header has no `#types`. */
export const CONN_TYPES: Record<string, string> = {
  ts: 'time', uid: 'string', 'id.orig_h': 'addr', 'id.orig_p': 'port', 'id.resp_h': 'addr', 'id.resp_p': 'port',
  proto: 'enum', service: 'string', duration: 'interval', orig_bytes: 'count', resp_bytes: 'count',
  conn_state: 'string', local_orig: 'bool', local_resp: 'bool', missed_bytes: 'count', history: 'string',
  orig_pkts: 'count', orig_ip_bytes: 'count', resp_pkts: 'count', resp_ip_bytes: 'count',
  tunnel_parents: 'set[string]', ip_proto: 'count',
};

interface Header {
  sep: string;
  setSep: string;
  empty: string;
  unset: string;
  path?: string;
  fields?: string[];
  types?: string[];
  /** True once any `#` directive was seen: data lines then need `#fields` first. */
  directives: boolean;
}

function newHeader(): Header {
  return { sep: '\t', setSep: ',', empty: '(empty)', unset: '-', directives: false };
}

/** Records of one Zeek log; malformed lines are skipped with file:line. */
export async function* zeekRecords(lines: AsyncIterable<string>, file: string, stats: ReadStats): AsyncGenerator<{ z: ZeekRecord; line: number; path?: string }> {
  const h = newHeader();
  let n = 0;
  for await (const raw of lines) {
    n++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      directive(h, line);
      continue;
    }
    if (line.trimStart().startsWith('{')) {
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch (e) {
        skip(stats, file, n, `not valid JSON (${(e as Error).message})`);
        continue;
      }
      if (!v || typeof v !== 'object' || Array.isArray(v)) {
        skip(stats, file, n, 'expected a JSON object');
        continue;
      }
      yield { z: fromJson(v as Record<string, unknown>), line: n, path: h.path };
      continue;
    }
    if (!h.fields) {
      const names = line.split('\t');
      if (!h.directives && names.includes('id.orig_h')) {
        h.fields = names; // zeek-cut "TSV": a first line of field names, no # header
        continue;
      }
      skip(stats, file, n, h.directives ? 'data line before the #fields header' : 'not a Zeek log line: expected a #fields header, a field-name line or a JSON object');
      continue;
    }
    const parts = line.split(h.sep);
    if (parts.length !== h.fields.length) {
      skip(stats, file, n, `expected ${h.fields.length} fields as #fields says, found ${parts.length}`);
      continue;
    }
    const z: ZeekRecord = {};
    for (let i = 0; i < parts.length; i++) {
      const name = h.fields[i]!;
      const text = parts[i]!;
      if (text === h.unset) continue;
      z[name] = typed(h.types?.[i] ?? CONN_TYPES[name] ?? 'string', text, h);
    }
    yield { z, line: n, path: h.path };
  }
}

function directive(h: Header, line: string): void {
  const m = /^#([A-Za-z_]+)(?:[ \t]|$)/.exec(line);
  if (!m) return; // '###' banners and other comments
  const name = m[1]!;
  const rest = line.slice(m[0].length);
  h.directives = true;
  switch (name) {
    case 'separator': h.sep = unescape(rest.trim()) || '\t'; break;
    case 'set_separator': h.setSep = unescape(rest) || ','; break;
    case 'empty_field': h.empty = rest; break;
    case 'unset_field': h.unset = rest; break;
    case 'path': h.path = rest.trim(); break;
    case 'fields': h.fields = splitHeader(line, h.sep); h.types = undefined; break;
    case 'types': h.types = splitHeader(line, h.sep); break;
    default: break; // open, close, unknown directives
  }
}

/** `#fields<sep>a<sep>b`: the names after the tag (whitespace-separated if the separator is absent). */
function splitHeader(line: string, sep: string): string[] {
  const parts = line.includes(sep) ? line.split(sep) : line.split(/\s+/);
  return parts.slice(1);
}

/** One ASCII value of a Zeek type. */
function typed(type: string, text: string, h: Header): unknown {
  const container = /^(?:set|vector|table)\[(.*)\]$/.exec(type);
  if (container) {
    if (text === h.empty) return [];
    return text.split(h.setSep).map((m) => (m === h.unset ? null : typed(container[1]!, m, h)));
  }
  if (text === h.empty) return '';
  const s = text.includes('\\x') ? unescape(text) : text;
  switch (type) {
    case 'time': return epochToIso(s) ?? s;
    case 'interval': case 'double': return /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(s) ? Number(s) : s;
    case 'count': case 'int': case 'port': return /^-?\d{1,15}$/.test(s) ? Number(s) : s;
    case 'bool': return s === 'T' ? true : s === 'F' ? false : s;
    default: return s;
  }
}

/** `\xHH` escapes to bytes, read back as UTF-8 (Zeek escapes separators and non-printable bytes). */
export function unescape(s: string): string {
  if (!s.includes('\\x')) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && s[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) {
      bytes.push(parseInt(s.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      for (const b of Buffer.from(s[i]!, 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Epoch seconds (`1329843175.736107`) to `2012-02-21T16:52:55.7361070Z`; undefined when not a time. */
export function epochToIso(text: string): string | undefined {
  let m = /^(\d{1,12})(?:\.(\d*))?$/.exec(text.trim());
  if (!m) {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || n < 0) return undefined;
    m = /^(\d{1,12})(?:\.(\d*))?$/.exec(n.toFixed(7));
    if (!m) return undefined;
  }
  const d = new Date(Number(m[1]) * 1000);
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() > 9999) return undefined;
  return d.toISOString().slice(0, 19) + '.' + (m[2] ?? '').padEnd(7, '0').slice(0, 7) + 'Z';
}

/** A JSON record: flat dotted names (nested `id` objects are flattened), `ts` as ISO text. */
function fromJson(o: Record<string, unknown>): ZeekRecord {
  const z: ZeekRecord = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'id' && v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) z[`id.${k2}`] = v2;
    } else if (v !== null) z[k] = v;
  }
  if (typeof z.ts === 'number' || (typeof z.ts === 'string' && /^\d+(\.\d*)?$/.test(z.ts))) z.ts = epochToIso(String(z.ts)) ?? z.ts;
  return z;
}
