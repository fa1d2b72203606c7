/** The wall clock, for production; tests pass their own Clock (src/app/context.ts) to buildApp. */
import type { Clock } from '../app/context.js';

export const systemClock: Clock = { nowMs: () => Date.now() };
