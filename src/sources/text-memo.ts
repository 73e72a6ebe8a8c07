/**
 * Answers of a test that depends on a text value alone, kept by that text. A column's values
 * repeat (a service's command line, connection after connection; a Parquet column's dictionary),
 * so most tests are a lookup. Bounded: at most MEMO_ENTRIES answers (then it starts over), and
 * values longer than MEMO_CHARS are tested each time.
 */
export const MEMO_ENTRIES = 4096;
export const MEMO_CHARS = 1024;

export function memoOnText(test: (text: string) => boolean): (text: string) => boolean {
  const known = new Map<string, boolean>();
  return (text) => {
    let r = known.get(text);
    if (r === undefined) {
      r = test(text);
      if (text.length <= MEMO_CHARS) {
        if (known.size >= MEMO_ENTRIES) known.clear();
        known.set(text, r);
      }
    }
    return r;
  };
}
