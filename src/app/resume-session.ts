import { findLiveSession, touchSession } from '../storage/repositories/session-repository.js';
import { nowMsBig, type AppContext } from './context.js';
import { hashSessionId, looksLikeSessionId } from './session-id.js';
import { sessionCutoff } from './session-liveness.js';
import { effectiveTimeZone } from './time-zone-preference.js';

/** last_seen is written at most this often, so a burst of page views is not a burst of writes. */
export const TOUCH_EVERY_MS = 10_000n;

export interface ActiveSession {
  idHash: string;
  handle: string;
  userId: string;
  username: string;
  /** The zone the user reads times in (time-zone-preference.ts), read with the session. */
  timeZone: string;
  /** Unread notices (capped at UNREAD_NOTICES_CAP), read with the session for the bell (issue 18). */
  unreadNotices: number;
  createdAtMs: bigint;
  lastSeenAtMs: bigint;
  expiresAtMs: bigint;
}

/**
 * The live session behind a cookie value (live: session-liveness.ts, decided by the one read,
 * findLiveSession), or null when there is none or it is not live. Reads only; `keepSessionAlive`
 * records the activity once the request has passed its CSRF check.
 */
export async function resumeSession(ctx: AppContext, cookieValue: string | undefined): Promise<ActiveSession | null> {
  if (!cookieValue || !looksLikeSessionId(cookieValue)) return null;
  const row = await findLiveSession(ctx.storage.db, hashSessionId(cookieValue), sessionCutoff(ctx.config, nowMsBig(ctx)));
  if (!row) return null;
  return {
    idHash: row.id_hash,
    handle: row.handle,
    userId: row.user_id,
    username: row.username,
    timeZone: effectiveTimeZone(row.time_zone),
    unreadNotices: Number(row.unread_notices),
    createdAtMs: BigInt(row.created_at),
    lastSeenAtMs: BigInt(row.last_seen_at),
    expiresAtMs: BigInt(row.expires_at),
  };
}

/** Moves the idle deadline forward (at most one write per TOUCH_EVERY_MS per session). */
export async function keepSessionAlive(ctx: AppContext, session: ActiveSession): Promise<void> {
  const nowMs = nowMsBig(ctx);
  if (nowMs - session.lastSeenAtMs < TOUCH_EVERY_MS) return;
  await touchSession(ctx.storage.db, session.idHash, nowMs);
  session.lastSeenAtMs = nowMs;
}
