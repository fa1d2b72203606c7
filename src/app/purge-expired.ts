import { deleteKeysOlderThan } from '../storage/repositories/idempotency-repository.js';
import { purgeExpiredPendingSignIns } from '../storage/repositories/pending-sign-in-repository.js';
import { deleteSecurityEventsBefore } from '../storage/repositories/security-event-repository.js';
import { deleteDeadSessions } from '../storage/repositories/session-repository.js';
import { deleteExpiredTokens } from '../storage/repositories/token-repository.js';
import { deleteExpiredChallenges } from '../storage/repositories/webauthn-challenge-repository.js';
import type { AppContext } from './context.js';
import { sessionCutoff } from './session-liveness.js';

const HOUR_MS = 3_600_000;

/**
 * Housekeeping: forgets idempotency keys older than their retention (at least 24 hours, per the
 * contract), API tokens past their expiry, web sessions past their idle or absolute limit,
 * audit-trail events older than SECURITY_EVENTS_RETENTION_DAYS, and (issue 13) half-finished
 * sign-ins and WebAuthn challenges past their expiry (both are refused once expired anyway; a
 * browser that never comes back would otherwise leave its row behind).
 * Ledger rows are never purged.
 */
export async function purgeExpired(ctx: AppContext): Promise<void> {
  const nowMs = ctx.clock.nowMs();
  await deleteKeysOlderThan(ctx.storage.db, BigInt(nowMs - ctx.config.idempotencyKeyTtlHours * HOUR_MS));
  await deleteExpiredTokens(ctx.storage.db, BigInt(nowMs));
  await deleteDeadSessions(ctx.storage.db, sessionCutoff(ctx.config, BigInt(nowMs)));
  await deleteSecurityEventsBefore(ctx.storage.db, BigInt(nowMs - ctx.config.securityEventsRetentionDays * 24 * HOUR_MS));
  await purgeExpiredPendingSignIns(ctx.storage.db, BigInt(nowMs));
  await deleteExpiredChallenges(ctx.storage.db, BigInt(nowMs));
}

/**
 * Runs `purgeExpired` now and then hourly. Failures are reported, not fatal. The returned stop
 * function waits for a run in progress, so the database is never closed under it.
 */
export function schedulePurge(ctx: AppContext, onError: (error: unknown) => void): () => Promise<void> {
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    running = purgeExpired(ctx).catch(onError);
  };
  const timer = setInterval(run, HOUR_MS);
  timer.unref();
  run();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
