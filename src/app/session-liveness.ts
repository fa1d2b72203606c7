/**
 * Session liveness, the one rule (issue 12 item 3; issue 11 class 1). A web session is live when
 *  - now is before its absolute end (`expires_at`: SESSION_ABSOLUTE_HOURS after sign-in),
 *  - it was seen less than SESSION_IDLE_MINUTES ago (`last_seen_at`), and
 *  - it was started against the user's current password generation.
 * This function turns the first two into a cutoff; session-repository.ts applies it, with the
 * third, in one SQL predicate (liveSession) that every read, list, count and sweep of sessions uses,
 * so resuming a session, the settings list, the metrics gauge and the purge always agree.
 */
import type { SessionCutoff } from '../storage/repositories/session-repository.js';
import type { Config } from '../config.js';

const MINUTE_MS = 60_000n;

/** Live at `nowMs` (ms since the epoch) means: `expires_at > nowMs` and `last_seen_at > lastSeenAfterMs`. */
export function sessionCutoff(config: Pick<Config, 'sessionIdleMinutes'>, nowMs: bigint): SessionCutoff {
  return { nowMs, lastSeenAfterMs: nowMs - BigInt(config.sessionIdleMinutes) * MINUTE_MS };
}
