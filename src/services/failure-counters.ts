/**
 * Where the login throttle's failure counts are kept (the rule itself is src/app/login-throttle.ts):
 * in this process's memory, or in Redis when REDIS_URL is set so every instance shares them. Both
 * reserve an attempt atomically with the check of its wait (issue 11 class 2).
 */
import type { Redis } from 'ioredis';
import { waitRemainingMs, type FailureCounter, type FailureState } from '../app/login-throttle.js';

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
