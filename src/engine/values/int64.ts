/** The exact 64-bit integer form lives with the types (schema/values), so every layer can use it. */
export * from '../../schema/values/int64.js';
