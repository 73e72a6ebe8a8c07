/** narrow(): every cell of the input as a row: its row number, column name, and value as text. */
import type { Batch } from '../../batch.js';
import { textOutput } from '../../values/index.js';
import { input } from './common.js';
import type { Plugin, PluginCall } from './types.js';

async function narrow(call: PluginCall): Promise<Batch> {
  const b = await input(call);
  const rows: number[] = [], names: string[] = [], values: string[] = [];
  for (let i = 0; i < b.length; i++) {
    b.fields.forEach((f, c) => {
      rows.push(i);
      names.push(f.name);
      const v = b.columns[c]![i];
      values.push(v === null || v === undefined ? '' : textOutput(f.type, v));
    });
  }
  return {
    fields: [{ name: 'Row', type: 'long' }, { name: 'Column', type: 'string' }, { name: 'Value', type: 'string' }],
    columns: [rows, names, values],
    length: rows.length,
  };
}

export const NARROW: Plugin = { name: 'narrow', run: narrow };
