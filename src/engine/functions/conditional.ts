import type { ScalarFunction } from './types.js';

export const CONDITIONAL_FUNCTIONS: ScalarFunction[] = [];
