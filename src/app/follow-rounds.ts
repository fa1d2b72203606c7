/**
 * The loop the after-commit jobs share (seal-chain.ts, write-movement-notices.ts): an idle check
 * without a transaction or lock (a quiet bank's tick costs one small read), then rounds, each one
 * write transaction, back to back while a round says there is more, at most `maxRounds` per call.
 * It also adds up the time spent on the work itself, leaving out what waits around it (its turn in
 * SQLite's group commit, the commit's fsync): wall time, so on a saturated machine it includes
 * waiting for a CPU. The server reports it as `minibank_ledger_follow_seconds` (follow-ledger.ts).
 */
import type { Storage, Trx } from '../storage/storage.js';

/** What a call did: items handled (sealed, noticed), whether another worker held the lock, and ms of work. */
export interface RoundsOutcome {
  done: number;
  busy: boolean;
  workMs: number;
}

/**
 * Runs `round` in write transactions until one reports `more: false` or 'busy' (another worker holds
 * its lock), after `hasWork` said there is anything at all. Throws what a round or the database throws.
 */
export async function followInRounds(
  storage: Storage,
  hasWork: () => Promise<boolean>,
  round: (trx: Trx) => Promise<{ done: number; more: boolean } | 'busy'>,
  maxRounds: number,
): Promise<RoundsOutcome> {
  const outcome: RoundsOutcome = { done: 0, busy: false, workMs: 0 };
  const timed = async <T>(work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      outcome.workMs += performance.now() - started;
    }
  };
  if (!(await timed(hasWork))) return outcome;
  for (let i = 0; i < maxRounds; i++) {
    const result = await storage.writeTransaction((trx) => timed(() => round(trx)));
    if (result === 'busy') return { ...outcome, busy: true };
    outcome.done += result.done;
    if (!result.more) break;
  }
  return outcome;
}
