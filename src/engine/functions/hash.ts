import type { ScalarFunction } from './types.js';

export const HASH_FUNCTIONS: ScalarFunction[] = [];
