/**
 * The native line pre-test (native/line-scan.c, built by `npm ci` through node-gyp): cuts a block
 * of JSON lines and tells which lines some field test may pass, in one call per block. lines.ts
 * then runs its own exact tests on those lines only. The native answers are weaker than lines.ts's
 * (a line is dropped only when every test certainly fails on its plain ASCII values), so the
 * lines kept, and every result, are the same with it or without it (native-addon.ts: where it
 * is not built, JavaScript does it all).
 */
import type { FieldTest } from '../field-filter.js';
import { addon, nativeEnabled } from '../native-addon.js';
import { encodeTests } from '../native-tests.js';

/** One scan's tests, compiled for the addon. */
export class NativeLineTest {
  /** [next line, limit, last, longest line, lines counted, entries written, why it stopped]. */
  private readonly state = new Float64Array(7);
  /** Per line kept: start, end (-1: too long), number. */
  readonly hits = new Int32Array(3 * 4096);

  private constructor(private readonly program: object) {}

  /** The tests, each on `columns` (every column any test reads); undefined: no addon, or off. */
  static compile(tests: readonly (FieldTest | undefined)[], columns: readonly string[]): NativeLineTest | undefined {
    if (!nativeEnabled()) return undefined;
    const { code, pool } = encodeTests(tests, columns);
    return new NativeLineTest(addon!.compile(code, pool));
  }

  /**
   * Cuts the lines of `b` from `p` that start before `limit` (as lines.ts does), numbering them
   * from `count`, and calls `hit` for each line a test may pass (end -1: a line longer than
   * `maxLineBytes`). Returns where the next line starts and the lines counted.
   */
  lines(b: Uint8Array, p: number, limit: number, last: boolean, maxLineBytes: number, count: number,
    hit: (start: number, end: number, line: number) => void): { next: number; count: number } {
    const s = this.state, hits = this.hits;
    s[0] = p; s[1] = limit; s[2] = last ? 1 : 0; s[3] = maxLineBytes; s[4] = count;
    for (;;) {
      addon!.scan(this.program, b, s, hits);
      const n = s[5]!;
      for (let i = 0; i < n; i++) hit(hits[3 * i]!, hits[3 * i + 1]!, hits[3 * i + 2]!);
      if (s[6] !== 2) return { next: s[0]!, count: s[4]! };
    }
  }
}
