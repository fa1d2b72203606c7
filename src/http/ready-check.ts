/**
 * The database check behind GET /readyz, shared by every probe (issue 11 class 14: health
 * endpoints cannot be used to load the database). A result is reused for READY_CACHE_MS, and while
 * one check is running every other probe waits for that same check, so however many probes arrive
 * (a load balancer per instance, an attacker: /readyz is exempt from rate limits so probes are never
 * throttled into "unhealthy"), the database sees at most one query per interval.
 */
import type { Clock } from '../app/context.js';

export type ReadyOutcome = { ok: true } | { ok: false; error: unknown };

export interface ReadyCheckOptions {
  /** The check itself, e.g. a ping bounded by READY_TIMEOUT_MS; rejects when the database is not answering. */
  check(): Promise<unknown>;
  clock: Clock;
  /** How long a result is reused, in ms; 0 checks on every probe (still one at a time). */
  cacheMs: number;
}

/** Returns the function a probe calls: the latest outcome, checking again only once it is older than `cacheMs`. */
export function cachedReadyCheck(options: ReadyCheckOptions): () => Promise<ReadyOutcome> {
  let latest: { atMs: number; outcome: ReadyOutcome } | undefined;
  let running: Promise<ReadyOutcome> | undefined;
  return () => {
    const nowMs = options.clock.nowMs();
    if (latest && nowMs - latest.atMs < options.cacheMs) return Promise.resolve(latest.outcome);
    running ??= options
      .check()
      .then(
        (): ReadyOutcome => ({ ok: true }),
        (error: unknown): ReadyOutcome => ({ ok: false, error }),
      )
      .then((outcome) => {
        latest = { atMs: options.clock.nowMs(), outcome };
        running = undefined;
        return outcome;
      });
    return running;
  };
}
