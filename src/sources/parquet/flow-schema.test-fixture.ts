/** The Parquet schema of the flow-like files the reader's tests write (parquet.test.ts, stats.test.ts). */
export const FLOW_SCHEMA = [
  { name: 'root', num_children: 4 },
  { name: 'Timestamp', type: 'INT64', repetition_type: 'OPTIONAL', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' } },
  { name: 'RemotePort', type: 'INT32', repetition_type: 'OPTIONAL' },
  { name: 'FileName', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL', converted_type: 'UTF8' },
  { name: 'ActionType', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL', converted_type: 'UTF8' },
] as const;
