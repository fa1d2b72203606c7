/**
 * Group commit: write transactions that arrive together share ONE database transaction, and so one
 * fsync. With SQLite in `synchronous=FULL` the commit's fsync is most of what a transfer costs, and
 * a single connection can only commit one transaction at a time; sharing the commit lets many
 * durable transfers go through per fsync instead of one.
 *
 * Each unit of work runs alone, in turn, inside its own savepoint, so it sees the writes of the
 * units before it and a unit that throws rolls back only its own writes; the others carry on. Every
 * caller is answered only after the shared COMMIT has returned: a success is never reported for
 * work that is not on disk. If the commit itself fails, every unit of that batch gets the error
 * (none of them was committed).
 *
 * Batching needs no timer: while one batch runs, new units queue, and the next batch takes all of
 * them (at most `maxBatch`). Under light load a batch is a single unit, started on the next turn of
 * the event loop, so requests that arrived together are still grouped.
 */
import { savepoint, type Settled } from './savepoint.js';
import type { Trx } from './storage.js';

export type TransactionRunner = <T>(work: (trx: Trx) => Promise<T>) => Promise<T>;

interface Unit {
  work: (trx: Trx) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = Settled<unknown>;

export interface GroupCommit {
  /** Runs `work` in its own savepoint of a shared write transaction; settles after that transaction commits. */
  run<T>(work: (trx: Trx) => Promise<T>): Promise<T>;
  /** Units waiting for the next batch (metrics, tests). */
  readonly queued: number;
  /** Sizes of the batches committed so far, for tests and the bench: [batches, units]. */
  readonly stats: { batches: number; units: number; largest: number };
}

export function createGroupCommit(transaction: TransactionRunner, options: { maxBatch: number }): GroupCommit {
  if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) throw new Error('maxBatch must be a positive integer');
  const queue: Unit[] = [];
  const stats = { batches: 0, units: 0, largest: 0 };
  let draining = false;

  async function drain(): Promise<void> {
    try {
      while (queue.length > 0) await commitBatch(queue.splice(0, options.maxBatch));
    } finally {
      draining = false;
    }
  }

  async function commitBatch(batch: Unit[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      // The runner may retry the whole transaction (PostgreSQL serialization failures); outcomes
      // are collected afresh on every attempt, so only the committed attempt's are delivered.
      outcomes = await transaction(async (trx) => {
        const results: Outcome[] = [];
        for (const unit of batch) results.push(await runInSavepoint(trx, unit));
        return results;
      });
    } catch (error) {
      for (const unit of batch) unit.reject(error);
      return;
    }
    stats.batches++;
    stats.units += batch.length;
    stats.largest = Math.max(stats.largest, batch.length);
    batch.forEach((unit, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) unit.resolve(outcome.value);
      else unit.reject(outcome.error);
    });
  }

  return {
    run<T>(work: (trx: Trx) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
        if (!draining) {
          draining = true;
          setImmediate(() => void drain());
        }
      });
    },
    get queued() {
      return queue.length;
    },
    stats,
  };
}

/**
 * A failed unit is rolled back to its savepoint and its error kept for its caller; a failure to
 * roll back means the transaction itself is broken, so that error aborts the whole batch.
 */
const unitSavepoint = savepoint('group_commit_unit');
const runInSavepoint = (trx: Trx, unit: Unit): Promise<Outcome> => unitSavepoint.settle(trx, () => unit.work(trx));
