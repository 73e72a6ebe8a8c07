/**
 * Records written as JSON lines in the ways a byte-level reader must be careful with, field tests
 * on them, and what each test says on the parsed record: shared by the tests of lines.ts and
 * native-scan.ts.
 */
import type { FieldTest } from '../field-filter.js';
import { lcg } from '../seeded-random.js';

/** Random records and their lines, some of them written in ways a byte reader must be careful with. */
export function records(n: number, seed: number): { rec: Record<string, unknown>; line: string }[] {
  const r = lcg(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const out: { rec: Record<string, unknown>; line: string }[] = [];
  for (let i = 0; i < n; i++) {
    const rec: Record<string, unknown> = {
      Timestamp: pick(['2026-11-02T10:00:00.0000000Z', '2026-11-01T23:59:59.9999999Z', '2026-11-02 10:00', '', '2026-11-03T00:00:00.0000001Z',
        // Of the canonical length, not the canonical shape (before the bound as text, not as a time).
        '2026-11-01 23:59:59.9999999Z']),
      Name: pick(['rclone.exe', 'RCLONE.EXE', 'r\u0063lone.exe', 'Ünï.exe', '\u212Aey.exe', 'key.exe', '', 'a"b', 'x\\y', 'long'.repeat(30), 'c:\\users\\update.exe', null]),
      Port: pick([443, 22, '443', null, 0, -1, 4430, 1.5, 9007199254740993n, true, '-0']),
      Line: pick(['scp file host:', 'SCP FILE', 'nothing', 'ssl\u00e9', 'tl\u0073', '',
        // Values written with escapes: quotes, backslashes, a literal backslash-u, long ones.
        '"C:\\Program Files\\scp.exe" file', 'C:\\Users\\ssl', 'say \\u0073cp', '\\\\srv\\share',
        'x'.repeat(90) + '\\"scp file\\"', '"q" ' + 'y'.repeat(100)]),
      Bytes: pick([null, '', 5, 'x']),
    };
    const body = Object.entries(rec).map(([k, v]) => `${JSON.stringify(k)}:${typeof v === 'bigint' ? v.toString() : JSON.stringify(v)}`);
    // '-0' stands for the number -0, not canonical (JSON.stringify writes 0).
    let line = ('{' + body.join(',') + '}').replace('"Port":"-0"', '"Port":-0');
    const odd = r();
    if (odd < 0.05) line = line.replace('"Port":', '"Po\\u0072t":');
    else if (odd < 0.1) line = line.replace('{', '{"Nested":{"Port":22,"Name":"rclone.exe"},');
    else if (odd < 0.15) line = line.replace('"Name":', '"Name" : ');
    else if (odd < 0.2) line = line.replace('"Line":"', '"Line":"\\"Port\\":22 ');
    else if (odd < 0.25) line = line.replace('"Timestamp":', '"X":"{\\"Port\\":1}","Timestamp":');
    // A \u escape spelling a letter a test looks for.
    else if (odd < 0.3) line = line.replace('"Line":"scp', '"Line":"\\u0073cp').replace('"Line":"SCP', '"Line":"\\u0053CP');
    else if (odd < 0.35) line = line.replace('"Name":"rclone', '"Name":"r\\u0063lone');
    // A key whose name ends in a column's: its quote is escaped.
    else if (odd < 0.4) line = line.replace('{', '{"x\\"Port":22,');
    out.push({ rec: JSON.parse(line.replace(/("Port":)(-?\d{16,})/, '$1"$2"')) as Record<string, unknown>, line });
  }
  return out;
}

export const LINE_TESTS: FieldTest[] = [
  { op: 'in', column: 'Name', values: ['rclone.exe', 'key.exe', 'a"b'], fold: true },
  { op: 'in', column: 'Name', values: ['rclone.exe', ''], fold: false },
  { op: 'contains', column: 'Line', values: ['scp ', 'ssl', 'tls'] },
  { op: 'contains', column: 'Line', values: ['scp', 'file'], all: true },
  { op: 'int_in', column: 'Port', values: ['443', '0', '-1'] },
  { op: 'after', column: 'Timestamp', bound: '2026-11-02T00:00:00.0000000Z', strict: true },
  { op: 'after', column: 'Timestamp', bound: '2026-11-03T00:00:00.0000001Z', strict: false },
  { op: 'blank', column: 'Bytes' },
  { op: 'filled', column: 'Bytes' },
  { op: 'filled', column: 'Name' },
  { op: 'needs', needles: ['rclone', '\\u'], test: { op: 'in', column: 'Name', values: ['rclone.exe'], fold: true } },
  { op: 'or', items: [{ op: 'int_in', column: 'Port', values: ['22'] }, { op: 'and', items: [{ op: 'contains', column: 'Line', values: ['scp'] }, { op: 'blank', column: 'Bytes' }] }] },
];

/** What the record's own values say: the columns as the table coerces them, the test exactly. */
export function exact(t: FieldTest, rec: Record<string, unknown>, line: string): boolean {
  const str = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'string' ? v : String(v));
  switch (t.op) {
    case 'and': return t.items.every((i) => exact(i, rec, line));
    case 'or': return t.items.some((i) => exact(i, rec, line));
    // The needle `\u` stands for a unicode escape: before four hex digits.
    case 'needs': return t.needles.some((n) => (n === '\\u' ? /\\u[0-9a-fA-F]{4}/.test(line) : line.includes(n))) && exact(t.test, rec, line);
    case 'in': return t.values.includes(t.fold ? str(rec[t.column]).toLowerCase() : str(rec[t.column]));
    case 'contains': {
      const v = str(rec[t.column]).toLowerCase();
      return t.all ? t.values.every((x) => v.includes(x)) : t.values.some((x) => v.includes(x));
    }
    case 'int_in': {
      const v = rec[t.column];
      const n = typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : null;
      return n !== null && t.values.includes(String(n));
    }
    case 'after': {
      const v = rec[t.column];
      if (typeof v !== 'string' || v.length !== 28) return typeof v === 'string' && v !== ''; // other shapes: leave to the parse
      return t.strict ? v > t.bound : v >= t.bound;
    }
    case 'blank': return rec[t.column] === null || rec[t.column] === undefined || rec[t.column] === '';
    case 'filled': return !(rec[t.column] === null || rec[t.column] === undefined || rec[t.column] === '');
  }
}

