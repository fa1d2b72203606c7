/**
 * Per-username login throttling that an attacker cannot turn into a denial of service for the
 * owner, and that never tells whether a username exists:
 *
 * - Failures are counted per *typed* username, whether or not such a user exists, so an unknown
 *   name is throttled exactly like a real one (same status, body, timing).
 * - The first LOGIN_FREE_FAILURES cost nothing; after that each try must wait 1 s, 2 s, 4 s, ... up
 *   to LOGIN_MAX_LOCK_SECONDS after the previous failure. A wait always ends: no permanent lock.
 * - A browser that signed in successfully before holds a "known device" token for that username
 *   (known-device.ts). Its tries are counted under the device instead of the username, so the real
 *   owner gets past a lock an attacker caused; a stolen device token is throttled on its own.
 *
 * - An attempt is counted (reserved) *before* its password is hashed, in one atomic step with the
 *   check of the wait (issue 11 class 2): however many guesses arrive together, at most
 *   LOGIN_FREE_FAILURES of them are ever verified before the wait starts. A success clears the key.
 *
 * The counters live in memory (one process) or in Redis (REDIS_URL), so several instances share
 * them. @fastify/rate-limit covers the per-IP limits; it cannot reset a count on success or key
 * on a device, which is why this small counter exists beside it.
 */
import type { Redis } from 'ioredis';

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

/**
 * In-process counters, bounded: when full, the least recently touched key is dropped (an attacker
 * cycling through names can only make the map forget old entries, never grow it).
 */
export function memoryFailureCounter(maxKeys = 100_000): FailureCounter {
  const map = new Map<string, FailureState & { expiresAtMs: number }>();
  const live = (key: string, nowMs: number) => {
    const entry = map.get(key);
    if (entry && entry.expiresAtMs <= nowMs) {
      map.delete(key);
      return undefined;
    }
    return entry;
  };
  return {
    async read(key) {
      const entry = live(key, Date.now());
      return entry ? { failures: entry.failures, lastFailureMs: entry.lastFailureMs } : null;
    },
    async reserve(key, nowMs, ttlMs, policy) {
      // No await between the check and the count: one event-loop turn, so atomic in this process.
      const entry = live(key, Date.now());
      const waitMs = waitRemainingMs(entry ?? null, nowMs, policy);
      if (waitMs > 0) return waitMs;
      map.delete(key);
      map.set(key, { failures: (entry?.failures ?? 0) + 1, lastFailureMs: nowMs, expiresAtMs: Date.now() + ttlMs });
      if (map.size > maxKeys) map.delete(map.keys().next().value as string);
      return 0;
    },
    async clear(key) {
      map.delete(key);
    },
  };
}

/**
 * Counts one attempt only if the hash still holds the state the caller decided on (f, t as read;
 * '' for absent): a compare-and-set, atomic because Redis runs a script as one command. The wait
 * rule itself stays in waitRemainingMs (TypeScript), not duplicated here.
 */
const RESERVE_IF_UNCHANGED = `
local f = redis.call('HGET', KEYS[1], 'f') or ''
local t = redis.call('HGET', KEYS[1], 't') or ''
if f ~= ARGV[1] or t ~= ARGV[2] then return 0 end
redis.call('HINCRBY', KEYS[1], 'f', 1)
redis.call('HSET', KEYS[1], 't', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;

/** Each lost compare-and-set means another attempt took a slot; past this many, fail closed. */
const RESERVE_TRIES_BEYOND_FREE = 10;
const CONTENDED_WAIT_MS = 1000;

/** Counters in Redis hashes, shared by every instance; a reservation is a read and a compare-and-set script. */
export function redisFailureCounter(redis: Redis, prefix = 'minibank:login:'): FailureCounter {
  const stateOf = (f: string | null, t: string | null): FailureState | null => (f ? { failures: Number(f), lastFailureMs: Number(t ?? 0) } : null);
  return {
    async read(key) {
      const [f, t] = await redis.hmget(prefix + key, 'f', 't');
      return stateOf(f ?? null, t ?? null);
    },
    async reserve(key, nowMs, ttlMs, policy) {
      const k = prefix + key;
      for (let tries = 0; tries < policy.freeFailures + RESERVE_TRIES_BEYOND_FREE; tries++) {
        const [f, t] = await redis.hmget(k, 'f', 't');
        const waitMs = waitRemainingMs(stateOf(f ?? null, t ?? null), nowMs, policy);
        if (waitMs > 0) return waitMs;
        if (Number(await redis.eval(RESERVE_IF_UNCHANGED, 1, k, f ?? '', t ?? '', String(nowMs), String(ttlMs))) === 1) return 0;
      }
      return CONTENDED_WAIT_MS;
    },
    async clear(key) {
      await redis.del(prefix + key);
    },
  };
}
