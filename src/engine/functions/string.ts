import type { ScalarFunction } from './types.js';

export const STRING_FUNCTIONS: ScalarFunction[] = [];
