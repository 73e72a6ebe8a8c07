/**
 * Answers of a function of a text value alone, kept by that text. A column's values repeat (a
 * service's command line, connection after connection; a Parquet column's dictionary), so most
 * calls are a lookup: field tests on the bytes and on parsed values, regex functions with a
 * constant pattern. Bounded: at most MEMO_ENTRIES answers (then it starts over), and values longer
 * than MEMO_CHARS are answered each time, as is an answer of `undefined`.
 */
export const MEMO_ENTRIES = 4096;
export const MEMO_CHARS = 1024;

export function memoOnText<T>(answer: (text: string) => T): (text: string) => T {
  const known = new Map<string, T>();
  return (text) => {
    let r = known.get(text);
    if (r === undefined) {
      r = answer(text);
      if (text.length <= MEMO_CHARS) {
        if (known.size >= MEMO_ENTRIES) known.clear();
        known.set(text, r);
      }
    }
    return r;
  };
}
