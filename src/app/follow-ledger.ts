/**
 * The server's after-commit work on the ledger, one tick of it (app/chain-sealer.ts runs it): seal
 * what committed into the hash chain (issue 16), then write the movement notices of what is sealed
 * (issue 18). Neither runs inside a movement's transaction, so the money path never waits for them.
 */
import type { AppContext } from './context.js';
import { sealChain, type SealOutcome } from './seal-chain.js';
import { writeMovementNotices, type NoticeOutcome } from './write-movement-notices.js';

/**
 * Seals, then writes notices; returns both outcomes. Throws the first failure (a failed seal skips
 * this tick's notices: they follow the chain); the next tick tries again.
 */
export async function followLedger(ctx: AppContext): Promise<{ sealed: SealOutcome; notices: NoticeOutcome }> {
  const sealed = await sealChain(ctx);
  const notices = await writeMovementNotices(ctx);
  return { sealed, notices };
}
