/**
 * Functions that take a string apart into a dynamic value: parse_url, parse_urlquery, parse_path,
 * parse_command_line, parse_csv, and parse_version (to a comparable decimal).
 */
import { facts } from '../../diagnostics/facts.js';
import { type Bag, setKey } from './dynamic.js';
import { fn, type ScalarFunction } from './types.js';

// ---------------------------------------------------------------------------------------------
// parse_url, parse_urlquery

/**
 * Kusto's URL shape: scheme "://" [user ":" password "@"] authority [path] ["?" query] ["#" fragment].
 * Userinfo needs the colon (`user@host` stays in Host), and the port is whatever follows the
 * authority's last colon. Nothing is decoded.
 */
const URL_RE = /^([^:/?#\s]+):\/\/(?:([^:@/?#]*):([^@/?#]*)@)?([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/s;

/**
 * Query parameters as Kusto returns them: keys sorted, a repeated key holding an array of its
 * values, and a parameter with an empty key or value (or no `=`) left out.
 */
export function parseQueryParameters(query: string): Bag {
  const found = new Map<string, string[]>();
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) continue;
    const k = part.slice(0, eq), v = part.slice(eq + 1);
    const list = found.get(k);
    if (list) list.push(v);
    else found.set(k, [v]);
  }
  const out: Bag = {};
  for (const k of [...found.keys()].sort()) {
    const vs = found.get(k)!;
    setKey(out, k, vs.length === 1 ? vs[0] : vs);
  }
  return out;
}

export function parseUrl(url: string): Bag {
  const m = URL_RE.exec(url);
  let host = '', port = '', path = '';
  if (m) {
    const authority = m[4];
    const colon = authority.lastIndexOf(':');
    host = colon < 0 ? authority : authority.slice(0, colon);
    port = colon < 0 ? '' : authority.slice(colon + 1);
    // A lone slash is the empty path, but only when nothing follows it.
    path = m[5] === '/' && m[6] === undefined && m[7] === undefined ? '' : m[5];
  }
  return {
    Scheme: m ? m[1] : '',
    Host: host,
    Port: port,
    Path: path,
    Username: m?.[2] ?? '',
    Password: m?.[3] ?? '',
    'Query Parameters': m?.[6] ? parseQueryParameters(m[6]) : {},
    Fragment: m?.[7] ?? '',
  };
}

const parseUrlFn = fn('parse_url', (url: string) => parseUrl(url), { aliases: ['parseurl'] });

const parseUrlQuery = fn('parse_urlquery', (query: string) => ({
  'Query Parameters': parseQueryParameters(query.startsWith('?') ? query.slice(1) : query),
}), { aliases: ['parseurlquery'] });

// ---------------------------------------------------------------------------------------------
// parse_path

const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]+):\/\//;
// A drive root (C:\ or C:/), optionally behind the long-path prefix \\?\; or a bare drive (C:).
const ROOT_RE = /^(?:\\\\\?\\)?[A-Za-z]:(?:[\\/]|$)|^[A-Za-z]:/;

function lastSeparator(s: string): number {
  return Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\'));
}

/**
 * Scheme, drive root, directory, file name, extension and alternate data stream of a Windows
 * or Unix path. Only a drive counts as RootPath (a UNC share or a leading `/` does not).
 */
export function parsePath(input: string): Bag {
  let rest = input;
  let scheme = '';
  const sm = SCHEME_RE.exec(rest);
  if (sm) {
    scheme = sm[1];
    rest = rest.slice(sm[0].length);
    // file:///C:/x names the drive path C:/x.
    if (/^\/[A-Za-z]:[\\/]/.test(rest)) rest = rest.slice(1);
  }
  const root = ROOT_RE.exec(rest)?.[0] ?? '';
  const sep = lastSeparator(rest);
  let dir: string, file: string;
  if (sep >= root.length) {
    dir = rest.slice(0, sep) || rest.slice(0, sep + 1);
    file = rest.slice(sep + 1);
  } else {
    dir = root;
    file = rest.slice(root.length);
  }
  // file.txt:stream names an alternate data stream of file.txt.
  const colon = file.indexOf(':');
  const ads = colon < 0 ? '' : file.slice(colon + 1);
  if (colon >= 0) file = file.slice(0, colon);
  const dot = file.lastIndexOf('.');
  let dirName = '';
  if (dir !== root && dir !== '/' && dir !== '\\') {
    const trimmed = dir.replace(/[\\/]+$/, '');
    dirName = trimmed.slice(lastSeparator(trimmed) + 1);
  }
  return {
    Scheme: scheme,
    RootPath: root,
    DirectoryPath: dir,
    DirectoryName: dirName,
    Filename: file,
    Extension: dot < 0 ? '' : file.slice(dot + 1),
    AlternateDataStreamName: ads,
  };
}

