import { deleteDeadSessions, deleteSession, insertSession, trimSessionsOfUser } from '../storage/repositories/session-repository.js';
import { nowMsBig, type AppContext } from './context.js';
import { hashSessionId, newSessionId } from './session-id.js';
import { sessionCutoff } from './session-liveness.js';
import { issuedAgainstGeneration } from './sign-in.js';

const HOUR_MS = 3_600_000n;
const USER_AGENT_MAX_CHARS = 300;

export interface StartedSession {
  /** The cookie value; never stored. */
  id: string;
  idHash: string;
  expiresAtMs: bigint;
}

/**
 * Opens a session after a successful sign-in, always under a brand-new random id (a session id
 * planted before sign-in is never promoted: no fixation). The browser's previous session, if any,
 * is ended; the user's expired sessions are swept and the oldest dropped beyond the per-user limit.
 * `passwordGeneration` is the one the sign-in's password check read (checkCredentials' row, or
 * FIRST_PASSWORD_GENERATION right after sign-up): if the password changed since, nothing is stored
 * and the sign-in fails 401 like a wrong password (issue 11 class 1).
 */
export async function startSession(
  ctx: AppContext,
  input: { userId: string; passwordGeneration: bigint; userAgent: string | undefined; ip: string; previousIdHash?: string | undefined },
): Promise<StartedSession> {
  const id = newSessionId(ctx);
  const idHash = hashSessionId(id);
  const nowMs = nowMsBig(ctx);
  const expiresAtMs = nowMs + BigInt(ctx.config.sessionAbsoluteHours) * HOUR_MS;
  await ctx.storage.writeTransaction(async (trx) => {
    const passwordGeneration = await issuedAgainstGeneration(trx, input.userId, input.passwordGeneration);
    if (input.previousIdHash) await deleteSession(trx, input.previousIdHash);
    await deleteDeadSessions(trx, sessionCutoff(ctx.config, nowMs), input.userId);
    await insertSession(trx, {
      id_hash: idHash,
      handle: ctx.random.bytes(12).toString('base64url'),
      user_id: input.userId,
      created_at: nowMs,
      last_seen_at: nowMs,
      expires_at: expiresAtMs,
      user_agent: [...(input.userAgent ?? '')].slice(0, USER_AGENT_MAX_CHARS).join(''),
      ip: input.ip.slice(0, 64),
      password_generation: passwordGeneration,
    });
    await trimSessionsOfUser(trx, input.userId, ctx.config.sessionsPerUserMax);
  });
  return { id, idHash, expiresAtMs };
}
