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
  return JSON.parse(quoted, (_k, v) => (typeof v === 'string' && v.startsWith(MARK) ? norm(BigInt(v.slice(MARK.length))) : v));
}

/** Rewrites integer literals of 16+ digits outside strings as marked strings; leaves the rest as is. */
function quoteLongIntegers(text: string): string {
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) { inString = true; continue; }
    if ((c >= 48 && c <= 57) || c === 45 /* - */) {
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
      const next = text.charCodeAt(j);
      const integer = next !== 46 /* . */ && next !== 101 && next !== 69 /* e E */;
      const digits = j - i - (c === 45 ? 1 : 0);
      if (integer && digits >= 16) {
        const lit = text.slice(i, j);
        const leadingZero = text.charCodeAt(c === 45 ? i + 1 : i) === 48;
        const n = leadingZero ? 0n : BigInt(lit);
        // Past 2^53 and within a 64-bit long; wider literals stay (rounded) numbers, as Kusto's real.
        if ((n > MAX_SAFE || n < -MAX_SAFE) && n <= I64_MAX && n >= I64_MIN) {
          out += text.slice(last, i) + '"\\u0001i64:' + lit + '"';
          last = j;
        }
      }
      i = j - 1;
    }
  }
  return last === 0 ? text : out + text.slice(last);
}