const parsePathFn = fn('parse_path', (p: string) => parsePath(p));

// ---------------------------------------------------------------------------------------------
// parse_command_line

const isBlank = (c: string | undefined) => c === ' ' || c === '\t';

/**
 * Splits a command line as Windows' CommandLineToArgvW does. The program name ends at the
 * first blank, or at the closing quote when it starts with one, with no escapes. For the other
 * arguments: 2n backslashes before a quote give n backslashes and the quote toggles quoting;
 * 2n+1 give n backslashes and a literal quote; other backslashes are literal; inside quotes,
 * `""` is a literal quote (and a run of quotes follows the msvcrt rule of three).
 */
export function commandLineToArgv(cmd: string): string[] {
  const n = cmd.length;
  if (n === 0) return [];
  const args: string[] = [];
  let i = 0;
  let program = '';
  if (cmd[0] === '"') {
    i = 1;
    while (i < n && cmd[i] !== '"') program += cmd[i++];
    if (i < n) i++;
  } else {
    while (i < n && !isBlank(cmd[i])) program += cmd[i++];
  }
  args.push(program);
  while (isBlank(cmd[i])) i++;
  if (i >= n) return args;

  const buf: string[] = [];
  let quotes = 0;
  let backslashes = 0;
  while (i < n) {
    const c = cmd[i];
    if (isBlank(c) && quotes === 0) {
      args.push(buf.join(''));
      buf.length = 0;
      while (isBlank(cmd[i])) i++;
      backslashes = 0;
      if (i >= n) return args;
    } else if (c === '\\') {
      buf.push(c);
      backslashes++;
      i++;
    } else if (c === '"') {
      if (backslashes % 2 === 0) {
        buf.length -= backslashes / 2;
        quotes++;
      } else {
        buf.length -= (backslashes - 1) / 2 + 1;
        buf.push('"');
      }
      i++;
      backslashes = 0;
      while (cmd[i] === '"') {
        if (++quotes === 3) {
          buf.push('"');
          quotes = 0;
        }
        i++;
      }
      if (quotes === 2) quotes = 0;
    } else {
      buf.push(c);
      backslashes = 0;
      i++;
    }
  }
  args.push(buf.join(''));
  return args;
}

const parseCommandLine: ScalarFunction = {
  name: 'parse_command_line',
  bind(ctx) {
    const parser = ctx.args[1];
    const check = (p: unknown) => {
      if (String(p).toLowerCase() !== 'windows') {
        throw facts.runtime(`parse_command_line: unknown parser type '${String(p)}' (only "windows" is supported)`, ctx.span);
      }
    };
    if (parser.constant) check(parser.value);
    return (cmd: string, p: unknown) => {
      if (!parser.constant) check(p);
      return commandLineToArgv(cmd);
    };
  },
};

// ---------------------------------------------------------------------------------------------
// parse_csv

/**
 * The fields of the first CSV record in `text`: a quoted field may hold commas, line breaks and
 * doubled quotes; an unquoted line break ends the record.
 */
export function parseCsvRecord(text: string): string[] {
  const fields: string[] = [];
  let field = '';
  let i = 0;
  const n = text.length;
  let quoted = false;
  while (i < n) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false;
      } else {
        field += c;
      }
      i++;
    } else if (c === '"' && field === '') {
      quoted = true;
      i++;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      i++;
    } else if (c === '\n' || c === '\r') {
      break;
    } else {
      field += c;
      i++;
    }
  }
  fields.push(field);
  return fields;
}

const parseCsv = fn('parse_csv', (text: unknown) => parseCsvRecord(typeof text === 'string' ? text : String(text)));

// ---------------------------------------------------------------------------------------------
// parse_version

const VERSION_RE = /^\d{1,8}(?:\.\d{1,8}){0,3}$/;

/**
 * One to four dot-separated parts of up to 8 digits, missing parts counting as trailing zeros:
 * part k weighs 10^(8*(3-k)), so versions compare as numbers. Null when malformed.
 * (Decimals are JS numbers here, so values past 2^53 keep about 16 significant digits.)
 */
export function parseVersion(text: string): number | null {
  const s = text.trim();
  if (!VERSION_RE.test(s)) return null;
  const parts = s.split('.');
  let v = 0n;
  for (let k = 0; k < 4; k++) v = v * 100_000_000n + (k < parts.length ? BigInt(parts[k]) : 0n);
  // Computed exactly, then rounded once to the nearest double.
  return Number(v);
}

const parseVersionFn = fn('parse_version', (v: string) => parseVersion(v));

export const PARSING_FUNCTIONS: ScalarFunction[] = [
  parseUrlFn, parseUrlQuery, parsePathFn, parseCommandLine, parseCsv, parseVersionFn,
];
