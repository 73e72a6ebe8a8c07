/**
 * JSON lines cut and filtered on the bytes. A plain file is read in blocks of a few MiB
 * (`scanBlock`, run on the main thread and in worker threads: parallel.ts); a line is decoded
 * only when one of the field tests it is scanned for (sources/field-filter.ts) may pass on it.
 * A test reads the few fields it names straight from the line's bytes (`LineFields`), in the
 * order it needs them, and stops as soon as it is decided: for most records only the leading
 * `Timestamp` is looked at.
 *
 * What the byte-level reading of a field assumes, and where it gives up (the field is then
 * "unknown" and the test passes):
 * - the record is a JSON object on one line, starting with `{`. A key found after a `{` that may
 *   open a nested object (one after `:`, `,` or `[`) may belong to it (a dynamic column, a
 *   streaming-API envelope, several records on one line): unknown. A `{` after anything else is
 *   inside a string (AdditionalFields' JSON text) and changes nothing. A key spelled with
 *   escapes is not found: unknown.
 * - a record names each column once (RFC 8259 leaves repeated names undefined; Defender never
 *   writes them): the first plain `"Column":` is the column.
 * - a string value with escapes is decoded by JSON.parse; one with other non-ASCII bytes as UTF-8.
 *
 * Blocks: block k holds the lines that start in bytes [k·B, (k+1)·B) of the file, read on past
 * its end to finish its last line. So blocks can be scanned in any order, on any thread, and
 * their line counts added up give every line its number.
 */
import { readSync } from 'node:fs';
import { NativeLineTest } from './native-scan.js';
import { NativeRecordCutter } from './native-record.js';
import { Raw, type FieldSource, type FieldTest, fieldTestColumns, isoShape } from '../field-filter.js';
import { memoOnText } from '../text-memo.js';
import { type LineRecord, parseLine, projected, recordText } from './line-records.js';

/** Bytes per block. */
export const BLOCK_BYTES = 4 << 20;

/** The largest line held; a longer one is skipped with a warning. */
export const MAX_LINE_BYTES = 64 << 20;

const FAR = 0x7fffffff;

/** Bytes read past a block's end to finish its last line (a longer one reads on). */
const TAIL_BYTES = 64 << 10;

const BACKSLASH_U = Buffer.from('\\u');

/**
 * A byte string found through a suffix that starts at its rarest byte. Buffer.indexOf runs from
 * its needle's first byte: from `"` (every few bytes of JSON) a key search crawls, from the
 * rarer `P` of `"RemotePort":` it runs several times faster.
 */
class Anchored {
  private anchor: Buffer;
  private offset = 0;

  constructor(readonly needle: Buffer) {
    this.anchor = needle;
  }

  /**
   * Picks the anchor by byte and byte-pair counts of a sample of the data: the search stops at
   * each occurrence of the anchor's first byte and runs on while the pair after it matches, so
   * the best anchor starts with a rare byte that is rarely followed by the next one.
   */
  tune(sample: () => SampleCounts): void {
    const n = this.needle;
    const key = n.toString('latin1');
    let best = tuned.get(key);
    if (best === undefined) {
      const counts = sample();
      const costs: [number, number][] = [];
      for (let i = 0; i + 3 <= n.length || (i === 0 && n.length > 0); i++) {
        costs.push([counts.bytes[n[i]!]! + 4 * counts.pairs[(n[i]! << 8) | (n[i + 1] ?? 0)]!, i]);
      }
      // Of the four likeliest, the one whose suffix itself occurs least (`ype":` of another key costs a check each).
      best = 0;
      let bestCost = Infinity;
      for (const [cost, i] of costs.sort((a, b) => a[0] - b[0]).slice(0, 4)) {
        const anchor = n.subarray(i);
        let hits = 0;
        for (let h = counts.sample.indexOf(anchor); h >= 0 && hits < 1000; h = counts.sample.indexOf(anchor, h + 1)) hits++;
        if (cost + 32 * hits < bestCost) { bestCost = cost + 32 * hits; best = i; }
      }
      tuned.set(key, best);
    }
    this.offset = best;
    this.anchor = n.subarray(best);
  }

  private at(b: Buffer, q: number): boolean {
    if (q < 0) return false;
    for (let i = 0; i < this.offset; i++) if (b[q + i] !== this.needle[i]) return false;
    return true;
  }

  /** The first occurrence starting at or after `from`, or -1. */
  indexOf(b: Buffer, from: number): number {
    for (let h = b.indexOf(this.anchor, from + this.offset); h >= 0; h = b.indexOf(this.anchor, h + 1)) {
      if (this.at(b, h - this.offset)) return h - this.offset;
    }
    return -1;
  }

  /** The last occurrence starting at or before `from`, or -1. */
  lastIndexOf(b: Buffer, from: number): number {
    for (let h = b.lastIndexOf(this.anchor, from + this.offset); h >= 0; h = h > 0 ? b.lastIndexOf(this.anchor, h - 1) : -1) {
      if (this.at(b, h - this.offset)) return h - this.offset;
    }
    return -1;
  }
}

/** Anchors picked in this thread, by needle: the first file read decides for the later ones. */
const tuned = new Map<string, number>();

