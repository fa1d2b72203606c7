/**
 * Per-username login throttling that an attacker cannot turn into a denial of service for the
 * owner, and that never tells whether a username exists:
 *
 * - Failures are counted per *typed* username, whether or not such a user exists, so an unknown
 *   name is throttled exactly like a real one (same status, body, timing).
 * - The first LOGIN_FREE_FAILURES cost nothing; after that each try must wait 1 s, 2 s, 4 s, ... up
 *   to LOGIN_MAX_LOCK_SECONDS after the previous failure. A wait always ends: no permanent lock.
 * - A browser that signed in successfully before holds a "known device" token for that username
 *   (src/services/known-device.ts). Its tries are counted under the device instead of the username, so the real
 *   owner gets past a lock an attacker caused; a stolen device token is throttled on its own.
 *
 * - An attempt is counted (reserved) *before* its password is hashed, in one atomic step with the
 *   check of the wait (issue 11 class 2): however many guesses arrive together, at most
 *   LOGIN_FREE_FAILURES of them are ever verified before the wait starts. A success clears the key.
 *
 * The counters live in memory (one process) or in Redis (REDIS_URL), so several instances share
 * them: src/services/failure-counters.ts. @fastify/rate-limit covers the per-IP limits; it cannot
 * reset a count on success or key on a device, which is why this small counter exists beside it.
 */

export interface FailureState {
  failures: number;
  lastFailureMs: number;
}

export interface ThrottlePolicy {
  freeFailures: number;
  maxLockMs: number;
}

export interface FailureCounter {
  read(key: string): Promise<FailureState | null>;
  /**
   * One login attempt on `key` at `nowMs`: when the key need not wait (waitRemainingMs), counts the
   * attempt as a failure *now*, before its password is checked, atomically with that decision, and
   * answers 0; otherwise counts nothing and answers the wait in ms. The record is forgotten `ttlMs`
   * after the last counted attempt. Source: issue 11 class 2 (check-then-act).
   */
  reserve(key: string, nowMs: number, ttlMs: number, policy: ThrottlePolicy): Promise<number>;
  /** After a success: the key's count starts again from zero. */
  clear(key: string): Promise<void>;
}

/** Failures are forgotten a day after the last one. */
export const FAILURE_MEMORY_MS = 24 * 60 * 60 * 1000;

/** How long the next try on this key must still wait, in ms (0: it may go ahead). */
export function waitRemainingMs(state: FailureState | null, nowMs: number, policy: ThrottlePolicy): number {
  if (!state || state.failures < policy.freeFailures) return 0;
  const doublings = Math.min(state.failures - policy.freeFailures, 40);
  const lockMs = Math.min(policy.maxLockMs, 1000 * 2 ** doublings);
  return Math.max(0, state.lastFailureMs + lockMs - nowMs);
}

export interface LoginThrottle {
  readonly policy: ThrottlePolicy;
  readonly counter: FailureCounter;
}

export const usernameKey = (username: string) => `u:${username}`;
export const deviceKey = (deviceId: string) => `d:${deviceId}`;
