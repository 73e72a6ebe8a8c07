/**
 * Regular expressions with RE2 semantics, as Kusto uses: re2js (a JavaScript port of RE2)
 * gives linear-time matching, so a user's pattern can never hang a hunt, and the same syntax
 * Kusto accepts. Compiled patterns are cached by text and flags.
 */
import type { RE2JS as RE2JSClass } from 're2js';
import { lazyRequire } from './lazy-require.js';

const RE2JS = lazyRequire<typeof RE2JSClass>('re2js', (m) => m.RE2JS);

export type Regex = ReturnType<typeof RE2JSClass.compile>;

const cache = new Map<string, Regex>();

/** Kusto flags: i (case-insensitive), m (multi-line), s (dot matches newline), U (ungreedy). */
export function compileRegex(pattern: string, flags = ''): Regex {
  const key = flags + '\u0000' + pattern;
  let re = cache.get(key);
  if (!re) {
    let f = 0;
    let p = pattern;
    if (flags.includes('i')) f |= RE2JS.CASE_INSENSITIVE;
    if (flags.includes('m')) f |= RE2JS.MULTILINE;
    if (flags.includes('s')) f |= RE2JS.DOTALL;
    if (flags.includes('U')) p = '(?U)' + p;
    re = RE2JS.compile(p, f);
    if (cache.size > 1000) cache.clear();
    cache.set(key, re);
  }
  return re;
}

export function regexTest(re: Regex, s: string): boolean {
  return re.matcher(s).find();
}

/** The match's groups (index 0 the whole match), or null when it does not match. */
export function regexExec(re: Regex, s: string, from = 0): { groups: (string | null)[]; start: number; end: number } | null {
  const m = re.matcher(s);
  if (!m.find(from)) return null;
  const groups: (string | null)[] = [];
  for (let g = 0; g <= m.groupCount(); g++) groups.push(m.group(g));
  return { groups, start: m.start(), end: m.end() };
}

export function regexGroupCount(re: Regex): number {
  return re.groupCount();
}
