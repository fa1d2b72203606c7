/**
 * What the use cases report as they happen, for metrics and logs, without importing either:
 * the HTTP layer supplies an implementation (prom-client counters); the CLI and benchmarks leave it out.
 * Calls happen after the database transaction has committed, so a retried or rolled-back attempt
 * is never counted.
 */
import type { ErrorCode } from '../domain/errors.js';
import type { IdempotentResult } from './idempotency.js';
import type { MovementOutcome } from './movement-outcome.js';

export type MovementType = 'deposit' | 'withdrawal' | 'transfer';

export interface MovementObservation {
  type: MovementType;
  /** `ok`, `replayed` (an idempotent retry: no money moved) or the refusal's error code. */
  outcome: 'ok' | 'replayed' | 'internal_error' | ErrorCode;
  /** Known when the movement went through; null for refusals decided before an account was read. */
  currency: string | null;
  /** Minor units moved; 0 unless the outcome is `ok`. */
  amountMinor: bigint;
}

/** The after-commit work on the ledger (follow-ledger.ts): the chain's sealing, the movement notices. */
export type LedgerFollowWork = 'seal' | 'notices';

export interface AppObserver {
  movement(observation: MovementObservation): void;
  signIn(outcome: 'success' | 'failure'): void;
  /**
   * One tick's part of the after-commit work finished: `seconds` of wall time spent on the work itself
   * (follow-rounds.ts: on SQLite the main thread's, on PostgreSQL mostly the database's) and `count` transactions
   * sealed or notices written. Not called for a part that failed.
   */
  ledgerFollowed(work: LedgerFollowWork, seconds: number, count: number): void;
}

/**
 * Tells `observer` (if any) how a movement of `type` ended; nothing when `observed` is undefined.
 * A metrics failure is swallowed: it must never change the answer a client gets.
 */
export function reportMovement(observer: AppObserver | undefined, type: MovementType, observed: Omit<MovementObservation, 'type'> | undefined): void {
  if (!observed) return;
  try {
    observer?.movement({ type, ...observed });
  } catch {
    // Metrics must never change the answer a client gets.
  }
}

/** What a movement's result reports: `replayed`, `ok` with what moved, or the refusal's code. */
export function observationOf(result: IdempotentResult<MovementOutcome>): Omit<MovementObservation, 'type'> {
  if (result.replayed) return { outcome: 'replayed', currency: null, amountMinor: 0n };
  const outcome = result.outcome;
  if (outcome.kind === 'moved') return { outcome: 'ok', currency: outcome.transaction.currency, amountMinor: outcome.transaction.amountMinor };
  return { outcome: outcome.code, currency: null, amountMinor: 0n };
}