/** Byte and byte-pair counts of a sample of the data, to pick anchors by. */
interface SampleCounts {
  bytes: Uint32Array;
  pairs: Uint32Array;
  /** The first 64 KiB of the sample, to count anchors in (the counts above are of 128 KiB). */
  sample: Buffer;
}

function sampleCounts(b: Buffer, end: number): SampleCounts {
  const bytes = new Uint32Array(256);
  const pairs = new Uint32Array(65536);
  const stop = Math.min(end, 1 << 17);
  for (let i = 0; i + 1 < stop; i++) {
    bytes[b[i]!]!++;
    pairs[(b[i]! << 8) | b[i + 1]!]!++;
  }
  return { bytes, pairs, sample: b.subarray(0, Math.min(stop, 1 << 16)) };
}

/** The fields of the current line, located lazily, for tests compiled against it. */
export class LineFields implements FieldSource {
  buf: Buffer = Buffer.alloc(0);
  /**
   * Lines tested here are few and far apart (the native pre-test chose them): each line's
   * searches stop at its end, rather than finding each key and text's next place in the rest of
   * the block, which serves only lines tested one after another.
   */
  sparse = false;
  /** The bytes given to `reset` (`buf`: the same, or in sparse mode up to the current line's end). */
  private block: Buffer = this.buf;
  /** The current line: [ls, le) of `buf`. */
  ls = 0;
  le = 0;
  private readonly needles: Anchored[];
  /** Needles of `needs` tests, and the next position of each at or after the current line. */
  private readonly texts: Anchored[] = [];
  private textNext = new Float64Array(0);
  private tuned = false;
  /** Per column: the next position of its key at or after the current line (FAR: none in the buffer). */
  private readonly next: Float64Array;
  /** The first `{` at or after `clean`, once searched for (below `clean`: not searched yet). */
  private nextBrace = -1;
  /** escapeAt's last answer, for the place it looked from. */
  private nextU = -1;
  private uFrom = FAR;
  /** [line start, clean) holds no `{` but the line's own. */
  private clean = 0;
  /** The first backslash at or after bsFrom. */
  private bsFrom = FAR;
  private bsAt = -1;
  /**
   * Per column, where to look for its key first: 2 right after the line's `{` (the first key of
   * every line so far), 1 backwards from the line's end (it sits in the second half of most
   * lines: found sooner so, and the same key when a record names it once), 0 forwards. Learnt
   * from the first lines; a miss goes back to forwards, which never rescans.
   */
  private readonly backwards: Uint8Array;
  private readonly found: Float64Array;
  private readonly depth: Float64Array;
  private readonly first: Float64Array;
  /** The end of the last value read on the line; per column, whether to look after it first (and its misses). */
  private cursor = 0;
  private readonly afterCursor: Uint8Array;
  private readonly cursorMisses: Uint32Array;
  /** Per column, its Raw kind on the line it was last looked at (`seenOn`; lines are counted in `lineNo`). */
  readonly kinds: Int8Array;
  private readonly seenOn: Float64Array;
  private lineNo = 0;
  /** Value bytes [start, end) of a string (without quotes) or number. */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /**
   * 0 plain ASCII, 1 non-ASCII bytes, 2 decoded already (escapes), 3 no escapes, not yet looked at
   * for non-ASCII, 4 escapes not decoded yet (`resolve`; starts/ends hold the raw text).
   */
  readonly shapes: Int8Array;
  private readonly decoded: (string | undefined)[];

  constructor(readonly columns: string[]) {
    this.needles = columns.map((c) => new Anchored(Buffer.from(JSON.stringify(c) + ':')));
    const n = columns.length;
    this.next = new Float64Array(n);
    this.kinds = new Int8Array(n);
    this.seenOn = new Float64Array(n).fill(-1);
    this.starts = new Int32Array(n);
    this.ends = new Int32Array(n);
    this.shapes = new Int8Array(n);
    this.decoded = new Array(n);
    this.backwards = new Uint8Array(n);
    this.found = new Float64Array(n);
    this.depth = new Float64Array(n);
    this.first = new Float64Array(n);
    this.afterCursor = new Uint8Array(n).fill(1);
    this.cursorMisses = new Uint32Array(n);
  }

  /** New bytes in the buffer (`end` of them): nothing found before applies. */
  reset(buf: Buffer, end = buf.length): void {
    this.block = buf;
    this.view(buf, end);
  }

  private view(buf: Buffer, end: number): void {
    this.buf = buf;
    this.next.fill(-1);
    this.textNext.fill(-1);
    this.nextBrace = -1;
    this.nextU = -1;
    this.uFrom = FAR;
    this.bsFrom = FAR;
    this.bsAt = -1;
    // (Searches within one line need no anchors picked.)
    if (!this.tuned && !this.sparse && end > 0) {
      this.tuned = true;
      // Counted only when a needle has no anchor picked in this thread yet.
      let counts: SampleCounts | undefined;
      const sample = (): SampleCounts => (counts ??= sampleCounts(buf, end));
      for (const a of this.needles) a.tune(sample);
      for (const a of this.texts) a.tune(sample);
    }
  }

