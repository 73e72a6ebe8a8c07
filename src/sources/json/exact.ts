/**
 * JSON.parse that keeps integers past 2^53 exact: Defender's `ReportId` is an 18-digit JSON
 * number, which JSON.parse would round. Such literals become bigints (the engine's long form);
 * safe integers stay numbers. Fast path: text with no run of 16 digits goes straight to JSON.parse.
 */
import { norm } from '../../schema/values/int64.js';

const MARK = '\u0001i64:';
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);

export function parseJsonExact(text: string): unknown {
  if (!/\d{16}/.test(text)) return JSON.parse(text);
  const quoted = quoteLongIntegers(text);
  if (quoted === text) return JSON.parse(text);
  return revive(JSON.parse(quoted));
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
        // defineProperty: a key such as "__proto__" is an own property of the parse, not a setter.
        if (y !== x) Object.defineProperty(o, k, { value: y, writable: true, enumerable: true, configurable: true });
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
