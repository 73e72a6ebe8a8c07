import type { ScalarFunction } from './types.js';

export const IP_FUNCTIONS: ScalarFunction[] = [];
