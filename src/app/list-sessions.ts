import { listSessionsOfUser } from '../storage/repositories/session-repository.js';
import { nowMsBig, type AppContext } from './context.js';

export interface SessionView {
  handle: string;
  createdAtMs: bigint;
  lastSeenAtMs: bigint;
  userAgent: string;
  ip: string;
  current: boolean;
}

/** The user's live sessions, newest first, the current one marked; expired ones are left out. */
export async function listSessions(ctx: AppContext, userId: string, currentIdHash: string): Promise<SessionView[]> {
  const nowMs = nowMsBig(ctx);
  const idleMs = BigInt(ctx.config.sessionIdleMinutes) * 60_000n;
  const rows = await listSessionsOfUser(ctx.storage.db, userId);
  return rows
    .filter((r) => BigInt(r.expires_at) > nowMs && nowMs - BigInt(r.last_seen_at) < idleMs)
    .map((r) => ({
      handle: r.handle,
      createdAtMs: BigInt(r.created_at),
      lastSeenAtMs: BigInt(r.last_seen_at),
      userAgent: r.user_agent,
      ip: r.ip,
      current: r.id_hash === currentIdHash,
    }));
}
