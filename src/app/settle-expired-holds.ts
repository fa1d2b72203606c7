/**
 * Expiry of holds (issue 14 item 2): a pending hold past its `expires_at` already reads `expired`
 * (hold-views.ts `statusAt`); settling it gives its reserve back to the payer's available balance.
 * The sweeper (http/hold-sweeper.ts) calls `sweepExpiredHolds` on an interval in every server
 * process; placing a hold settles the payer's own due holds first. Safe with several instances:
 * each hold is settled by one conditional update (pending and due → expired), and only the writer
 * whose update changed the row releases the reserve; PostgreSQL sweepers also skip rows another
 * sweeper has locked (SKIP LOCKED) instead of queueing behind it.
 */
import { duePendingHolds, duePendingHoldsOf, expirePendingHold, findHoldWithParties, releaseHeld } from '../storage/repositories/hold-repository.js';
import { recordHoldChange } from './change-events.js';
import { holdView } from './hold-views.js';
import type { Trx } from '../storage/storage.js';
import { nowMsBig, type AppContext } from './context.js';

/** Most holds one sweep settles in one transaction (a bound on its length); the next tick takes the rest. */
export const SWEEP_BATCH = 100;

/**
 * Settles one hold if it is still pending and due at `nowMs` (ms); true when this call settled it.
 * Only the settling writer queues its `hold.updated` webhook (change-events.ts), so it is sent once.
 */
export async function settleExpiredHold(ctx: AppContext, trx: Trx, holdId: string, nowMs: bigint): Promise<boolean> {
  const expired = await expirePendingHold(trx, holdId, nowMs);
  if (!expired) return false;
  await releaseHeld(trx, expired.from_account_id, BigInt(expired.amount));
  await recordHoldChange(ctx, trx, async () => holdView((await findHoldWithParties(trx, holdId))!, nowMs), [expired.from_account_id, expired.to_account_id]);
  return true;
}

/** Settles the due holds one account pays (before it reserves again), inside the caller's transaction. */
export async function settleDueHoldsOf(ctx: AppContext, trx: Trx, accountId: string, nowMs: bigint): Promise<void> {
  for (const id of await duePendingHoldsOf(trx, accountId, nowMs)) await settleExpiredHold(ctx, trx, id, nowMs);
}

/**
 * One sweep: settles up to SWEEP_BATCH due holds in one write transaction. Returns how many this
 * call settled (another instance may have taken some). Never throws for a hold someone else settled.
 */
export async function sweepExpiredHolds(ctx: AppContext): Promise<number> {
  const nowMs = nowMsBig(ctx);
  return ctx.storage.writeTransaction(async (trx) => {
    let settled = 0;
    for (const id of await duePendingHolds(trx, ctx.storage.dialect, nowMs, SWEEP_BATCH)) {
      if (await settleExpiredHold(ctx, trx, id, nowMs)) settled += 1;
    }
    return settled;
  });
}

/**
 * Runs sweepExpiredHolds every HOLD_SWEEP_INTERVAL_MS (ms; 0: never) in this process, one sweep at
 * a time, and at once on start. Returns the stop function, which waits for a sweep in progress.
 * Failures go to `onError` (logged) and the next tick tries again.
 */
export function scheduleHoldSweep(ctx: AppContext, onError: (error: unknown) => void): () => Promise<void> {
  const intervalMs = ctx.config.holdSweepIntervalMs;
  if (intervalMs === 0) return async () => {};
  let running: Promise<void> | null = null;
  let stopped = false;
  const run = () => {
    if (running || stopped) return;
    running = sweepExpiredHolds(ctx)
      .then(() => undefined, onError)
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(run, intervalMs);
  timer.unref();
  run();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
