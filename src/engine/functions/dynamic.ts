import type { ScalarFunction } from './types.js';

export const DYNAMIC_FUNCTIONS: ScalarFunction[] = [];
