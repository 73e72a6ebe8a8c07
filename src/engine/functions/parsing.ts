import type { ScalarFunction } from './types.js';

export const PARSING_FUNCTIONS: ScalarFunction[] = [];
