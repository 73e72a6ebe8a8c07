/** Datetime and timespan ticks live with the types (schema/values), so every layer can use them. */
export * from '../../schema/values/datetime.js';