  /** A raw text for `hasText`: its number. */
  addText(text: string): number {
    const known = this.texts.findIndex((t) => t.needle.toString('utf8') === text);
    if (known >= 0) return known; // one search serves every test that needs it
    this.texts.push(new Anchored(Buffer.from(text)));
    const next = new Float64Array(this.texts.length);
    next.fill(-1);
    this.textNext = next;
    return this.texts.length - 1;
  }

  /** Whether the current line's raw bytes contain text number `i`. */
  hasText(i: number): boolean {
    return this.textAt(i) + this.texts[i]!.needle.length <= this.le;
  }

  /** The first place of text number `i` at or after the current line's start (FAR: none in the buffer). */
  textAt(i: number): number {
    let q = this.textNext[i]!;
    if (q < this.ls) this.textNext[i] = q = this.findText(i, this.ls);
    return q;
  }

  /**
   * The next place of text number `i` at or after `from` (FAR: none). The text `\\u` stands for a
   * unicode escape, at any depth of embedded JSON text: it counts only before four hex digits
   * (`\\users` in a Windows path is not one).
   */
  private findText(i: number, from: number): number {
    const t = this.texts[i]!;
    if (t.needle.equals(BACKSLASH_U)) return this.escapeAt(from);
    const q = t.indexOf(this.buf, from);
    return q < 0 ? FAR : q;
  }

  /** The line [start, end) of the buffer (`buf[start]` is `{`). */
  line(start: number, end: number): void {
    if (this.sparse) this.view(this.block.subarray(0, end), end);
    this.ls = start;
    this.le = end;
    this.cursor = start;
    this.clean = start + 1;
    this.lineNo++;
  }

  kind(c: number): Raw {
    if (this.seenOn[c] === this.lineNo) return this.kinds[c]!;
    this.seenOn[c] = this.lineNo;
    return (this.kinds[c] = this.locate(c));
  }

  text(c: number): string {
    const shape = this.shapes[c]!;
    if (shape === 2 || (shape === 4 && this.resolve(c))) return this.decoded[c]!;
    return this.buf.toString(shape === 0 ? 'latin1' : 'utf8', this.starts[c]!, this.ends[c]!);
  }

  /** A string value's bytes as Latin-1 (the text itself when it is ASCII). */
  latin1(c: number): string {
    return this.buf.toString('latin1', this.starts[c]!, this.ends[c]!);
  }

  decodedText(c: number): string {
    return this.decoded[c]!;
  }

  /**
   * Decodes a string value with escapes (shape 4 becomes 2); false when JSON.parse refuses it (the
   * caller's test then passes, and the record's parse reports the line).
   */
  resolve(c: number): boolean {
    if (this.shapes[c] === 2) return true;
    try {
      this.decoded[c] = JSON.parse(this.buf.toString('utf8', this.starts[c]! - 1, this.ends[c]! + 1)) as string;
    } catch {
      return false;
    }
    this.shapes[c] = 2;
    return true;
  }

  /** Whether an escaped value's raw text (shape 4) holds a `\u` escape, which may spell any character. */
  unicodeEscape(c: number): boolean {
    return this.escapeAt(this.starts[c]!) < this.ends[c]!;
  }

  /**
   * The first `\\u` before four hex digits at or after `from` (FAR: none in the buffer): a unicode
   * escape, or an escaped backslash before a `u` (taken as one: this errs on the side of looking
   * closer). One search serves the `\\u` needle and the escaped-value tests.
   */
  escapeAt(from: number): number {
    if (this.uFrom <= from && this.nextU >= from) return this.nextU;
    const b = this.buf;
    let q = b.indexOf(BACKSLASH_U, from);
    while (q >= 0 && !(isHex(b[q + 2]) && isHex(b[q + 3]) && isHex(b[q + 4]) && isHex(b[q + 5]))) q = b.indexOf(BACKSLASH_U, q + 1);
    this.uFrom = from;
    return (this.nextU = q < 0 ? FAR : q);
  }




  /** Whether a backslash sits in [from, to); the next one's place is kept for the calls after. */
  private backslashBefore(from: number, to: number): boolean {
    if (this.bsFrom > from || this.bsAt < from) {
      const at = this.buf.indexOf(92, from);
      this.bsFrom = from;
      this.bsAt = at < 0 ? FAR : at;
    }
    return this.bsAt < to;
  }

  /** Whether a string value (Raw.String) is plain ASCII; its bytes are looked at once. */
  ascii(c: number): boolean {
    const shape = this.shapes[c]!;
    if (shape === 0) return true;
    if (shape !== 3) return false;
    const b = this.buf, e = this.ends[c]!;
    for (let i = this.starts[c]!; i < e; i++) {
      if (b[i]! >= 128) {
        this.shapes[c] = 1;
        return false;
      }
    }
    this.shapes[c] = 0;
    return true;
  }

