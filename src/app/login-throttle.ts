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
 * The counters live in memory (one process) or in Redis (REDIS_URL), so several instances share
 * them. @fastify/rate-limit covers the per-IP limits; it cannot reset a count on success or key
 * on a device, which is why this small counter exists beside it.
 */
import type { Redis } from 'ioredis';

export interface FailureState {
  failures: number;
  lastFailureMs: number;
}

export interface FailureCounter {
  read(key: string): Promise<FailureState | null>;
  /** Counts one failure at `nowMs`; the record is forgotten `ttlMs` after the last failure. */
  add(key: string, nowMs: number, ttlMs: number): Promise<FailureState>;
  clear(key: string): Promise<void>;
}

export interface ThrottlePolicy {
  freeFailures: number;
  maxLockMs: number;
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
    async add(key, nowMs, ttlMs) {
      const entry = live(key, Date.now());
      const next = { failures: (entry?.failures ?? 0) + 1, lastFailureMs: nowMs, expiresAtMs: Date.now() + ttlMs };
      map.delete(key);
      map.set(key, next);
      if (map.size > maxKeys) map.delete(map.keys().next().value as string);
      return { failures: next.failures, lastFailureMs: next.lastFailureMs };
    },
    async clear(key) {
      map.delete(key);
    },
  };
}

/** Counters in Redis hashes, shared by every instance; one round trip per call (MULTI). */
export function redisFailureCounter(redis: Redis, prefix = 'minibank:login:'): FailureCounter {
  return {
    async read(key) {
      const h = await redis.hgetall(prefix + key);
      if (!h.f) return null;
      return { failures: Number(h.f), lastFailureMs: Number(h.t ?? 0) };
    },
    async add(key, nowMs, ttlMs) {
      const k = prefix + key;
      const result = await redis.multi().hincrby(k, 'f', 1).hset(k, 't', String(nowMs)).pexpire(k, ttlMs).exec();
      const failures = Number(result?.[0]?.[1] ?? 1);
      return { failures, lastFailureMs: nowMs };
    },
    async clear(key) {
      await redis.del(prefix + key);
    },
  };
}
