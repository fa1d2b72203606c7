/**
 * The server's after-commit work on the ledger, one tick of it (app/chain-sealer.ts runs it): seal
 * what committed into the hash chain (issue 16), then write the movement notices of what is sealed
 * (issue 18). Neither runs inside a movement's transaction, so the money path never waits for them.
 */
import type { AppContext } from './context.js';
import type { LedgerFollowWork } from './observer.js';
import { sealChain, type SealOutcome } from './seal-chain.js';
import { writeMovementNotices, type NoticeOutcome } from './write-movement-notices.js';

/**
 * Seals, then writes notices; returns both outcomes, and reports each part's time and count to
 * `ctx.observer` (the metrics `minibank_ledger_follow_seconds` and `minibank_ledger_followed_total`).
 * Throws the first failure (a failed seal skips this tick's notices: they follow the chain); the
 * next tick tries again.
 */
export async function followLedger(ctx: AppContext): Promise<{ sealed: SealOutcome; notices: NoticeOutcome }> {
  const sealed = await sealChain(ctx);
  report(ctx, 'seal', sealed.workMs, sealed.sealed);
  const notices = await writeMovementNotices(ctx);
  report(ctx, 'notices', notices.workMs, notices.written);
  return { sealed, notices };
}

function report(ctx: AppContext, work: LedgerFollowWork, workMs: number, count: number): void {
  try {
    ctx.observer?.ledgerFollowed(work, workMs / 1000, count);
  } catch {
    // Metrics must never stop the ledger being followed.
  }
}
