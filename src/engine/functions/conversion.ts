import type { ScalarFunction } from './types.js';

export const CONVERSION_FUNCTIONS: ScalarFunction[] = [];