  /**
   * Whether an object may open between the line's first `{` and `at`. Searches only as far as
   * asked: a line whose keys are all looked up before its first other `{` costs one search.
   */
  private nestedBefore(at: number): boolean {
    if (at <= this.clean) return false;
    const b = this.buf;
    if (this.nextBrace < this.clean && at - this.clean <= 128) {
      // Near the start of the line, look at the bytes rather than search.
      let i = this.clean;
      while (i < at && b[i] !== 123) i++;
      if (i === at) {
        this.clean = at;
        return false;
      }
    }
    for (;;) {
      let brace = this.nextBrace;
      if (brace < this.clean) {
        brace = b.indexOf(123 /* { */, this.clean);
        this.nextBrace = brace = brace < 0 ? FAR : brace;
      }
      if (brace >= at) {
        this.clean = at;
        return false;
      }
      // An object opens only as a value (after ':') or an element (after ',' or '['); a '{'
      // after anything else is inside a string, such as AdditionalFields' JSON text.
      let p = brace - 1;
      while (b[p] === 32 || b[p] === 9 || b[p] === 13 || b[p] === 10) p--;
      const before = b[p];
      if (before === 58 || before === 44 || before === 91 /* : , [ */) return true;
      this.clean = brace + 1;
    }
  }

  private locate(c: number): Raw {
    const b = this.buf, ls = this.ls, le = this.le;
    const anchored = this.needles[c]!;
    const needle = anchored.needle;
    let q = -1;
    if (this.backwards[c] === 2) {
      // The record's first key in the lines so far (Timestamp, in Defender's exports).
      const n = needle.length;
      let i = 1;
      while (i < n && b[ls + 1 + i] === needle[i]) i++;
      if (i === n && b[ls + 1] === 34) q = ls + 1;
      else this.backwards[c] = 0;
    } else if (this.backwards[c] === 1) {
      q = anchored.lastIndexOf(b, le - needle.length);
      if (q < ls) {
        this.backwards[c] = 0;
        q = -1;
      }
    }
    if (q < 0 && this.cursor > ls + 1 && this.afterCursor[c]) {
      // Keys come in the same order in every line of an export: look after the last value read.
      q = anchored.indexOf(b, this.cursor);
      if (q < 0 || q >= le) {
        q = -1;
        if (++this.cursorMisses[c]! > 8) this.afterCursor[c] = 0;
      }
    }
    if (q < 0) {
      q = this.next[c]!;
      if (q < ls) {
        q = anchored.indexOf(b, ls);
        this.next[c] = q = q < 0 ? FAR : q;
      }
      if (q >= le) return Raw.Unknown; // not on this line
      const seen = ++this.found[c]!;
      if (seen <= 64) {
        this.depth[c]! += (q - ls) / (le - ls);
        this.first[c]! += q === ls + 1 ? 1 : 0;
        if (seen === 64) this.backwards[c] = this.first[c] === 64 ? 2 : this.depth[c]! > 0.55 * 64 ? 1 : 0;
      }
    }
    if (q === ls + 1) {
      // The first key: not nested, not escaped.
    } else {
      if (b[q - 1] === 92 /* \ */) return Raw.Unknown; // an escaped quote: part of a longer key
      if (this.nestedBefore(q)) return Raw.Unknown; // may be a nested object's key
    }
    let v = q + needle.length;
    while (v < le && (b[v] === 32 || b[v] === 9 || b[v] === 13)) v++;
    const ch = b[v];
    if (ch === 34 /* " */) {
      // A short value is walked here; a long one is crossed with native searches.
      let j = v + 1;
      let hi = 0;
      const lim = Math.min(le, v + 80);
      while (j < lim) {
        const x = b[j]!;
        if (x === 34 || x === 92) break;
        hi |= x;
        j++;
      }
      let close: number;
      let escaped: boolean;
      if (j < lim) {
        close = b[j] === 34 ? j : -1;
        escaped = close < 0;
      } else {
        close = b.indexOf(34, lim);
        if (close < 0 || close >= le) return Raw.Unknown; // unterminated: the parse will say
        escaped = this.backslashBefore(lim, close);
        hi = 128; // not looked at
      }
      if (escaped) {
        // Escapes: the real end is the first quote after an even run of backslashes. Decoding
        // waits for a test that needs the text (`resolve`); a raw-text test may settle it first.
        close = b.indexOf(34, j);
        for (;;) {
          if (close < 0 || close >= le) return Raw.Unknown; // unterminated: the parse will say
          let k = close - 1;
          while (b[k] === 92) k--;
          if ((close - 1 - k) % 2 === 0) break;
          close = b.indexOf(34, close + 1);
        }
        this.shapes[c] = 4;
        this.starts[c] = v + 1;
        this.ends[c] = close;
      } else {
        this.shapes[c] = hi < 128 ? 0 : close - v > 80 ? 3 : 1;
        this.starts[c] = v + 1;
        this.ends[c] = close;
      }
      if (close >= this.cursor) this.cursor = close + 1;
      return Raw.String;
    }
    if (ch === 45 /* - */ || (ch !== undefined && ch >= 48 && ch <= 57)) {
      let j = v + 1;
      while (j < le && b[j]! >= 48 && b[j]! <= 57) j++;
      const after = b[j];
      if (after === 46 || after === 101 || after === 69 /* . e E */) return Raw.Other;
      this.shapes[c] = 0;
      this.starts[c] = v;
      this.ends[c] = j;
      if (j > this.cursor) this.cursor = j;
      return Raw.Number;
    }
    if (ch === 110 /* n */ && b[v + 1] === 117 && b[v + 2] === 108 && b[v + 3] === 108) return Raw.Null;
    return Raw.Other;
  }
}

// ---------------------------------------------------------------------------------------------
// Tests compiled against the bytes

