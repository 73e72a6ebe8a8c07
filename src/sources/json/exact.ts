/**
 * JSON.parse that keeps integers past 2^53 exact: Defender's `ReportId` is an 18-digit JSON
 * number, which JSON.parse would round. Such literals become bigints (the engine's long form);
 * safe integers stay numbers. JSON.parse first: a record with no integral number past 2^53 is
 * done, a flat one has those members' literals read from the text, anything else is re-parsed
 * with its long literals quoted.
 */
import { norm } from '../../schema/values/int64.js';

const MARK = '\u0001i64:';
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);

export function parseJsonExact(text: string): unknown {
  const v = JSON.parse(text);
  // An integer literal past 2^53 parses to an integral number past it: most records have none.
  if (!hasUnsafeInteger(v)) return v;
  // A flat record (Defender's, whose ReportId is one): each such member's literal read from the text.
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const fixed = exactFlatMembers(v as Record<string, unknown>, text);
    if (fixed) return fixed;
  }
  const quoted = quoteLongIntegers(text);
  return quoted === text ? v : revive(JSON.parse(quoted));
}

/** Sets a parsed member: "__proto__" is an own property of the parse, not the prototype's setter. */
function setMember(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

function isUnsafeInteger(x: unknown): boolean {
  return typeof x === 'number' && Number.isInteger(x) && !Number.isSafeInteger(x);
}

function hasUnsafeInteger(v: unknown): boolean {
  if (isUnsafeInteger(v)) return true;
  if (!v || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some(hasUnsafeInteger);
  for (const k in v as Record<string, unknown>) if (hasUnsafeInteger((v as Record<string, unknown>)[k])) return true;
  return false;
}

/**
 * The record with its members past 2^53 made exact, when it has no nested object or array and
 * each such member is written once, plainly, as `"name":<integer>` right after `{` or `,`: then
 * that text is the member (a quote inside a string is escaped, so the pattern cannot start
 * there). Anything else returns undefined, for the general way.
 */
function exactFlatMembers(o: Record<string, unknown>, text: string): Record<string, unknown> | undefined {
  const unsafe: string[] = [];
  for (const k in o) {
    const x = o[k];
    if (x !== null && typeof x === 'object') return undefined;
    if (isUnsafeInteger(x)) unsafe.push(k);
  }
  for (const k of unsafe) {
    const key = JSON.stringify(k) + ':';
    const at = text.indexOf(key);
    if (at <= 0 || text.indexOf(key, at + 1) >= 0) return undefined;
    const before = text.charCodeAt(at - 1);
    if (before !== 123 && before !== 44 /* { , */) return undefined;
    const start = at + key.length;
    let j = text.charCodeAt(start) === 45 /* - */ ? start + 1 : start;
    const digits = j;
    while (j < text.length && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
    const next = text.charCodeAt(j);
    if (j === digits || next === 46 || next === 101 || next === 69 /* . e E */) continue; // not an integer literal: stays a number
    const lit = text.slice(start, j);
    if (Number(lit) !== o[k]) return undefined;
    const big = BigInt(lit);
    // Past 2^53 and within a 64-bit long; wider literals stay (rounded) numbers, as Kusto's real.
    if (big > MAX_SAFE || big < -MAX_SAFE) {
      if (big <= I64_MAX && big >= I64_MIN) setMember(o, k, norm(big));
    }
  }
  return o;
}

/** Marked strings back to longs, in place (a reviver would slow the whole parse down). */
function revive(v: unknown): unknown {
  if (typeof v === 'string') return v.startsWith(MARK) ? norm(BigInt(v.slice(MARK.length))) : v;
  if (v && typeof v === 'object') {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        if (typeof x === 'string' ? x.startsWith(MARK) : x && typeof x === 'object') v[i] = revive(x);
      }
    } else {
      const o = v as Record<string, unknown>;
      for (const k in o) {
        const x = o[k];
        if (typeof x === 'string' ? !x.startsWith(MARK) : !x || typeof x !== 'object') continue;
        const y = revive(x);
        if (y !== x) setMember(o, k, y);
      }
    }
  }
  return v;
}

/** Rewrites integer literals of 16+ digits outside strings as marked strings; leaves the rest as is. */
function quoteLongIntegers(text: string): string {
  let out = '';
  let last = 0;
  const n = text.length;
  for (let i = 0; i < n;) {
    // Outside strings up to the next quote: look at number literals.
    const q = text.indexOf('"', i);
    const end = q < 0 ? n : q;
    for (let k = i; k < end; k++) {
      const c = text.charCodeAt(k);
      if ((c >= 48 && c <= 57) || c === 45 /* - */) {
        let j = k + 1;
        while (j < end && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
        const next = text.charCodeAt(j);
        const integer = next !== 46 /* . */ && next !== 101 && next !== 69 /* e E */;
        const digits = j - k - (c === 45 ? 1 : 0);
        if (integer && digits >= 16) {
          const lit = text.slice(k, j);
          const leadingZero = text.charCodeAt(c === 45 ? k + 1 : k) === 48;
          const v = leadingZero ? 0n : BigInt(lit);
          // Past 2^53 and within a 64-bit long; wider literals stay (rounded) numbers, as Kusto's real.
          if ((v > MAX_SAFE || v < -MAX_SAFE) && v <= I64_MAX && v >= I64_MIN) {
            out += text.slice(last, k) + '"\\u0001i64:' + lit + '"';
            last = j;
          }
        }
        k = j - 1;
      }
    }
    if (q < 0) break;
    // Skip the string: its closing quote is the first one after an even run of backslashes.
    let j = q + 1;
    for (;;) {
      j = text.indexOf('"', j);
      if (j < 0) { j = n; break; }
      let b = j - 1;
      while (text.charCodeAt(b) === 92 /* \ */) b--;
      if ((j - 1 - b) % 2 === 0) break;
      j++;
    }
    i = j + 1;
  }
  return last === 0 ? text : out + text.slice(last);
}
