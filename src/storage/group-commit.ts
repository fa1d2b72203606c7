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
 *
 * Waiting for the lock (issue 11 class 13): each unit may wait for the database's write lock at most
 * `lockTimeoutMs` from the moment it asked. A batch waits once, until its oldest unit's deadline.
 * If the lock is still taken then (`LockTimeoutError`), the units whose time is up get that error
 * (503 `unavailable`; nothing of theirs ran) and the others go back to the front of the queue.
 */
import { LockTimeoutError, monotonicNow } from './lock-wait.js';
import { savepoint, type Settled } from './savepoint.js';
import type { Trx } from './storage.js';

/**
 * Runs `work` in one transaction. A runner that must wait for a lock gives up at `lockDeadline` (a
 * `monotonicNow()` time, Infinity for no limit) with `LockTimeoutError`, before `work` ran.
 */
export type TransactionRunner = <T>(work: (trx: Trx) => Promise<T>, lockDeadline: number) => Promise<T>;

interface Unit {
  work: (trx: Trx) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** When this unit stops waiting for the write lock (`monotonicNow()` time). */
  lockDeadline: number;
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

/**
 * `maxBatch`: most units per transaction. `lockTimeoutMs`: longest a unit waits for the write lock
 * (default: no limit of its own; the runner's applies).
 */
export function createGroupCommit(transaction: TransactionRunner, options: { maxBatch: number; lockTimeoutMs?: number }): GroupCommit {
  if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) throw new Error('maxBatch must be a positive integer');
  const lockTimeoutMs = options.lockTimeoutMs ?? Infinity;
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
      const lockDeadline = Math.min(...batch.map((unit) => unit.lockDeadline));
      outcomes = await transaction(async (trx) => {
        const results: Outcome[] = [];
        for (const unit of batch) results.push(await runInSavepoint(trx, unit));
        return results;
      }, lockDeadline);
    } catch (error) {
      if (error instanceof LockTimeoutError) requeueUnitsWithTimeLeft(batch);
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

  /**
   * After a lock timeout, puts the units whose own deadline has not come back at the front of the
   * queue (removing them from `batch`). When none has run out of time, none is put back, so a
   * runner that gives up early cannot make the queue spin.
   */
  function requeueUnitsWithTimeLeft(batch: Unit[]): void {
    const now = monotonicNow();
    const timeLeft = batch.filter((unit) => unit.lockDeadline > now);
    if (timeLeft.length === batch.length) return;
    queue.unshift(...timeLeft);
    batch.splice(0, batch.length, ...batch.filter((unit) => unit.lockDeadline <= now));
  }

  return {
    run<T>(work: (trx: Trx) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve, reject, lockDeadline: monotonicNow() + lockTimeoutMs });
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
