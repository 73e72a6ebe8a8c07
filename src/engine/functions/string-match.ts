/**
 * The string predicates KQL writes as operators: the `has` family on term boundaries
 * (DESIGN.md: a term is a maximal run of alphanumerics), contains, startswith, endswith, ==, =~.
 */

/** Letters and digits of any script; ASCII takes the fast path. */
export function isAlnum(code: number): boolean {
  if (code < 128) {
    return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
  }
  return ALNUM_RE.test(String.fromCharCode(code));
}
const ALNUM_RE = /[\p{L}\p{N}]/u;

/**
 * Does `needle` occur in `hay` on term boundaries? `needle` and `hay` are already cased
 * alike. Boundaries are only required where the needle's own end is alphanumeric, so
 * `"scp user@h" has "scp "` holds and `"rsync" has "sync"` does not.
 */
export function hasTerm(hay: string, needle: string, prefixOnly = false, suffixOnly = false): boolean {
  const n = needle.length;
  if (n === 0) return true;
  const needStart = !suffixOnly && isAlnum(needle.charCodeAt(0));
  const needEnd = !prefixOnly && isAlnum(needle.charCodeAt(n - 1));
  // hasprefix: a term must start at the match; hassuffix: a term must end there.
  const startEdge = prefixOnly ? isAlnum(needle.charCodeAt(0)) : needStart;
  const endEdge = suffixOnly ? isAlnum(needle.charCodeAt(n - 1)) : needEnd;
  let from = 0;
  for (;;) {
    const p = hay.indexOf(needle, from);
    if (p < 0) return false;
    const okStart = !startEdge || p === 0 || !isAlnum(hay.charCodeAt(p - 1));
    const okEnd = !endEdge || p + n === hay.length || !isAlnum(hay.charCodeAt(p + n));
    if (okStart && okEnd) return true;
    from = p + 1;
  }
}

/** Lower-casing as Kusto's case-insensitive operators compare (invariant culture). */
export function fold(s: string): string {
  return s.toLowerCase();
}
