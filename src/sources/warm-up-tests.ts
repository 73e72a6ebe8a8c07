/**
 * Field tests of the usual shapes (a time window, ports, sets, keywords, a flow test), for the
 * scan threads to warm their JIT on before their first real block (json/warm-up.ts, csv/warm-up.ts).
 */
import type { FieldTest } from './field-filter.js';

const after: FieldTest = { op: 'after', column: 'Timestamp', bound: '2026-11-02T00:00:00.0000000Z', strict: true };
export const WARM_UP_TESTS: FieldTest[] = [
  { op: 'and', items: [after, { op: 'int_in', column: 'RemotePort', values: ['443', '22'] }, { op: 'in', column: 'RemoteIPType', values: ['Public'], fold: false },
    { op: 'or', items: [{ op: 'in', column: 'InitiatingProcessFileName', values: ['rclone.exe', 'curl.exe'], fold: true }, { op: 'contains', column: 'InitiatingProcessCommandLine', values: ['sftp', 'ssl', 'put '] }] }] },
  { op: 'and', items: [after, { op: 'or', items: [{ op: 'in', column: 'FileName', values: ['rclone.exe'], fold: true }, { op: 'contains', column: 'ProcessCommandLine', values: ['scp', 'mega'], all: true }] }] },
  { op: 'or', items: [{ op: 'needs', needles: ['ConnectionFlow'], test: { op: 'in', column: 'ActionType', values: ['ConnectionFlow'], fold: false } }, { op: 'blank', column: 'SentBytes' }] },
];
