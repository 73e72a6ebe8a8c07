/**
 * Which files are Zeek conn logs: by name (`conn.log`, `conn.00:00:00-01:00:00.log`,
 * `conn-tsv.log`, optionally .gz), or by their first bytes wherever they are: an ASCII header whose
 * `#fields` has `id.orig_h` (and whose `#path`, if any, is `conn`), a zeek-cut field-name line, or
 * a JSON object with top-level `id.orig_h` and conn fields. Other Zeek logs (ssl, http, dns) also
 * carry `id.orig_h` but are not flows, so the head test asks for conn fields as well.
 */
import * as path from 'node:path';

const CONN_NAME = /^conn(?:[._-][^/\\]*)?\.log$/;
const CONN_FIELDS = ['conn_state', 'orig_bytes', 'resp_bytes', 'history'];

export function claimsZeekConn(name: string, head: Buffer): boolean {
  return CONN_NAME.test(path.basename(name)) || headIsConn(head.toString('latin1'));
}

function headIsConn(text: string): boolean {
  const lines = text.split(/\r?\n/);
  const first = lines[0] ?? '';
  if (first.startsWith('#')) {
    let fields: string[] | undefined;
    let logPath: string | undefined;
    for (const l of lines) {
      if (!l.startsWith('#')) break;
      if (/^#path\s/.test(l)) logPath = l.slice(5).trim();
      if (/^#fields\s/.test(l)) fields = l.slice(7).split(/\s+/);
    }
    return !!fields && fields.includes('id.orig_h') && (logPath === 'conn' || (logPath === undefined && CONN_FIELDS.some((f) => fields!.includes(f))));
  }
  const t = first.trim();
  if (t.startsWith('{')) {
    let o: unknown;
    try {
      o = JSON.parse(t);
    } catch {
      // A first line longer than the head: look at its text.
      return /^\{\s*"(?:_path"\s*:\s*"conn"|ts"\s*:)/.test(t) && t.includes('"id.orig_h"') && CONN_FIELDS.some((f) => t.includes(`"${f}"`));
    }
    if (!o || typeof o !== 'object' || Array.isArray(o)) return false;
    const keys = o as Record<string, unknown>;
    return 'id.orig_h' in keys && !('ActionType' in keys) && CONN_FIELDS.some((f) => f in keys);
  }
  const names = first.split('\t');
  return names.includes('id.orig_h') && CONN_FIELDS.some((f) => names.includes(f));
}
