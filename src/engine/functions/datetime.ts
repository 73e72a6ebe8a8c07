import type { ScalarFunction } from './types.js';

export const DATETIME_FUNCTIONS: ScalarFunction[] = [];
