import type { ScalarFunction } from './types.js';

export const MATH_FUNCTIONS: ScalarFunction[] = [];
