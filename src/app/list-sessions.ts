import { listLiveSessionsOfUser } from '../storage/repositories/session-repository.js';
import { nowMsBig, type AppContext } from './context.js';
import { sessionCutoff } from './session-liveness.js';

export interface SessionView {
  handle: string;
  createdAtMs: bigint;
  lastSeenAtMs: bigint;
  userAgent: string;
  ip: string;
  current: boolean;
}

/** The user's live sessions (session-liveness.ts), newest first, the current one marked. */
export async function listSessions(ctx: AppContext, userId: string, currentIdHash: string): Promise<SessionView[]> {
  const rows = await listLiveSessionsOfUser(ctx.storage.db, userId, sessionCutoff(ctx.config, nowMsBig(ctx)));
  return rows.map((r) => ({
    handle: r.handle,
    createdAtMs: BigInt(r.created_at),
    lastSeenAtMs: BigInt(r.last_seen_at),
    userAgent: r.user_agent,
    ip: r.ip,
    current: r.id_hash === currentIdHash,
  }));
}