type LineTest = () => boolean;

const CANONICAL_INT = /^(0|-?[1-9]\d*)$/;

function isHex(x: number | undefined): boolean {
  return x !== undefined && ((x >= 48 && x <= 57) || ((x | 32) >= 97 && (x | 32) <= 102));
}


/** ASCII lower case of one byte. */
function lower(x: number): number {
  return x >= 65 && x <= 90 ? x | 32 : x;
}

/**
 * A field test compiled against a line's bytes: the same answers as `compileFieldTest` in
 * field-filter.ts (whose semantics it follows case by case), without decoding plain ASCII
 * values for the equality, integer and time tests.
 */
export function compileLineTest(t: FieldTest, f: LineFields): LineTest {
  const index = new Map(f.columns.map((c, i) => [c, i]));
  const build = (t: FieldTest): LineTest => {
    switch (t.op) {
      case 'and':
      case 'or':
        // Lines the native pre-test chose mostly pass: nothing to learn about which part settles them.
        return f.sparse ? inOrder(t.op, t.items.map(build), t.items.map(cost)) : adaptive(t.op, t.items.map(build), t.items.map(cost));
      case 'in': {
        const c = index.get(t.column)!;
        const set = new Set(t.values);
        const hasEmpty = set.has('');
        // Plain ASCII values as bytes, by length: most lines are decided by the length alone.
        const byLength = new Map<number, Buffer[]>();
        let allAscii = true;
        for (const v of t.values) {
          if (!/^[\x00-\x7f]*$/.test(v)) { allAscii = false; continue; }
          const list = byLength.get(v.length) ?? [];
          list.push(Buffer.from(v, 'latin1'));
          byLength.set(v.length, list);
        }
        const fold = t.fold;
        return () => {
          const k = f.kind(c);
          if (k === Raw.String) {
            const shape = f.shapes[c]!;
            if (shape === 4 && !f.resolve(c)) return true;
            if (allAscii && shape !== 2 && shape !== 4) {
              // Byte lengths and bytes decide for ASCII text; other text is decoded and folded.
              const b = f.buf, s = f.starts[c]!, n = f.ends[c]! - s;
              const list = byLength.get(n);
              if (!list) {
                if (f.ascii(c)) return false;
              } else {
                for (const v of list) {
                  let i = 0;
                  if (fold) { while (i < n && lower(b[s + i]!) === v[i]) i++; } else { while (i < n && b[s + i] === v[i]) i++; }
                  if (i === n) return true;
                }
                if (f.ascii(c)) return false;
              }
            }
            const v = f.text(c);
            return set.has(fold ? v.toLowerCase() : v);
          }
          if (k === Raw.Null) return hasEmpty;
          return true;
        };
      }
      case 'contains': {
        const c = index.get(t.column)!;
        const values = t.values;
        const all = !!t.all;
        // For "any of": a value holding another one adds nothing (`--sftp` beside `sftp`).
        const needed = all ? values : values.filter((v, i) => !values.some((w, j) => j !== i && v.includes(w) && (v !== w || j < i)));
        const escaped = needed.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
        // One pass of a RegExp finds any of the values in the lower-cased text.
        const any = new RegExp(escaped.join('|'));
        // On ASCII text a case-blind RegExp over the bytes as Latin-1 says the same without
        // decoding or lower-casing; a non-ASCII byte never matches there, so text that has one and
        // no match is decoded after all (U+212A lower-cases to "k", for one).
        const blind = !all && values.every((v) => /^[\x00-\x7f]*$/.test(v)) ? new RegExp(escaped.join('|'), 'i') : undefined;
        // The same with any non-ASCII byte: no match at all settles it in one pass.
        const blindOrHigh = blind && new RegExp(escaped.join('|') + '|[\\x80-\\xff]', 'i');
        // Escaped text without `\u` escapes: a value holding none of the characters other escapes
        // make (quote, backslash, slash, controls) is found in the decoded text only where its
        // characters stand as they are in the raw text, so no match in the raw text settles it.
        const rawSafe = !!blind && values.every((v) => !/["\\/\x00-\x1f]/.test(v));
        const onText = (raw: string): boolean => {
          const shape = f.shapes[c]!;
          if (shape === 4) {
            if (rawSafe && !f.unicodeEscape(c) && !blindOrHigh!.test(raw)) return false;
            if (!f.resolve(c)) return true;
          } else if (blind && shape !== 2) {
            if (!blindOrHigh!.test(raw)) return false;
            if (blind.test(raw)) return true;
          }
          const v = f.text(c).toLowerCase();
          if (all) {
            for (const x of values) if (!v.includes(x)) return false;
            return true;
          }
          return any.test(v);
        };
        // The answer depends on the value's raw bytes alone: kept by raw text.
        const answer = memoOnText(onText);
        return () => {
          const k = f.kind(c);
          if (k !== Raw.String && k !== Raw.Null) return true;
          if (k === Raw.Null) return all ? values.every((x) => x === '') : any.test('');
          return answer(f.latin1(c));
        };
      }
      case 'int_in': {
        const c = index.get(t.column)!;
        const set = new Set(t.values.map(Number));
        const texts = new Set(t.values);
        return () => {
          const k = f.kind(c);
          if (k === Raw.Null) return false;
          if (k !== Raw.Number) return true;
          const b = f.buf, s = f.starts[c]!, e = f.ends[c]!;
          const neg = b[s] === 45;
          const d0 = neg ? s + 1 : s;
          // Canonical: no leading zero (but "0"), no "-0", at most 15 digits (exact as a number).
          if (e - d0 < 1 || e - d0 > 15 || (b[d0] === 48 && (e - d0 > 1 || neg))) {
            const text = f.text(c);
            return !CANONICAL_INT.test(text) || texts.has(text);
          }
          let n = 0;
          for (let i = d0; i < e; i++) n = n * 10 + (b[i]! - 48);
          return set.has(neg ? -n : n);
        };
      }
      case 'after': {
        const c = index.get(t.column)!;
        const bound = Buffer.from(t.bound, 'latin1');
        const strict = t.strict;
        return () => {
          const k = f.kind(c);
          if (k === Raw.Null) return false;
          if (k !== Raw.String || f.shapes[c] === 2 || f.shapes[c] === 4) return true;
          const b = f.buf, s = f.starts[c]!;
          if (f.ends[c]! - s !== 28) return true;
          let i = 0;
          while (i < 28 && b[s + i] === bound[i]) i++;
          if (i === 28) return !strict;
          // Later text: kept, whatever it holds. Earlier text fails only in the canonical form
          // (text of another shape may parse to a later time; or to null, and then fails too).
          return b[s + i]! > bound[i]! || !isoShape(b, s);
        };
      }
      case 'needs': {
        const ids = t.needles.map((n) => f.addText(n));
        const inner = build(t.test);
        // The first place of any needle at or after the current line, per buffer: the lines
        // before it are settled with one comparison.
        let next = -1;
        let buf: Buffer | undefined;
        return () => {
          if (f.buf !== buf || next < f.ls) {
            buf = f.buf;
            next = FAR;
            for (const i of ids) next = Math.min(next, f.textAt(i));
          }
          if (next >= f.le) return false;
          for (const i of ids) if (f.hasText(i)) return inner();
          return false;
        };
      }
      case 'filled': {
        const c = index.get(t.column)!;
        return () => {
          const k = f.kind(c);
          if (k === Raw.Null) return false;
          if (k !== Raw.String) return true;
          const shape = f.shapes[c];
          if (shape === 4 && !f.resolve(c)) return true;
          return shape === 2 || shape === 4 ? f.decodedText(c) !== '' : f.ends[c] !== f.starts[c];
        };
      }
      case 'blank': {
        const c = index.get(t.column)!;
        return () => {
          const k = f.kind(c);
          if (k === Raw.Unknown || k === Raw.Null) return true;
          if (k === Raw.String) {
            const shape = f.shapes[c];
            if (shape === 4 && !f.resolve(c)) return true;
            return shape === 2 || shape === 4 ? f.decodedText(c) === '' : f.ends[c] === f.starts[c];
          }
          return false;
        };
      }
    }
  };
  return build(t);
}

/**
 * What a part of a test costs on a line, roughly: a field to find (a search) each, a text
 * search for `contains`. Parts on the same field share its search; this does not try to know.
 */
function cost(t: FieldTest): number {
  switch (t.op) {
    case 'and': case 'or': return t.items.reduce((n, i) => n + cost(i), 0);
    case 'needs': return 0.5 + 0.1 * cost(t.test);
    case 'contains': return 2;
    case 'after': return 0.5;
    default: return 1;
  }
}

/** The parts by their rough costs, cheapest first. */
function cheapestFirst(parts: LineTest[], costs: number[]): LineTest[] {
  return parts.map((_, i) => i).sort((a, b) => costs[a]! - costs[b]!).map((i) => parts[i]!);
}

/** An `and` (or `or`) whose parts run cheapest first, by their rough costs. */
function inOrder(op: 'and' | 'or', parts: LineTest[], costs: number[]): LineTest {
  if (parts.length === 1) return parts[0]!;
  const settles = op === 'and' ? false : true;
  const order = cheapestFirst(parts, costs);
  return () => {
    for (const p of order) if (p() === settles) return settles;
    return !settles;
  };
}

/** Calls of an and/or measured before its parts are ordered, and how often it is measured again. */
const SAMPLE_CALLS = 1024;
const RESAMPLE_EVERY = 1 << 16;

/**
 * An `and` (or `or`) whose parts run in the order that settles a line soonest for the least
 * work, learnt on the data: from time to time, over SAMPLE_CALLS lines, it asks every part, counts
 * how often each settles the line (false for `and`, true for `or`) and times it, and orders them
 * by lines settled per unit of time (`costs`, the rough estimates, break ties and stand in until
 * then). The parts are pure tests of the current line, so their order changes the work, never
 * the answer (adaptive filter ordering, as in column stores).
 */
function adaptive(op: 'and' | 'or', parts: LineTest[], costs: number[]): LineTest {
  const n = parts.length;
  if (n === 1) return parts[0]!;
  const settles = op === 'and' ? false : true;
  let order = cheapestFirst(parts, costs);
  const settled = new Float64Array(n);
  const spent = new Float64Array(n);
  let calls = 0;
  let sampling = SAMPLE_CALLS;
  const reorder = (): void => {
    const rank = (i: number) => settled[i]! / Math.max(spent[i]!, 1e-6);
    order = parts.map((_, i) => i).sort((a, b) => rank(b) - rank(a) || costs[a]! - costs[b]!).map((i) => parts[i]!);
    settled.fill(0);
    spent.fill(0);
  };
  // While measuring, every part is asked, so each rate is its own and not the parts' before it.
  const counted = (): boolean => {
    let result = !settles;
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      const r = parts[i]!();
      spent[i]! += performance.now() - t;
      if (r === settles) {
        settled[i]!++;
        result = settles;
      }
    }
    return result;
  };
  return () => {
    if (sampling > 0) {
      if (--sampling === 0) reorder();
      return counted();
    }
    if (++calls === RESAMPLE_EVERY) {
      calls = 0;
      sampling = SAMPLE_CALLS;
    }
    const o = order;
    for (let i = 0; i < n; i++) if (o[i]!() === settles) return settles;
    return !settles;
  };
}

// ---------------------------------------------------------------------------------------------
// Blocks

/** What one block of a file holds for the tests it was scanned for. */
export interface BlockLines {
  index: number;
  /** Lines that start in the block. */
  count: number;
  /** Decoded lines that may pass at least one test, with their number within the block (0-based)... */
  lines: string[];
  rel: number[];
  /** ...and which tests they may pass (bit i: test i). */
  masks: number[];
  /** Numbers within the block of lines longer than MAX_LINE_BYTES (skipped). */
  overlong: number[];
  /**
   * A scanner that parses (`project`): the records of the lines that may pass instead of the
   * lines, with only the projected columns and `line` the line's number within the block, the
   * mask of each one's line, and the bytes of those lines (a shared read's measure); and what
   * was wrong with the lines that are not records.
   */
  records?: ParsedRecord[];
  recordMasks?: number[];
  chars?: number;
  problems?: { line: number; message: string }[];
}

export interface ParsedRecord extends LineRecord {
  line: number;
}

/**
 * Block buffers a thread has finished with. A fresh buffer's pages are faulted in by its first
 * read (milliseconds for 4 MiB): each scan of a file on a thread would pay that again.
 */
const spareBuffers: Buffer[] = [];
const BUFFER_BYTES = BLOCK_BYTES + (256 << 10);

function takeBuffer(): Buffer {
  return spareBuffers.pop() ?? Buffer.allocUnsafeSlow(BUFFER_BYTES);
}

/** A block scanner for one file and one set of tests: owns its buffer and compiled tests. */
export class BlockScanner {
  /** Taken when a block is first read (a scanner of bytes it is handed needs none). */
  private buf: Buffer | undefined;
  private readonly fields: LineFields | undefined;
  private readonly tests: (LineTest | undefined)[];
  /** The native pre-test of the same tests, when built: only the lines it keeps are tested here. */
  private readonly native: NativeLineTest | undefined;
  /** A parsing scan's native record cutter, when built: plain lines become records without JSON.parse. */
  private readonly cutter: NativeRecordCutter | undefined;
  /** Mask of the tests that pass every line (no field test). */
  private readonly always: number;
  private readonly all: number;

  /**
   * `fd`: an open file of `size` bytes, or the bytes themselves (warm-up.ts). `project`: parse
   * the lines that may pass here and keep only these columns of their records.
   */
  constructor(
    private readonly fd: number | Buffer,
    private readonly size: number,
    tests: (FieldTest | undefined)[],
    private readonly blockBytes = BLOCK_BYTES,
    private readonly project?: readonly string[],
  ) {
    const columns = new Set<string>();
    for (const t of tests) if (t) fieldTestColumns(t, columns);
    this.fields = columns.size ? new LineFields([...columns]) : undefined;
    this.native = this.fields && NativeLineTest.compile(tests, this.fields.columns);
    if (this.native) this.fields!.sparse = true;
    this.tests = tests.map((t) => (t ? compileLineTest(t, this.fields!) : undefined));
    this.cutter = project && NativeRecordCutter.for(project);
    this.all = (1 << tests.length) - 1;
    let always = 0;
    this.tests.forEach((t, i) => { if (!t) always |= 1 << i; });
    this.always = always;
  }

  /** Done with: its buffer serves the thread's next scanner (keep at most two). */
  dispose(): void {
    const b = this.buf;
    if (b && b.length === BUFFER_BYTES && spareBuffers.length < 2 && !spareBuffers.includes(b)) spareBuffers.push(b);
  }

  /** Touches every page of the block buffer, so the first real read does not fault them in. */
  prefault(): void {
    (this.buf ??= takeBuffer()).fill(0);
  }

  get blocks(): number {
    return Math.ceil(this.size / this.blockBytes);
  }

  /** Reads `len` bytes at file position `pos` into buf[at..]; fewer only at the end of the file. */
  private read(buf: Buffer, at: number, len: number, pos: number): number {
    if (typeof this.fd !== 'number') return this.fd.copy(buf, at, pos, Math.min(pos + len, this.size));
    let got = 0;
    while (got < len) {
      const n = readSync(this.fd, buf, at + got, len - got, pos + got);
      if (n === 0) break;
      got += n;
    }
    return got;
  }

  scan(index: number): BlockLines {
    const out = this.empty(index);
    const start = index * this.blockBytes;
    if (start >= this.size) return out;
    const stop = Math.min(start + this.blockBytes, this.size);
    let whole = (this.buf ??= takeBuffer());
    // whole holds the file's bytes [base, base + len); a block other than the first starts reading
    // one byte early, so that a line starting exactly at its start is seen to. Searches run on
    // `b`, the bytes read: past them the buffer holds an earlier block's.
    let base = start === 0 ? 0 : start - 1;
    let len = this.read(whole, 0, Math.min(whole.length, this.blockBytes + TAIL_BYTES, this.size - base), base);
    let b = whole.subarray(0, len);
    let p = 0;
    if (start > 0) {
      const nl = b.indexOf(10, 0);
      if (nl < 0 || base + nl + 1 >= stop) return out; // no line starts in this block
      p = nl + 1;
    }
    const fields = this.fields;
    fields?.reset(b, len);
    for (;;) {
      const last = base + len >= this.size;
      p = this.lines(b, p, stop - base, last, MAX_LINE_BYTES, out);
      if (base + p >= stop || last) return out;
      // A line runs past what was read: move it to the front and read on.
      const kept = len - p;
      if (kept > MAX_LINE_BYTES) {
        out.overlong.push(out.count++);
        return out; // a line this long ends past the block: nothing more starts in it
      }
      if (kept >= whole.length >> 1) {
        const bigger = Buffer.allocUnsafeSlow(Math.min(whole.length * 2, MAX_LINE_BYTES + (1 << 20)));
        whole.copy(bigger, 0, p, len);
        whole = bigger;
        if (whole.length <= 8 * BLOCK_BYTES) this.buf = whole;
      } else whole.copy(whole, 0, p, len);
      base += p;
      p = 0;
      len = kept + this.read(whole, kept, Math.min(whole.length - kept, this.size - (base + kept)), base + kept);
      b = whole.subarray(0, len);
      fields?.reset(b, len);
    }
  }

  /**
   * Scans whole lines held in `b` (bytes that were not read by this scanner: a decompressed
   * stream's, cut after a newline or at the end of the stream), numbering them from 0.
   */
  scanBytes(b: Buffer, index: number, maxLineBytes = MAX_LINE_BYTES): BlockLines {
    const out = this.empty(index);
    this.fields?.reset(b, b.length);
    this.lines(b, 0, b.length, true, maxLineBytes, out);
    return out;
  }

  /**
   * Tests the lines of `b` that start before `limit`, numbering them on from `out.count`. `last`:
   * the bytes end the input, so the last line needs no newline; otherwise a line with no newline
   * in the bytes is left for the caller to read on. Returns where the next line starts.
   */
  private lines(b: Buffer, p: number, limit: number, last: boolean, maxLineBytes: number, out: BlockLines): number {
    if (this.native) {
      const r = this.native.lines(b, p, limit, last, maxLineBytes, out.count, (start, end, line) => {
        if (end < 0) out.overlong.push(line);
        else this.take(b, start, end, line, out);
      });
      out.count = r.count;
      return r.next;
    }
    while (p < limit) {
      let nl = b.indexOf(10, p);
      if (nl < 0) {
        if (!last) return p;
        nl = b.length;
      }
      if (nl - p > maxLineBytes) out.overlong.push(out.count);
      else this.take(b, p, nl, out.count, out);
      out.count++;
      p = nl + 1;
    }
    return p;
  }

  private empty(index: number): BlockLines {
    const out: BlockLines = { index, count: 0, lines: [], rel: [], masks: [], overlong: [] };
    if (this.project) {
      out.records = [];
      out.recordMasks = [];
      out.chars = 0;
      out.problems = [];
    }
    return out;
  }

  /** Parses a line that may pass into its projected records (as json.ts would on the main thread). */
  private parse(text: string, line: number, mask: number, out: BlockLines): void {
    const t = recordText(text);
    if (t === '') return;
    const { records, problems } = parseLine(t);
    for (const r of records) {
      const p = projected(r, this.project!) as ParsedRecord;
      p.line = line;
      out.records!.push(p);
      out.recordMasks!.push(mask);
    }
    for (const message of problems) out.problems!.push({ line, message });
  }

  /** Tests one line [p, nl) and keeps it when a test may pass. */
  private take(b: Buffer, p: number, nl: number, line: number, out: BlockLines): void {
    if (nl === p) return; // blank
    const fields = this.fields, tests = this.tests;
    let mask = this.all;
    if (fields && b[p] === 123 /* { */) {
      fields.line(p, nl);
      mask = this.always;
      for (let i = 0; i < tests.length; i++) {
        const t = tests[i];
        if (t && t()) mask |= 1 << i;
      }
      if (mask === 0) return;
    }
    if (this.project) {
      out.chars! += nl - p;
      const r = this.cutter?.cut(b, p, nl) as ParsedRecord | undefined;
      if (!r) return this.parse(b.toString('utf8', p, nl), line, mask, out);
      r.line = line;
      out.records!.push(r);
      out.recordMasks!.push(mask);
      return;
    }
    out.lines.push(b.toString('utf8', p, nl));
    out.rel.push(line);
    out.masks.push(mask);
  }
}
